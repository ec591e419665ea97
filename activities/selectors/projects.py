"""The figures of people's-livelihood projects: one selector for the list, its export, the dashboard, JSON and report.

`project_figures(queryset=...)` sums any set of projects (a filtered list, a subtree's projects of some years) in
three aggregate queries. What it returns, and why:

- by status (计划中, 实施中, 已完工), so a planned reservoir is never added to the works under way;
- by source kind, cash only, plus "未列明来源": what the cash rows leave of the total (a report often names only the
  main sources). In-kind contributions (投工投劳, 土地) are counted apart and never added to the investment;
- households and persons served summed over projects are *人次/户次*: two projects of one village may serve the same
  people, and no record says whether they do. The seeds state persons per project (篇4: "313户1321人"), so the
  report writes them per project (`largest`) and the sums are labelled 受益人次 wherever they are shown.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ..choices import FundingSource, ProjectStatus
from ..models import Project, ProjectFunding

UNSPECIFIED = "unspecified"
UNSPECIFIED_LABEL = _("未列明来源")
UNDER_WAY = (ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED)
ZERO = Decimal("0")


def _number(value):
    """Return a Decimal or int as JSON writes it: an int when whole, else a float."""
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


@dataclass(frozen=True)
class SourceTotal:
    """The cash one source kind put into a group of projects (or the part no cash row names: 未列明来源)."""

    key: str
    label: str
    amount: Decimal

    def as_dict(self):
        return {"source": self.key, "label": str(self.label), "amount": _number(self.amount)}


@dataclass(frozen=True)
class ProjectGroup:
    """The sums over a group of projects (all of them, one status, or those under way)."""

    count: int = 0
    total_investment: Decimal = ZERO
    amount_spent: Decimal = ZERO
    household_times: int = 0
    person_times: int = 0
    cash: Decimal = ZERO
    by_source: list = field(default_factory=list)
    in_kind_rows: int = 0
    in_kind_value: Decimal = ZERO

    @property
    def unspecified(self):
        return self.total_investment - self.cash

    def as_dict(self):
        return {
            "count": self.count,
            "total_investment": _number(self.total_investment),
            "amount_spent": _number(self.amount_spent),
            "household_times": self.household_times,
            "person_times": self.person_times,
            "unspecified": _number(self.unspecified),
            "by_source": [row.as_dict() for row in self.by_source],
            "in_kind": {"rows": self.in_kind_rows, "valued_amount": _number(self.in_kind_value)},
        }


@dataclass(frozen=True)
class ProjectFigures(ProjectGroup):
    """All projects of a set, with the same sums per status and for the projects under way (实施中 + 已完工)."""

    by_status: dict = field(default_factory=dict)
    under_way: ProjectGroup = field(default_factory=ProjectGroup)
    largest: list = field(default_factory=list)

    @property
    def planned_projects(self):
        """The planned projects' sums, which the report states apart from the works under way."""
        return self.by_status[ProjectStatus.PLANNED]

    # The names the dashboard read before projects had rows per funder (counts, and cash by source label).
    @property
    def planned(self):
        return self.by_status[ProjectStatus.PLANNED].count

    @property
    def in_progress(self):
        return self.by_status[ProjectStatus.IN_PROGRESS].count

    @property
    def completed(self):
        return self.by_status[ProjectStatus.COMPLETED].count

    @property
    def funding_by_source(self):
        return {row.label: row.amount for row in self.by_source if row.key != UNSPECIFIED}

    @property
    def status_rows(self):
        """Return [(key, label, ProjectGroup)] in the order of the statuses."""
        return [(status.value, status.label, self.by_status[status.value]) for status in ProjectStatus]

    def as_dict(self):
        return {
            **super().as_dict(),
            "by_status": {key: {"label": str(label), **group.as_dict()} for key, label, group in self.status_rows},
            "under_way": self.under_way.as_dict(),
        }


def _group(statuses, projects, fundings):
    """Merge the aggregate rows (one per status, one per status × source × cash/in kind) of `statuses`."""
    rows = [projects[s] for s in statuses if s in projects]
    cash_by_source = {}
    in_kind_rows, in_kind_value = 0, ZERO
    for (status, source, in_kind), (amount, n) in fundings.items():
        if status not in statuses:
            continue
        if in_kind:
            in_kind_rows += n
            in_kind_value += amount
        else:
            cash_by_source[source] = cash_by_source.get(source, ZERO) + amount
    total = sum((r["total_investment"] for r in rows), ZERO)
    cash = sum(cash_by_source.values(), ZERO)
    by_source = [
        SourceTotal(source.value, source.label, cash_by_source[source.value])
        for source in FundingSource
        if cash_by_source.get(source.value)
    ]
    if total > cash:
        by_source.append(SourceTotal(UNSPECIFIED, UNSPECIFIED_LABEL, total - cash))
    return ProjectGroup(
        count=sum(r["count"] for r in rows),
        total_investment=total,
        amount_spent=sum((r["amount_spent"] for r in rows), ZERO),
        household_times=sum(r["household_times"] for r in rows),
        person_times=sum(r["person_times"] for r in rows),
        cash=cash,
        by_source=by_source,
        in_kind_rows=in_kind_rows,
        in_kind_value=in_kind_value,
    )


def project_figures(*, queryset, largest=0):
    """Return ProjectFigures over the projects of `queryset` (already scoped and filtered).

    `largest`: how many of the projects under way to return too, biggest investment first, with their funding
    rows, for the report's per-project sentences.
    """
    projects = {
        row["status"]: row
        for row in queryset.order_by()
        .values("status")
        .annotate(
            count=Count("pk"),
            total_investment=Coalesce(Sum("total_investment"), ZERO),
            amount_spent=Coalesce(Sum("amount_spent"), ZERO),
            household_times=Coalesce(Sum("households_served"), 0),
            person_times=Coalesce(Sum("persons_served"), 0),
        )
    }
    fundings = {
        (row["project__status"], row["source"], row["in_kind"]): (row["amount"], row["rows"])
        for row in ProjectFunding.objects.filter(project__in=queryset.order_by().values("pk"))
        .order_by()
        .values("project__status", "source", "in_kind")
        .annotate(amount=Coalesce(Sum("amount"), ZERO), rows=Count("pk"))
    }
    everything = _group(set(ProjectStatus.values), projects, fundings)
    top = []
    if largest:
        top = list(
            queryset.filter(status__in=UNDER_WAY)
            .select_related("jurisdiction")
            .prefetch_related("fundings")
            .order_by("-total_investment", "name", "pk")[:largest]
        )
    return ProjectFigures(
        **{name: getattr(everything, name) for name in ProjectGroup.__dataclass_fields__},
        by_status={status: _group({status}, projects, fundings) for status in ProjectStatus.values},
        under_way=_group(set(UNDER_WAY), projects, fundings),
        largest=top,
    )


def project_totals(*, jurisdiction, start_year=None, end_year=None, largest=5):
    """Return ProjectFigures over the projects of `jurisdiction`'s subtree whose year lies in the given years."""
    queryset = Project.objects.in_subtree(jurisdiction)
    if start_year:
        queryset = queryset.filter(year__gte=start_year)
    if end_year:
        queryset = queryset.filter(year__lte=end_year)
    return project_figures(queryset=queryset, largest=largest)
