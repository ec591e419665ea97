"""Repeat work quickly: one activity recorded for several dates at once, and the form's remembered choices.

A recurring activity (the weekly 四点钟驿站, the monthly 政策宣讲) is typed once and saved as one activity per
date, all or nothing. The category and place a person used last are remembered on the server, per person.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from base.periods import first_of_month, month_label

from ..models import ActivityEntryPreference
from .activities import activity_create
from .common import month_is_locked

# A weekly activity for a whole year is 53 dates; more is a typing slip (a wrong year), not a plan.
MAX_DATES = 53


def _too_many(count):
    return ValidationError(
        _("一次最多记录 %(limit)s 个日期，现在是 %(count)s 个，请缩短日期范围或分几次记录。")
        % {"limit": MAX_DATES, "count": count},
        code="too_many_dates",
    )


def activity_dates(*, first, extra=(), weekly_until=None):
    """Return the sorted dates an entry covers: `first`, each of `extra`, and every week after `first` to
    `weekly_until` (inclusive). Refuse an end before the start and more than MAX_DATES dates."""
    dates = {first, *extra}
    if weekly_until is not None:
        if weekly_until < first:
            raise ValidationError(
                {"weekly_until": _("“每周重复至”不能早于活动日期 %(date)s。") % {"date": f"{first:%Y-%m-%d}"}}
            )
        weeks = (weekly_until - first).days // 7
        # Counted before the list is built, so a typo such as 2062 for 2026 costs nothing.
        if weeks + 1 > MAX_DATES:
            raise ValidationError({"weekly_until": _too_many(weeks + 1)})
        dates.update(first + timedelta(weeks=n) for n in range(weeks + 1))
    if len(dates) > MAX_DATES:
        raise _too_many(len(dates))
    return sorted(dates)


def locked_dates(*, jurisdiction, dates):
    """Return those of `dates` whose month an approved return has locked for `jurisdiction` (one query a month)."""
    locked_months = {}
    for day in dates:
        month = first_of_month(day)
        if month not in locked_months:
            locked_months[month] = month_is_locked(jurisdiction=jurisdiction, day=day)
    return [day for day in dates if locked_months[first_of_month(day)]]


def entry_preference_remember(*, user, category, place):
    """Remember the category and place `user` just recorded an activity with."""
    ActivityEntryPreference.objects.update_or_create(
        user=user, defaults={"category": category, "place": (place or "").strip()}
    )


@transaction.atomic
def activity_create_many(*, actor, dates, indicators=(), photos=(), **fields):
    """Record the same activity once for each of `dates`, all or nothing; return the activities by date.

    Every date is checked against the locked months first, so one refusal names every date that cannot be
    recorded. Photos belong to one event: they are accepted with a single date only.
    """
    dates = sorted(set(dates))
    if not dates:
        raise ValidationError({"date": _("请填写活动日期。")})
    if len(dates) > MAX_DATES:
        raise _too_many(len(dates))
    photos = list(photos)
    if photos and len(dates) > 1:
        raise ValidationError(
            {"photos": _("一次记录多个日期时不能上传照片：请先保存，再到各次活动的页面分别添加照片。")}
        )
    jurisdiction = fields.get("jurisdiction")
    # A single date gets the usual message from activity_create; several get one naming every locked date.
    if jurisdiction is not None and len(dates) > 1:
        locked = locked_dates(jurisdiction=jurisdiction, dates=dates)
        if locked:
            named = "、".join(
                _("%(date)s（%(month)s）") % {"date": f"{d:%Y-%m-%d}", "month": month_label(d)} for d in locked
            )
            raise ValidationError(
                {
                    "date": _(
                        "以下日期所在月份的月报已审核锁定，不能记录：%(dates)s。请去掉这些日期，或请领导先重新开放该月。"
                    )
                    % {"dates": named}
                }
            )
    created = [
        activity_create(actor=actor, indicators=indicators, photos=photos, **{**fields, "date": day}) for day in dates
    ]
    entry_preference_remember(user=actor, category=fields.get("category"), place=fields.get("place"))
    return created
