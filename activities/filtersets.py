"""The filters of this app's lists, declared once; the list views apply them to rows already scoped to the user."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.listing import ALL, YES_NO, CheckboxFilter, MonthFilter, SearchFilter
from communities.filtersets import SubtreeFilter

from .choices import (
    PetitionCategory,
    PetitionChannel,
    PetitionKind,
    PetitionStatus,
    PlanLevel,
    ProjectKind,
    ProjectStatus,
    ResponsibilityStatus,
)
from .models import Activity, ActivityCategory, ActivityPhoto, CreationPlan, Petition, Project, Responsibility
from .selectors.petitions import petition_search

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _date_range_form(start, end, message):
    """Return a filter form class that reports a range whose end comes before its start (the end is then unused)."""

    class DateRangeForm(forms.Form):
        def clean(self):
            cleaned = super().clean()
            if cleaned.get(start) and cleaned.get(end) and cleaned[start] > cleaned[end]:
                self.add_error(end, message)
            return cleaned

    return DateRangeForm


class ActivityFilterSet(django_filters.FilterSet):
    q = SearchFilter(fields=("title", "place", "organiser", "summary"), placeholder=_("名称、地点、组织单位、简介"))
    jurisdiction = SubtreeFilter()
    category = django_filters.ModelChoiceFilter(
        queryset=ActivityCategory.objects.all(), label=_("类别"), empty_label=_("全部类别")
    )
    month = MonthFilter(field_name="date", label=_("月份"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("起始日期"), widget=DATE_INPUT)
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("截止日期"), widget=DATE_INPUT)
    has_photos = django_filters.ChoiceFilter(
        label=_("照片"),
        choices=[("1", _("有照片")), ("0", _("无照片"))],
        empty_label=ALL,
        method="filter_has_photos",
    )

    class Meta:
        model = Activity
        fields = []
        form = _date_range_form("date_from", "date_to", _("截止日期不能早于起始日期。"))

    def filter_has_photos(self, qs, name, value):
        has_photos = Exists(ActivityPhoto.objects.filter(activity=OuterRef("pk")))
        return qs.filter(has_photos if value == "1" else ~has_photos)


class ProjectFilterSet(django_filters.FilterSet):
    q = SearchFilter(fields=("name", "summary"), placeholder=_("项目名称、简介"))
    jurisdiction = SubtreeFilter()
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=ProjectKind.choices, empty_label=_("全部类型"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ProjectStatus.choices, empty_label=_("全部状态"))
    year = django_filters.NumberFilter(label=_("年度"), widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    class Meta:
        model = Project
        fields = []


class PetitionFilterSet(django_filters.FilterSet):
    """None of these filters carries personal data: the query string ends up in logs and browser history."""

    jurisdiction = SubtreeFilter()
    q = django_filters.CharFilter(
        label=_("搜索"), help_text=_("主要诉求、承办部门、办理结果、问题类别"), method="filter_search"
    )
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=PetitionKind.choices, empty_label=ALL)
    channel = django_filters.ChoiceFilter(label=_("来源渠道"), choices=PetitionChannel.choices, empty_label=ALL)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PetitionStatus.choices, empty_label=ALL)
    category = django_filters.ChoiceFilter(label=_("问题类别"), choices=PetitionCategory.choices, empty_label=ALL)
    is_group = django_filters.ChoiceFilter(label=_("群体性"), choices=YES_NO, empty_label=ALL)
    ethnic_factor = django_filters.ChoiceFilter(label=_("涉及民族因素"), choices=YES_NO, empty_label=ALL)
    overdue = CheckboxFilter(label=_("仅看超期"), method="filter_overdue")
    month = MonthFilter(field_name="received_on", label=_("登记月份"))
    received_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("登记日期自"), widget=DATE_INPUT
    )
    received_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("至"), widget=DATE_INPUT
    )

    class Meta:
        model = Petition
        fields = []
        form = _date_range_form("received_from", "received_to", _("结束日期不能早于开始日期。"))

    def filter_search(self, qs, name, value):
        return petition_search(qs, value)

    def filter_overdue(self, qs, name, value):
        return qs.overdue(timezone.localdate()) if value else qs


class PlanFilterSet(django_filters.FilterSet):
    jurisdiction = SubtreeFilter()
    level = django_filters.ChoiceFilter(
        field_name="target_level", label=_("目标级别"), choices=PlanLevel.choices, empty_label=ALL
    )
    q = SearchFilter(fields=("title", "target_title", "jurisdiction__name"), placeholder=_("方案名称、创建目标"))

    class Meta:
        model = CreationPlan
        fields = []


class ResponsibilityFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ResponsibilityStatus.choices, empty_label=ALL)
    department = django_filters.CharFilter(
        label=_("部门"), method="filter_department", widget=forms.TextInput(attrs={"list": "departments"})
    )
    overdue = CheckboxFilter(label=_("只看逾期"), method="filter_overdue")
    q = SearchFilter(
        fields=("indicator__code", "indicator__title", "lead_department", "responsible_person", "target"),
        placeholder=_("指标、责任人、目标"),
    )

    class Meta:
        model = Responsibility
        fields = []

    def filter_department(self, qs, name, value):
        return qs.filter(Q(lead_department__icontains=value) | Q(cooperating_departments__icontains=value))

    def filter_overdue(self, qs, name, value):
        return qs.overdue(timezone.localdate()) if value else qs
