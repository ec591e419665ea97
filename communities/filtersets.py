"""List filters of this app, and the jurisdiction filter every scoped list declares."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from base.listing import ALL, SearchFilter

from .choices import Role
from .models import Jurisdiction, Membership


def _visible(request):
    user = getattr(request, "user", None)
    if user is None:
        return Jurisdiction.objects.none()
    return Jurisdiction.objects.for_user(user).exclude(code=None).only("name", "code", "depth")


class SubtreeFilter(django_filters.Filter):
    """`?jurisdiction=<division code>`: the rows of that jurisdiction's subtree.

    The code is looked up among the jurisdictions the user may see, so another subtree's code gives an empty
    list, exactly like a code that does not exist; it never widens the user's rows. The select offers the
    jurisdictions the user may see.
    """

    field_class = forms.CharField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("辖区"))
        super().__init__(*args, **kwargs)

    @property
    def field(self):
        if not hasattr(self, "_field"):
            request = getattr(self.parent, "request", None)
            choices = [("", _("全部辖区")), *((j.code, j.name) for j in _visible(request))]
            self.extra["widget"] = forms.Select(choices=choices)
        return super().field

    def filter(self, qs, value):
        if not value:
            return qs
        root = _visible(getattr(self.parent, "request", None)).filter(code=value).first()
        return qs.in_subtree(root) if root else qs.none()


class MembershipFilterSet(django_filters.FilterSet):
    jurisdiction = SubtreeFilter()
    role = django_filters.ChoiceFilter(label=_("角色"), choices=Role.choices, empty_label=ALL)
    q = SearchFilter(fields=("user__username", "user__first_name", "user__last_name"), label=_("用户"))

    class Meta:
        model = Membership
        fields = []
