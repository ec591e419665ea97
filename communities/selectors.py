"""Reads of jurisdictions and population for pages, JSON and reports.

A jurisdiction's population is its own record for the year when it has one; otherwise it is the sum
of the records nearest below it (a street office without a record of its own is the sum of its
communities). Records under a recorded jurisdiction are not counted again.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext_lazy as _

from .choices import Action, PopulationKind
from .figures import share
from .models import PATH_SEGMENT_WIDTH, AuditEntry, EthnicGroup, GroupCount, Jurisdiction, PopulationRecord

TOTAL_FIELDS = (
    "residents",
    "households",
    "floating_minority",
    "hardship_households",
    "hardship_persons",
)
# Summed only when every counted row has them: a sum over the rows that happen to have a split is no split.
SEX_FIELDS = ("male", "female")

# Decimals of the shares, as the seeds write them: residents 2.73% (篇1), students and teachers 57.6% (篇2).
SHARE_PLACES = {PopulationKind.RESIDENT: 2, PopulationKind.STUDENT: 1, PopulationKind.STAFF: 1}


@dataclass
class GroupFigure:
    ethnic_group: EthnicGroup
    count: int
    share_of_residents: Decimal | None
    share_of_minority: Decimal | None
    male: int | None = None
    female: int | None = None


@dataclass
class PopulationSummary:
    """The population figures of one jurisdiction (with its subtree) in one year, of one kind and section.

    `minority_unspecified` counts the minority people recorded only as a total (“少数民族教师38人”), whose
    groups nobody recorded: they are in `minority_total` and its share, never in `groups`. `sections` holds a
    summary per section (小学部, 初中部) when any record names one; this summary is then their total.
    """

    jurisdiction: Jurisdiction
    year: int
    kind: str
    section: str = ""
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
    minority_unspecified: int = 0
    groups: list[GroupFigure] = field(default_factory=list)
    sections: list["PopulationSummary"] = field(default_factory=list)

    @property
    def has_data(self):
        return self.record_count > 0

    @property
    def share_places(self):
        return SHARE_PLACES.get(self.kind, 2)

    @property
    def population(self):
        """Residents when recorded, else the sum of the group counts."""
        return self.residents if self.residents is not None else self.counted_total

    @property
    def minority_share(self):
        return share(self.minority_total, self.population, places=self.share_places)

    @property
    def minority_groups(self):
        return [g for g in self.groups if g.ethnic_group.is_minority and g.count > 0]

    @property
    def minority_group_count(self):
        return len(self.minority_groups)

    @property
    def has_sex_split(self):
        return (
            self.male is not None
            or self.female is not None
            or any(g.male is not None or g.female is not None for g in self.groups)
        )

    def get_kind_display(self):
        return PopulationKind(self.kind).label

    @property
    def section_label(self):
        return self.section or _("未分学部")

    def as_dict(self):
        data = {
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
            "minority_unspecified": self.minority_unspecified,
            "minority_share": _num(self.minority_share),
            "minority_group_count": self.minority_group_count,
            "groups": [
                {
                    "code": g.ethnic_group.code,
                    "name": g.ethnic_group.name,
                    "count": g.count,
                    "male": g.male,
                    "female": g.female,
                    "share_of_residents": _num(g.share_of_residents),
                    "share_of_minority": _num(g.share_of_minority),
                }
                for g in self.groups
            ],
        }
        if self.section:
            data["section"] = self.section
        data["sections"] = [{**s.as_dict(), "section": s.section} for s in self.sections]
        return data


def _num(value):
    return float(value) if value is not None else None


# Above this many shadowing jurisdictions, the counted records are named by id instead of by path prefixes.
MAX_SHADOW_PREFIXES = 20


def counted_records(*, root, year, kind=PopulationKind.RESIDENT, below_depth=None):
    """Return the records that make up `root`'s figures: those in its subtree with no recorded ancestor.

    `below_depth` narrows "ancestor" to those deeper than that depth, so a parent's record does not
    hide its children's when the children are summed one by one.
    """
    return _counted(root=root, year=year, kind=kind, below_depth=below_depth)[0]


def _counted(*, root, year, kind, below_depth=None):
    """Return (records, sections): the counted records' queryset and the section names among them.

    One small query reads the recorded paths (sorted, a recorded ancestor comes right before its
    descendants); the figures themselves are then aggregated in SQL over the queryset returned. In the
    usual case (records at one level only) that queryset is the plain indexed filter. A unit's sections
    (several records on one path) are all counted: only a record on a strictly higher path hides others.
    """
    depth_floor = root.depth if below_depth is None else below_depth + 1
    base = PopulationRecord.objects.filter(
        year=year, kind=kind, jurisdiction__path__startswith=root.path, jurisdiction__depth__gte=depth_floor
    )
    kept, shadows, current, sections = [], [], None, set()
    rows = base.order_by("jurisdiction__path").values_list("pk", "jurisdiction__path", "section")
    for pk, path, section in rows:
        if current is not None and path != current and path.startswith(current):
            if not shadows or shadows[-1] != current:
                shadows.append(current)
            continue
        current = path
        kept.append(pk)
        sections.add(section)
    if not shadows:
        return base, sections
    if len(shadows) <= MAX_SHADOW_PREFIXES:
        hidden = Q()
        for prefix in shadows:
            hidden |= Q(jurisdiction__path__startswith=prefix) & ~Q(jurisdiction__path=prefix)
        return base.exclude(hidden), sections
    return base.filter(pk__in=kept), sections


def _all_groups():
    return {g.pk: g for g in EthnicGroup.objects.all()}


def _complete(row, name):
    """A sex total only when every counted row recorded it (`<name>_rows` of `rows`), else None."""
    return row[f"{name}_sum"] if row[f"{name}_rows"] == row["rows"] else None


_RECORD_AGGREGATES = {
    "record_count": Count("pk"),
    "rows": Count("pk"),
    "declared_minority": Sum("minority_total"),
    **{name: Sum(name) for name in TOTAL_FIELDS},
    **{f"{name}_sum": Sum(name) for name in SEX_FIELDS},
    **{f"{name}_rows": Count(name) for name in SEX_FIELDS},
}
_GROUP_AGGREGATES = {
    "total": Sum("count"),
    "rows": Count("pk"),
    # The part of the group's count in records that also give a minority total: it is inside that total.
    "in_declared": Coalesce(
        Sum("count", filter=Q(record__minority_total__isnull=False)), 0, output_field=IntegerField()
    ),
    **{f"{name}_sum": Sum(name) for name in SEX_FIELDS},
    **{f"{name}_rows": Count(name) for name in SEX_FIELDS},
}


def _summary(row, group_rows, *, jurisdiction, year, kind, groups, section=""):
    totals = {name: row[name] for name in TOTAL_FIELDS}
    summary = PopulationSummary(
        jurisdiction=jurisdiction,
        year=year,
        kind=kind,
        section=section,
        record_count=row["record_count"],
        male=_complete(row, "male"),
        female=_complete(row, "female"),
        **totals,
    )
    counts = [(groups[r["ethnic_group_id"]], r) for r in group_rows]
    summary.counted_total = sum(r["total"] for _, r in counts)
    split = sum(r["total"] for g, r in counts if g.is_minority)
    split_in_declared = sum(r["in_declared"] for g, r in counts if g.is_minority)
    # Records giving a minority total count it whole; the model refuses one smaller than its groups' sum.
    summary.minority_unspecified = max((row["declared_minority"] or 0) - split_in_declared, 0)
    summary.minority_total = split + summary.minority_unspecified
    places = summary.share_places
    summary.groups = sorted(
        (
            GroupFigure(
                ethnic_group=g,
                count=r["total"],
                share_of_residents=share(r["total"], summary.population, places=places),
                share_of_minority=share(r["total"], summary.minority_total, places=places) if g.is_minority else None,
                male=_complete(r, "male"),
                female=_complete(r, "female"),
            )
            for g, r in counts
        ),
        key=lambda f: (-f.count, f.ethnic_group.code),
    )
    return summary


def population_summary(*, jurisdiction, year, kind=PopulationKind.RESIDENT, groups=None):
    """Return the population figures of `jurisdiction` and its subtree for `year`, of one kind.

    Four queries; two more when the records name sections (小学部, 初中部), each then summed over the subtree
    in `sections` while the summary itself is their total.
    """
    records, sections = _counted(root=jurisdiction, year=year, kind=kind)
    row = records.aggregate(**_RECORD_AGGREGATES)
    if not row["record_count"]:
        return summary_from_aggregates(row, [], jurisdiction=jurisdiction, year=year, kind=kind, groups={})
    groups = groups or _all_groups()
    group_rows = (
        GroupCount.objects.filter(record__in=records).values("ethnic_group_id").annotate(**_GROUP_AGGREGATES).order_by()
    )
    by_section = []
    if sections - {""}:
        rows = records.values("section").annotate(**_RECORD_AGGREGATES).order_by()
        section_groups = {}
        for r in (
            GroupCount.objects.filter(record__in=records)
            .values("record__section", "ethnic_group_id")
            .annotate(**_GROUP_AGGREGATES)
            .order_by()
        ):
            section_groups.setdefault(r["record__section"], []).append(r)
        by_section = [(r["section"], r, section_groups.get(r["section"], [])) for r in rows]
    return summary_from_aggregates(
        row, group_rows, jurisdiction=jurisdiction, year=year, kind=kind, groups=groups, sections=by_section
    )


def summary_from_aggregates(row, group_rows, *, jurisdiction, year, kind, groups, sections=()):
    """Return the `PopulationSummary` of aggregated counted records (`row`, as `_RECORD_AGGREGATES` names them),
    their group counts (`group_rows`, as `_GROUP_AGGREGATES`) and, per section name, the same two.

    The one place the figures are derived: the records' selector above and the summary tables (summaries.figures)
    both hand their sums here.
    """
    summary = _summary(row, group_rows, jurisdiction=jurisdiction, year=year, kind=kind, groups=groups)
    if {name for name, _row, _groups in sections} - {""}:
        summary.sections = sorted(
            (
                _summary(r, g, jurisdiction=jurisdiction, year=year, kind=kind, groups=groups, section=name)
                for name, r, g in sections
            ),
            key=lambda s: (not s.section, _section_rank(s.section), s.section),
        )
    return summary


# Sections in school order (幼儿园, 小学部, 初中部, 高中部), not in code-point order (初 before 小).
SECTION_ORDER = ("幼", "学前", "小学", "初中", "高中", "中职", "职")


def _section_rank(name):
    return next((i for i, word in enumerate(SECTION_ORDER) if word in name), len(SECTION_ORDER))


@dataclass
class ChildPopulation:
    jurisdiction: Jurisdiction
    population: int | None
    households: int | None
    minority_total: int
    record_count: int
    kind: str = PopulationKind.RESIDENT

    @property
    def minority_share(self):
        return share(self.minority_total, self.population, places=SHARE_PLACES.get(self.kind, 2))


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
            declared_minority=Coalesce(Sum("minority_total"), 0, output_field=IntegerField()),
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
            minority_in_declared=Coalesce(
                Sum("count", filter=Q(ethnic_group__is_minority=True, record__minority_total__isnull=False)),
                0,
                output_field=IntegerField(),
            ),
        )
        .order_by()
    }
    return [
        child_population(child, totals.get(child.path, {}), counts.get(child.path, {}), kind=kind) for child in children
    ]


def child_population(child, totals, counts, *, kind):
    """Return a child's `ChildPopulation` from its counted records' sums (`totals`: residents, households,
    declared_minority, record_count) and its group counts' (`counts`: counted, minority, minority_in_declared).

    The one place the ranking's population is derived: the records' selector above and the summary tables
    (summaries.figures) both hand their sums here."""
    # As in population_summary: recorded residents when any, else the group counts' sum.
    population = totals.get("residents")
    if population is None:
        population = counts.get("counted") or None
    return ChildPopulation(
        jurisdiction=child,
        population=population,
        households=totals.get("households"),
        # A recorded minority total counts whole, its split part included (as in population_summary).
        minority_total=counts.get("minority", 0)
        + max((totals.get("declared_minority") or 0) - counts.get("minority_in_declared", 0), 0),
        record_count=totals.get("record_count", 0),
        kind=kind,
    )


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
