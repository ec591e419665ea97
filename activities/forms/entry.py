"""The new-activity form with its quick-repeat parts: copied from an earlier activity, several dates at once,
and the category and place the person used last."""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import ActivityEntryPreference, Indicator
from ..services.activities import ACTIVITY_FIELDS
from ..services.entry import MAX_DATES, activity_dates
from .activities import ActivityForm

# Dates may be separated by spaces, new lines or the commas and enumeration marks people type in Chinese.
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
# What a copy carries over: everything but the date (today instead) and the photos (they show another day).
COPIED_FIELDS = tuple(name for name in ACTIVITY_FIELDS if name != "date")


def parse_dates(text):
    """Return the dates in `text` ("2026-12-08 2026-12-15", "2026/12/8，2026年12月15日"); refuse the first that
    does not read as a date, naming it."""
    dates = []
    for token in _SEPARATORS.split((text or "").strip()):
        if not token:
            continue
        match = _DATE.match(token)
        try:
            dates.append(date(*(int(part) for part in match.groups())) if match else None)
        except ValueError:
            dates.append(None)
        if dates[-1] is None:
            raise ValidationError(
                _("“%(text)s”不是有效的日期，请按“年-月-日”填写，例如 2026-12-08。"), params={"text": token[:20]}
            )
    return dates


def copy_initial(source, user):
    """Initial values of a new activity copied from `source`: the same facts, today's date, no photos."""
    keys = {"jurisdiction": "jurisdiction_id", "category": "category_id"}
    initial = {name: getattr(source, keys.get(name, name)) for name in COPIED_FIELDS}
    initial["date"] = timezone.localdate()
    visible = Indicator.objects.for_user(user).values_list("pk", flat=True)
    initial["indicators"] = list(source.indicators.filter(pk__in=visible).values_list("pk", flat=True))
    return initial


def preference_initial(user):
    """The category and place `user` recorded last, for a new blank form (an inactive category is not offered)."""
    preference = ActivityEntryPreference.objects.filter(user=user).select_related("category").first()
    if preference is None:
        return {}
    initial = {"place": preference.place} if preference.place else {}
    if preference.category is not None and preference.category.is_active:
        initial["category"] = preference.category_id
    return initial


class NewActivityForm(ActivityForm):
    """A new activity, optionally recorded for several dates: extra dates typed in, and/or every week until a day."""

    extra_dates = forms.CharField(
        label=_("另外的日期"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "2026-12-08 2026-12-15"}),
    )
    weekly_until = forms.DateField(
        label=_("每周重复至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("从活动日期起每周同一天记录一次，直到这一天（含）。"),
    )

    def __init__(self, *args, user, source=None, **kwargs):
        remembered = copy_initial(source, user) if source else preference_initial(user)
        kwargs["initial"] = {**remembered, **kwargs.get("initial", {})}
        super().__init__(*args, user=user, **kwargs)
        self.source = source
        self.fields["extra_dates"].help_text = _(
            "同一活动还在哪些日期举行：每个日期用空格、逗号或换行隔开；连同活动日期最多 %(limit)s 个。"
        ) % {"limit": MAX_DATES}

    def clean_extra_dates(self):
        return parse_dates(self.cleaned_data.get("extra_dates"))

    def clean(self):
        cleaned = super().clean()
        first = cleaned.get("date")
        if first is not None and "extra_dates" not in self.errors and "weekly_until" not in self.errors:
            try:
                cleaned["dates"] = activity_dates(
                    first=first, extra=cleaned.get("extra_dates") or (), weekly_until=cleaned.get("weekly_until")
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, messages in error.message_dict.items():
                        self.add_error(field, messages)
                else:
                    self.add_error("extra_dates", error)
        return cleaned

    def dates(self):
        return self.cleaned_data.get("dates") or [self.cleaned_data["date"]]

    def is_repeating(self):
        """Tell whether the repeat part should show open: something was typed into it."""
        return bool(self["extra_dates"].value() or self["weekly_until"].value())
