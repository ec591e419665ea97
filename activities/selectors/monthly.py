"""Reads of the monthly returns for pages, dashboards and the work report.

Which returns count in a total: `monthly_figure_totals` counts APPROVED returns only by default — a figure
in a report or on a dashboard should be one a leader has checked. Pass `include_submitted=True` for a
provisional view that also counts returns awaiting review; drafts and returned ones never count.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base import access
from communities.choices import Action
from communities.models import Jurisdiction

from ..choices import FigureAggregation, ResponsibilityStatus, ReturnStatus
from ..models import Activity, MonthlyFigure, MonthlyReturn, MonthlyValue, Petition, Responsibility

# The overview's word for a jurisdiction with no return at all for the month.
MISSING = "missing"
STATUS_LABELS = {MISSING: _("未填报"), **dict(ReturnStatus.choices)}
STATUS_ORDER = (MISSING, ReturnStatus.DRAFT, ReturnStatus.RETURNED, ReturnStatus.SUBMITTED, ReturnStatus.APPROVED)


# A month's return is due by this day of the following month (e.g. October's by 5 November).
RETURN_DUE_DAY = 5


def return_due_on(month):
    """Return the last day on which `month`'s return counts as on time."""
    return next_month(first_of_month(month)).replace(day=RETURN_DUE_DAY)


def first_of_month(day):
    return day.replace(day=1)


def next_month(month):
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


@dataclass
class ReturnStatusRow:
    """One jurisdiction's standing for one month: its return (or none) and how far it has got."""

    jurisdiction: Jurisdiction
    monthly_return: MonthlyReturn | None
    values_filled: int = 0
    due_on: date | None = None
    today: date | None = None

    @property
    def status(self):
        return self.monthly_return.status if self.monthly_return else MISSING

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def has_submitted(self):
        return self.status in (ReturnStatus.SUBMITTED, ReturnStatus.APPROVED)

    @property
    def is_late(self):
        """Not submitted although the due date has passed."""
        return not self.has_submitted and self.today is not None and self.today > self.due_on


def return_statuses(*, jurisdictions, month, today=None):
    """Return a `ReturnStatusRow` per jurisdiction, in the given order, with one query for the returns.

    With `today`, each row also knows whether it is late (see RETURN_DUE_DAY).
    """
    jurisdictions = list(jurisdictions)
    due_on = return_due_on(month)
    returns = {
        r.jurisdiction_id: r
        for r in MonthlyReturn.objects.filter(jurisdiction__in=jurisdictions, month=first_of_month(month))
        .select_related("submitted_by", "reviewed_by")
        .annotate(values_filled=Count("values"))
    }
    return [
        ReturnStatusRow(
            jurisdiction=j,
            monthly_return=returns.get(j.pk),
            values_filled=returns[j.pk].values_filled if j.pk in returns else 0,
            due_on=due_on,
            today=today,
        )
        for j in jurisdictions
    ]


def return_status_by_child(*, jurisdiction, month):
    """Return each direct child of `jurisdiction` with its return status for `month` (two queries)."""
    children = Jurisdiction.objects.filter(parent=jurisdiction).order_by("path")
    return return_statuses(jurisdictions=children, month=month)


def status_counts(rows):
    """Return [(status, label, count)] over `rows` in the order a person reads them, "未填报" first."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for row in rows:
        counts[row.status] += 1
    return [(key, STATUS_LABELS[key], counts[key]) for key in STATUS_ORDER]


def top_jurisdictions(*, user, action=Action.VIEW):
    """Return the highest jurisdictions where `user` may do `action`: the roots of what they can reach."""
    return Jurisdiction.objects.tops_for(user, action)


@dataclass
class OverviewSection:
    """A parent jurisdiction and the standing of itself and its children for one month."""

    parent: Jurisdiction
    rows: list = field(default_factory=list)

    @property
    def counts(self):
        return status_counts(self.rows)

    @property
    def not_submitted(self):
        return [row for row in self.rows if not row.has_submitted]


def monthly_overview(*, parents, month):
    """Return an `OverviewSection` per parent: the parent itself, then its children (three queries)."""
    parents = list(parents)
    children = (
        Jurisdiction.objects.filter(parent__in=parents)
        .annotate(has_children=Exists(Jurisdiction.objects.filter(parent=OuterRef("pk"))))
        .order_by("path")
    )
    by_parent = {p.pk: [p] for p in parents}
    for child in children:
        by_parent[child.parent_id].append(child)
    ordered = [j for p in parents for j in by_parent[p.pk]]
    rows = iter(return_statuses(jurisdictions=ordered, month=month))
    return [OverviewSection(parent=p, rows=[next(rows) for _ in by_parent[p.pk]]) for p in parents]


def approval_queue(*, user):
    """Return the submitted returns `user` may approve: strictly below a jurisdiction where they lead."""
    qs = MonthlyReturn.objects.filter(status=ReturnStatus.SUBMITTED).select_related("jurisdiction", "submitted_by")
    qs = qs.filter(access.scope_q(user, Action.APPROVE, below_only=True))
    return qs.order_by("submitted_at", "jurisdiction__path")


def return_values(*, monthly_return):
    """Return [(figure, value or None)] for the active figures and any other figure the return holds."""
    values = {}
    if monthly_return is not None and monthly_return.pk:
        values = {v.figure_id: v.value for v in monthly_return.values.all()}
    figures = MonthlyFigure.objects.filter(Q(is_active=True) | Q(pk__in=list(values)))
    return [(figure, _whole(values.get(figure.pk))) for figure in figures]


def _whole(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def monthly_figure_totals(*, jurisdiction, start_month, end_month, include_submitted=False):
    """Return [{"figure", "total", "returns"}] over the subtree of `jurisdiction` from start to end month.

    A "sum" figure adds every counted month of every jurisdiction; a "latest" figure (e.g. a team size)
    takes per jurisdiction its value in the latest counted month of the range, then adds the jurisdictions.
    Counted returns are APPROVED ones, plus SUBMITTED ones with `include_submitted`. Three queries.
    """
    statuses = [ReturnStatus.APPROVED] + ([ReturnStatus.SUBMITTED] if include_submitted else [])
    in_period = Q(
        monthly_return__month__gte=first_of_month(start_month),
        monthly_return__month__lte=first_of_month(end_month),
        monthly_return__status__in=statuses,
    )
    subtree = Jurisdiction.objects.filter(path__startswith=jurisdiction.path).values("pk")
    counted = in_period & Q(monthly_return__jurisdiction__in=subtree)
    # The same jurisdiction is in the subtree already: the later-month check needs no path test.
    later = MonthlyValue.objects.filter(
        in_period,
        figure=OuterRef("figure"),
        monthly_return__jurisdiction=OuterRef("monthly_return__jurisdiction"),
        monthly_return__month__gt=OuterRef("monthly_return__month"),
    )
    # Summed figures need no look at later months; only the few "latest" figures pay for that check.
    summed = MonthlyValue.objects.filter(counted, figure__aggregation=FigureAggregation.SUM)
    latest = (
        MonthlyValue.objects.filter(counted, figure__aggregation=FigureAggregation.LATEST)
        .annotate(has_later=Exists(later))
        .filter(has_later=False)
    )
    sums = {
        row["figure"]: row
        for qs in (summed, latest)
        for row in qs.values("figure")
        .annotate(total=Sum("value"), returns=Count("monthly_return", distinct=True))
        .order_by()
    }
    figures = MonthlyFigure.objects.filter(Q(is_active=True) | Q(pk__in=list(sums)))
    return [
        {
            "figure": figure,
            "total": _whole(sums[figure.pk]["total"]) if figure.pk in sums else 0,
            "returns": sums[figure.pk]["returns"] if figure.pk in sums else 0,
        }
        for figure in figures
    ]


@dataclass
class ThisMonthEntry:
    """What is still to do this month for one jurisdiction the user works in."""

    jurisdiction: Jurisdiction
    status: ReturnStatusRow
    activities: int
    petitions: int
    responsibilities: list
    figures_missing: list


def this_month_overview(*, user, today=None):
    """Return a `ThisMonthEntry` per top jurisdiction of the user's CHANGE scope, in a fixed number of queries."""
    today = today or timezone.localdate()
    month = first_of_month(today)
    tops = top_jurisdictions(user=user, action=Action.CHANGE)
    if not tops:
        return []
    rows = return_statuses(jurisdictions=tops, month=month)
    in_month = {"gte": month, "lt": next_month(month)}
    activity_counts = Activity.objects.aggregate(
        **{
            f"j{t.pk}": Count(
                "pk",
                filter=Q(jurisdiction__path__startswith=t.path, date__gte=in_month["gte"], date__lt=in_month["lt"]),
            )
            for t in tops
        }
    )
    petition_counts = Petition.objects.aggregate(
        **{
            f"j{t.pk}": Count(
                "pk",
                filter=Q(
                    jurisdiction__path__startswith=t.path,
                    received_on__gte=in_month["gte"],
                    received_on__lt=in_month["lt"],
                ),
            )
            for t in tops
        }
    )
    in_tops = Q()
    for t in tops:
        in_tops |= Q(indicator__plan__jurisdiction__path__startswith=t.path)
    due = list(
        Responsibility.objects.filter(in_tops)
        .exclude(status=ResponsibilityStatus.DONE)
        .filter(deadline__lt=next_month(month))
        .select_related("indicator__plan__jurisdiction")
        .order_by("deadline", "pk")
    )
    figures = list(MonthlyFigure.objects.filter(is_active=True))
    filled = set(
        MonthlyValue.objects.filter(monthly_return__in=[r.monthly_return for r in rows if r.monthly_return])
        .values_list("monthly_return__jurisdiction_id", "figure_id")
        .order_by()
    )
    for responsibility in due:
        responsibility.overdue = responsibility.is_overdue(today)
    entries = []
    for top, row in zip(tops, rows, strict=True):
        entries.append(
            ThisMonthEntry(
                jurisdiction=top,
                status=row,
                activities=activity_counts[f"j{top.pk}"],
                petitions=petition_counts[f"j{top.pk}"],
                responsibilities=[r for r in due if r.indicator.plan.jurisdiction.path.startswith(top.path)],
                figures_missing=[f for f in figures if (top.pk, f.pk) not in filled],
            )
        )
    return entries
