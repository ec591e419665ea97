"""Forms of activities, photos, activity categories and projects; they validate, the services write."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base import access
from communities.choices import Action
from communities.models import Jurisdiction

from ..images import process_photo
from ..models import Activity, ActivityCategory, Project, ProjectFunding
from ..selectors.plans import evidence_indicators
from ..services.activities import (
    ACTIVITY_FIELDS,
    CATEGORY_FIELDS,
    FUNDING_FIELDS,
    MAX_PHOTOS_PER_UPLOAD,
    PROJECT_FIELDS,
    funding_excess_message,
)

# Counts most activities leave at zero: a blank box means none, so only the participants are required.
ZERO_WHEN_BLANK = (
    "minority_participants",
    "posters",
    "handbooks",
    "promo_items",
    "light_boxes",
    "online_posts",
    "people_reached",
)
PHOTO_ACCEPT = "image/jpeg,image/png,.jpg,.jpeg,.png"
NUMERIC_ATTRS = {"inputmode": "numeric", "min": "0"}
MONEY_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0"}


class JurisdictionChoiceField(forms.ModelChoiceField):
    """A jurisdiction select indented by depth, so a subtree reads as a tree on a phone too."""

    def __init__(self, *args, min_depth=0, **kwargs):
        self.min_depth = min_depth
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return "　" * max(obj.depth - self.min_depth, 0) + obj.name


def change_scope(user):
    return Jurisdiction.objects.for_user(user, Action.CHANGE).only("name", "code", "depth", "path")


def jurisdiction_field(user, **kwargs):
    queryset = change_scope(user)
    depths = [j.depth for j in queryset]
    return JurisdictionChoiceField(
        queryset=queryset, min_depth=min(depths, default=0), label=_("辖区"), empty_label=_("请选择辖区"), **kwargs
    )


def default_jurisdiction(user):
    """Return the one jurisdiction where `user` may enter records, or None when there are several."""
    return access.default_jurisdiction_id(user, Action.CHANGE)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """Several photos from one file input; each is decoded and re-encoded, and refused with its own reason."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": PHOTO_ACCEPT, "multiple": True})

    def clean(self, data, initial=None):
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > MAX_PHOTOS_PER_UPLOAD:
            raise ValidationError(
                _("一次最多上传 %(limit)s 张照片，请分批上传。"), params={"limit": MAX_PHOTOS_PER_UPLOAD}
            )
        processed, errors = [], []
        for upload in uploads:
            try:
                processed.append(process_photo(upload))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return processed


def _captions(raw, count):
    lines = [line.strip() for line in (raw or "").splitlines()]
    return (lines + [""] * count)[:count]


class CaptionsMixin:
    def clean_photo_captions(self):
        captions = self.cleaned_data.get("photo_captions", "")
        too_long = [line for line in captions.splitlines() if len(line.strip()) > 200]
        if too_long:
            raise ValidationError(_("每张照片的说明不超过200字，请缩短：%(text)s"), params={"text": too_long[0][:20]})
        return captions

    def photos_with_captions(self):
        photos = self.cleaned_data.get("photos") or []
        return list(zip(photos, _captions(self.cleaned_data.get("photo_captions"), len(photos)), strict=True))


def photo_captions_field():
    return forms.CharField(
        label=_("照片说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-photo-captions": True}),
        help_text=_("每行一条，顺序与所选照片一致；写明时间、地点、人物、主题。"),
    )


class ActivityForm(CaptionsMixin, forms.ModelForm):
    """Create or change an activity, with new photos attached in the same submission."""

    photos = PhotoField(
        label=_("照片"),
        help_text=_("可一次选择多张。仅限 JPEG 或 PNG，单张不超过 10 MB；保存时会去除拍摄位置等信息。"),
    )
    photo_captions = photo_captions_field()

    class Meta:
        model = Activity
        fields = [*ACTIVITY_FIELDS, "indicators"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "indicators": forms.CheckboxSelectMultiple,
            "title": forms.TextInput(attrs={"autocomplete": "off"}),
            **{
                name: forms.NumberInput(attrs=NUMERIC_ATTRS)
                for name in ACTIVITY_FIELDS
                if name.endswith(("participants", "posters", "handbooks", "items", "boxes", "posts", "reached"))
            },
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name in ZERO_WHEN_BLANK:
            self.fields[name].required = False
        self.fields["jurisdiction"] = jurisdiction_field(user)
        current_category = self.instance.category_id if self.instance.pk else None
        self.fields["category"].queryset = ActivityCategory.objects.filter(Q(is_active=True) | Q(pk=current_category))
        self.fields["category"].empty_label = _("请选择类别")
        indicators, named = evidence_indicators(user=user)
        self.fields["indicators"].queryset = indicators
        self.fields["indicators"].label_from_instance = lambda i: (
            f"{i.plan.title} · {i.code} {i.title}" + (str(_("（责任分解涉及本辖区）")) if i.pk in named else "")
        )
        self.fields["indicators"].help_text = _(
            "这次活动可作为哪些测评指标的佐证（可不选）。责任分解涉及本辖区的指标排在前面。"
        )
        if not self.instance.pk:
            # Set on the form, not the field: an unsaved instance passed in would otherwise supply empty values.
            self.initial.setdefault("date", timezone.localdate())
            self.initial["jurisdiction"] = self.initial.get("jurisdiction") or default_jurisdiction(user)

    def clean(self):
        cleaned = super().clean()
        for name in ZERO_WHEN_BLANK:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = 0
        return cleaned

    def activity_fields(self):
        return {name: self.cleaned_data[name] for name in ACTIVITY_FIELDS}

    def has_indicator_choices(self):
        return self.fields["indicators"].queryset.exists()


class PhotoAddForm(CaptionsMixin, forms.Form):
    photos = PhotoField(label=_("照片"), required=True, help_text=_("可一次选择多张，仅限 JPEG 或 PNG。"))
    photo_captions = photo_captions_field()


class CategoryForm(forms.ModelForm):
    class Meta:
        model = ActivityCategory
        fields = CATEGORY_FIELDS
        widgets = {"order": forms.NumberInput(attrs=NUMERIC_ATTRS)}
        help_texts = {
            "report_section": _("工作汇报中，这类活动计入哪一部分。"),
            "is_active": _("停用后，新增活动时不再提供此类别；已记录的活动保留原类别。"),
        }


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = list(PROJECT_FIELDS)
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "total_investment": forms.NumberInput(attrs=MONEY_ATTRS),
            "amount_spent": forms.NumberInput(attrs=MONEY_ATTRS),
            "year": forms.NumberInput(attrs={**NUMERIC_ATTRS, "placeholder": _("默认取开工年份")}),
            "households_served": forms.NumberInput(attrs=NUMERIC_ATTRS),
            "persons_served": forms.NumberInput(attrs=NUMERIC_ATTRS),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"] = jurisdiction_field(user)
        if not self.instance.pk:
            self.initial["jurisdiction"] = self.initial.get("jurisdiction") or default_jurisdiction(user)
            # Left empty so the start date's year applies; the model's default would hide that.
            self.initial["year"] = None

    def project_fields(self):
        return {name: self.cleaned_data[name] for name in PROJECT_FIELDS}


class BaseFundingFormSet(forms.BaseInlineFormSet):
    """The funding rows of a project; their cash may add up to less than its total investment, never to more.

    `investment` is the total to check against; the page sets it from the project form it was just given (None
    while that total is itself invalid), the admin leaves it to the project being saved.
    """

    investment = ...

    def clean(self):
        if any(self.errors):
            return
        investment = self.instance.total_investment if self.investment is ... else self.investment
        total = sum(
            (row["amount"] for row in self.funding_rows() if not row["in_kind"] and row["amount"] is not None),
            Decimal(0),
        )
        if investment is not None and total > investment:
            raise ValidationError(funding_excess_message(total, investment))
        super().clean()

    def funding_rows(self):
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("source"):
                continue
            rows.append({name: data.get(name) for name in FUNDING_FIELDS})
        return rows


class FundingForm(forms.ModelForm):
    class Meta:
        model = ProjectFunding
        fields = list(FUNDING_FIELDS)
        widgets = {
            "amount": forms.NumberInput(attrs=MONEY_ATTRS),
            "funder": forms.TextInput(attrs={"placeholder": _("如：打厂沟煤矿")}),
            "description": forms.TextInput(attrs={"placeholder": _("如：投工投劳、土地")}),
        }

    def clean(self):
        data = super().clean()
        if data.get("source") and not data.get("in_kind") and data.get("amount") is None:
            self.add_error("amount", _("现金出资须填写金额（万元）；实物或投劳请勾选“实物或投劳”。"))
        return data


FundingFormSet = forms.inlineformset_factory(
    Project,
    ProjectFunding,
    form=FundingForm,
    formset=BaseFundingFormSet,
    fields=list(FUNDING_FIELDS),
    extra=2,
    can_delete=True,
)
