"""Folding the journal into totals, rebuilding them from the records, and checking the two agree.

A fold moves every journal row into the totals of its jurisdiction and of each ancestor (the node rows), in one
transaction; readers add the rows not folded yet, so a fold changes no figure, only how fast it is read. Writers
only ever insert journal rows: a fold never holds a lock a writer needs, and a second fold running at the same
time simply skips its turn.
"""

import logging
import time
from contextlib import contextmanager
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction

from base.triggers import sqlite_triggers_off
from communities.models import PATH_SEGMENT_WIDTH, path_levels_sql

from .specs import LATEST_MEASURES, latest_chain, sources
from .triggers import PREFIX, delta_insert, fact_selects, inserted, keeps_chains

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock's key for "folding or rebuilding the summaries" (any fixed number of this project's).
LOCK_KEY = 8_112_026
_LEVELS = path_levels_sql()
_EXPAND = (
    f"SELECT substr(m.path, 1, n.k * {PATH_SEGMENT_WIDTH}) AS node, n.k - 1 AS depth, m.measure, m.month, m.key, "
    "SUM(m.value) AS value FROM {rows} m JOIN ({levels}) n ON n.k * {width} <= length(m.path) WHERE {where} "
    "GROUP BY 1, 2, 3, 4, 5"
)
_UPSERT = (
    "INSERT INTO summaries_total (node, depth, measure, month, key, value) {select} "
    "ON CONFLICT (node, measure, month, key) DO UPDATE SET value = summaries_total.value + excluded.value"
)


def _expand(rows, where="true"):
    return _EXPAND.format(rows=rows, levels=_LEVELS, width=PATH_SEGMENT_WIDTH, where=where)


@contextmanager
def _sqlite_no_wait(conn):
    """On SQLite (one writer at a time), make a fold fail at once rather than queue behind an import's write lock."""
    if conn.vendor != "sqlite" or conn.in_atomic_block:
        yield
        return
    with conn.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout = 0")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _lock(conn, *, wait):
    """Take the fold's lock on PostgreSQL (SQLite's write lock is the transaction's); return whether it is ours."""
    if conn.vendor != "postgresql":
        return True
    with conn.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return cursor.fetchone()[0]


def fold(using=None, *, wait=False, rebuild=True):
    """Move the journal into the totals (or rebuild them when marked stale); return whether the totals are usable.

    False only when they are marked stale and this call did not rebuild them: the caller then reads the records
    themselves. A reader passes `rebuild=False`: a whole rebuild outlasts any request at a province's scale (12.4 min
    for the benchmark's city and province, 22 s for its SQLite city), and a request cut off by the server's timeout
    rolled it back, for the next reader to start again. Marked totals are rebuilt by the hourly
    `compact_data_changes` and by `rebuild_summaries --if-stale` at deployment; meanwhile pages read the records.
    """
    conn = connections[using or DEFAULT_DB_ALIAS]
    try:
        with _sqlite_no_wait(conn) if not wait else _nothing(), transaction.atomic(using=conn.alias):
            if not _lock(conn, wait=wait):
                return not _stale(conn)
            if _stale(conn):
                if not rebuild:
                    return False
                _rebuild(conn, _stale_measures(conn))
            else:
                _fold(conn)
            return True
    except OperationalError:
        if conn.vendor != "sqlite":
            raise
        logger.info("summaries: the database is busy writing; read without folding")
        return not _stale(conn)


@contextmanager
def _nothing():
    yield


def _stale(conn):
    with conn.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM summaries_stale)")
        return bool(cursor.fetchone()[0])


def _fold(conn, batch=None, up_to=None):
    """Move the journal into the totals; with `batch`, only its `batch` oldest rows whose id is at most `up_to`."""
    with conn.cursor() as cursor:
        if batch is not None:
            # The batch as a range of ids, read from the primary key alone: a condition every plan answers with a
            # range scan (an `id IN (subquery)` once joined each of 100,000 ids to a 2.4 M-row scan).
            cursor.execute(
                "SELECT MAX(id) FROM (SELECT id FROM summaries_delta WHERE id <= %s ORDER BY id LIMIT %s) s",
                [up_to, batch],
            )
            last = cursor.fetchone()[0] or 0
        if conn.vendor == "postgresql":
            cursor.execute(
                f"WITH moved AS (DELETE FROM summaries_delta{' WHERE id <= %s' if batch is not None else ''} "
                "RETURNING path, measure, month, key, value) " + _UPSERT.format(select=_expand("moved")),
                [last] if batch is not None else None,
            )
            return
        # The same statements whether or not there is anything to fold: a read's query count does not vary.
        if batch is None:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM summaries_delta")
            last = cursor.fetchone()[0]
        cursor.execute(_UPSERT.format(select=_expand("summaries_delta", f"m.id <= {int(last)}")))
        cursor.execute("DELETE FROM summaries_delta WHERE id <= %s", [last])


# Journal rows moved per transaction when folding in batches: about a second of SQLite's write lock each.
FOLD_BATCH = 100_000
# How long an import's own process folds after it (a web import must answer within gunicorn's 120 s); what is left
# waits for the next reader or the hourly `compact_data_changes`.
IMPORT_FOLD_SECONDS = 45


def fold_in_batches(using=None, *, batch=FOLD_BATCH, seconds=None):
    """Fold the journal as it stands, `batch` rows per transaction, for at most about `seconds` (None: all of it);
    return how many transactions it took. Only outside a transaction (it commits between batches).

    Between batches the database is free: SQLite's writers wait for one batch at most, and readers meanwhile add the
    rows not folded yet, as always. Totals awaiting a rebuild are left to the deployment's `rebuild_summaries`."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if conn.in_atomic_block:
        return 0
    deadline = None if seconds is None else time.monotonic() + seconds
    with conn.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM summaries_delta")
        last = cursor.fetchone()[0]
        if conn.vendor == "postgresql":
            # An import has just filled the journal: with the statistics of the table as it was (a few rows), a
            # batch's plan once ran for minutes instead of 2 s (stop 21). Sampling it costs about 0.1 s.
            cursor.execute("ANALYZE summaries_delta")
    transactions = 0
    while deadline is None or time.monotonic() < deadline:
        with transaction.atomic(using=conn.alias):
            _lock(conn, wait=True)
            if _stale(conn):
                return transactions
            _fold(conn, batch=batch, up_to=last)
        transactions += 1
        with conn.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM summaries_delta WHERE id <= %s)", [last])
            if not cursor.fetchone()[0]:
                break
    if transactions > 1:
        tidy_journal(using=conn.alias)
    return transactions


def fold_after_import(using=None):
    """Registered with base.bulk: once an import has committed, fold its journal rows in the importing process.

    A province's census leaves 2.45 M journal rows; folded on the first dashboard read, they made that read take
    19–24 s (SQLite) and 45–67 s (PostgreSQL; measured at stop 20)."""
    return fold_in_batches(using, seconds=IMPORT_FOLD_SECONDS)


def rebuild(using=None, *, if_stale=False):
    """Recompute every total from the records (the `rebuild_summaries` command); waits for a running fold. With
    `if_stale`, only totals marked stale, and only the measures the marks name (the hourly job, deployment); return
    whether it rebuilt."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if if_stale and not _stale(conn):
        return False
    with transaction.atomic(using=conn.alias):
        if conn.vendor == "postgresql" and not _nested(conn):
            # One snapshot for the whole rebuild: the journal rows it deletes are exactly those of the records it
            # reads; a write committing meanwhile keeps its journal row and is counted once, at the next fold.
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        _lock(conn, wait=True)
        if if_stale and not _stale(conn):
            return False
        _rebuild(conn, _stale_measures(conn) if if_stale else None)
    return True


def _nested(conn):
    return len(conn.atomic_blocks) > 1 or getattr(conn.atomic_blocks[0], "_from_testcase", False)


def _from_records(vendor, prefixes=None):
    """The SELECT of every fact the records hold now (or of the measures starting with one of `prefixes`), one row
    per journal key (path, measure, month, key)."""

    def wanted(measure):
        return not prefixes or measure.startswith(tuple(prefixes))

    selects = [
        select
        for source in sources(vendor)
        if source.rebuild and any(wanted(fact.measure) for fact in source.facts)
        for select in fact_selects([source], source.table, "1", grouped=True)
    ]
    if any(wanted(measure) for measure in LATEST_MEASURES):
        selects.append(latest_chain(vendor))
    return (
        f"SELECT path, measure, month, key, SUM(value) AS value FROM ({' UNION ALL '.join(selects)}) f "
        "GROUP BY path, measure, month, key"
    )


# A stale mark whose reason starts so names the only measures to recompute (their prefix follows): a migration that
# moves one kind of fact (summaries 0004, the group counts') need not recompute all of a province's 31 M totals (a
# whole rebuild of the benchmark's city and province took 745.6 s; their group counts' alone, 23.0 s).
MEASURES_STALE = "measures:"


def _stale_measures(conn):
    """The prefixes of the measures to recompute when every stale mark names some, else None (recompute all)."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT reason FROM summaries_stale")
        reasons = {reason for (reason,) in cursor.fetchall()}
    if reasons and all(reason.startswith(MEASURES_STALE) for reason in reasons):
        return sorted(reason.removeprefix(MEASURES_STALE) for reason in reasons)
    return None


def _rebuild(conn, prefixes=None):
    """Recompute the totals from the records: all of them, or only the measures starting with one of `prefixes`."""
    only, params = "", []
    if prefixes:
        only = " WHERE " + " OR ".join(["measure LIKE %s"] * len(prefixes))
        params = [f"{prefix}%" for prefix in prefixes]
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM summaries_delta{only}", params)
        cursor.execute(f"DELETE FROM summaries_total{only}", params)
        cursor.execute("DELETE FROM summaries_stale")
        facts = _from_records(conn.vendor, prefixes).replace("%", "%%")
        cursor.execute(
            "INSERT INTO summaries_total (node, depth, measure, month, key, value) "
            + _expand(f"({facts})", "m.value <> 0" + (f" AND ({only.removeprefix(' WHERE ')})" if only else "")),
            params,
        )


def differences(using=None, limit=20):
    """Return up to `limit` (node, measure, month, key, kept, from records) where the kept summaries disagree with
    the records ([] when they agree): the test of the triggers and the `rebuild_summaries --check` command.

    The database compares (kept rows minus the records' rows, netted per key): nothing is held in Python, so the
    check runs at a province's size. A sum below a ten-thousandth is SQLite's floating-point rest, not a difference."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT node, measure, month, key, SUM(kept), SUM(expected) FROM ("
            "SELECT node, measure, month, key, value AS kept, 0 AS expected FROM summaries_total UNION ALL "
            f"SELECT node, measure, month, key, value, 0 FROM ({_expand('summaries_delta')}) e UNION ALL "
            f"SELECT node, measure, month, key, 0, value FROM ({_expand(f'({_from_records(conn.vendor)})')}) r"
            ") k GROUP BY node, measure, month, key HAVING ABS(SUM(kept) - SUM(expected)) >= 0.00005 "
            f"ORDER BY node, measure, month, key LIMIT {int(limit)}"
        )
        return [
            (str(node), measure, str(month), key, Decimal(str(kept)), Decimal(str(expected)))
            for node, measure, month, key, kept, expected in cursor.fetchall()
        ]


def tidy(using=None):
    """After a rebuild or a large fold on PostgreSQL: reclaim the journal's deleted rows and refresh the planner's
    statistics. Until autovacuum gets there, a fold scans every dead journal row and reads plan without statistics
    (measured at city scale right after the bench data's first fold: a cold read 740 ms before, 261 ms after).
    VACUUM cannot run inside a transaction: skipped there (tests), and on SQLite."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql" or conn.in_atomic_block:
        return False
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE summaries_delta")
        cursor.execute("VACUUM ANALYZE summaries_total")
    return True


def tidy_journal(using=None):
    """VACUUM the journal on PostgreSQL (hourly, with the change log's compaction; cheap: it holds only what awaits
    a fold). A fold deletes every row it moves, and its DELETE reads the table's emptied pages until a vacuum truncates
    them: measured after large folds, 6,465 empty pages cost each cold read 15 ms (250 ms from disk) until then."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql" or conn.in_atomic_block:
        return False
    with conn.cursor() as cursor:
        cursor.execute("VACUUM summaries_delta")
    return True


def add_facts_for(table, where, params=(), using=None):
    """Add to the journal the facts of the rows of `table` that `where` (SQL over the row's columns) selects, as the
    table's INSERT trigger would have added them one row at a time; in one statement, built from the same facts.

    For rows inserted while the trigger was switched off (catch_up_bulk_insert): added twice, a row counts twice.
    """
    conn = connections[using or DEFAULT_DB_ALIAS]
    table_sources = inserted(source for source in sources(conn.vendor) if source.table == table)
    if not table_sources:
        return
    selects = fact_selects(table_sources, "{rows}", "1", grouped=True)
    # Netted per key as a trigger's statement is: a chunk of a census's group counts shares its keys street by street
    # (specs.parent_path), 232,000 facts to about 2,300 journal rows. The facts' own SQL has % signs (strftime,
    # printf): escaped, since `where` brings parameters.
    sql = delta_insert(selects).replace("%", "%%")
    rows = f"(SELECT * FROM {conn.ops.quote_name(table)} WHERE {where})"  # noqa: S608 (a model's table, a fixed condition)
    with conn.cursor() as cursor:
        cursor.execute(sql.replace("{rows}", rows), list(params) * len(selects))


@contextmanager
def catch_up_bulk_insert(conn, table, last_id):
    """Drop the summaries' SQLite INSERT trigger on `table` inside this transaction (registered with base.bulk); on
    leaving, create it again and add the facts of the rows inserted meanwhile (id above `last_id`) in one statement.

    A table whose inserts also move chains of "latest" figures keeps its trigger: a bulk insert catches up facts only.

    Also when the block raised: whatever rows it left in the table are then summarised, so a caller that carries
    on after the error keeps the summaries right.
    """
    summarised = any(source.table == table for source in sources(conn.vendor))
    if conn.vendor != "sqlite" or not summarised or keeps_chains(table):
        # Only SQLite's row triggers are dropped, and only those that write facts alone.
        yield
        return
    try:
        with sqlite_triggers_off(conn, table, PREFIX):
            yield
    finally:
        add_facts_for(table, "id > %s", [last_id], using=conn.alias)
