"""What the summary tables hold: for each recorded table, the facts one of its rows contributes.

A `Source` is a table and the joins from its row `r` to the row's jurisdiction `j`; each `Fact` of it says which
measure, month and key the row adds `value` to. Triggers add a row's facts when it is inserted, take them away
when it is deleted and do both on update, so a change of date, status or jurisdiction moves the row's figures
from one key to another; the rebuild reads the same SQL over whole tables. One text serves both: what is kept
incrementally and what a rebuild computes cannot drift apart.

Measures (month: first day of the month; keys joined with "|"):
- act.<field>   activities by month of their date, key = category id: count, participants and the publicity sums.
- pet.*         petitions by month of receipt (see `petition_facts`).
- mv.value / mv.returns   monthly return values by return month, key = figure id | return status.
- mv.latest / mv.latest.n   approved values of "latest" figures (a team size: per place, its value in the latest
                month of a period counts) by return month, key = figure id | the month of the same place's next
                approved value of the figure ('9999-12' for none): a value is the latest of a period that holds its
                month and ends before that next month (see `latest_chain`).
- ret.status    monthly returns by month, key = status.
- chk.broken    validation rules broken by the returns of a month (errors and warnings, activities.ReturnCheck).
- units         jurisdictions (month 2000-01-01), key = level: the units that file returns.
- pop.*         population records by year (month = 1 January), key = kind | section: their count, and for each
                nullable total its sum and how many records give it (a sum over none is "not recorded", not 0);
                pop.depth, key = kind | depth of the record's place, tells whether a record can hide another. At the
                path of the parent of the record's place, as the group counts' (a province census: about 160,000
                journal rows kept per community, 1 to 2 s of the import's triggers and fold; per street, 8,000).
- grp.*         group counts by year, key = kind | section | ethnic group id, at the path of the parent of the
                record's place (`parent_path`): a census lists 58 groups for each of a province's 20,000 communities,
                and kept per community its facts were 2.4 M journal rows and as many totals to fold; kept per street,
                one row per group and year serves all its communities (about 23,000 rows for the benchmark's
                province). A place's own records (and their counts) are read from the records by every read of the
                pop.* and grp.* measures (summaries.selectors): so a record at the top of the tree, with no parent,
                has no facts.
"""

from dataclasses import dataclass

from activities.choices import OPEN_PETITION_STATUSES, FigureAggregation, PetitionKind, PetitionStatus, ReturnStatus
from communities.models import PATH_SEGMENT_WIDTH

UNITS_MONTH = "2000-01-01"
ACTIVITY_MEASURES = (
    "count",
    "participants",
    "minority_participants",
    "posters",
    "handbooks",
    "promo_items",
    "light_boxes",
    "online_posts",
    "people_reached",
)


# The nullable totals of a population record, each summed with a count of the records that give it.
RECORD_TOTALS = (
    "residents",
    "households",
    "floating_minority",
    "hardship_households",
    "hardship_persons",
    "male",
    "female",
    "minority_total",
)
GROUP_MEASURES = ("grp.total", "grp.rows", "grp.declared", "grp.male", "grp.male.n", "grp.female", "grp.female.n")
POPULATION_MEASURES = (
    "pop.records",
    "pop.depth",
    *(f"pop.{name}" for name in RECORD_TOTALS),
    *(f"pop.{name}.n" for name in RECORD_TOTALS),
    *GROUP_MEASURES,
)


@dataclass(frozen=True)
class Fact:
    measure: str
    month: str
    key: str
    value: str
    where: str = ""


@dataclass(frozen=True)
class Source:
    table: str
    joins: str
    facts: tuple
    path: str = "j.path"
    # The columns every fact's month and key are computed from, when a few plain columns are: rows summed in bulk
    # (a statement trigger, a catch-up, a rebuild) are grouped by them, and each group's month and key computed
    # once, instead of computing and sorting text for every row (a census chunk's 116,000 counts: 0.32 s to 0.23 s on
    # SQLite). PostgreSQL refuses a month or key that uses a column not in it.
    grain: tuple = ()
    # False for a table that only moves another table's facts (a return's status moves its values'): a rebuild
    # reads each fact once, from its own table.
    rebuild: bool = True
    # False where a row just inserted can have nothing to move: its INSERT triggers (and a bulk insert's catch-up)
    # leave the source out.
    on_insert: bool = True


class Dialect:
    """The few SQL expressions PostgreSQL and SQLite write differently."""

    def __init__(self, vendor):
        self.vendor = vendor

    def month(self, expr):
        if self.vendor == "postgresql":
            return f"CAST(date_trunc('month', {expr}) AS date)"
        return f"strftime('%Y-%m-01', {expr})"

    def year_month(self, expr):
        """'YYYY-MM' of a date, '' for none."""
        if self.vendor == "postgresql":
            return f"COALESCE(to_char({expr}, 'YYYY-MM'), '')"
        return f"COALESCE(substr({expr}, 1, 7), '')"

    def day(self, expr):
        """'YYYY-MM-DD' of a date."""
        if self.vendor == "postgresql":
            return f"to_char({expr}, 'YYYY-MM-DD')"
        return f"substr({expr}, 1, 10)"

    def days_between(self, later, earlier):
        if self.vendor == "postgresql":
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def year_start(self, expr):
        if self.vendor == "postgresql":
            return f"make_date(CAST({expr} AS integer), 1, 1)"
        return f"printf('%04d-01-01', {expr})"

    def fixed_month(self, text):
        return f"CAST('{text}' AS date)" if self.vendor == "postgresql" else f"'{text}'"

    @staticmethod
    def text(expr):
        return f"CAST({expr} AS TEXT)"

    def ordered_join(self):
        """A join the planner keeps in the order written. SQLite's never reorders a CROSS JOIN's tables: without
        statistics it read a chain's values by their figure (every place's values of the figure, once per value a
        trigger saw) instead of through its place's few returns."""
        return "CROSS JOIN" if self.vendor == "sqlite" else "JOIN"


def _literals(values):
    return ", ".join(f"'{v}'" for v in values)


def activity_facts(d):
    month = d.month("r.date")
    key = d.text("r.category_id")
    return tuple(Fact(f"act.{name}", month, key, "1" if name == "count" else f"r.{name}") for name in ACTIVITY_MEASURES)


def petition_facts(d):
    """Petitions by month of receipt, key starting with the kind (信访 / 矛盾纠纷).

    Dates that a period's end bounds (decided, closed, mediated) are in the key as 'YYYY-MM', so a period ending
    at a month's end counts "by its end" from the summary; open cases carry their due date, so "overdue on any day"
    is a sum over due dates before it.
    """
    month, kind = d.month("r.received_on"), "r.kind"
    closed = f"r.status = '{PetitionStatus.CLOSED}' AND r.closed_on IS NOT NULL"
    return (
        Fact("pet.received", month, kind, "1"),
        Fact(
            "pet.accepted",
            month,
            f"{kind} || '|' || {d.year_month('r.decided_on')}",
            "1",
            f"r.decided_on IS NOT NULL AND r.status <> '{PetitionStatus.REJECTED}'",
        ),
        Fact(
            "pet.rejected",
            month,
            f"{kind} || '|' || {d.year_month('r.decided_on')}",
            "1",
            f"r.decided_on IS NOT NULL AND r.status = '{PetitionStatus.REJECTED}'",
        ),
        Fact("pet.closed", month, f"{kind} || '|' || r.outcome || '|' || {d.year_month('r.closed_on')}", "1", closed),
        Fact(
            "pet.close_days",
            month,
            f"{kind} || '|' || {d.year_month('r.closed_on')}",
            d.days_between("r.closed_on", "r.received_on"),
            closed,
        ),
        Fact("pet.group", month, kind, "1", "r.is_group"),
        Fact("pet.group_persons", month, kind, "r.persons", "r.is_group"),
        Fact("pet.ethnic", month, kind, "1", "r.ethnic_factor"),
        Fact("pet.channel", month, f"{kind} || '|' || r.channel", "1"),
        Fact("pet.category", month, f"{kind} || '|' || r.category", "1"),
        Fact(
            "pet.mediated",
            month,
            f"{kind} || '|' || {d.year_month('r.mediated_on')}",
            "1",
            f"r.mediated_on IS NOT NULL AND r.kind = '{PetitionKind.DISPUTE}'",
        ),
        Fact("pet.agreements", month, kind, "1", "r.agreement_reached"),
        Fact(
            "pet.open",
            month,
            f"{kind} || '|' || {d.day('r.due_on')}",
            "1",
            f"r.due_on IS NOT NULL AND r.status IN ({_literals(OPEN_PETITION_STATUSES)})",
        ),
    )


def record_facts(d):
    month, key = d.year_start("r.year"), "r.kind || '|' || r.section"
    facts = [
        Fact("pop.records", month, key, "1"),
        Fact("pop.depth", month, f"r.kind || '|' || {d.text('j.depth')}", "1"),
    ]
    for name in RECORD_TOTALS:
        facts.append(Fact(f"pop.{name}", month, key, f"r.{name}", f"r.{name} IS NOT NULL"))
        facts.append(Fact(f"pop.{name}.n", month, key, "1", f"r.{name} IS NOT NULL"))
    return tuple(facts)


def parent_path(path):
    """The SQL of the path of the parent of the place whose path is `path` ('' at the top of the tree)."""
    return f"substr({path}, 1, length({path}) - {PATH_SEGMENT_WIDTH})"


def group_facts(d, record, count):
    """The facts of group counts `count` of population records `record` (aliases in the joins)."""
    month = d.year_start(f"{record}.year")
    key = f"{record}.kind || '|' || {record}.section || '|' || {d.text(f'{count}.ethnic_group_id')}"
    return (
        Fact("grp.total", month, key, f"{count}.count"),
        Fact("grp.rows", month, key, "1"),
        Fact("grp.declared", month, key, f"{count}.count", f"{record}.minority_total IS NOT NULL"),
        Fact("grp.male", month, key, f"{count}.male", f"{count}.male IS NOT NULL"),
        Fact("grp.male.n", month, key, "1", f"{count}.male IS NOT NULL"),
        Fact("grp.female", month, key, f"{count}.female", f"{count}.female IS NOT NULL"),
        Fact("grp.female.n", month, key, "1", f"{count}.female IS NOT NULL"),
    )


TO_PLACE = "JOIN communities_jurisdiction j ON j.id = r.jurisdiction_id"


def record_source(d, *, path):
    """The population records' facts, each at the path `path` (an expression over the record's place `j`)."""
    return Source(
        "communities_populationrecord",
        TO_PLACE,
        record_facts(d),
        path=path,
        grain=("r.year", "r.kind", "r.section", "j.depth"),
    )


def own_place_sources(d):
    """The sources the summaries keep at the parent of the record's place (`parent_path`, in `sources`), each here at
    the record's own place, with the column of its rows that names the record: what a read adds from the records
    of the places it reads (summaries.selectors)."""
    return ((record_source(d, path="j.path"), "id"), (group_source(d, path="j.path"), "record_id"))


def group_source(d, *, path):
    """The group counts' facts, each at the path `path` (an expression over the count's place `j`)."""
    return Source(
        "communities_groupcount",
        "JOIN communities_populationrecord pr ON pr.id = r.record_id "
        "JOIN communities_jurisdiction j ON j.id = pr.jurisdiction_id",
        group_facts(d, "pr", "r"),
        path=path,
        grain=("pr.year", "pr.kind", "pr.section", "r.ethnic_group_id"),
    )


NO_NEXT_MONTH = "9999-12"
# The figures whose values have chains (a choice's value, not input).
LATEST_FIGURES = f"SELECT id FROM activities_monthlyfigure WHERE aggregation = '{FigureAggregation.LATEST}'"  # noqa: S608
LATEST_MEASURES = ("mv.latest", "mv.latest.n")


def latest_chain(vendor, *, pairs=None, values="activities_monthlyvalue", returns="activities_monthlyreturn", sign="1"):
    """The facts of the approved values of "latest" figures, for the (place, figure) chains in `pairs`.

    Unlike every other fact, a value's key depends on its neighbours (the place's next approved month of the
    figure), so the triggers compute whole chains: a change's facts are the chains after it minus the chains
    before it, each chain a place's few approved months of one figure. `pairs`: a relation of (jid, fid), None
    for every chain (the rebuild); `values` and `returns`: the relations holding the state to read (the tables, or
    the state before a change rebuilt from the transition rows). Columns: path, measure, month, key, value.
    """
    d = Dialect(vendor)
    following = "LEAD(mr.month) OVER (PARTITION BY mr.jurisdiction_id, v.figure_id ORDER BY mr.month)"
    next_month = f"to_char({following}, 'YYYY-MM')" if vendor == "postgresql" else f"substr({following}, 1, 7)"
    if pairs is None:
        chains = f"FROM {returns} mr JOIN {values} v ON v.monthly_return_id = mr.id"
    else:
        join = d.ordered_join()
        chains = (
            f"FROM (SELECT DISTINCT jid, fid FROM {pairs} p) p {join} {returns} mr ON mr.jurisdiction_id = p.jid "  # noqa: S608
            f"{join} {values} v ON v.monthly_return_id = mr.id AND v.figure_id = p.fid"
        )
    return (
        f"SELECT j.path AS path, m.measure AS measure, c.month AS month, c.key AS key, "  # noqa: S608
        f"{sign} * (CASE m.measure WHEN 'mv.latest' THEN c.value ELSE 1 END) AS value FROM ("
        f"SELECT mr.jurisdiction_id AS jid, mr.month AS month, "
        f"{d.text('v.figure_id')} || '|' || COALESCE({next_month}, '{NO_NEXT_MONTH}') AS key, v.value AS value "
        f"{chains} WHERE mr.status = '{ReturnStatus.APPROVED}' AND v.figure_id IN ({LATEST_FIGURES})"
        f") c JOIN communities_jurisdiction j ON j.id = c.jid "
        f"CROSS JOIN (SELECT 'mv.latest' AS measure UNION ALL SELECT 'mv.latest.n' AS measure) m WHERE j.path <> ''"
    )


def sources(vendor):
    """Return the summary sources for `vendor`'s SQL."""
    d = Dialect(vendor)
    return (
        Source("activities_activity", TO_PLACE, activity_facts(d)),
        Source("activities_petition", TO_PLACE, petition_facts(d)),
        Source(
            "activities_monthlyvalue",
            "JOIN activities_monthlyreturn mr ON mr.id = r.monthly_return_id "
            "JOIN communities_jurisdiction j ON j.id = mr.jurisdiction_id",
            (
                Fact("mv.value", "mr.month", f"{d.text('r.figure_id')} || '|' || mr.status", "r.value"),
                Fact("mv.returns", "mr.month", f"{d.text('r.figure_id')} || '|' || mr.status", "1"),
            ),
        ),
        Source(
            "activities_monthlyreturn",
            "JOIN activities_monthlyvalue v ON v.monthly_return_id = r.id " + TO_PLACE,
            (
                Fact("mv.value", "r.month", f"{d.text('v.figure_id')} || '|' || r.status", "v.value"),
                Fact("mv.returns", "r.month", f"{d.text('v.figure_id')} || '|' || r.status", "1"),
            ),
            rebuild=False,
        ),
        Source(
            "activities_monthlyreturn", TO_PLACE, (Fact("ret.status", "r.month", "r.status || '|' || j.level", "1"),)
        ),
        Source("activities_returncheck", TO_PLACE, (Fact("chk.broken", "r.month", "''", "r.errors + r.warnings"),)),
        record_source(d, path=parent_path("j.path")),
        group_source(d, path=parent_path("j.path")),
        # A record's year, kind, section, place or declared total moves its group counts' facts. A record being
        # inserted has no counts yet (communities.count_keys refuses a count before its record at once, not at the
        # commit): left out of the INSERT triggers, whose join to every count of the province cost a census import
        # 2.6 s on PostgreSQL (stop 23: the planner hashed the whole counts table for each 1,000 records).
        Source(
            "communities_populationrecord",
            "JOIN communities_groupcount g ON g.record_id = r.id " + TO_PLACE,
            group_facts(d, "r", "g"),
            path=parent_path("j.path"),
            rebuild=False,
            on_insert=False,
        ),
        Source(
            "communities_jurisdiction",
            "",
            (Fact("units", d.fixed_month(UNITS_MONTH), "r.level", "1"),),
            path="r.path",
        ),
    )


def tables(vendor):
    """The tables carrying summary triggers: the sources', and the figures' (an aggregation changed: rebuild)."""
    return sorted({source.table for source in sources(vendor)} | {"activities_monthlyfigure"})
