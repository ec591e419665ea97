"""Reads of the monthly returns for pages, dashboards and the work report.

Which returns count in a total: `monthly_figure_totals` counts APPROVED returns only by default — a figure
in a report or on a dashboard should be one a leader has checked. Pass `include_submitted=True` for a
provisional view that also counts returns awaiting review; drafts and returned ones never count.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base import access
from base.periods import first_of_month, next_month, previous_month
from communities.choices import Action, JurisdictionLevel
from communities.models import Jurisdiction

from ..choices import FigureAggregation, FigureFrequency, ResponsibilityStatus, ReturnStatus
from ..models import Activity, MonthlyFigure, MonthlyReturn, MonthlyValue, Petition, Responsibility, YearlyValue

# The overview's word for a jurisdiction with no return at all for the month.
MISSING = "missing"
STATUS_LABELS = {MISSING: _("未填报"), **dict(ReturnStatus.choices)}
STATUS_ORDER = (MISSING, ReturnStatus.DRAFT, ReturnStatus.RETURNED, ReturnStatus.SUBMITTED, ReturnStatus.APPROVED)


def return_due_day():
    """The day of the following month by which a month's return is due (setting MONTHLY_RETURN_DUE_DAY, 5)."""
    return getattr(settings, "MONTHLY_RETURN_DUE_DAY", 5)


def return_due_on(month):
    """Return the last day on which `month`'s return counts as on time (the 5th of the next month by default)."""
    return next_month(first_of_month(month)).replace(day=return_due_day())


def month_has_ended(month, today=None):
    """Tell whether the whole of `month` lies before `today`: only then may its return be submitted or approved."""
    today = today or timezone.localdate()
    return next_month(first_of_month(month)) <= today


@dataclass(frozen=True)
class FilingMonth:
    """The month being filed: the last month that has ended, on time until `due_on`, open but late after it."""

    month: date
    due_on: date
    today: date

    @property
    def is_overdue(self):
        """The due date has passed: returns not submitted by now are late."""
        return self.today > self.due_on

    @property
    def days_left(self):
        return (self.due_on - self.today).days


def filing_month(today=None, *, until=None):
    """Return the `FilingMonth` on `today`: the last month that has ended (on 2 December, November, due 5 December).

    Every page, the JSON, the reminders and the report ask this one function which month is being filed.
    `until` (a date) bounds it for a view of a past period: a period ending in June 2025 shows June 2025.
    """
    today = today or timezone.localdate()
    month = previous_month(first_of_month(today))
    if until is not None and first_of_month(until) < month:
        month = first_of_month(until)
    return FilingMonth(month=month, due_on=return_due_on(month), today=today)


# Communities and villages file returns; a data set (a figure) assigned to other levels adds those levels.
DEFAULT_FILING_LEVELS = (JurisdictionLevel.COMMUNITY, JurisdictionLevel.VILLAGE)


def filing_levels():
    """Return the jurisdiction levels that file monthly returns (one query over the few figure definitions)."""
    levels = set(DEFAULT_FILING_LEVELS)
    for assigned in MonthlyFigure.objects.filter(is_active=True).values_list("levels", flat=True):
        levels.update(assigned or ())
    return sorted(levels)


def monthly_figures_for(jurisdiction=None, *, frequency=FigureFrequency.MONTHLY):
    """Return the active figures of `frequency` that `jurisdiction` files (all of them without one)."""
    figures = MonthlyFigure.objects.filter(is_active=True, frequency=frequency)
    if jurisdiction is None:
        return list(figures)
    return [f for f in figures if f.applies_to(jurisdiction)]


def filing_units(jurisdiction, *, levels=None):
    """Return the units of `jurisdiction`'s subtree that file returns, in tree order."""
    levels = filing_levels() if levels is None else levels
    return Jurisdiction.objects.subtree_of(jurisdiction).filter(level__in=levels).order_by("path")


def files_returns(jurisdiction, *, levels=None):
    levels = filing_levels() if levels is None else levels
    return jurisdiction.level in levels


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


def unit_statuses(*, jurisdiction, month, today=None, levels=None):
    """Return a `ReturnStatusRow` per unit of `jurisdiction`'s subtree that files returns, for `month`.

    The one answer to "who has filed what": the 本月 page, the overview, the dashboard and the JSON read it.
    """
    today = today or timezone.localdate()
    units = filing_units(jurisdiction, levels=levels).select_related("parent")
    return return_statuses(jurisdictions=units, month=month, today=today)


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
    """A jurisdiction and the standing of every unit of its subtree that files returns, for one month."""

    parent: Jurisdiction
    rows: list = field(default_factory=list)

    @property
    def counts(self):
        return status_counts(self.rows)

    @property
    def not_submitted(self):
        return [row for row in self.rows if not row.has_submitted]

    @property
    def late(self):
        return sum(row.is_late for row in self.rows)


def monthly_overview(*, parents, month, today=None):
    """Return an `OverviewSection` per parent over the filing units of its subtree (two queries and one each)."""
    today = today or timezone.localdate()
    levels = filing_levels()
    return [
        OverviewSection(parent=p, rows=unit_statuses(jurisdiction=p, month=month, today=today, levels=levels))
        for p in parents
    ]


def approval_queue(*, user):
    """Return the submitted returns `user` may approve: strictly below a jurisdiction where they lead, and not
    submitted by `user` (four eyes: another person approves)."""
    qs = MonthlyReturn.objects.filter(status=ReturnStatus.SUBMITTED).select_related("jurisdiction", "submitted_by")
    qs = qs.filter(access.scope_q(user, Action.APPROVE, below_only=True)).exclude(submitted_by=user)
    return qs.order_by("submitted_at", "jurisdiction__path")


def return_values(*, monthly_return, jurisdiction=None):
    """Return [(figure, value or None)] for the monthly figures `jurisdiction` files and any other the return holds.

    Yearly figures are left out: they are filed once a year (`yearly_values`), never demanded monthly.
    """
    values = {}
    if monthly_return is not None and monthly_return.pk:
        values = {v.figure_id: v.value for v in monthly_return.values.all()}
        jurisdiction = jurisdiction or monthly_return.jurisdiction
    figures = MonthlyFigure.objects.filter(
        Q(is_active=True, frequency=FigureFrequency.MONTHLY) | Q(pk__in=list(values))
    )
    return [
        (figure, _whole(values.get(figure.pk)))
        for figure in figures
        if figure.pk in values or jurisdiction is None or figure.applies_to(jurisdiction)
    ]


def _whole(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def monthly_figure_totals(
    *, jurisdiction, start_month, end_month, include_submitted=False, summed=None, latest_summed=None
):
    """Return [{"figure", "total", "returns"}] over the subtree of `jurisdiction` from start to end month.

    A "sum" figure adds every counted month of every jurisdiction; a "latest" figure (e.g. a team size)
    takes per jurisdiction its value in the latest counted month of the range, then adds the jurisdictions.
    Counted returns are APPROVED ones, plus SUBMITTED ones with `include_submitted`. Three queries.
    `summed`: {figure pk: {"total", "returns"}} of the "sum" figures, already read from the summary tables
    (summaries.figures); then only the "latest" figures are read from the values, unless `latest_summed` gives
    them too (the same shape, for the "latest" figures): then nothing is read but the figures.
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
    summed_values = MonthlyValue.objects.filter(counted, figure__aggregation=FigureAggregation.SUM)
    # By id rather than through a join on the figure: the values index on the figure then keeps to its few rows.
    latest_ids = MonthlyFigure.objects.filter(aggregation=FigureAggregation.LATEST).values("pk")
    latest = (
        MonthlyValue.objects.filter(counted, figure__in=latest_ids)
        .annotate(has_later=Exists(later))
        .filter(has_later=False)
    )
    sums = {} if summed is None else dict(summed)
    if summed is not None and latest_summed is not None:
        return _figure_totals(FigureFrequency.MONTHLY, sums | latest_summed, "returns")
    sums |= {
        row["figure"]: row
        for qs in ((summed_values, latest) if summed is None else (latest,))
        for row in qs.values("figure")
        .annotate(total=Sum("value"), returns=Count("monthly_return", distinct=True))
        .order_by()
    }
    return _figure_totals(FigureFrequency.MONTHLY, sums, "returns")


@dataclass
class ThisMonthEntry:
    """What is still to do for the month being filed in one jurisdiction the user works in."""

    jurisdiction: Jurisdiction
    status: ReturnStatusRow | None  # the jurisdiction's own return, when it files one
    units: list  # a ReturnStatusRow per filing unit of its subtree (itself included when it files)
    activities: int
    petitions: int
    responsibilities: list
    figures_missing: list

    @property
    def counts(self):
        return status_counts(self.units)


def this_month_overview(*, user, today=None):
    """Return the month being filed and a `ThisMonthEntry` per top jurisdiction of the user's CHANGE scope.

    The month, its due date and every unit's status come from `filing_month` and `unit_statuses`, as on the
    overview, the dashboard and the JSON. A fixed number of queries plus one per top jurisdiction.
    """
    filing = filing_month(today)
    today, month = filing.today, filing.month
    tops = top_jurisdictions(user=user, action=Action.CHANGE)
    if not tops:
        return filing, []
    levels = filing_levels()
    units = {t.pk: unit_statuses(jurisdiction=t, month=month, today=today, levels=levels) for t in tops}
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
        .filter(deadline__lt=next_month(first_of_month(today)))
        .select_related("indicator__plan__jurisdiction")
        .order_by("deadline", "pk")
    )
    figures = list(monthly_figures_for())
    own_rows = {t.pk: next((r for r in units[t.pk] if r.jurisdiction.pk == t.pk), None) for t in tops}
    own_returns = [r.monthly_return for r in own_rows.values() if r and r.monthly_return]
    filled = set(
        MonthlyValue.objects.filter(monthly_return__in=own_returns)
        .values_list("monthly_return__jurisdiction_id", "figure_id")
        .order_by()
    )
    for responsibility in due:
        responsibility.overdue = responsibility.is_overdue(today)
    entries = []
    for top in tops:
        own = own_rows[top.pk]
        entries.append(
            ThisMonthEntry(
                jurisdiction=top,
                status=own,
                units=units[top.pk],
                activities=activity_counts[f"j{top.pk}"],
                petitions=petition_counts[f"j{top.pk}"],
                responsibilities=[r for r in due if r.indicator.plan.jurisdiction.path.startswith(top.path)],
                figures_missing=[f for f in figures if f.applies_to(top) and (top.pk, f.pk) not in filled]
                if own
                else [],
            )
        )
    return filing, entries


def yearly_values(*, jurisdiction, year):
    """Return [(figure, value or None)] of the yearly figures `jurisdiction` files, for `year`."""
    values = {v.figure_id: v.value for v in YearlyValue.objects.filter(jurisdiction=jurisdiction, year=year)}
    figures = monthly_figures_for(jurisdiction, frequency=FigureFrequency.YEARLY)
    return [(figure, _whole(values[figure.pk]) if figure.pk in values else None) for figure in figures]


def yearly_figure_totals(*, jurisdiction, year):
    """Return [{"figure", "total", "places"}] of the yearly figures over the subtree for `year` (two queries)."""
    subtree = Jurisdiction.objects.filter(path__startswith=jurisdiction.path).values("pk")
    sums = {
        row["figure"]: row
        for row in YearlyValue.objects.filter(jurisdiction__in=subtree, year=year)
        .values("figure")
        .annotate(total=Sum("value"), places=Count("jurisdiction", distinct=True))
        .order_by()
    }
    return _figure_totals(FigureFrequency.YEARLY, sums, "places")


def _figure_totals(frequency, sums, count):
    """Return a row per active figure of `frequency` and per figure with values: its total and `count`."""
    figures = MonthlyFigure.objects.filter(Q(is_active=True, frequency=frequency) | Q(pk__in=list(sums)))
    return [
        {
            "figure": figure,
            "total": _whole(sums[figure.pk]["total"]) if figure.pk in sums else 0,
            count: sums[figure.pk][count] if figure.pk in sums else 0,
        }
        for figure in figures
    ]


@dataclass
class GridRow:
    """One unit's line in a grid: its return's status and its value per figure."""

    status: ReturnStatusRow
    values: dict  # figure pk -> whole number or None
    editable: bool = False


def monthly_grid(*, jurisdiction, month, today=None):
    """Return (figures, rows) to enter `month` for every filing unit below `jurisdiction` in one grid.

    Columns are the monthly figures any row files; a row's cells for figures its level does not file are None.
    Four queries, whatever the number of units.
    """
    rows = unit_statuses(jurisdiction=jurisdiction, month=month, today=today)
    figures = [f for f in monthly_figures_for() if any(f.applies_to(r.jurisdiction) for r in rows)]
    returns = [r.monthly_return for r in rows if r.monthly_return]
    stored = {}
    for return_id, figure_id, value in MonthlyValue.objects.filter(monthly_return__in=returns).values_list(
        "monthly_return_id", "figure_id", "value"
    ):
        stored.setdefault(return_id, {})[figure_id] = _whole(value)
    grid = [
        GridRow(status=row, values=stored.get(row.monthly_return.pk, {}) if row.monthly_return else {}) for row in rows
    ]
    return figures, grid
