"""Month-by-month series for the dashboard's trend charts (the cockpit), each one SQL query.

A month is grouped on the ISO text "YYYY-MM" of its date column, as `activity_counts_by_month` does, so that
SQLite needs no Python date function and PostgreSQL groups on a plain expression.
"""

from datetime import date

from django.db.models import CharField, Count, Q
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from ..choices import OPEN_PETITION_STATUSES
from ..choices import PetitionStatus as S
from ..models import Petition


def _month(text):
    return date(int(text[:4]), int(text[5:7]), 1)


def petition_counts_by_month(*, jurisdiction, start, end, today=None):
    """Return {first day of month: {"received", "closed", "overdue"}} for the cases received in each month.

    The cohort is the one of `petition_figures`: cases received from `start` to `end`, closed when closed on or
    before `end`; so the months' received and closed add up to the period's. `overdue` counts the month's cases
    still open past their due date on `today` (the period's own 当前超期 also counts older cases).
    """
    today = today or timezone.localdate()
    rows = (
        Petition.objects.in_subtree(jurisdiction)
        .filter(received_on__gte=start, received_on__lte=end)
        .annotate(month_text=Substr(Cast("received_on", CharField()), 1, 7))
        .order_by()
        .values("month_text")
        .annotate(
            received=Count("pk"),
            closed=Count("pk", filter=Q(status=S.CLOSED, closed_on__lte=end)),
            overdue=Count("pk", filter=Q(status__in=OPEN_PETITION_STATUSES, due_on__lt=today)),
        )
        .order_by("month_text")
    )
    return {
        _month(r["month_text"]): {"received": r["received"], "closed": r["closed"], "overdue": r["overdue"]}
        for r in rows
    }
