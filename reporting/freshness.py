"""Cache the dashboard's figures per subtree, never serving figures older than a committed write as current.

Writers. Database triggers on every table of the recording apps log, for each statement (PostgreSQL) or row
(SQLite), the path of the jurisdiction each changed row belongs to into `reporting_datachange`, whatever wrote
it: pages, the admin, bulk imports, raw SQL. On PostgreSQL the log is insert-only, so two writers never lock one
shared row: they neither queue behind one another (a long import included) nor deadlock, whatever order they
touch records in. SQLite has one writer at a time anyway; there the trigger folds into one row per path.

Readers. A subtree's *version* is the sum of the weights logged under its paths, its ancestors' paths (a
district's plan shows on its communities' boards) and the global path '' (site-wide categories and figures).
Every committed write adds to it and nothing ever takes from it (`compact_data_changes` folds rows of one path
into one row of the same total), so two committed states of a subtree never share a version. The version is read
*before* the figures are computed: figures stored under it are at least as new as it, and once a write commits
no reader reads that version again. Figures computed inside a transaction (which may still roll back) are never
stored. Writes in another subtree change neither version nor cached entry.

The cache holds plain data (base.plain): dicts, lists and scalars, no model objects. One process recomputes a
stale entry while the others serve the previous figures marked with the time they were computed (`as_of`,
`refreshing`); with no previous figures they wait a little for it, then compute themselves.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone, translation

from base import plain, triggers
from summaries.suspension import SUSPENSION, not_suspended, suspended

from .models import DataChange

logger = logging.getLogger(__name__)

TRACKED_APPS = ("communities", "activities")
CACHE_ALIAS = "dashboard"
TABLE = DataChange._meta.db_table
JURISDICTION = ("communities", "jurisdiction")
# The switch of bulk inserts (base.bulk) and the census import's checksums (communities.checksums) hold no figure:
# writing them must not make every cached figure stale.
UNTRACKED = {"communities.triggersuspension", "communities.countschecksum"}
GLOBAL_PATH = ""
TRIGGER_PREFIX = "unity_changes_"

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION unity_log_changes() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO reporting_datachange (path, weight) VALUES ('', 1);
        RETURN NULL;
    END IF;
    -- TG_ARGV[0]: the path expression over the joins in TG_ARGV[1], for the statement's rows `r`.
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE 'INSERT INTO reporting_datachange (path, weight) SELECT DISTINCT COALESCE(' || TG_ARGV[0]
            || ', ''''), 1 FROM new_rows r ' || TG_ARGV[1];
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE 'INSERT INTO reporting_datachange (path, weight) SELECT DISTINCT COALESCE(' || TG_ARGV[0]
            || ', ''''), 1 FROM old_rows r ' || TG_ARGV[1];
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql
"""
# Statement-level with transition tables: a bulk insert of 1,000,000 group counts logs each community it touched
# once, in one INSERT … SELECT DISTINCT; PostgreSQL allows one event per trigger that has transition tables.
_POSTGRES_TRIGGERS = {
    "insert": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
    "truncate": "AFTER TRUNCATE ON {table}",
}
_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS "{name}" AFTER {op} ON "{table}" {when}BEGIN
    INSERT INTO {log} (path, weight) SELECT COALESCE(p, ''), 1 FROM ({paths}) WHERE true
    ON CONFLICT(path) DO UPDATE SET weight = weight + 1;
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
                expression, joins = _joins(route_to_jurisdiction(model))
                for op, when in _POSTGRES_TRIGGERS.items():
                    args = "()" if op == "truncate" else f"('{expression}', '{joins}')"
                    cursor.execute(
                        f'CREATE OR REPLACE TRIGGER "{trigger_name(table, op)}" {when.format(table=table)} '
                        f"FOR EACH STATEMENT EXECUTE FUNCTION unity_log_changes{args}"
                    )
        elif conn.vendor == "sqlite":
            # One row per path: SQLite serialises writers itself, so the fold costs no concurrency.
            cursor.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS datachange_path_uniq ON "{TABLE}" (path)')
            switchable = SUSPENSION in conn.introspection.table_names()
            for model in _tracked_models():
                table, route = model._meta.db_table, route_to_jurisdiction(model)
                for op in ("INSERT", "UPDATE", "DELETE"):
                    rows = {"INSERT": ["NEW"], "UPDATE": ["NEW", "OLD"], "DELETE": ["OLD"]}[op]
                    paths = " UNION ".join(_sqlite_path(route, row) for row in rows)
                    # A bulk insert (base.bulk) may switch the INSERT trigger off and log its rows in one statement.
                    when = f"WHEN {not_suspended(table, TRIGGER_PREFIX)} " if op == "INSERT" and switchable else ""
                    cursor.execute(
                        _SQLITE_TRIGGER.format(
                            name=trigger_name(table, op), op=op, table=table, when=when, log=TABLE, paths=paths
                        )
                    )


@contextmanager
def catch_up_bulk_insert(conn, table, last_id):
    """Switch the change log's SQLite INSERT trigger on `table` off for this transaction (registered with base.bulk);
    on leaving, log the paths of the rows inserted meanwhile (id above `last_id`) in one statement, each path's
    weight going up by its number of rows, as the trigger's upsert per row would have made it."""
    model = next((m for m in _tracked_models() if m._meta.db_table == table), None)
    if conn.vendor != "sqlite" or model is None:
        yield
        return
    try:
        with suspended(conn, table, TRIGGER_PREFIX):
            yield
    finally:
        expression, joins = _joins(route_to_jurisdiction(model))
        with conn.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (path, weight) SELECT COALESCE({expression}, ''), COUNT(*) "  # noqa: S608
                f'FROM (SELECT * FROM "{table}" WHERE id > %s) r {joins} WHERE true GROUP BY 1 '
                "ON CONFLICT(path) DO UPDATE SET weight = weight + excluded.weight",
                [last_id],
            )


def drop_sqlite_triggers(using=None, **kwargs):
    """Drop the SQLite triggers before migrations (base.triggers says why); reinstalled after."""
    triggers.drop_sqlite_triggers(connections[using or DEFAULT_DB_ALIAS], TRIGGER_PREFIX)


def installed_triggers():
    """Return the set of tracked tables that carry a change-log trigger (for the meta-test)."""
    return {table for table, _name in triggers.trigger_names(connection, TRIGGER_PREFIX)}


def compact_changes(using=None):
    """Fold each path's logged changes into one row of the same total weight; return the rows removed.

    Versions are sums, so they do not move. A writer logging meanwhile inserts a row this statement does not
    see, which stays as it is; nothing here waits on a writer or makes one wait.
    """
    conn = connections[using or DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql":
        return 0  # SQLite's trigger folds as it writes.
    with conn.cursor() as cursor:
        cursor.execute(
            """
            WITH folded AS (
                DELETE FROM reporting_datachange
                WHERE path IN (SELECT path FROM reporting_datachange GROUP BY path HAVING COUNT(*) > 1)
                RETURNING path, weight
            ), written AS (
                INSERT INTO reporting_datachange (path, weight)
                SELECT path, SUM(weight) FROM folded GROUP BY path RETURNING 1
            )
            SELECT (SELECT COUNT(*) FROM folded) - (SELECT COUNT(*) FROM written)
            """
        )
        return cursor.fetchone()[0]


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


def subtree_version(path):
    """Return the version of the data a subtree's figures depend on: the weight logged under it and above it."""
    others = ancestor_paths(path)
    placeholders = ", ".join(["%s"] * len(others))
    match = "path LIKE %s" if connection.vendor == "postgresql" else "path GLOB %s"
    wildcard = "%" if connection.vendor == "postgresql" else "*"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(weight), 0) FROM {TABLE} WHERE {match} OR path IN ({placeholders})",  # noqa: S608
            [path + wildcard, *others],
        )
        return int(cursor.fetchone()[0])


def in_transaction():
    """Whether this connection is inside a transaction that may still roll back (a test's own wrapper aside)."""
    # Django's TestCase wraps each test in atomic blocks it marks `_from_testcase`: their rollback is the test's
    # teardown (tests clear the cache between tests), not a write that could roll back under a reader.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


# --- the cache -----------------------------------------------------------------------------------------------


@dataclass
class Freshness:
    """When the figures a reader got were computed, and whether newer ones are being computed right now."""

    as_of: object
    refreshing: bool = False


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


def cached(key_parts, compute, *, path, restore=plain.load, store=plain.dump):
    """Return (compute()'s result, Freshness), cached under `key_parts` for the subtree at `path`.

    `store` turns the result into plain data for the cache and `restore` turns it back.
    """
    version = subtree_version(path)
    if in_transaction():
        return compute(), Freshness(as_of=timezone.now())
    cache = _SafeCache(caches[CACHE_ALIAS])
    key = _key(key_parts)
    entry = cache.get(key)
    if entry is not None and entry["version"] == version:
        return restore(entry["value"]), Freshness(as_of=entry["as_of"])
    lock = f"{key}:computing"
    waited = 0.0
    wait = getattr(settings, "DASHBOARD_WAIT_SECONDS", 5)
    while not (owner := cache.add(lock, version, timeout=getattr(settings, "DASHBOARD_COMPUTE_SECONDS", 120))):
        if entry is not None:
            # Another process is computing: the previous figures, marked with their time, rather than a queue.
            return restore(entry["value"]), Freshness(as_of=entry["as_of"], refreshing=True)
        if waited >= wait:
            break
        time.sleep(0.1)
        waited += 0.1
        entry = cache.get(key)
        if entry is not None and entry["version"] == version:
            return restore(entry["value"]), Freshness(as_of=entry["as_of"])
        entry = None  # an older entry that appeared meanwhile is not what this reader waited for
    try:
        as_of = timezone.now()
        value = compute()
        cache.set(key, {"version": version, "as_of": as_of, "value": store(value)})
    finally:
        if owner:
            cache.delete(lock)
    return value, Freshness(as_of=as_of)
