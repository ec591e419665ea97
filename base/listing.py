"""The shape every record list shares: scoped rows, a declared FilterSet, pages, and an Excel export of the same rows.

A list page declares, and writes nothing by hand:

    class ActivityListView(ScopedListView):
        model = Activity
        filterset_class = ActivityFilterSet      # <app>/filtersets.py
        export_columns = [Column(...), ...]      # the Excel columns, once

Rows start from `Model.objects.for_user(user, action)`; the FilterSet narrows them and never widens them. A filter
value that does not parse is shown with its error and left out; the others still apply. Templates build links
with Django's `{% querystring %}`, so pages and the export keep the filters.
"""

from datetime import date

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from .exports import CHUNK_SIZE, ExportTooLarge, Sheet, column_rows, ensure_exportable, xlsx_response

ALL = _("全部")
YES_NO = [("1", _("是")), ("0", _("否"))]


class MonthField(forms.Field):
    """A month as `YYYY-MM` (what <input type=month> sends), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2024-03"})

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-"))
            return date(year, month, 1)
        except ValueError:
            raise ValidationError(_("月份应写成“年-月”，例如 2024-03。"), code="invalid") from None


class MonthFilter(django_filters.Filter):
    """`?month=YYYY-MM`: the rows whose `field_name` (a date) falls in that month."""

    field_class = MonthField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__year": value.year, f"{self.field_name}__month": value.month})


class SearchFilter(django_filters.CharFilter):
    """`?q=`: rows where any of `fields` contains the words typed."""

    def __init__(self, *args, fields, placeholder="", **kwargs):
        self.search_fields = fields
        kwargs.setdefault("label", _("搜索"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "search", "placeholder": placeholder}))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        condition = Q()
        for name in self.search_fields:
            condition |= Q(**{f"{name}__icontains": value})
        return qs.filter(condition)


class CheckboxFilter(django_filters.Filter):
    """A checkbox (`?overdue=on`); its `method` is called with False when unticked and should then do nothing."""

    field_class = forms.BooleanField


class ScopedListView(LoginRequiredMixin, ListView):
    """A list that starts from `Model.objects.for_user(user, action)`, filtered by `filterset_class`.

    `?format=xlsx` downloads what the filters show (every page) with `export_columns`, within the row limit.
    """

    paginate_by = 25
    filterset_class = None
    export_columns = ()
    export_filename = "export"
    action = "view"

    def get_base_queryset(self):
        return self.model.objects.for_user(self.request.user, self.action)

    def get_filterset(self):
        if not hasattr(self, "filterset"):
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=self.get_base_queryset(), request=self.request
            )
        return self.filterset

    def get_queryset(self):
        if self.filterset_class is None:
            return self.get_base_queryset()
        return self.get_filterset().qs

    def get_export_queryset(self):
        """Return the rows to export: the list's, with what the columns read joined in (override to add it)."""
        return self.get_queryset()

    def get_export_sheets(self, rows):
        """Return the sheets of the download: one, the rows with `export_columns` (override to add more)."""
        return [
            Sheet(
                title=self.model._meta.verbose_name_plural,
                headers=[column.header for column in self.export_columns],
                rows=column_rows(rows.iterator(chunk_size=CHUNK_SIZE), self.export_columns),
                widths=[column.column_width() for column in self.export_columns],
            )
        ]

    def get_export_filename(self):
        return f"{self.export_filename}-{timezone.localdate():%Y%m%d}.xlsx"

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx" and self.export_columns:
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self):
        rows = self.get_export_queryset()
        try:
            ensure_exportable(rows.count())
            return xlsx_response(filename=self.get_export_filename(), sheets=self.get_export_sheets(rows))
        except ExportTooLarge as refusal:
            messages.error(self.request, refusal.message)
            query = self.request.GET.copy()
            query.pop("format", None)
            return redirect(f"{self.request.path}?{query.urlencode()}" if query else self.request.path)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.filterset_class is not None:
            context["filterset"] = self.get_filterset()
            context["filter_form"] = self.get_filterset().form
        return context
