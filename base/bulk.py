"""Bulk inserts that the apps keeping data by row trigger catch up on in one statement, instead of once per row.

On SQLite the summaries and the change log are kept by row triggers: a province's census import inserts 1.16 M
group counts, and every one of them ran a trigger program that inserted seven journal rows and upserted a change
row. An importer that inserts many rows into one table does it inside `bulk_insert(table)`: each app that
registered a catch-up here (in its AppConfig.ready) drops its INSERT triggers on that table for the block, inside
the block's transaction (base.triggers.sqlite_triggers_off), and after the block creates them again and writes in
one statement what they would have written (or checked) for every row inserted meanwhile (those rows are the ones
whose id is above the largest id before the block).

Only INSERTs belong in the block: an UPDATE or DELETE there would fire the triggers as usual, but a row inserted
and then changed inside the block would be caught up on as it is at the end. The block must run inside a
transaction: SQLite's DDL is transactional, so no other connection sees the triggers gone (SQLite has one writer,
and nobody reads what is not committed), and a rollback restores them with everything else.

This module imports no app: the apps above register their catch-ups, so an importer low in the layers calls them
without knowing them.
"""

from contextlib import ExitStack, contextmanager
from functools import partial

from django.db import DEFAULT_DB_ALIAS, connections, transaction

_catch_ups = []
_after_commit = []


def register(catch_up):
    """Add `catch_up(connection, table, last_id)`: a context manager that suspends the app's INSERT triggers on
    `table` while it is open and, on leaving, writes what they would have for the rows whose id is above `last_id`.
    Registering the same function twice adds it once."""
    if catch_up not in _catch_ups:
        _catch_ups.append(catch_up)


def register_after_commit(hook):
    """Add `hook(using)`: run once after each committed transaction that held bulk inserts, outside it (the hook may
    run transactions of its own), in the importing process. Registering the same function twice adds it once."""
    if hook not in _after_commit:
        _after_commit.append(hook)


def _after_bulk(alias):
    for hook in _after_commit:
        hook(alias)


def _schedule_after_commit(conn):
    """Run the after-commit hooks once when the transaction holding this block commits (at once outside one)."""
    if not _after_commit:
        return
    if any(getattr(func, "func", None) is _after_bulk for _sids, func, _robust in conn.run_on_commit):
        return  # already due for this transaction: a chunked import runs many blocks
    # Robust: the data is committed whatever the hook meets; a failing hook is logged, not the import's error.
    transaction.on_commit(partial(_after_bulk, conn.alias), using=conn.alias, robust=True)


# A block that inserts at least this many rows, and at least half as many as the table's statistics count, analyses
# the table (PostgreSQL): the statements that follow it in the same import are planned with the table's new size.
ANALYZE_AFTER_ROWS = 10_000


@contextmanager
def _statistics_kept(conn, table):
    """Analyse `table` after the block if the block grew it to three times what the planner believes or more.

    The first census import into an empty table was planned as if the table stayed empty: the next chunk's record
    trigger joined each new record to every group count by a full index scan, 17-22 s a statement (stop 21).
    Autovacuum analyses only after the import commits. ANALYZE counts the transaction's own rows and takes no lock a
    reader or writer waits for; its lock, held to the commit, makes a second import's ANALYZE of the same table (and
    autovacuum) wait for the first import to commit."""
    quoted = conn.ops.quote_name(table)
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 (a table name from the caller's model)
        last_id = cursor.fetchone()[0]
    yield
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(MAX(id), 0), (SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass) "  # noqa: S608
            f"FROM {quoted}",
            [table],
        )
        new_last, believed = cursor.fetchone()
        if _grown(new_last - last_id, believed):
            cursor.execute(f"ANALYZE {quoted}")


def _grown(added, believed):
    # Tripled at least: a census's ten equal chunks analyse the table once, after the first. From then on the
    # planner scales the rows it believes by the table's pages; analysing again after the second and third
    # chunks cost 0.5-0.9 s of a province's import on PostgreSQL (alternated, five runs each).
    return added >= ANALYZE_AFTER_ROWS and added >= 2 * believed


def analyze_if_grown(table, added, using=None):
    """Analyse `table` (PostgreSQL) if `added` rows, written by the caller's transaction, at least tripled what the
    planner believes it holds: for a table written outside a bulk_insert block (whose rows have no id to count by).

    A census's checksum rows (communities.checksums) are the case: after a first import into an empty table the
    planner took the checksums for one row, and an unchanged re-import run before autovacuum's analysis joined each
    chunk's 900 records to every checksum row in turn (a province: 0.2-0.9 s a chunk, 10-12 s instead of 3 s)."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql" or added < ANALYZE_AFTER_ROWS:
        return
    quoted = conn.ops.quote_name(table)
    with conn.cursor() as cursor:
        cursor.execute("SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [table])
        if _grown(added, cursor.fetchone()[0]):
            cursor.execute(f"ANALYZE {quoted}")


@contextmanager
def bulk_insert(table, using=None):
    """Run the block's INSERTs into `table` with the registered apps' row triggers caught up on once, at the end,
    and the registered after-commit hooks once the transaction commits."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if conn.vendor == "postgresql":
        # PostgreSQL's triggers are per statement already (one grouped INSERT per COPY or multi-row INSERT).
        with _statistics_kept(conn, table):
            yield
        _schedule_after_commit(conn)
        return
    if not _catch_ups:
        yield
        _schedule_after_commit(conn)
        return
    if not conn.in_atomic_block:
        raise RuntimeError("bulk_insert() must run inside a transaction: others must not see its triggers gone.")
    quoted = conn.ops.quote_name(table)
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 (a table name from the caller's model)
        last_id = cursor.fetchone()[0]
    with ExitStack() as stack:
        for catch_up in _catch_ups:
            stack.enter_context(catch_up(conn, table, last_id))
        yield
    _schedule_after_commit(conn)
