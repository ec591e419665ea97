"""The dashboard's figures for one jurisdiction and period, composed from the apps' selectors.

The page, the JSON summary and the work report all read `jurisdiction_dashboard`, so a figure shown in
one of them is the figure shown in the others.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from activities.selectors.activities import (
    activity_counts_by_category,
    activity_counts_by_month,
    activity_totals,
    largest_activities,
    project_totals,
)
from activities.selectors.monthly import (
    filing_levels,
    filing_month,
    monthly_figure_totals,
    status_counts,
    unit_statuses,
    yearly_figure_totals,
)
from activities.selectors.petitions import mediation_figures, petition_figures
from activities.selectors.plans import plan_progress, plans_for
from activities.selectors.rollups import activity_totals_by_child, petition_counts_by_child
from activities.selectors.trends import petition_counts_by_month
from activities.selectors.validation import violation_count
from communities.choices import PopulationKind
from communities.models import PATH_SEGMENT_WIDTH
from communities.selectors import _all_groups, children_population, population_summary
from summaries import figures as summary

from .children import CHILDREN_SHOWN, bounded_returns
from .freshness import cached


@dataclass
class RankingRow:
    """A child jurisdiction's main figures, side by side with its siblings."""

    jurisdiction: object
    population: int | None
    minority_total: int
    minority_share: object
    activities: int
    participants: int
    petitions_received: int
    petitions_closed: int
    closure_rate: object
    overdue: int

    def as_dict(self):
        return {
            "code": self.jurisdiction.code,
            "name": self.jurisdiction.name,
            "level": self.jurisdiction.level,
            "population": self.population,
            "minority_total": self.minority_total,
            "minority_share": _num(self.minority_share),
            "activities": self.activities,
            "participants": self.participants,
            "petitions_received": self.petitions_received,
            "petitions_closed": self.petitions_closed,
            "closure_rate": _num(self.closure_rate),
            "petitions_overdue": self.overdue,
        }


@dataclass
class Dashboard:
    jurisdiction: object
    period: object
    today: object
    population: object = None
    population_previous: object = None
    population_students: object = None
    population_teachers: object = None
    activities: object = None
    activities_by_month: list = field(default_factory=list)
    # The same months a year earlier, for the trend against last year (reporting.cockpit).
    activities_by_month_previous: list = field(default_factory=list)
    petitions_by_month: dict = field(default_factory=dict)
    activities_by_category: list = field(default_factory=list)
    largest_activities: list = field(default_factory=list)
    petitions: dict = field(default_factory=dict)
    mediation: dict = field(default_factory=dict)
    monthly_figures: list = field(default_factory=list)
    yearly_figures: list = field(default_factory=list)
    returns_month: object = None
    returns: list = field(default_factory=list)
    returns_summary: list = field(default_factory=list)
    returns_due_on: object = None
    returns_late: int = 0
    returns_total: int = 0
    # Late units per child's path: the ranking's figure, kept when the returns list itself is bounded.
    returns_late_by_child: dict = field(default_factory=dict)
    violations: int = 0
    plan: object = None
    plan_progress: object = None
    projects: object = None
    ranking: list = field(default_factory=list)

    @property
    def ranking_shown(self):
        """The children the page and the JSON list (all of them: reporting.children's endpoint and export)."""
        return self.ranking[:CHILDREN_SHOWN]

    def as_dict(self, *, show_names=False):
        """Return the figures with stable field names (documented in the README).

        `show_names`: whether the reader may see the plan's responsible persons (base.access decides); else
        `responsible_person` is null.
        """
        progress = self.plan_progress
        return {
            "jurisdiction": {
                "code": self.jurisdiction.code,
                "name": self.jurisdiction.name,
                "level": self.jurisdiction.level,
            },
            "period": {
                "from": self.period.start.isoformat(),
                "to": self.period.end.isoformat(),
                "kind": self.period.kind,
            },
            "population": self.population.as_dict(),
            "population_previous_year": self.population_previous.as_dict(),
            "population_students": self.population_students.as_dict(),
            "population_teachers": self.population_teachers.as_dict(),
            "activities": {
                **self.activities.as_dict(),
                "by_month": [
                    {"month": f"{m.month:%Y-%m}", "count": m.count, "participants": m.participants}
                    for m in self.activities_by_month
                ],
                "by_category": [
                    {"name": c.name, "section": c.report_section, "count": c.count, "participants": c.participants}
                    for c in self.activities_by_category
                ],
            },
            "petitions": {
                **{k: v for k, v in self.petitions.items() if k not in ("closure_rate", "average_days_to_close")},
                "closure_rate": _num(self.petitions["closure_rate"]),
                "average_days_to_close": _num(self.petitions["average_days_to_close"]),
            },
            "mediation": {**self.mediation, "success_rate": _num(self.mediation["success_rate"])},
            "monthly_figures": [
                {
                    "code": row["figure"].code,
                    "name": row["figure"].name,
                    "unit": row["figure"].unit,
                    "total": _num(row["total"]),
                }
                for row in self.monthly_figures
            ],
            "yearly_figures": [
                {
                    "code": row["figure"].code,
                    "name": row["figure"].name,
                    "unit": row["figure"].unit,
                    "total": _num(row["total"]),
                    "places": row["places"],
                }
                for row in self.yearly_figures
            ],
            "monthly_returns": {
                "month": f"{self.returns_month:%Y-%m}",
                "due_on": self.returns_due_on.isoformat(),
                "by_status": {key: count for key, _label, count in self.returns_summary},
                "late": self.returns_late,
                # The first children, the late ones first; all of them: reporting.children's endpoint and export.
                "children_total": self.returns_total,
                "children": [
                    {"code": r.jurisdiction.code, "name": r.jurisdiction.name, "status": r.status, "late": r.is_late}
                    for r in self.returns
                ],
            },
            "validation": {"violations": self.violations},
            "creation": _creation_json(self.plan, progress, show_names) if progress is not None else None,
            "ranking": [row.as_dict() for row in self.ranking_shown],
            "ranking_total": len(self.ranking),
            "as_of": self.as_of.isoformat() if getattr(self, "as_of", None) else None,
            "refreshing": getattr(self, "refreshing", False),
            "projects": self.projects.as_dict(),
        }


def _creation_json(plan, progress, show_names):
    return {
        "plan": {"id": plan.pk, "title": plan.title, "target_level": plan.target_level},
        "indicators": {
            **{k: v for k, v in progress["indicators"].items() if k != "by_status"},
            "by_status": {key: count for key, _label, count in progress["indicators"]["by_status"]},
        },
        "points_total": _num(progress["points_total"]),
        "self_score_total": _num(progress["self_score_total"]),
        "responsibilities": {
            "total": progress["responsibilities"]["total"],
            "overdue": progress["responsibilities"]["overdue"],
            "by_status": {key: count for key, _label, count in progress["responsibilities"]["by_status"]},
        },
        "overdue": [
            {
                "indicator": row["indicator_code"],
                "lead_department": row["lead_department"],
                "responsible_person": row["responsible_person"] if show_names else None,
                "deadline": row["deadline"].isoformat(),
                "days_overdue": row["days_overdue"],
            }
            for row in progress["overdue"]
        ],
        "budget": {
            "amount": _num(progress["budget_total"]["amount"]),
            "spent": _num(progress["budget_total"]["spent"]),
            "share_used": _num(progress["budget_total"]["share"]),
        },
    }


def _num(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() and not hasattr(value, "as_tuple") else float(value)


def children_ranking(*, jurisdiction, period, today, from_summaries=None, groups=None):
    """Return a RankingRow per child of `jurisdiction`, in a fixed number of queries.

    The activity and petition figures come from the summary tables when they serve the period, else from the
    records (the same numbers: tests/summaries)."""
    if from_summaries is None:
        from_summaries = summary.applies(period)
    population = None
    if from_summaries:
        minority = {pk for pk, g in (groups or _all_groups()).items() if g.is_minority}
        population = summary.children_population(
            jurisdiction, year=period.year, kind=PopulationKind.RESIDENT, minority_groups=minority
        )
    if population is None:
        population = children_population(jurisdiction=jurisdiction, year=period.year)
    if from_summaries:
        activities = petitions = summary.child_ranking_figures(jurisdiction, period, today)
    else:
        activities = activity_totals_by_child(jurisdiction=jurisdiction, start=period.start, end=period.end)
        petitions = petition_counts_by_child(jurisdiction=jurisdiction, start=period.start, end=period.end, today=today)
    rows = []
    for child in population:
        a = activities.get(child.jurisdiction.path, {})
        p = petitions.get(child.jurisdiction.path, {})
        rows.append(
            RankingRow(
                jurisdiction=child.jurisdiction,
                population=child.population,
                minority_total=child.minority_total,
                minority_share=child.minority_share,
                activities=a.get("count", 0),
                participants=a.get("participants", 0),
                petitions_received=p.get("received", 0),
                petitions_closed=p.get("closed", 0),
                closure_rate=p.get("closure_rate"),
                overdue=p.get("overdue", 0),
            )
        )
    return rows


def jurisdiction_dashboard(*, jurisdiction, period, today=None):
    """Return every figure the dashboard shows for `jurisdiction`'s subtree over `period`.

    Cached under the subtree's version (reporting.freshness): a write in the subtree or above it computes it afresh.
    `as_of` says when the figures were computed; `refreshing`, that another process is computing newer ones.
    """
    today = today or timezone.localdate()
    key = ("dashboard", jurisdiction.pk, jurisdiction.path, period.kind, period.start, period.end, today)
    board, freshness = cached(
        key, lambda: _compute_dashboard(jurisdiction=jurisdiction, period=period, today=today), path=jurisdiction.path
    )
    board.as_of, board.refreshing = freshness.as_of, freshness.refreshing
    return board


def _compute_dashboard(*, jurisdiction, period, today):
    groups = _all_groups()
    # The month being filed, bounded by the period for a look at the past: one rule, `filing_month`.
    filing = filing_month(today, until=period.end)
    returns_month = filing.month
    plans = list(plans_for(jurisdiction=jurisdiction))
    previous = period.previous_year()
    # A jurisdiction's own plan speaks for it (its leading group, its progress) before any ancestor's.
    plan = next((p for p in plans if p.jurisdiction_id == jurisdiction.pk), plans[0] if plans else None)
    # The summary tables answer for whole months in two queries; otherwise (or while they await a rebuild) the
    # records themselves do. Both give the same figures (tests/summaries/test_figures.py).
    facts = None
    if summary.applies(period):
        facts = summary.SubtreeFigures(jurisdiction, period, today, since=previous.start, returns_month=returns_month)
    where = {"jurisdiction": jurisdiction, "start": period.start, "end": period.end}
    people = summary.PopulationFigures(jurisdiction, (period.year - 1, period.year)) if facts else None

    def population(year, kind=PopulationKind.RESIDENT):
        # From the summaries unless a record of the subtree may hide another (records at several depths).
        found = people.summary(year=year, kind=kind, groups=groups) if people else None
        return found or population_summary(jurisdiction=jurisdiction, year=year, kind=kind, groups=groups)

    board = Dashboard(
        jurisdiction=jurisdiction,
        period=period,
        today=today,
        population=population(period.year),
        population_previous=population(period.year - 1),
        population_students=population(period.year, PopulationKind.STUDENT),
        population_teachers=population(period.year, PopulationKind.STAFF),
        activities=facts.activity_totals() if facts else activity_totals(**where),
        activities_by_month=facts.activity_counts_by_month() if facts else activity_counts_by_month(**where),
        activities_by_month_previous=(
            facts.activity_counts_by_month(previous.start, previous.end)
            if facts
            else activity_counts_by_month(jurisdiction=jurisdiction, start=previous.start, end=previous.end)
        ),
        petitions_by_month=facts.petition_counts_by_month()
        if facts
        else petition_counts_by_month(**where, today=today),
        activities_by_category=facts.activity_counts_by_category() if facts else activity_counts_by_category(**where),
        largest_activities=largest_activities(**where),
        petitions=facts.petition_figures() if facts else petition_figures(**where, today=today),
        mediation=facts.mediation_figures() if facts else mediation_figures(**where, today=today),
        monthly_figures=monthly_figure_totals(
            jurisdiction=jurisdiction,
            start_month=period.start,
            end_month=period.end,
            summed=facts.summed_figures() if facts else None,
            latest_summed=facts.latest_figures() if facts else None,
        ),
        yearly_figures=yearly_figure_totals(jurisdiction=jurisdiction, year=period.year),
        returns_month=returns_month,
        returns_due_on=filing.due_on,
        plan=plan,
        plan_progress=plan_progress(plan=plan, today=today) if plan else None,
        projects=project_totals(jurisdiction=jurisdiction, start_year=period.start.year, end_year=period.end.year),
        ranking=children_ranking(
            jurisdiction=jurisdiction, period=period, today=today, from_summaries=bool(facts), groups=groups
        ),
    )
    if facts:
        levels = filing_levels()
        board.returns_summary, board.returns_late, board.returns_total = facts.returns(
            returns_month, filing.due_on, levels
        )
        board.returns_late_by_child = summary.returns_late_by_child(
            jurisdiction, month=returns_month, levels=levels, late=board.returns_late
        )
        board.returns = summary.first_returns(
            jurisdiction, month=returns_month, today=today, levels=levels, limit=CHILDREN_SHOWN
        )
    else:
        returns = unit_statuses(jurisdiction=jurisdiction, month=returns_month, today=today)
        board.returns_summary = status_counts(returns)
        board.returns_late = sum(row.is_late for row in returns)
        # Bounded: a province has ~18,000 units filing returns; the board, the page and the JSON carry the first.
        child_path = len(jurisdiction.path) + PATH_SEGMENT_WIDTH
        board.returns_late_by_child = dict(
            Counter(row.jurisdiction.path[:child_path] for row in returns if row.is_late)
        )
        board.returns, board.returns_total = bounded_returns(returns)
    board.violations = violation_count(
        jurisdiction=jurisdiction,
        start_month=period.start,
        end_month=period.end,
        figure_rules_broken=facts.broken_rules() if facts else None,
    )
    return board
