"""Cache the dashboard's figures per subtree, never serving figures older than a committed write as current.

Writers. Database triggers on every table of the recording apps log, for each statement (PostgreSQL) or row
(SQLite), the path of the jurisdiction each changed row belongs to into `reporting_datachange`, whatever wrote
it: pages, the admin, bulk imports, raw SQL. On PostgreSQL the log is insert-only, so two writers never lock one
shared row: they neither queue behind one another (a long import included) nor deadlock, whatever order they
touch records in. SQLite has one writer at a time anyway; there the trigger folds into one row per path.

Readers. A subtree's *version* is the sum of the weights logged under its paths, its ancestors' paths (a
district's plan shows on its communities' boards) and the global path '' (site-wide categories and figures).
Every committed write adds to it and nothing ever takes from it (`compact_data_changes` moves the log into
per-path totals of the same sums, `reporting_datachangetotal`, which a version reads a row per topic of), so two
committed states of a subtree never share a version. The version is read
*before* the figures are computed: figures stored under it are at least as new as it, and once a write commits
no reader reads that version again. Figures computed inside a transaction (which may still roll back) are never
stored. Writes in another subtree change neither version nor cached entry.

Topics. Each logged row also says what the changed table feeds (TOPICS: activities, petitions, returns, plans, ...;
'' for the tree and site-wide data, which feed everything). A cached result is kept in sections, each stored with the
version of the topics it reads: after an activity is entered, the board recomputes its activities and its ranking's
figures and keeps its plan, projects, returns and population as they were (`cached_sections`).

The cache holds plain data (base.plain): dicts, lists and scalars, no model objects. One process recomputes a
stale entry while the others serve the previous figures marked with the time they were computed (`as_of`,
`refreshing`); with no previous figures they wait a little for it, then compute themselves.
"""

import hashlib
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone, translation

from base import plain, triggers
from base.release import release
from communities.models import PATH_SEGMENT_WIDTH, path_levels_sql

from .models import DataChange, DataChangeTotal

logger = logging.getLogger(__name__)

TRACKED_APPS = ("communities", "activities")
CACHE_ALIAS = "dashboard"
TABLE = DataChange._meta.db_table
TOTALS = DataChangeTotal._meta.db_table
JURISDICTION = ("communities", "jurisdiction")
# The census import's checksums (communities.checksums) hold no figure: writing them must not make every cached
# figure stale.
UNTRACKED = {"communities.countschecksum"}
GLOBAL_PATH = ""
TRIGGER_PREFIX = "unity_changes_"
# What each table's rows feed. A cached section of figures names the topics it reads (reporting.selectors), and a
# write leaves every section that reads none of its topics as it was: an activity entered does not recompute the
# plan's progress or the projects. A table not listed here may feed any figure (the tree itself, categories, figures,
# rules, groups): its rows log the topic ALL_TOPICS, which every section reads.
ALL_TOPICS = ""
TOPICS = {
    "activities": ("activities.activity", "activities.activity_indicators", "activities.activityphoto"),
    "petitions": ("activities.petition", "activities.petitionstatuschange"),
    "returns": (
        "activities.monthlyreturn",
        "activities.monthlyvalue",
        "activities.returncheck",
        "activities.yearlyvalue",
    ),
    "plans": (
        "activities.creationplan",
        "activities.indicator",
        "activities.responsibility",
        "activities.planbudget",
        "activities.planmeasure",
        "activities.leadinggroupmember",
        "activities.evidencefile",
    ),
    "projects": ("activities.project", "activities.projectfunding"),
    "population": ("communities.populationrecord", "communities.groupcount"),
    # Who may do what and what they did: no figure reads them.
    "access": ("communities.membership", "communities.pendingpasswordchange", "activities.activityentrypreference"),
    "audit": ("communities.auditentry",),
}
_TOPIC_OF = {label: topic for topic, labels in TOPICS.items() for label in labels}

_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION unity_distinct_rows(rows text, key_column text) RETURNS text AS $$
    SELECT CASE WHEN key_column = '' THEN rows
        ELSE '(SELECT DISTINCT ' || quote_ident(key_column) || ' FROM ' || rows || ')' END
$$ LANGUAGE sql IMMUTABLE;
CREATE OR REPLACE FUNCTION unity_log_changes() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO reporting_datachange (path, topic, weight) VALUES ('', TG_ARGV[0], 1);
        RETURN NULL;
    END IF;
    -- TG_ARGV[0]: the table's topic; TG_ARGV[1]: the path expression over the joins in TG_ARGV[2], for the
    -- statement's rows `r`.
    -- TG_ARGV[3]: the one column of `r` they read ('' for none): the rows' distinct values of it are joined, not
    -- every row (a census chunk: 116,000 counts, 2,000 records).
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE 'INSERT INTO reporting_datachange (path, topic, weight) SELECT DISTINCT COALESCE(' || TG_ARGV[1]
            || ', ''''), $1, 1 FROM ' || unity_distinct_rows('new_rows', TG_ARGV[3]) || ' r ' || TG_ARGV[2]
            USING TG_ARGV[0];
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE 'INSERT INTO reporting_datachange (path, topic, weight) SELECT DISTINCT COALESCE(' || TG_ARGV[1]
            || ', ''''), $1, 1 FROM ' || unity_distinct_rows('old_rows', TG_ARGV[3]) || ' r ' || TG_ARGV[2]
            USING TG_ARGV[0];
    END IF;
    RETURN NULL;
END $$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""  # noqa: S608 (a fixed text and a constant)
# Statement-level with transition tables: a bulk insert of 1,000,000 group counts logs each community it touched
# once, in one INSERT … SELECT DISTINCT; PostgreSQL allows one event per trigger that has transition tables.
_POSTGRES_TRIGGERS = {
    "insert": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
    "truncate": "AFTER TRUNCATE ON {table}",
}
_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS "{name}" AFTER {op} ON "{table}" BEGIN
    INSERT INTO {log} (path, topic, weight) SELECT COALESCE(p, ''), '{topic}', 1 FROM ({paths}) WHERE true
    ON CONFLICT(path, topic) DO UPDATE SET weight = weight + 1;
END
"""


# --- where a row belongs -------------------------------------------------------------------------------------


def tracked_tables():
    """Return the tables whose rows the dashboard's figures are computed from (models and their m2m tables)."""
    return sorted(model._meta.db_table for model in _tracked_models())


def _tracked_models():
    for label in TRACKED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if not model._meta.proxy and model._meta.managed and model._meta.label_lower not in UNTRACKED:
                yield model


def topic_of(model):
    """The topic `model`'s rows feed (TOPICS), ALL_TOPICS when they may feed any figure."""
    return _TOPIC_OF.get(model._meta.label_lower, ALL_TOPICS)


def _is_jurisdiction(model):
    return (model._meta.app_label, model._meta.model_name) == JURISDICTION


def route_to_jurisdiction(model, max_hops=3):
    """Return the foreign keys leading from `model`'s rows to their jurisdiction, shortest first.

    [] for the jurisdiction itself, None when no chain of at most `max_hops` keys within the recording apps
    leads there (such a row counts as a site-wide change).
    """
    if _is_jurisdiction(model):
        return []
    tracked = set(_tracked_models())
    frontier = [(model, [])]
    for _depth in range(max_hops):
        following = []
        for current, hops in frontier:
            # A field named `jurisdiction` first: a record's own place, not the place of something it points to.
            fields = sorted(
                (f for f in current._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)),
                key=lambda f: (f.name != "jurisdiction", f.null, f.name),
            )
            for field in fields:
                target = field.related_model
                if target is None or target not in tracked or target is current:
                    continue
                step = [*hops, field]
                if _is_jurisdiction(target):
                    return step
                following.append((target, step))
        frontier = following
    return None


def _joins(route):
    """Return (path expression, joins) for the rows `r` of a table reached through `route`."""
    if route is None:
        return "NULL", ""
    if not route:
        return "r.path", ""
    joins, alias = [], "r"
    for n, field in enumerate(route):
        target = field.related_model._meta
        nxt = "j" if n == len(route) - 1 else f"t{n}"
        joins.append(
            f'LEFT JOIN "{target.db_table}" {nxt} ON {nxt}."{field.target_field.column}" = {alias}."{field.column}"'
        )
        alias = nxt
    return "j.path", " ".join(joins)


def _key_column(route):
    """The one column of the rows `r` that the path expression of `_joins(route)` reads (None: none)."""
    if route is None:
        return None
    return route[0].column if route else "path"


def _sqlite_path(route, row):
    """Return a scalar subquery giving the path of the trigger's `row` (NEW or OLD) on SQLite."""
    expression, joins = _joins(route)
    if route is None:
        return "SELECT NULL AS p"
    if not route:
        return f"SELECT {row}.path AS p"
    first = route[0]
    # `r` stands for the row itself: its one column the route starts from.
    return f'SELECT (SELECT {expression} FROM (SELECT {row}."{first.column}" AS "{first.column}") r {joins}) AS p'  # noqa: S608


# --- triggers ------------------------------------------------------------------------------------------------


def trigger_name(table, op):
    return f"{TRIGGER_PREFIX}{table}_{op.lower()}"[:63]


def install_triggers(using=None, **kwargs):
    """Create the change-log triggers on every tracked table; idempotent, run after each migrate."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if TABLE not in conn.introspection.table_names():
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(_POSTGRES_FUNCTION)
            for model in _tracked_models():
                table = model._meta.db_table
                route = route_to_jurisdiction(model)
                expression, joins = _joins(route)
                key = _key_column(route) or ""
                topic = topic_of(model)
                for op, when in _POSTGRES_TRIGGERS.items():
                    args = f"('{topic}')" if op == "truncate" else f"('{topic}', '{expression}', '{joins}', '{key}')"
                    cursor.execute(
                        f'CREATE OR REPLACE TRIGGER "{trigger_name(table, op)}" {when.format(table=table)} '
                        f"FOR EACH STATEMENT EXECUTE FUNCTION unity_log_changes{args}"
                    )
        elif conn.vendor == "sqlite":
            # One row per path: SQLite serialises writers itself, so the fold costs no concurrency.
            cursor.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS datachange_path_topic_uniq ON "{TABLE}" (path, topic)')
            for model in _tracked_models():
                table, route = model._meta.db_table, route_to_jurisdiction(model)
                for op in ("INSERT", "UPDATE", "DELETE"):
                    rows = {"INSERT": ["NEW"], "UPDATE": ["NEW", "OLD"], "DELETE": ["OLD"]}[op]
                    paths = " UNION ".join(_sqlite_path(route, row) for row in rows)
                    cursor.execute(
                        _SQLITE_TRIGGER.format(
                            name=trigger_name(table, op),
                            op=op,
                            table=table,
                            log=TABLE,
                            topic=topic_of(model),
                            paths=paths,
                        )
                    )


@contextmanager
def catch_up_bulk_insert(conn, table, last_id):
    """Drop the change log's SQLite INSERT trigger on `table` inside this transaction (registered with base.bulk); on
    leaving, create it again and log the paths of the rows inserted meanwhile (id above `last_id`) in one statement,
    each path's weight going up by its number of rows, as the trigger's upsert per row would have made it."""
    model = next((m for m in _tracked_models() if m._meta.db_table == table), None)
    if conn.vendor != "sqlite" or model is None:
        yield
        return
    try:
        with triggers.sqlite_triggers_off(conn, table, TRIGGER_PREFIX):
            yield
    finally:
        route = route_to_jurisdiction(model)
        expression, joins = _joins(route)
        key = _key_column(route)
        # The rows counted per value of the one column the path is found from, before the joins (a census chunk:
        # 116,000 counts, 2,000 records).
        rows = (
            f'(SELECT "{key}", COUNT(*) AS n FROM "{table}" WHERE id > %s GROUP BY "{key}")'  # noqa: S608
            if key
            else f'(SELECT COUNT(*) AS n FROM "{table}" WHERE id > %s)'  # noqa: S608
        )
        with conn.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (path, topic, weight) SELECT COALESCE({expression}, ''), %s, SUM(r.n) "  # noqa: S608
                f"FROM {rows} r {joins} WHERE true GROUP BY 1 HAVING SUM(r.n) > 0 "
                "ON CONFLICT(path, topic) DO UPDATE SET weight = weight + excluded.weight",
                [topic_of(model), last_id],
            )


def drop_sqlite_triggers(using=None, **kwargs):
    """Drop the SQLite triggers before migrations (base.triggers says why); reinstalled after."""
    triggers.drop_sqlite_triggers(connections[using or DEFAULT_DB_ALIAS], TRIGGER_PREFIX)


def installed_triggers():
    """Return the set of tracked tables that carry a change-log trigger (for the meta-test)."""
    return {table for table, _name in triggers.trigger_names(connection, TRIGGER_PREFIX)}


# pg_advisory_xact_lock's key for "compacting the change log": two compactions upserting the same totals in
# different orders could deadlock; one at a time, they cannot.
COMPACT_LOCK_KEY = 8_112_027


def compact_changes(using=None):
    """Move the change log's rows into the per-path totals (`DataChangeTotal`); return the rows moved.

    Every row is added to its path's own weight and to the subtree weight of the path and each of its ancestors, in
    the statement that deletes it (PostgreSQL) or the transaction that does (SQLite, whose write lock is the
    transaction's): a reader's one statement sees the rows either in the log or in the totals, so no version moves.
    A writer logging meanwhile inserts a row this statement does not see, which stays in the log; the writers never
    touch the totals, so nothing here waits on a writer or makes one wait.
    """
    conn = connections[using or DEFAULT_DB_ALIAS]
    width = PATH_SEGMENT_WIDTH
    rolled = (
        f"SELECT substr(m.path, 1, n.k * {width}) AS path, m.topic, "  # noqa: S608 — our tables and numbers
        f"SUM(CASE WHEN n.k * {width} = length(m.path) THEN m.weight ELSE 0 END) AS own_weight, "
        f"SUM(m.weight) AS subtree_weight FROM {{rows}} m JOIN ({path_levels_sql(first=0)}) n "
        f"ON n.k * {width} <= length(m.path) WHERE true GROUP BY 1, 2"
    )
    upsert = (
        f"INSERT INTO {TOTALS} (path, topic, own_weight, subtree_weight) {{select}} "
        f"ON CONFLICT (path, topic) DO UPDATE SET own_weight = {TOTALS}.own_weight + excluded.own_weight, "
        f"subtree_weight = {TOTALS}.subtree_weight + excluded.subtree_weight"
    )
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [COMPACT_LOCK_KEY])
            cursor.execute(
                f"WITH moved AS (DELETE FROM {TABLE} RETURNING path, topic, weight), "  # noqa: S608
                f"written AS ({upsert.format(select=rolled.format(rows='moved'))} RETURNING 1) "
                "SELECT COUNT(*) FROM moved"
            )
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0), COUNT(*) FROM {TABLE}")  # noqa: S608
        last, count = cursor.fetchone()
        logged = f"(SELECT * FROM {TABLE} WHERE id <= {int(last)})"  # noqa: S608
        cursor.execute(upsert.format(select=rolled.format(rows=logged)))
        cursor.execute(f"DELETE FROM {TABLE} WHERE id <= %s", [last])  # noqa: S608
        return count


# After folding this many rows, the log's index is mostly empty pages (a bulk import logs a row per statement and
# place): rebuilt, a province's version read walks 1.6 MB of index instead of 218 MB (measured: 7 ms instead of 66).
TIDY_AFTER_ROWS = 10_000


def tidy_changes(removed, using=None):
    """After a large compaction on PostgreSQL: vacuum the log (its visibility map lets the version read use the index
    alone) and rebuild its path index without blocking writers. Not in a transaction (VACUUM and REINDEX
    CONCURRENTLY cannot run in one); return whether it ran."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql" or conn.in_atomic_block or removed < TIDY_AFTER_ROWS:
        return False
    with conn.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {TABLE}")
        cursor.execute("REINDEX INDEX CONCURRENTLY datachange_path_idx")
    return True


# --- versions ------------------------------------------------------------------------------------------------


def ancestor_paths(path):
    """Return the paths of the ancestors of `path` and the global path, e.g. for "00000001/00000002/"."""
    segments = [seg for seg in path.split("/") if seg]
    return [GLOBAL_PATH] + ["".join(f"{seg}/" for seg in segments[:n]) for n in range(1, len(segments))]


def subtree_versions(path):
    """Return {topic: the weight logged under the subtree at `path` and above it}, in one statement."""
    others = ancestor_paths(path)
    placeholders = ", ".join(["%s"] * len(others))
    match = "path LIKE %s" if connection.vendor == "postgresql" else "path GLOB %s"
    wildcard = "%" if connection.vendor == "postgresql" else "*"
    with connection.cursor() as cursor:
        # What is still in the log (the subtree's range and its ancestors' paths, each an index-only scan of the
        # covering path index: an OR of both made PostgreSQL visit the heap), and what compaction moved into the
        # totals: the subtree's one row per topic and its ancestors' own rows.
        cursor.execute(
            f"SELECT topic, SUM(weight) FROM (SELECT topic, weight FROM {TABLE} WHERE {match} UNION ALL "  # noqa: S608
            f"SELECT topic, weight FROM {TABLE} WHERE path IN ({placeholders}) UNION ALL "
            f"SELECT topic, subtree_weight FROM {TOTALS} WHERE path = %s UNION ALL "
            f"SELECT topic, own_weight FROM {TOTALS} WHERE path IN ({placeholders})) c GROUP BY topic",
            [path + wildcard, *others, path, *others],
        )
        return {topic: int(weight) for topic, weight in cursor.fetchall() if weight}


def subtree_version(path):
    """Return the version of the data a subtree's figures depend on: the weight logged under it and above it."""
    return version_of(subtree_versions(path), None)


def version_of(versions, topics):
    """The version of figures that read `topics` (None: every topic), from `subtree_versions`' answer.

    A sum of weights that only grow: any committed write to one of the topics (or to ALL_TOPICS) moves it."""
    if topics is None:
        return sum(versions.values())
    return sum(versions.get(topic, 0) for topic in {*topics, ALL_TOPICS})


def in_transaction():
    """Whether this connection is inside a transaction that may still roll back (a test's own wrapper aside)."""
    # Django's TestCase wraps each test in atomic blocks it marks `_from_testcase`: their rollback is the test's
    # teardown (tests clear the cache between tests), not a write that could roll back under a reader.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


# --- the cache -----------------------------------------------------------------------------------------------


@dataclass
class Freshness:
    """When the figures a reader got were computed, and whether newer ones are being computed right now.

    `state` names the figures themselves: the same for the same stored sections (each section's version and the time
    it was computed), so what is made from them (a page's HTML) may be kept under it; None for figures computed
    inside a transaction, which are never stored.
    """

    as_of: object
    refreshing: bool = False
    state: str | None = None


def _state(parts):
    """The state of figures made of `parts` {section name: (version, as_of, …)} (Freshness.state)."""
    served = sorted((name, repr(part[0]), part[1].isoformat()) for name, part in parts.items())
    return hashlib.md5(repr(served).encode(), usedforsecurity=False).hexdigest()


def _key(key_parts):
    return ":".join(str(part) for part in (*key_parts, translation.get_language()))


class _SafeCache:
    """The cache, whose failures (a database busy, a full disk, Redis down) cost a recomputation, never a page."""

    def __init__(self, cache):
        self.cache = cache

    def __getattr__(self, name):
        method = getattr(self.cache, name)

        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception:  # noqa: BLE001 — any backend's error; the figures are computed instead
                logger.warning("dashboard cache %s failed", name, exc_info=True)
                return True if name == "add" else None

        return call


@dataclass(frozen=True)
class Section:
    """A part of a cached result: `compute()` gives its value; recomputed only after a committed write to one of
    `topics` (TOPICS; None for every topic) under the subtree or above it, or, for figures relative to a day
    ("overdue now", "late now"), when asked for another `day`."""

    name: str
    topics: tuple | None
    compute: object
    day: object = None


def cached(key_parts, compute, *, path, topics=None, restore=plain.load, store=plain.dump):
    """Return (compute()'s result, Freshness), cached under `key_parts` for the subtree at `path` until a committed
    write to one of `topics` there (None: to anything).

    `store` turns the result into plain data for the cache and `restore` turns it back.
    """
    values, freshness = cached_sections(
        key_parts, [Section("value", topics, compute)], path=path, restore=restore, store=store
    )
    return values["value"], freshness


def cached_sections(key_parts, sections, *, path, restore=plain.load, store=plain.dump):
    """Return ({section name: value}, Freshness) for `sections`, kept in one cache entry under `key_parts`.

    Each section is stored with the version of its own topics, read before it is computed: a write recomputes the
    sections that read what it wrote and leaves the others as they are. `as_of` is when the oldest section served
    was computed.
    """
    versions = subtree_versions(path)
    if in_transaction():
        return {s.name: s.compute() for s in sections}, Freshness(as_of=timezone.now())
    cache = _SafeCache(caches[CACHE_ALIAS])
    key = _key(("sections", *key_parts))
    wanted = {s.name: (version_of(versions, s.topics), s.day) for s in sections}

    def readable(entry, names):
        """{name: (version, as_of, plain value, value)} of the entry's sections `names` that read back; one written
        by another release of the code that no longer does (base.plain.RESTORE_ERRORS) is computed again."""
        found = {}
        for name in names:
            try:
                found[name] = (*entry[name], restore(entry[name][2]))
            except plain.RESTORE_ERRORS as exc:
                logger.info("dashboard cache: section %s no longer reads back (%s); computed again", name, exc)
        return found

    def current(entry):
        return readable(
            entry, [name for name, version in wanted.items() if name in entry and entry[name][0] == version]
        )

    def served(parts, refreshing=False):
        values = {name: value for name, (_version, _as_of, _plain, value) in parts.items()}
        as_of = min(as_of for _v, as_of, _p, _value in parts.values())
        return values, Freshness(as_of=as_of, refreshing=refreshing, state=_state(parts))

    entry = cache.get(key) or {}
    kept = current(entry)
    if len(kept) == len(sections):
        return served(kept)
    lock = f"{key}:computing"
    waited = 0.0
    wait = getattr(settings, "DASHBOARD_WAIT_SECONDS", 5)
    while not (owner := cache.add(lock, 1, timeout=getattr(settings, "DASHBOARD_COMPUTE_SECONDS", 120))):
        previous = readable(entry, [name for name in wanted if name in entry])
        if len(previous) == len(wanted):
            # Another process is computing: the previous figures, marked with their time, rather than a queue.
            return served(previous, refreshing=True)
        if waited >= wait:
            break
        time.sleep(0.1)
        waited += 0.1
        entry = cache.get(key) or {}
        kept = current(entry)
        if len(kept) == len(sections):
            return served(kept)
        # Older sections that appeared meanwhile are not what this reader waited for.
        entry = {name: part[:3] for name, part in kept.items()}
    try:
        as_of = timezone.now()
        values = {name: value for name, (_version, _as_of, _plain, value) in kept.items()}
        computed = {}
        for section in sections:
            if section.name not in kept:
                values[section.name] = section.compute()
                computed[section.name] = (wanted[section.name], as_of, store(values[section.name]))
        cache.set(key, {**entry, **computed})
    finally:
        if owner:
            cache.delete(lock)
    as_of = min((as_of, *(a for _v, a, _p, _value in kept.values())))
    return values, Freshness(as_of=as_of, state=_state({**kept, **computed}))


def cached_fragment(key_parts, state, render):
    """Return the HTML `render()` gives for figures in `state` (Freshness.state), kept in the dashboard cache under
    `key_parts` with the language and the release of the code and templates; one entry per key, replaced when the
    figures change (not one per state: a write a second would leave thousands); rendered every time when `state` is
    None (figures never stored)."""
    if state is None:
        return render()
    cache = _SafeCache(caches[CACHE_ALIAS])
    key = _key(("html", release(), *key_parts))
    kept = cache.get(key)
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == state and isinstance(kept[1], str):
        return kept[1]
    html = render()
    cache.set(key, (state, str(html)))
    return html
