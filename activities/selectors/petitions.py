"""Reads of petitions and disputes for the pages, the dashboard and the work report.

Every figure is over the cases *received* in a period (登记日期 within [start, end]) in a jurisdiction's
subtree, and counts their state as recorded now, bounded by `end` where a step has a date: a case closed
after `end` is not counted closed in that period. So 办结率 = closed ÷ received never exceeds 100%, and it
reaches 100% only when every case received in the period is closed.

The one exception is `overdue`: "overdue" is a state today, not a property of a period. It counts every case
of the subtree still open past its due date on `today`, whenever it was received, so the dashboard of any
period, the petition list's 超期未办 and the report give the same number (`overdue_count`).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from communities.figures import share

from ..choices import PetitionCategory, PetitionChannel, PetitionKind, PetitionOutcome
from ..choices import PetitionStatus as S
from ..models import Petition, PetitionStatusChange


def petition_list_queryset(*, base):
    """Return `base` (already scoped) ready for a list: the jurisdiction joined, the most urgent first."""
    return base.select_related("jurisdiction").by_urgency()


def petition_search(qs, term):
    """Filter by a free-text term over the summary, the department, the result and the category's name.

    Personal data is deliberately not searchable here: the term travels in the query string.
    """
    term = (term or "").strip()
    if not term:
        return qs
    categories = [value for value, label in PetitionCategory.choices if term in str(label)]
    condition = (
        Q(summary__icontains=term)
        | Q(assigned_department__icontains=term)
        | Q(outcome_text__icontains=term)
        | Q(category__in=categories)
    )
    return qs.filter(condition)


def petition_timeline(*, petition):
    """Return the status history of a case, oldest first, with who made each step."""
    return (
        PetitionStatusChange.objects.filter(petition=petition).select_related("changed_by").order_by("changed_at", "pk")
    )


def _cohort(*, jurisdiction, start, end, kind=None):
    qs = Petition.objects.in_subtree(jurisdiction).filter(received_on__gte=start, received_on__lte=end)
    return qs.filter(kind=kind) if kind else qs


def overdue_count(*, jurisdiction, today=None, kind=None):
    """Return how many cases of the subtree are open past their due date on `today`, whenever received."""
    qs = Petition.objects.in_subtree(jurisdiction).overdue(today or timezone.localdate())
    return (qs.filter(kind=kind) if kind else qs).count()


def _days(value):
    if value is None:
        return None
    days = Decimal(value.total_seconds()) / Decimal(86400)
    return days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def petition_figures(*, jurisdiction, start, end, today=None, kind=None):
    """Return the petition figures of `jurisdiction`'s subtree for cases received from `start` to `end`.

    `kind` limits them to 信访 or 矛盾纠纷 cases (default: both). Two SQL queries.
    - received, accepted (受理 by `end`), rejected (不予受理 by `end`), closed (办结 now, closing date by `end`),
      resolved / replied (closed as 化解 / 答复), group (count and persons), ethnic_factor,
    - overdue: open and past the due date on `today`, over every case of the subtree whatever its period,
    - average_days_to_close: mean of closing date − received date over the closed ones (None when none),
    - closure_rate: closed ÷ received in percent, one decimal (`communities.figures.share`),
    - by_channel / by_category: [{"value", "label", "count"}] for every choice, zeros included.
    """
    today = today or timezone.localdate()
    closed = Q(status=S.CLOSED, closed_on__lte=end)
    aggregates = {
        "received": Count("pk"),
        "accepted": Count("pk", filter=Q(decided_on__lte=end) & ~Q(status=S.REJECTED)),
        "rejected": Count("pk", filter=Q(status=S.REJECTED, decided_on__lte=end)),
        "closed": Count("pk", filter=closed),
        "resolved": Count("pk", filter=closed & Q(outcome=PetitionOutcome.RESOLVED)),
        "replied": Count("pk", filter=closed & Q(outcome=PetitionOutcome.REPLIED)),
        "group": Count("pk", filter=Q(is_group=True)),
        "group_persons": Sum("persons", filter=Q(is_group=True), default=0),
        "ethnic_factor": Count("pk", filter=Q(ethnic_factor=True)),
        "average_close": Avg(
            ExpressionWrapper(F("closed_on") - F("received_on"), output_field=DurationField()), filter=closed
        ),
    }
    for value in PetitionChannel.values:
        aggregates[f"channel_{value}"] = Count("pk", filter=Q(channel=value))
    for value in PetitionCategory.values:
        aggregates[f"category_{value}"] = Count("pk", filter=Q(category=value))
    row = _cohort(jurisdiction=jurisdiction, start=start, end=end, kind=kind).aggregate(**aggregates)
    return {
        "received": row["received"],
        "accepted": row["accepted"],
        "rejected": row["rejected"],
        "closed": row["closed"],
        "resolved": row["resolved"],
        "replied": row["replied"],
        "group": row["group"],
        "group_persons": row["group_persons"],
        "ethnic_factor": row["ethnic_factor"],
        "overdue": overdue_count(jurisdiction=jurisdiction, today=today, kind=kind),
        "average_days_to_close": _days(row["average_close"]),
        "closure_rate": share(row["closed"], row["received"], places=1),
        "by_channel": [
            {"value": v, "label": str(label), "count": row[f"channel_{v}"]} for v, label in PetitionChannel.choices
        ],
        "by_category": [
            {"value": v, "label": str(label), "count": row[f"category_{v}"]} for v, label in PetitionCategory.choices
        ],
    }


def mediation_figures(*, jurisdiction, start, end, today=None):
    """Return the people's-mediation figures (矛盾纠纷 cases) of `jurisdiction`'s subtree received in the period.

    cases, mediated (a mediation date on or before `end`), agreements (调解协议 reached), closed, resolved,
    ethnic_factor, overdue (open and past due on `today`, whenever received), success_rate = agreements ÷
    cases in percent (one decimal). Two SQL queries.
    """
    today = today or timezone.localdate()
    closed = Q(status=S.CLOSED, closed_on__lte=end)
    row = _cohort(jurisdiction=jurisdiction, start=start, end=end, kind=PetitionKind.DISPUTE).aggregate(
        cases=Count("pk"),
        mediated=Count("pk", filter=Q(mediated_on__lte=end)),
        agreements=Count("pk", filter=Q(agreement_reached=True)),
        closed=Count("pk", filter=closed),
        resolved=Count("pk", filter=closed & Q(outcome=PetitionOutcome.RESOLVED)),
        ethnic_factor=Count("pk", filter=Q(ethnic_factor=True)),
    )
    row["overdue"] = overdue_count(jurisdiction=jurisdiction, today=today, kind=PetitionKind.DISPUTE)
    row["success_rate"] = share(row["agreements"], row["cases"], places=1)
    return row
