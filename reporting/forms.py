"""Forms of the work report's draft (the narrative people write) and of the report template."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import ReportTemplate
from .outline import (
    HIGHLIGHTS,
    MAX_ITEMS,
    MAX_TEXT,
    NARRATIVE_LABELS,
    NEXT_STEPS,
    OVERVIEW,
    PRACTICES,
    PROBLEMS,
    clean_narrative,
    known_sections,
    outline_text,
    parse_outline,
    validate_outline,
)


class ItemsWidget(forms.Widget):
    """Several inputs of one name (one per highlight); the page draws them itself, numbered 一是、二是…"""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])


class ItemsField(forms.Field):
    widget = ItemsWidget

    def to_python(self, value):
        if value in (None, ""):
            return []
        items = [value] if isinstance(value, str) else list(value)
        return [item.strip() for item in items if item and item.strip()]

    def validate(self, value):
        super().validate(value)
        if len(value) > MAX_ITEMS:
            raise ValidationError(_("最多%(n)d条。"), code="too_many", params={"n": MAX_ITEMS})
        if any(len(item) > MAX_TEXT for item in value):
            raise ValidationError(_("每条不能超过%(n)d个字。"), code="too_long", params={"n": MAX_TEXT})


def _text(key):
    return forms.CharField(
        label=NARRATIVE_LABELS[key], required=False, max_length=MAX_TEXT, strip=True, widget=forms.Textarea
    )


class ReportDraftForm(forms.Form):
    """The narrative of a draft; the figures are never part of it."""

    overview = _text(OVERVIEW)
    practices = _text(PRACTICES)
    highlights = ItemsField(label=NARRATIVE_LABELS[HIGHLIGHTS], required=False)
    problems = _text(PROBLEMS)
    next_steps = _text(NEXT_STEPS)
    # The version the page was opened on: a save over someone's newer one is refused (services.DraftConflict).
    base_number = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        self.narrative = clean_narrative(
            {key: data.get(key) or ([] if key == HIGHLIGHTS else "") for key in NARRATIVE_LABELS}
        )
        return data


class ReportTemplateForm(forms.Form):
    title = forms.CharField(
        label=_("标题"), required=False, max_length=200, help_text=ReportTemplate._meta.get_field("title").help_text
    )
    opening = forms.CharField(
        label=_("开头语"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=ReportTemplate._meta.get_field("opening").help_text,
    )
    outline = forms.CharField(
        label=_("汇报提纲"),
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "每行一个部分，按顺序排列。可用的部分：%(known)s。"
            "如需改写标题，在部分名称后加冒号和新标题，例如“工作开展情况：扎实开展民族工作，促进社区民族大团结”。"
            "“工作亮点”单列一行时成为独立部分，否则列在工作开展情况之下。"
        ),
    )
    signature = forms.CharField(
        label=_("落款"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=ReportTemplate._meta.get_field("signature").help_text,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outline"].help_text = self.fields["outline"].help_text % {"known": known_sections()}

    @classmethod
    def initial_from(cls, template):
        return {
            "title": template.title,
            "opening": template.opening,
            "outline": outline_text(template.outline),
            "signature": template.signature,
        }

    def clean_outline(self):
        outline = parse_outline(self.cleaned_data["outline"])
        validate_outline(outline)
        return outline
