"""The dashboard's figures for one jurisdiction and period, composed from the apps' selectors.

The page, the JSON summary and the work report all read `jurisdiction_dashboard`, so a figure shown in
one of them is the figure shown in the others.
"""

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, partial

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

from .children import CHILDREN_SHOWN, RANKING_FIGURES_TOPICS, RANKING_POPULATION_TOPICS, RETURNS_TOPICS, bounded_returns
from .freshness import Section, cached_sections


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
    population = ranking_population(
        jurisdiction=jurisdiction, period=period, from_summaries=from_summaries, groups=groups
    )
    figures = ranking_figures(jurisdiction=jurisdiction, period=period, today=today, from_summaries=from_summaries)
    return ranking_rows(population, figures)


def ranking_population(*, jurisdiction, period, from_summaries, groups=None):
    """Each child's `ChildPopulation` in the period's year, for the ranking."""
    population = None
    if from_summaries:
        minority = {pk for pk, g in (groups or _all_groups()).items() if g.is_minority}
        population = summary.children_population(
            jurisdiction, year=period.year, kind=PopulationKind.RESIDENT, minority_groups=minority
        )
    if population is None:
        population = children_population(jurisdiction=jurisdiction, year=period.year)
    return population


def ranking_figures(*, jurisdiction, period, today, from_summaries):
    """(activities, petitions): each child's activity and petition figures by path, for the ranking."""
    if from_summaries:
        both = summary.child_ranking_figures(jurisdiction, period, today)
        activities = petitions = both
    else:
        activities = activity_totals_by_child(jurisdiction=jurisdiction, start=period.start, end=period.end)
        petitions = petition_counts_by_child(jurisdiction=jurisdiction, start=period.start, end=period.end, today=today)
    # Plain dicts: the board caches them (base.plain).
    return tuple({path: dict(figures) for path, figures in found.items()} for found in (activities, petitions))


def ranking_rows(population, figures):
    """A RankingRow per child in `population`, with its `figures` (ranking_figures' answer)."""
    activities, petitions = figures
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

    Cached per section under the versions of the data each section reads (reporting.freshness): a write in the
    subtree or above it recomputes the sections that read what it wrote. `as_of` says when the figures were
    computed; `refreshing`, that another process is computing newer ones.
    """
    today = today or timezone.localdate()
    # Not keyed by the day: a new day recomputes only the sections relative to it (DAILY_SECTIONS).
    key = ("dashboard", jurisdiction.pk, jurisdiction.path, period.kind, period.start, period.end)
    inputs = _BoardInputs(jurisdiction, period, today)
    sections = [
        Section(name, topics, partial(compute, inputs), day=today if name in DAILY_SECTIONS else None)
        for name, topics, compute in SECTIONS
    ]
    parts, freshness = cached_sections(key, sections, path=jurisdiction.path)
    board = _assembled(jurisdiction, period, today, parts.values())
    board.as_of, board.refreshing, board.state = freshness.as_of, freshness.refreshing, freshness.state
    return board


def _compute_dashboard(*, jurisdiction, period, today):
    """Every section of the board computed afresh (nothing cached)."""
    inputs = _BoardInputs(jurisdiction, period, today)
    return _assembled(jurisdiction, period, today, [compute(inputs) for _name, _topics, compute in SECTIONS])


def _assembled(jurisdiction, period, today, parts):
    """The board from its sections' figures; the ranking joins the children's population with their figures."""
    fields = {name: value for part in parts for name, value in part.items()}
    ranking = ranking_rows(fields.pop("ranking_population"), fields.pop("ranking_figures"))
    return Dashboard(jurisdiction=jurisdiction, period=period, today=today, ranking=ranking, **fields)


class _BoardInputs:
    """What several sections of one board read: each read at most once, and only when a section computed needs it."""

    def __init__(self, jurisdiction, period, today):
        self.jurisdiction, self.period, self.today = jurisdiction, period, today
        self.where = {"jurisdiction": jurisdiction, "start": period.start, "end": period.end}
        self.previous = period.previous_year()
        # The month being filed, bounded by the period for a look at the past: one rule, `filing_month`.
        self.filing = filing_month(today, until=period.end)

    @cached_property
    def groups(self):
        return _all_groups()

    @cached_property
    def summarised(self):
        # The summary tables answer for whole months in a few queries; otherwise (or while they await a rebuild) the
        # records themselves do. Both give the same figures (tests/summaries/test_figures.py).
        return summary.applies(self.period)

    @cached_property
    def facts(self):
        if not self.summarised:
            return None
        return summary.SubtreeFigures(
            self.jurisdiction, self.period, self.today, since=self.previous.start, returns_month=self.filing.month
        )

    @cached_property
    def people(self):
        if not self.summarised:
            return None
        return summary.PopulationFigures(self.jurisdiction, (self.period.year - 1, self.period.year))

    def population(self, year, kind=PopulationKind.RESIDENT):
        # From the summaries unless a record of the subtree may hide another (records at several depths).
        found = self.people.summary(year=year, kind=kind, groups=self.groups) if self.people else None
        return found or population_summary(jurisdiction=self.jurisdiction, year=year, kind=kind, groups=self.groups)


def _population_section(inputs):
    year = inputs.period.year
    return {
        "population": inputs.population(year),
        "population_previous": inputs.population(year - 1),
        "population_students": inputs.population(year, PopulationKind.STUDENT),
        "population_teachers": inputs.population(year, PopulationKind.STAFF),
    }


def _activities_section(inputs):
    facts, where, previous = inputs.facts, inputs.where, inputs.previous
    if facts:
        figures = {
            "activities": facts.activity_totals(),
            "activities_by_month": facts.activity_counts_by_month(),
            "activities_by_month_previous": facts.activity_counts_by_month(previous.start, previous.end),
            "activities_by_category": facts.activity_counts_by_category(),
        }
    else:
        figures = {
            "activities": activity_totals(**where),
            "activities_by_month": activity_counts_by_month(**where),
            "activities_by_month_previous": activity_counts_by_month(
                jurisdiction=inputs.jurisdiction, start=previous.start, end=previous.end
            ),
            "activities_by_category": activity_counts_by_category(**where),
        }
    return {**figures, "largest_activities": largest_activities(**where)}


def _petitions_section(inputs):
    facts, where, today = inputs.facts, inputs.where, inputs.today
    if facts:
        return {
            "petitions_by_month": facts.petition_counts_by_month(),
            "petitions": facts.petition_figures(),
            "mediation": facts.mediation_figures(),
        }
    return {
        "petitions_by_month": petition_counts_by_month(**where, today=today),
        "petitions": petition_figures(**where, today=today),
        "mediation": mediation_figures(**where, today=today),
    }


def _figures_section(inputs):
    facts, jurisdiction, period = inputs.facts, inputs.jurisdiction, inputs.period
    return {
        "monthly_figures": monthly_figure_totals(
            jurisdiction=jurisdiction,
            start_month=period.start,
            end_month=period.end,
            summed=facts.summed_figures() if facts else None,
            latest_summed=facts.latest_figures() if facts else None,
        ),
        "yearly_figures": yearly_figure_totals(jurisdiction=jurisdiction, year=period.year),
    }


def _violations_section(inputs):
    facts, period = inputs.facts, inputs.period
    return {
        "violations": violation_count(
            jurisdiction=inputs.jurisdiction,
            start_month=period.start,
            end_month=period.end,
            figure_rules_broken=facts.broken_rules() if facts else None,
        )
    }


def _returns_section(inputs):
    facts, jurisdiction, today, filing = inputs.facts, inputs.jurisdiction, inputs.today, inputs.filing
    month = filing.month
    found = {"returns_month": month, "returns_due_on": filing.due_on}
    if facts:
        levels = filing_levels()
        found["returns_summary"], found["returns_late"], found["returns_total"] = facts.returns(
            month, filing.due_on, levels
        )
        found["returns_late_by_child"] = summary.returns_late_by_child(
            jurisdiction, month=month, levels=levels, late=found["returns_late"]
        )
        found["returns"] = summary.first_returns(
            jurisdiction, month=month, today=today, levels=levels, limit=CHILDREN_SHOWN
        )
        return found
    returns = unit_statuses(jurisdiction=jurisdiction, month=month, today=today)
    found["returns_summary"] = status_counts(returns)
    found["returns_late"] = sum(row.is_late for row in returns)
    # Bounded: a province has ~18,000 units filing returns; the board, the page and the JSON carry the first.
    child_path = len(jurisdiction.path) + PATH_SEGMENT_WIDTH
    found["returns_late_by_child"] = dict(Counter(row.jurisdiction.path[:child_path] for row in returns if row.is_late))
    found["returns"], found["returns_total"] = bounded_returns(returns)
    return found


def _plan_section(inputs):
    plans = list(plans_for(jurisdiction=inputs.jurisdiction))
    # A jurisdiction's own plan speaks for it (its leading group, its progress) before any ancestor's.
    plan = next((p for p in plans if p.jurisdiction_id == inputs.jurisdiction.pk), plans[0] if plans else None)
    return {"plan": plan, "plan_progress": plan_progress(plan=plan, today=inputs.today) if plan else None}


def _projects_section(inputs):
    period = inputs.period
    return {
        "projects": project_totals(
            jurisdiction=inputs.jurisdiction, start_year=period.start.year, end_year=period.end.year
        )
    }


def _ranking_population_section(inputs):
    population = ranking_population(
        jurisdiction=inputs.jurisdiction, period=inputs.period, from_summaries=inputs.summarised, groups=inputs.groups
    )
    return {"ranking_population": population}


def _ranking_figures_section(inputs):
    figures = ranking_figures(
        jurisdiction=inputs.jurisdiction, period=inputs.period, today=inputs.today, from_summaries=inputs.summarised
    )
    return {"ranking_figures": figures}


# The board's sections: (name, the topics of data it reads (reporting.freshness.TOPICS), its computation). Every
# section also reads the tree, categories, figures and rules, whose writes recompute them all.
SECTIONS = (
    ("population", ("population",), _population_section),
    ("activities", ("activities",), _activities_section),
    ("petitions", ("petitions",), _petitions_section),
    ("figures", ("returns",), _figures_section),
    ("violations", ("returns", "petitions"), _violations_section),
    ("returns", RETURNS_TOPICS, _returns_section),
    ("plan", ("plans",), _plan_section),
    ("projects", ("projects",), _projects_section),
    # The ranking in two: a write of activities or petitions leaves the children's population as it was.
    ("ranking_population", RANKING_POPULATION_TOPICS, _ranking_population_section),
    ("ranking_figures", RANKING_FIGURES_TOPICS, _ranking_figures_section),
)
# The sections whose figures depend on the day they are read ("overdue now", "late now", the month being filed);
# the others read the period alone.
DAILY_SECTIONS = {"petitions", "returns", "plan", "ranking_figures"}
