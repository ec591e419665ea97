"""The dashboard's figures read from the summary tables, in the shapes the records' own selectors return.

Each function here means exactly what its namesake over the records means (activities.selectors.*, the
petitions', the returns'); tests/summaries hold the two together on random data, on both databases. The summary
tables are by month, so they serve periods made of whole months (every period the pages offer); `applies` says
whether they can serve a period now.
"""

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db.models import Case, FilteredRelation, Q, Value, When

from activities.choices import FigureAggregation, PetitionCategory, PetitionChannel, PetitionKind, PetitionOutcome
from activities.models import ActivityCategory, MonthlyFigure
from activities.selectors.activities import ActivityTotals, CategoryCount, MonthCount
from activities.selectors.monthly import MISSING, STATUS_LABELS, STATUS_ORDER, return_statuses
from base.periods import first_of_month, month_end
from communities.figures import share
from communities.models import Jurisdiction
from communities.selectors import child_population, summary_from_aggregates

from . import services
from .selectors import children_rows, children_totals, subtree_rows
from .specs import ACTIVITY_MEASURES, LATEST_MEASURES, POPULATION_MEASURES, RECORD_TOTALS

PERIOD_ACTIVITY_MEASURES = tuple(f"act.{name}" for name in ACTIVITY_MEASURES)
PERIOD_MEASURES = (
    "pet.received",
    "pet.accepted",
    "pet.rejected",
    "pet.closed",
    "pet.close_days",
    "pet.group",
    "pet.group_persons",
    "pet.ethnic",
    "pet.channel",
    "pet.category",
    "pet.mediated",
    "pet.agreements",
    "mv.value",
    "mv.returns",
    *LATEST_MEASURES,
    "ret.status",
    "chk.broken",
)
SUBMITTED = ("submitted", "approved")
MONTHLY_MEASURES = ("act.count", "act.participants", "act.minority_participants", "act.people_reached")


def applies(period):
    """Whether the summaries can answer for `period` (whole months) right now (folded, not awaiting a rebuild: a
    reader never rebuilds, services.fold says why)."""
    whole_months = period.start.day == 1 and period.end == month_end(period.end.year, period.end.month)
    return whole_months and services.fold(rebuild=False)


class SubtreeFigures:
    """One subtree's summary rows for a period (with the returns of `returns_month`, and the activities by month
    since `since`), read in up to four queries, each when a figure first needs it (a board recomputing only its
    activities reads two: the period's activities summed, and their months)."""

    def __init__(self, jurisdiction, period, today, *, since=None, returns_month=None):
        self.jurisdiction, self.period, self.today = jurisdiction, period, today
        self.end_month = f"{period.end:%Y-%m}"
        self.since, self.returns_month = since, returns_month

    @cached_property
    def rows(self):
        # From the month being filed when it is before the period (this month's board shows last month's returns).
        start = min(self.period.start, self.returns_month or self.period.start)
        return subtree_rows(self.jurisdiction, PERIOD_MEASURES, start=start, end=self.period.end)

    @cached_property
    def activity_rows(self):
        # The activities' figures summed over the period's months in SQL: a board recomputing its activities after
        # one is entered reads a row per measure and category (90 at the benchmark's city top), not a row per month
        # of every measure (1,591).
        return subtree_rows(
            self.jurisdiction, PERIOD_ACTIVITY_MEASURES, start=self.period.start, end=self.period.end, by_month=False
        )

    @cached_property
    def month_rows(self):
        # Earlier months (last year's chart) need four sums by month, not every key of every measure.
        start = min(self.since or self.period.start, self.period.start)
        return subtree_rows(self.jurisdiction, MONTHLY_MEASURES, start=start, end=self.period.end, by_key=False)

    @cached_property
    def open_rows(self):
        return subtree_rows(self.jurisdiction, ("pet.open", "units"))

    def _in(self, row, start=None, end=None):
        return (start or self.period.start) <= row.month <= (end or self.period.end)

    # activities

    def activity_totals(self):
        sums = defaultdict(int)
        for row in self.activity_rows:
            sums[row.measure[4:]] += int(row.value)
        return ActivityTotals(**{name: sums[name] for name in ACTIVITY_MEASURES})

    def activity_counts_by_month(self, start=None, end=None):
        months = defaultdict(lambda: defaultdict(int))
        for row in self.month_rows:
            if row.measure.startswith("act.") and self._in(row, start, end):
                months[row.month][row.measure[4:]] += int(row.value)
        return [
            MonthCount(
                month=month,
                count=m["count"],
                participants=m["participants"],
                minority_participants=m["minority_participants"],
                people_reached=m["people_reached"],
            )
            for month, m in sorted(months.items())
            if m["count"]
        ]

    def activity_counts_by_category(self):
        by_category = defaultdict(lambda: defaultdict(int))
        for row in self.activity_rows:
            if row.measure in ("act.count", "act.participants", "act.minority_participants"):
                by_category[int(row.key)][row.measure[4:]] += int(row.value)
        # Every category (a few rows) rather than those with activities: one query, whatever the data.
        categories = ActivityCategory.objects.all()
        return [
            CategoryCount(
                name=c.name,
                report_section=c.report_section,
                count=by_category[c.pk]["count"],
                participants=by_category[c.pk]["participants"],
                minority_participants=by_category[c.pk]["minority_participants"],
            )
            for c in categories.order_by("order", "name")
            if by_category[c.pk]["count"]
        ]

    # petitions

    def _petitions(self, kind=None):
        """Return {measure: [(key parts after the kind, value)]} of the period's cases of `kind` (default both)."""
        found = defaultdict(list)
        for row in self.rows:
            if row.measure.startswith("pet.") and self._in(row):
                row_kind, *rest = row.key.split("|")
                if kind is None or row_kind == kind:
                    found[row.measure[4:]].append((rest, int(row.value)))
        return found

    def _by_end(self, rows, at=-1):
        return sum(n for rest, n in rows if rest[at] and rest[at] <= self.end_month)

    def overdue(self, kind=None):
        today = f"{self.today:%Y-%m-%d}"
        return sum(
            int(row.value)
            for row in self.open_rows
            if row.measure == "pet.open"
            and (kind is None or row.key.split("|")[0] == kind)
            and row.key.split("|")[1] < today
        )

    def petition_figures(self, kind=None):
        p = self._petitions(kind)
        closed = [(rest, n) for rest, n in p["closed"] if rest[-1] <= self.end_month]
        count = {key: sum(n for _rest, n in p[key]) for key in ("received", "group", "group_persons", "ethnic")}
        closed_count = sum(n for _rest, n in closed)
        close_days = self._by_end(p["close_days"])
        channels = defaultdict(int)
        for rest, n in p["channel"]:
            channels[rest[0]] += n
        categories = defaultdict(int)
        for rest, n in p["category"]:
            categories[rest[0]] += n
        return {
            "received": count["received"],
            "accepted": self._by_end(p["accepted"]),
            "rejected": self._by_end(p["rejected"]),
            "closed": closed_count,
            "resolved": sum(n for rest, n in closed if rest[0] == PetitionOutcome.RESOLVED),
            "replied": sum(n for rest, n in closed if rest[0] == PetitionOutcome.REPLIED),
            "group": count["group"],
            "group_persons": count["group_persons"],
            "ethnic_factor": count["ethnic"],
            "overdue": self.overdue(kind),
            "average_days_to_close": (
                (Decimal(close_days) / Decimal(closed_count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                if closed_count
                else None
            ),
            "closure_rate": share(closed_count, count["received"], places=1),
            "by_channel": [
                {"value": v, "label": str(label), "count": channels[v]} for v, label in PetitionChannel.choices
            ],
            "by_category": [
                {"value": v, "label": str(label), "count": categories[v]} for v, label in PetitionCategory.choices
            ],
        }

    def mediation_figures(self):
        kind = PetitionKind.DISPUTE
        p = self._petitions(kind)
        figures = self.petition_figures(kind)
        cases = figures["received"]
        agreements = sum(n for _rest, n in p["agreements"])
        return {
            "cases": cases,
            "mediated": self._by_end(p["mediated"]),
            "agreements": agreements,
            "closed": figures["closed"],
            "resolved": figures["resolved"],
            "ethnic_factor": figures["ethnic_factor"],
            "overdue": figures["overdue"],
            "success_rate": share(agreements, cases, places=1),
        }

    def petition_counts_by_month(self):
        months = defaultdict(lambda: {"received": 0, "closed": 0, "overdue": 0})
        today = f"{self.today:%Y-%m-%d}"
        for row in self.rows:
            if row.measure == "pet.received" and self._in(row):
                months[row.month]["received"] += int(row.value)
            elif row.measure == "pet.closed" and self._in(row) and row.key.split("|")[-1] <= self.end_month:
                months[row.month]["closed"] += int(row.value)
        for row in self.open_rows:
            if row.measure == "pet.open" and self._in(row) and row.key.split("|")[1] < today:
                months[row.month]["overdue"] += int(row.value)
        return {month: months[month] for month in sorted(months) if months[month]["received"]}

    # monthly returns

    def _figure_sums(self, value_measure, count_measure, counts):
        """{figure pk: {"total", "returns"}} from the period's rows of the two measures (key: figure | qualifier),
        keeping the rows whose figure and qualifier `counts(figure, qualifier)` accepts."""
        sums = {}
        for row in self.rows:
            if row.measure in (value_measure, count_measure) and self._in(row):
                figure, qualifier = row.key.split("|")
                if counts(int(figure), qualifier):
                    entry = sums.setdefault(int(figure), {"total": Decimal(0), "returns": 0})
                    if row.measure == value_measure:
                        entry["total"] += row.value
                    else:
                        entry["returns"] += int(row.value)
        return sums

    def summed_figures(self, include_submitted=False):
        """{figure pk: {"total", "returns"}} of the "sum" figures over the counted returns of the period."""
        statuses = {"approved"} | ({"submitted"} if include_submitted else set())
        summed = set(MonthlyFigure.objects.filter(aggregation=FigureAggregation.SUM).values_list("pk", flat=True))
        return self._figure_sums(
            "mv.value", "mv.returns", lambda figure, status: status in statuses and figure in summed
        )

    def latest_figures(self):
        """{figure pk: {"total", "returns"}} of the "latest" figures: per place, its approved value of the latest
        month of the period, added over the places (a value counts when its month is in the period and the place's
        next approved month of the figure is after the period's end)."""
        return self._figure_sums(*LATEST_MEASURES, lambda _figure, following: following > self.end_month)

    def broken_rules(self):
        """How many validation rules the period's returns break (activities.selectors.validation's figure part)."""
        return sum(int(row.value) for row in self.rows if row.measure == "chk.broken" and self._in(row))

    def returns(self, month, due_on, levels):
        """Return (the summary by status, how many units are late, how many units file) for `month`."""
        units = sum(int(r.value) for r in self.open_rows if r.measure == "units" and r.key in levels)
        counts = dict.fromkeys(STATUS_ORDER, 0)
        for row in self.rows:
            if row.measure == "ret.status" and row.month == month:
                status, level = row.key.split("|")
                if level in levels:
                    counts[status] += int(row.value)
        counts[MISSING] = units - sum(counts.values())
        submitted = sum(counts[s] for s in SUBMITTED)
        late = units - submitted if self.today > due_on else 0
        summary = [(key, STATUS_LABELS[key], counts[key]) for key in STATUS_ORDER]
        return summary, late, units


def returns_late_by_child(jurisdiction, *, month, levels, late):
    """{path: late units} per child of `jurisdiction` (and its own path for its own late return)."""
    units, submitted = defaultdict(int), defaultdict(int)
    for row in children_rows(jurisdiction, ("units",)):
        if row.key in levels:
            units[row.child] += int(row.value)
    for row in children_rows(jurisdiction, ("ret.status",), start=month, end=month):
        status, level = row.key.split("|")
        if level in levels and status in SUBMITTED:
            submitted[row.child] += int(row.value)
    found = {child: units[child] - submitted[child] for child in units if late and units[child] > submitted[child]}
    own = late - sum(found.values())
    if own > 0:
        found[jurisdiction.path] = own
    return found


def first_returns(jurisdiction, *, month, today, levels, limit):
    """The first `limit` filing units' status rows, in the board's order (status as read, then tree order).

    Late units are the not-submitted ones once due, and those statuses come first in that order anyway.
    """
    # One LEFT JOIN on the month's return (at most one per unit) rather than a subquery per unit.
    rank = Case(
        *(When(month_return__status=s, then=Value(n)) for n, s in enumerate(STATUS_ORDER) if s != MISSING),
        default=Value(STATUS_ORDER.index(MISSING)),
    )
    # Ranked narrow (ids only: a province sorts 18,000 of them), then the few kept are read whole and put in order.
    ranked = (
        Jurisdiction.objects.subtree_of(jurisdiction)
        .filter(level__in=levels)
        .annotate(month_return=FilteredRelation("monthly_returns", condition=Q(monthly_returns__month=month)))
        .annotate(status_rank=rank)
        .order_by("status_rank", "path")
        .values("pk")[:limit]
    )
    units = Jurisdiction.objects.filter(pk__in=ranked).select_related("parent")
    rows = return_statuses(jurisdictions=units, month=month, today=today)
    rows.sort(key=lambda row: (STATUS_ORDER.index(row.status), row.jurisdiction.path))
    return rows


def child_ranking_figures(jurisdiction, period, today):
    """{child path: {"count", "participants", "minority_participants", "received", "closed", "overdue",
    "closure_rate"}} as activities.selectors.rollups reads them from the records. Two queries."""
    found = defaultdict(lambda: defaultdict(int))
    measures = ("act.count", "act.participants", "act.minority_participants", "pet.received", "pet.closed")
    totals = children_totals(
        jurisdiction,
        measures,
        start=first_of_month(period.start),
        end=period.end,
        key_bounds=[("pet.closed", 7, "<=", f"{period.end:%Y-%m}")],
    )
    totals |= children_totals(jurisdiction, ("pet.open",), key_bounds=[("pet.open", 10, "<", f"{today:%Y-%m-%d}")])
    names = {"pet.open": "overdue"}
    for (child, measure), value in totals.items():
        found[child][names.get(measure, measure[4:])] += int(value)
    for figures in found.values():
        figures["closure_rate"] = share(figures["closed"], figures["received"], places=1)
    return found


# population


def _record_row(sums):
    """The aggregates population_summary reads from the records, from summed facts {measure: value}."""
    n = sums.get("pop.records", 0)

    def total(name):
        return sums.get(f"pop.{name}", 0) if sums.get(f"pop.{name}.n", 0) else None

    row = {"record_count": n, "rows": n, "declared_minority": total("minority_total")}
    row |= {name: total(name) for name in RECORD_TOTALS if name not in ("male", "female", "minority_total")}
    for name in ("male", "female"):
        row[f"{name}_sum"], row[f"{name}_rows"] = total(name), sums.get(f"pop.{name}.n", 0)
    return row


def _group_rows(by_group):
    return [
        {
            "ethnic_group_id": group,
            "total": g.get("grp.total", 0),
            "rows": g.get("grp.rows", 0),
            "in_declared": g.get("grp.declared", 0),
            "male_sum": g.get("grp.male", 0) if g.get("grp.male.n") else None,
            "male_rows": g.get("grp.male.n", 0),
            "female_sum": g.get("grp.female", 0) if g.get("grp.female.n") else None,
            "female_rows": g.get("grp.female.n", 0),
        }
        for group, g in by_group.items()
        if g.get("grp.rows")
    ]


class PopulationFigures:
    """A subtree's population facts for some years, read in one query.

    A record hides the records below it (communities.selectors: a street's own record is its figure); the sums
    here are exact only when every record of the subtree sits at one depth, which `summary` checks: otherwise it
    returns None and the caller reads the records.
    """

    def __init__(self, jurisdiction, years):
        self.jurisdiction = jurisdiction
        first, last = min(years), max(years)
        self.rows = subtree_rows(jurisdiction, POPULATION_MEASURES, start=date(first, 1, 1), end=date(last, 1, 1))

    def summary(self, *, year, kind, groups):
        records = defaultdict(lambda: defaultdict(int))  # section -> measure -> value
        by_group = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))  # section -> group -> measure
        depths = set()
        for row in self.rows:
            if row.month.year != year or not row.key.startswith(f"{kind}|"):
                continue
            parts = row.key.split("|")
            if row.measure == "pop.depth":
                if row.value:
                    depths.add(parts[1])
            elif row.measure.startswith("pop."):
                records[parts[1]][row.measure] += int(row.value)
            else:
                by_group[parts[1]][int(parts[2])][row.measure] += int(row.value)
        if len(depths) > 1:
            return None
        whole, whole_groups = defaultdict(int), defaultdict(lambda: defaultdict(int))
        for sums in records.values():
            for measure, value in sums.items():
                whole[measure] += value
        for section_groups in by_group.values():
            for group, sums in section_groups.items():
                for measure, value in sums.items():
                    whole_groups[group][measure] += value
        sections = [
            (name, _record_row(sums), _group_rows(by_group.get(name, {})))
            for name, sums in records.items()
            if sums.get("pop.records")
        ]
        return summary_from_aggregates(
            _record_row(whole),
            _group_rows(whole_groups),
            jurisdiction=self.jurisdiction,
            year=year,
            kind=kind,
            groups=groups,
            sections=sections,
        )


def children_population(jurisdiction, *, year, kind, minority_groups):
    """Each child's `ChildPopulation` as communities.selectors.children_population reads it, or None when a child's
    records sit at several depths (one may hide another: the records are read instead)."""
    children = list(jurisdiction.children.order_by("code", "name"))
    if not children:
        return []
    found = defaultdict(lambda: defaultdict(int))
    depths = defaultdict(set)
    measures = ("pop.records", "pop.depth", "pop.residents", "pop.residents.n", "pop.households", "pop.households.n")
    measures += ("pop.minority_total", "grp.total", "grp.declared")
    for row in children_rows(jurisdiction, measures, start=date(year, 1, 1), end=date(year, 1, 1)):
        parts = row.key.split("|")
        if parts[0] != kind:
            continue
        sums = found[row.child]
        if row.measure == "pop.depth":
            if row.value:
                depths[row.child].add(parts[1])
        elif row.measure.startswith("grp."):
            minority = int(parts[2]) in minority_groups
            sums["counted"] += int(row.value) if row.measure == "grp.total" else 0
            if minority:
                sums["minority" if row.measure == "grp.total" else "minority_in_declared"] += int(row.value)
        else:
            sums[row.measure] += int(row.value)
    if any(len(d) > 1 for d in depths.values()):
        return None
    result = []
    for child in children:
        s = found.get(child.path, {})
        totals = {
            "residents": s.get("pop.residents", 0) if s.get("pop.residents.n") else None,
            "households": s.get("pop.households", 0) if s.get("pop.households.n") else None,
            "declared_minority": s.get("pop.minority_total", 0),
            "record_count": s.get("pop.records", 0),
        }
        result.append(child_population(child, totals, s, kind=kind))
    return result
