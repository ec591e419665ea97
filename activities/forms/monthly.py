"""Forms of the monthly returns: the month's grid, a reason for sending back or reopening, a figure definition."""

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.choices import JurisdictionLevel

from ..choices import FigureFrequency
from ..models import MonthlyFigure
from ..services.monthly import FIGURE_FIELDS, VALUE_MAX


def figure_field_name(figure):
    return f"figure_{figure.pk}"


class MonthlyGridForm(forms.Form):
    """One whole-number field per figure; an empty field means "not filled yet"."""

    def __init__(self, *args, figures, initial_values=None, warnings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.figures = list(figures)
        # One line per broken warning rule: the reviewer reads it beside the rule and both values.
        self.warnings = list(warnings)
        for violation in self.warnings:
            self.fields[f"explain_{violation.rule.pk}"] = forms.CharField(
                label=violation.rule_text,
                required=False,
                max_length=200,
                initial=violation.explanation,
                help_text=violation.message,
            )
        initial_values = initial_values or {}
        for figure in self.figures:
            message = _("“%(figure)s”应填写不小于0的整数（单位：%(unit)s）。") % {
                "figure": figure.name,
                "unit": figure.unit,
            }
            self.fields[figure_field_name(figure)] = forms.IntegerField(
                label=figure.name,
                required=False,
                min_value=0,
                max_value=VALUE_MAX,
                help_text=figure.help_text,
                initial=initial_values.get(figure.pk),
                error_messages={"invalid": message, "min_value": message, "max_value": message},
                widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
            )
            self.fields[figure_field_name(figure)].figure = figure

    def values(self):
        """Return {figure: whole number or None} from the cleaned data."""
        return {figure: self.cleaned_data.get(figure_field_name(figure)) for figure in self.figures}

    def explanations(self):
        """Return {rule pk: one line} for the broken warning rules shown in the form."""
        return {v.rule.pk: self.cleaned_data.get(f"explain_{v.rule.pk}", "") for v in self.warnings}

    def explanation_fields(self):
        return [self[f"explain_{v.rule.pk}"] for v in self.warnings]

    def rows(self):
        return [(figure, self[figure_field_name(figure)]) for figure in self.figures]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写理由，说明需要修改什么。")},
    )


class MonthlyFigureForm(forms.ModelForm):
    levels = forms.MultipleChoiceField(
        label=_("填报层级"),
        choices=JurisdictionLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("哪些层级的辖区填报此指标；不选即社区和村。"),
    )

    class Meta:
        model = MonthlyFigure
        fields = FIGURE_FIELDS
        help_texts = {"code": _("英文字母、数字、下划线，用于导出和汇总，设定后尽量不要修改。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Most figures are monthly: a form (or an older client) that leaves the frequency out means monthly.
        self.fields["frequency"].required = False

    def clean_frequency(self):
        return self.cleaned_data.get("frequency") or FigureFrequency.MONTHLY
