"""Reads of jurisdictions and population for pages, JSON and reports.

A jurisdiction's population is its own record for the year when it has one; otherwise it is the sum
of the records nearest below it (a street office without a record of its own is the sum of its
communities). Records under a recorded jurisdiction are not counted again.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.functions import Coalesce, Substr

from .choices import Action, PopulationKind
from .figures import share
from .models import PATH_SEGMENT_WIDTH, AuditEntry, EthnicGroup, GroupCount, Jurisdiction, PopulationRecord

TOTAL_FIELDS = (
    "residents",
    "households",
    "floating_minority",
    "hardship_households",
    "hardship_persons",
    "male",
    "female",
)


@dataclass
class GroupFigure:
    ethnic_group: EthnicGroup
    count: int
    share_of_residents: Decimal | None
    share_of_minority: Decimal | None


@dataclass
class PopulationSummary:
    """The population figures of one jurisdiction (with its subtree) in one year."""

    jurisdiction: Jurisdiction
    year: int
    kind: str
    record_count: int = 0
    residents: int | None = None
    households: int | None = None
    floating_minority: int | None = None
    hardship_households: int | None = None
    hardship_persons: int | None = None
    male: int | None = None
    female: int | None = None
    counted_total: int = 0
    minority_total: int = 0
    groups: list[GroupFigure] = field(default_factory=list)

    @property
    def has_data(self):
        return self.record_count > 0

    @property
    def population(self):
        """Residents when recorded, else the sum of the group counts."""
        return self.residents if self.residents is not None else self.counted_total

    @property
    def minority_share(self):
        return share(self.minority_total, self.population)

    @property
    def minority_groups(self):
        return [g for g in self.groups if g.ethnic_group.is_minority and g.count > 0]

    @property
    def minority_group_count(self):
        return len(self.minority_groups)

    def as_dict(self):
        return {
            "year": self.year,
            "kind": self.kind,
            "records": self.record_count,
            "residents": self.residents,
            "population": self.population,
            "households": self.households,
            "male": self.male,
            "female": self.female,
            "floating_minority": self.floating_minority,
            "hardship_households": self.hardship_households,
            "hardship_persons": self.hardship_persons,
            "minority_total": self.minority_total,
            "minority_share": _num(self.minority_share),
            "minority_group_count": self.minority_group_count,
            "groups": [
                {
                    "code": g.ethnic_group.code,
                    "name": g.ethnic_group.name,
                    "count": g.count,
                    "share_of_residents": _num(g.share_of_residents),
                    "share_of_minority": _num(g.share_of_minority),
                }
                for g in self.groups
            ],
        }


def _num(value):
    return float(value) if value is not None else None


# Above this many shadowing jurisdictions, the counted records are named by id instead of by path prefixes.
MAX_SHADOW_PREFIXES = 20


def counted_records(*, root, year, kind=PopulationKind.RESIDENT, below_depth=None):
    """Return the records that make up `root`'s figures: those in its subtree with no recorded ancestor.

    `below_depth` narrows "ancestor" to those deeper than that depth, so a parent's record does not
    hide its children's when the children are summed one by one.

    One small query reads the recorded paths (sorted, a recorded ancestor comes right before its
    descendants); the figures themselves are then aggregated in SQL over the queryset returned. In the
    usual case (records at one level only) that queryset is the plain indexed filter.
    """
    depth_floor = root.depth if below_depth is None else below_depth + 1
    base = PopulationRecord.objects.filter(
        year=year, kind=kind, jurisdiction__path__startswith=root.path, jurisdiction__depth__gte=depth_floor
    )
    kept, shadows, current = [], [], None
    for pk, path in base.order_by("jurisdiction__path").values_list("pk", "jurisdiction__path"):
        if current is not None and path.startswith(current):
            if not shadows or shadows[-1] != current:
                shadows.append(current)
            continue
        current = path
        kept.append(pk)
    if not shadows:
        return base
    if len(shadows) <= MAX_SHADOW_PREFIXES:
        hidden = Q()
        for prefix in shadows:
            hidden |= Q(jurisdiction__path__startswith=prefix) & ~Q(jurisdiction__path=prefix)
        return base.exclude(hidden)
    return base.filter(pk__in=kept)


def _all_groups():
    return {g.pk: g for g in EthnicGroup.objects.all()}


def population_summary(*, jurisdiction, year, kind=PopulationKind.RESIDENT, groups=None):
    """Return the population figures of `jurisdiction` and its subtree for `year` (three queries)."""
    records = counted_records(root=jurisdiction, year=year, kind=kind)
    totals = records.aggregate(
        record_count=Count("pk"),
        **{name: Sum(name) for name in TOTAL_FIELDS},
    )
    summary = PopulationSummary(jurisdiction=jurisdiction, year=year, kind=kind, **totals)
    if not summary.record_count:
        return summary
    rows = (
        GroupCount.objects.filter(record__in=records).values("ethnic_group_id").annotate(total=Sum("count")).order_by()
    )
    groups = groups or _all_groups()
    counts = [(groups[row["ethnic_group_id"]], row["total"]) for row in rows]
    summary.counted_total = sum(c for _, c in counts)
    summary.minority_total = sum(c for g, c in counts if g.is_minority)
    summary.groups = sorted(
        (
            GroupFigure(
                ethnic_group=g,
                count=c,
                share_of_residents=share(c, summary.population),
                share_of_minority=share(c, summary.minority_total) if g.is_minority else None,
            )
            for g, c in counts
        ),
        key=lambda f: (-f.count, f.ethnic_group.code),
    )
    return summary


@dataclass
class ChildPopulation:
    jurisdiction: Jurisdiction
    population: int | None
    households: int | None
    minority_total: int
    record_count: int

    @property
    def minority_share(self):
        return share(self.minority_total, self.population)


def children_population(*, jurisdiction, year, kind=PopulationKind.RESIDENT):
    """Return each child's population figures for `year`, computed for all children in three queries."""
    children = list(jurisdiction.children.order_by("code", "name"))
    if not children:
        return []
    records = counted_records(root=jurisdiction, year=year, kind=kind, below_depth=jurisdiction.depth)
    child_path_len = (jurisdiction.depth + 2) * PATH_SEGMENT_WIDTH
    child_path = Substr("jurisdiction__path", 1, child_path_len)
    totals = {
        row["child_path"]: row
        for row in records.annotate(child_path=child_path)
        .values("child_path")
        .annotate(
            record_count=Count("pk"),
            residents=Sum("residents"),
            households=Sum("households"),
        )
        .order_by()
    }
    counts = {
        row["child_path"]: row
        for row in GroupCount.objects.filter(record__in=records)
        .annotate(child_path=Substr("record__jurisdiction__path", 1, child_path_len))
        .values("child_path")
        .annotate(
            counted=Coalesce(Sum("count"), 0, output_field=IntegerField()),
            minority=Coalesce(Sum("count", filter=Q(ethnic_group__is_minority=True)), 0, output_field=IntegerField()),
        )
        .order_by()
    }
    result = []
    for child in children:
        t = totals.get(child.path, {})
        c = counts.get(child.path, {})
        # As in population_summary: recorded residents when any, else the group counts' sum.
        population = t.get("residents")
        if population is None:
            population = c.get("counted") or None
        result.append(
            ChildPopulation(
                jurisdiction=child,
                population=population,
                households=t.get("households"),
                minority_total=c.get("minority", 0),
                record_count=t.get("record_count", 0),
            )
        )
    return result


def recorded_years(*, jurisdiction):
    """Return the years that have population records in the subtree, newest first."""
    return list(
        PopulationRecord.objects.in_subtree(jurisdiction).values_list("year", flat=True).distinct().order_by("-year")
    )


def audit_trail(*, user, since=None, until=None, action="", jurisdiction=None, username=""):
    """Return the audit rows `user` may read (their subtree's, for auditors and administrators), newest first."""
    qs = AuditEntry.objects.for_user(user, Action.AUDIT).select_related("user", "content_type", "jurisdiction")
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    if action:
        qs = qs.filter(action=action)
    if jurisdiction is not None:
        qs = qs.filter(jurisdiction__path__startswith=jurisdiction.path)
    if username:
        qs = qs.filter(user__username=username)
    return qs.order_by("-created_at", "-pk")
