"""The database triggers that keep the summary journal (`summaries_delta`) in step with the records.

PostgreSQL: one statement-level trigger per table and event, with transition tables, so a bulk write adds its
facts in one grouped INSERT. SQLite: row triggers; a bulk insert (base.bulk) may drop the INSERT ones inside its
own transaction (base.triggers.sqlite_triggers_off) and add the facts of all its rows in one statement
(services.catch_up_bulk_insert). Both only INSERT into the journal: two writers never wait on one another for a
summary row, whatever records they touch. A jurisdiction moved in the tree (its path changed) and a TRUNCATE mark
the totals for a rebuild (`summaries_stale`) instead of rewriting them inside the writer's transaction.
"""

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections

from base import triggers as shared

from .specs import LATEST_FIGURES, Dialect, latest_chain, own_place_sources, sources

PREFIX = "summaries_"
DELTA = "summaries_delta"


def _source_select(source, relation, sign, *, grouped=False):
    """One SELECT of all of a source's facts for the rows `relation`: the row joins its jurisdiction once and is
    crossed with the measures, each measure picking its month, key and value (NULL where the fact does not apply).

    One pass instead of one per fact: on SQLite's row triggers that is the cost of every write of a group count.
    `grouped`, for a relation of many rows: the rows are summed per path, month and key first and the sums crossed
    with the measures, so the measures multiply the groups, not the rows (a province's census chunk: 116,000 counts
    to about 1,000 groups before the seven group measures, instead of 812,000 facts to sort)."""
    facts = source.facts

    def case(pick):
        whens = " ".join(f"WHEN '{f.measure}' THEN {pick(f)}" for f in facts)
        return f"CASE m.measure {whens} END"

    def value(f):
        return f"(CASE WHEN {f.where} THEN {sign} * ({f.value}) END)" if f.where else f"{sign} * ({f.value})"

    measures = " UNION ALL ".join(f"SELECT '{f.measure}' AS measure" for f in facts)
    if not grouped:
        return (
            f"SELECT path, measure, month, key, value FROM ("  # noqa: S608
            f"SELECT {source.path} AS path, m.measure AS measure, {case(lambda f: f.month)} AS month, "
            f"COALESCE({case(lambda f: f.key)}, '') AS key, {case(value)} AS value "
            f"FROM {relation} r {source.joins} CROSS JOIN ({measures}) m WHERE {source.path} <> ''"
            f") facts WHERE value IS NOT NULL"
        )
    # Each distinct month and key expression once, however many measures share it.
    months = {expr: f"m{i}" for i, expr in enumerate(dict.fromkeys(f.month for f in facts))}
    keys = {expr: f"k{i}" for i, expr in enumerate(dict.fromkeys(f.key for f in facts))}
    columns = [f"{expr} AS {name}" for expr, name in (*months.items(), *keys.items())]
    sums = [f"SUM({value(f)}) AS v{i}" for i, f in enumerate(facts)]
    groups = ", ".join(["g_path", *(source.grain or (*months.values(), *keys.values()))])
    summed = (
        f"SELECT {source.path} AS g_path, {', '.join(columns + sums)} "  # noqa: S608
        f"FROM {relation} r {source.joins} WHERE {source.path} <> '' GROUP BY {groups}"
    )
    pick_value = {f.measure: f"g.v{i}" for i, f in enumerate(facts)}
    return (
        f"SELECT path, measure, month, key, value FROM ("  # noqa: S608
        f"SELECT g.g_path AS path, m.measure AS measure, {case(lambda f: 'g.' + months[f.month])} AS month, "
        f"COALESCE({case(lambda f: 'g.' + keys[f.key])}, '') AS key, {case(lambda f: pick_value[f.measure])} AS value "
        f"FROM ({summed}) g CROSS JOIN ({measures}) m"
        f") facts WHERE value IS NOT NULL"
    )


def inserted(table_sources):
    """The sources whose facts an INSERT of the table's rows gives (specs.Source.on_insert)."""
    return [source for source in table_sources if source.on_insert]


def fact_selects(table_sources, relation, sign, *, grouped=False):
    return [_source_select(s, relation, sign, grouped=grouped) for s in table_sources]


def own_facts(vendor, records, measures):
    """The SELECT of the facts (path, measure, month, key, value) that the records whose ids the SQL `records` selects
    give to `measures`, of the sources the summaries keep one level up (specs.own_place_sources), each at the path
    of the record's own place; with how many times the statement must be given the parameters of `records` (once
    per source read). ('', 0) when `measures` has none of those sources' measures."""
    selects = []
    for source, record_column in own_place_sources(Dialect(vendor)):
        if not any(fact.measure in measures for fact in source.facts):
            continue
        rows = f"(SELECT * FROM {source.table} WHERE {record_column} IN ({records}))"  # noqa: S608
        # The facts' own '%' (SQLite's printf) doubled for the statement's parameters, before `records` (with some).
        selects.append(_source_select(source, "{rows}", "1", grouped=True).replace("%", "%%").replace("{rows}", rows))
    return " UNION ALL ".join(selects), len(selects)


def delta_insert(selects):
    """One INSERT of the selects' facts, netted per key (an update that moves nothing writes nothing)."""
    return (
        f"INSERT INTO {DELTA} (path, measure, month, key, value) "  # noqa: S608
        f"SELECT path, measure, month, key, SUM(value) FROM ({' UNION ALL '.join(selects)}) f WHERE true "
        "GROUP BY path, measure, month, key HAVING SUM(value) <> 0"
    )


def _by_table(vendor):
    grouped = {}
    for source in sources(vendor):
        grouped.setdefault(source.table, []).append(source)
    return grouped


def _columns(table):
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            return [f.column for f in model._meta.concrete_fields]
    raise LookupError(table)


# The tables whose writes change the chains of "latest" figures (specs.latest_chain): the relation of (jid, fid) a
# set of their rows `x` touches, the columns the state before a change is rebuilt from, and the condition keeping
# of a row `t` of the table only those in the chains of the pairs `{pairs}` (SQLite). The state before a change is a
# UNION ALL, which SQLite materialises whole before joining it: unrestricted, every update or delete of one value
# read every value of the table (and of a return, every return).
_CHAINS = {
    "activities_monthlyvalue": (
        "SELECT mr.jurisdiction_id AS jid, x.figure_id AS fid FROM {rows} x "
        "JOIN activities_monthlyreturn mr ON mr.id = x.monthly_return_id",
        "values",
        "id, monthly_return_id, figure_id, value",
        "t.figure_id IN (SELECT fid FROM {pairs} p) AND t.monthly_return_id IN (SELECT r.id FROM "
        "activities_monthlyreturn r WHERE r.jurisdiction_id IN (SELECT jid FROM {pairs} p))",
    ),
    "activities_monthlyreturn": (
        "SELECT x.jurisdiction_id AS jid, v.figure_id AS fid FROM {rows} x "
        "JOIN activities_monthlyvalue v ON v.monthly_return_id = x.id",
        "returns",
        "id, jurisdiction_id, month, status",
        "t.jurisdiction_id IN (SELECT jid FROM {pairs} p)",
    ),
}
# pg_advisory_xact_lock's first key for "writing a place's chains"; the second is the place's id modulo the buckets.
CHAIN_LOCK_KEY = 8_112_027
CHAIN_LOCK_BUCKETS = 256


def chain_delta(vendor, table, new=None, old=None, excluded=None):
    """The INSERT of the journal rows a change of `table`'s rows makes to the chains of "latest" figures.

    `new` / `old`: relations of the rows after / before the change (None where the event has none); `excluded`:
    the condition (on a row `t` of the table) leaving out the rows the change wrote, to rebuild the state before
    it as the table without them plus `old`."""
    pairs_of, state, columns, in_chains = _CHAINS[table]
    pairs = "(" + " UNION ALL ".join(pairs_of.format(rows=rows) for rows in (new, old) if rows) + ")"
    # SQLite only: PostgreSQL joins the union as an append of index scans parameterised by each pair (auto_explain).
    restrict = in_chains.format(pairs=pairs) if vendor == "sqlite" else ""
    kept = " AND ".join(c for c in (restrict, excluded) if c) or "true"
    before = f"SELECT {columns} FROM {table} t WHERE {kept}"  # noqa: S608 (fixed text)
    if old:
        before += f" UNION ALL SELECT {columns} FROM {old}"
    after_chains = latest_chain(vendor, pairs=pairs)
    before_chains = latest_chain(vendor, pairs=pairs, sign="-1", **{state: f"({before})"})
    return delta_insert([after_chains, before_chains])


def keeps_chains(table):
    """Whether writes of `table` also move chains of "latest" figures (which a bulk insert cannot catch up on)."""
    return table in _CHAINS


def _chain_lock(table, rows):
    """Serialise writers of the same places' chains (each computes its change from what it sees); writes of "sum"
    figures only have no chain and take no lock."""
    pairs = " UNION ALL ".join(_CHAINS[table][0].format(rows=r) for r in rows)
    return (
        f"PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY}, b) FROM "
        f"(SELECT DISTINCT CAST(jid % {CHAIN_LOCK_BUCKETS} AS integer) AS b FROM ({pairs}) p "
        f"WHERE fid IN ({LATEST_FIGURES})) buckets ORDER BY b"
    )


def _postgres_chains(table):
    """The PL/pgSQL statements per event keeping the chains of `table`'s rows ('' for other tables)."""
    if table not in _CHAINS:
        return {"INSERT": "", "UPDATE": "", "DELETE": ""}
    return {
        "INSERT": f"{_chain_lock(table, ['new_rows'])}; "
        + chain_delta("postgresql", table, new="new_rows", excluded="t.id NOT IN (SELECT id FROM new_rows)")
        + ";",
        "UPDATE": f"{_chain_lock(table, ['new_rows', 'old_rows'])}; "
        + chain_delta(
            "postgresql", table, new="new_rows", old="old_rows", excluded="t.id NOT IN (SELECT id FROM new_rows)"
        )
        + ";",
        "DELETE": f"{_chain_lock(table, ['old_rows'])}; " + chain_delta("postgresql", table, old="old_rows") + ";",
    }


def _sqlite_row(which, columns):
    """The relation of a SQLite row trigger's NEW or OLD row, with the table's columns."""
    return "(SELECT " + ", ".join(f'{which}."{c}" AS "{c}"' for c in columns) + ")"


def _sqlite_chains(table, columns):
    """The SQLite trigger bodies per event keeping the chains of `table`'s rows (each row trigger sees the table
    with that row changed: the state before is the table without NEW, with OLD)."""
    if table not in _CHAINS:
        return {}

    def row(which):
        return _sqlite_row(which, columns)

    return {
        "INSERT": chain_delta("sqlite", table, new=row("NEW"), excluded="t.id <> NEW.id"),
        "UPDATE": chain_delta("sqlite", table, new=row("NEW"), old=row("OLD"), excluded="t.id <> NEW.id"),
        "DELETE": chain_delta("sqlite", table, old=row("OLD")),
    }


# A figure turned from "sum" into "latest" (or back) changes which values have chains: rebuild.
_AGGREGATION_PG = (
    "INSERT INTO summaries_stale (reason) SELECT 'aggregation' WHERE EXISTS (SELECT 1 FROM old_rows o "
    "JOIN new_rows n ON n.id = o.id WHERE o.aggregation <> n.aggregation)"
)


_MOVED_PG = (
    "INSERT INTO summaries_stale (reason) SELECT 'moved' WHERE EXISTS (SELECT 1 FROM old_rows o "
    "JOIN new_rows n ON n.id = o.id WHERE o.path <> n.path AND o.path <> '')"
)


def _postgres(cursor):
    for table, table_sources in _by_table("postgresql").items():
        # Statement triggers see every row of a bulk write: their facts are summed before the measures cross them.
        new = delta_insert(fact_selects(inserted(table_sources), "new_rows", "1", grouped=True))
        old = delta_insert(fact_selects(table_sources, "old_rows", "-1", grouped=True))
        both = delta_insert(
            fact_selects(table_sources, "new_rows", "1", grouped=True)
            + fact_selects(table_sources, "old_rows", "-1", grouped=True)
        )
        moved = f"{_MOVED_PG};" if table == "communities_jurisdiction" else ""
        chains = _postgres_chains(table)
        function = f"{PREFIX}{table}"[:63]
        cursor.execute(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $body$
            BEGIN
                IF TG_OP = 'TRUNCATE' THEN
                    INSERT INTO summaries_stale (reason) VALUES ('truncate');
                ELSIF TG_OP = 'INSERT' THEN
                    {new};
                    {chains["INSERT"]}
                ELSIF TG_OP = 'UPDATE' THEN
                    {moved}
                    {both};
                    {chains["UPDATE"]}
                ELSE
                    {old};
                    {chains["DELETE"]}
                END IF;
                RETURN NULL;
            END $body$ {shared.STATEMENT_TRIGGER_FUNCTION}"""
        )
        events = {
            "insert": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
            "update": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            "FOR EACH STATEMENT",
            "delete": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
            "truncate": "AFTER TRUNCATE ON {table} FOR EACH STATEMENT",
        }
        for op, when in events.items():
            cursor.execute(
                f'CREATE OR REPLACE TRIGGER "{trigger_name(table, op)}" {when.format(table=table)} '
                f"EXECUTE FUNCTION {function}()"
            )
    cursor.execute(
        f"""CREATE OR REPLACE FUNCTION {PREFIX}aggregation() RETURNS trigger AS $body$
        BEGIN {_AGGREGATION_PG}; RETURN NULL; END $body$ {shared.STATEMENT_TRIGGER_FUNCTION}"""
    )
    cursor.execute(
        f'CREATE OR REPLACE TRIGGER "{PREFIX}aggregation" AFTER UPDATE ON activities_monthlyfigure '
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {PREFIX}aggregation()"
    )


def _sqlite(cursor):
    for table, table_sources in _by_table("sqlite").items():
        columns = _columns(table)

        def row(which, columns=columns):
            return _sqlite_row(which, columns)

        bodies = {
            "INSERT": fact_selects(inserted(table_sources), row("NEW"), "1"),
            "UPDATE": fact_selects(table_sources, row("NEW"), "1") + fact_selects(table_sources, row("OLD"), "-1"),
            "DELETE": fact_selects(table_sources, row("OLD"), "-1"),
        }
        chains = _sqlite_chains(table, columns)
        for op, selects in bodies.items():
            also = f" {chains[op]};" if op in chains else ""
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{trigger_name(table, op)}" AFTER {op} ON "{table}" '
                f"BEGIN {delta_insert(selects)};{also} END"
            )
    cursor.execute(
        f'CREATE TRIGGER IF NOT EXISTS "{PREFIX}moved" AFTER UPDATE OF path ON communities_jurisdiction '
        "WHEN OLD.path <> NEW.path AND OLD.path <> '' "
        "BEGIN INSERT INTO summaries_stale (reason) VALUES ('moved'); END"
    )
    cursor.execute(
        f'CREATE TRIGGER IF NOT EXISTS "{PREFIX}aggregation" AFTER UPDATE OF aggregation ON activities_monthlyfigure '
        "WHEN OLD.aggregation <> NEW.aggregation "
        "BEGIN INSERT INTO summaries_stale (reason) VALUES ('aggregation'); END"
    )


def trigger_name(table, op):
    return f"{PREFIX}{table}_{op.lower()}"[:63]


def install_triggers(using=None, **kwargs):
    """Create the summary triggers (idempotent; run after each migrate)."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if DELTA not in conn.introspection.table_names():
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            _postgres(cursor)
        elif conn.vendor == "sqlite":
            _sqlite(cursor)


def drop_sqlite_triggers(using=None, **kwargs):
    """Drop the SQLite triggers before migrations (base.triggers says why); reinstalled after."""
    shared.drop_sqlite_triggers(connections[using or DEFAULT_DB_ALIAS], PREFIX)


def installed_tables(using=None):
    """Return the tables carrying a summary trigger (for the meta-test)."""
    return {table for table, _name in shared.trigger_names(connections[using or DEFAULT_DB_ALIAS], PREFIX)}
