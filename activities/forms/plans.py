"""Forms of creation plans: the plan with its inline lists, indicators, responsibility lines, evidence, import."""

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from base.spreadsheets import SpreadsheetError, check_upload
from communities.choices import Action
from communities.models import Jurisdiction

from ..models import CreationPlan, Indicator, LeadingGroupMember, PlanBudget, PlanMeasure, Responsibility
from ..services.plans import (
    EVIDENCE_KINDS,
    EVIDENCE_MAX_BYTES,
    INDICATOR_FIELDS,
    PLAN_FIELDS,
    RESPONSIBILITY_FIELDS,
)

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
TEXT = {"rows": 3}


class PlanForm(forms.ModelForm):
    class Meta:
        model = CreationPlan
        fields = PLAN_FIELDS
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "goal": forms.Textarea(attrs=TEXT),
            "theme": forms.Textarea(attrs=TEXT),
            "main_line": forms.Textarea(attrs=TEXT),
            "highlights": forms.Textarea(attrs={"rows": 5}),
            "problems": forms.Textarea(attrs={"rows": 5}),
            "next_steps": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "problems": _("工作汇报“存在问题”部分的文字。"),
            "next_steps": _("工作汇报“下一步工作打算”部分的文字。"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.for_user(user, Action.CHANGE)


class InlineRowForm(forms.ModelForm):
    """A row of an inline list; a new row whose `key_fields` are all blank is an unused row, not an error."""

    key_fields = ()

    def has_changed(self):
        if self.instance.pk is None and not any(
            str(self.data.get(self.add_prefix(name), "")).strip() for name in self.key_fields
        ):
            return False
        return super().has_changed()


class MeasureRowForm(InlineRowForm):
    key_fields = ("title", "description")


class MemberRowForm(InlineRowForm):
    key_fields = ("name", "post")


class BudgetRowForm(InlineRowForm):
    key_fields = ("year", "amount", "note")


MeasureFormSet = inlineformset_factory(
    CreationPlan,
    PlanMeasure,
    form=MeasureRowForm,
    fields=["order", "title", "description"],
    widgets={"description": forms.Textarea(attrs={"rows": 2})},
    extra=1,
    can_delete=True,
)
LeadingGroupFormSet = inlineformset_factory(
    CreationPlan,
    LeadingGroupMember,
    form=MemberRowForm,
    fields=["order", "role", "name", "post"],
    extra=1,
    can_delete=True,
)
BudgetFormSet = inlineformset_factory(
    CreationPlan,
    PlanBudget,
    form=BudgetRowForm,
    fields=["year", "amount", "spent", "note"],
    extra=1,
    can_delete=True,
)

PLAN_INLINES = (
    ("measures", MeasureFormSet, _("工作举措（“111X”中的X项举措）")),
    ("members", LeadingGroupFormSet, _("领导小组")),
    ("budgets", BudgetFormSet, _("年度经费")),
)


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS
        widgets = {
            "content": forms.Textarea(attrs=TEXT),
            "criteria": forms.Textarea(attrs=TEXT),
            "evidence_requirements": forms.Textarea(attrs=TEXT),
        }
        help_texts = {"parent": _("留空表示一级指标。")}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        parents = Indicator.objects.filter(plan=plan, parent__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = False


class ResponsibilityForm(forms.ModelForm):
    class Meta:
        model = Responsibility
        fields = RESPONSIBILITY_FIELDS
        widgets = {
            "deadline": DATE,
            "target": forms.Textarea(attrs=TEXT),
            "note": forms.Textarea(attrs=TEXT),
            "progress": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
        }
        help_texts = {
            "cooperating_departments": _("多个部门用顿号“、”分隔。"),
            "self_score": _("不超过该指标的分值；同一指标各责任行合计也不超过分值。"),
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.filter(plan=plan).select_related("parent")
        self.fields["indicator"].label_from_instance = lambda i: f"{i.code} {i.title}（{i.points}分）"


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("可上传 PDF、Word（doc/docx）、Excel（xls/xlsx）、JPG、PNG，单个文件不超过%(max)s MB。")
        % {"max": EVIDENCE_MAX_BYTES // 1024 // 1024},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(EVIDENCE_KINDS))}),
    )
    title = forms.CharField(label=_("标题"), max_length=200, required=False, help_text=_("留空则使用文件名。"))
    responsibility = forms.ModelChoiceField(
        label=_("对应责任分解"), queryset=Responsibility.objects.none(), required=False
    )

    def __init__(self, *args, indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsibility"].queryset = Responsibility.objects.filter(indicator=indicator)
        self.fields["responsibility"].label_from_instance = lambda r: (
            f"{r.lead_department} {r.responsible_person}".strip()
        )


class IndicatorImportForm(forms.Form):
    file = forms.FileField(
        label=_("指标表格文件"),
        help_text=_(
            "Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）。"
            "列：一级指标、二级指标、指标内容、分值、资料收集和归档、责任单位及责任人。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload)
        except SpreadsheetError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload
