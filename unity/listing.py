"""The shape every record list shares: scoped rows, filters from the query string, search, pages, Excel export."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.utils import timezone
from django.views.generic import ListView

from communities.choices import Action
from communities.models import Jurisdiction

from .exports import xlsx_response


class ScopedListView(LoginRequiredMixin, ListView):
    """A list that starts from `Model.objects.for_user(user)`; subclasses declare filters, search and export.

    - `filters`: {query parameter: ORM lookup} applied when the parameter is non-empty.
    - `search_fields`: fields searched (icontains) with `?q=`.
    - `export_columns`: [(header, function(row) -> value)]; `?format=xlsx` downloads what the filters show.
    """

    paginate_by = 25
    filters = {}
    search_fields = ()
    export_columns = ()
    export_filename = "export"
    action = Action.VIEW

    def get_base_queryset(self):
        return self.model.objects.for_user(self.request.user, self.action)

    def get_queryset(self):
        qs = self.get_base_queryset()
        params = self.request.GET
        for param, lookup in self.filters.items():
            value = params.get(param, "").strip()
            if value:
                qs = qs.filter(**{lookup: value})
        jurisdiction_code = params.get("jurisdiction", "").strip()
        if jurisdiction_code:
            root = Jurisdiction.objects.for_user(self.request.user).filter(code=jurisdiction_code).first()
            qs = qs.in_subtree(root) if root else qs.none()
        term = params.get("q", "").strip()
        if term and self.search_fields:
            condition = Q()
            for name in self.search_fields:
                condition |= Q(**{f"{name}__icontains": term})
            qs = qs.filter(condition)
        return qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx" and self.export_columns:
            rows = ([fn(obj) for _, fn in self.export_columns] for obj in self.get_queryset())
            stamp = timezone.localdate().strftime("%Y%m%d")
            return xlsx_response(
                filename=f"{self.export_filename}-{stamp}.xlsx",
                sheet_title=str(self.model._meta.verbose_name_plural),
                headers=[str(h) for h, _ in self.export_columns],
                rows=rows,
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        context["jurisdictions"] = Jurisdiction.objects.for_user(self.request.user).only("name", "code", "depth")
        return context
