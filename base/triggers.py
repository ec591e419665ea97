"""What the apps that keep data with database triggers share: dropping SQLite's before migrations, listing them.

SQLite refuses to rename a table (as Django's table remake does) while a trigger names a table missing at that
moment, so each app drops its SQLite triggers before `migrate` and installs them again after it.
"""

from contextlib import contextmanager

# How the PostgreSQL functions of statement-level triggers are declared. Without JIT: a bulk statement's transition
# table makes the planner expect hundreds of thousands of rows, so each run of the trigger's query compiled itself
# first (0.48 s of a census chunk's 0.94 s, stop 21); the queries are the same each time and small once run. With
# 32 MB to sort and hash in: the default 4 MB sent the summaries' grouping of a census chunk (116,000 counts into
# 1,160 groups) to an external merge sort on disk, 291 ms; in memory it hashes them, 141 ms (stop 22). A single
# row's write uses none of it.
STATEMENT_TRIGGER_FUNCTION = "LANGUAGE plpgsql SET jit = off SET work_mem = '32MB'"


def drop_sqlite_triggers(conn, prefix):
    """Drop the triggers whose names start with `prefix` on a SQLite connection (nothing elsewhere)."""
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [prefix + "%"])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def trigger_names(conn, prefix):
    """Return {(table, trigger name)} of the triggers whose names start with `prefix` (for the meta-tests)."""
    if conn.vendor == "postgresql":
        sql = (
            "SELECT DISTINCT event_object_table, trigger_name FROM information_schema.triggers "
            "WHERE trigger_name LIKE %s"
        )
    else:
        sql = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s"
    with conn.cursor() as cursor:
        cursor.execute(sql, [prefix + "%"])
        return {(table, name) for table, name in cursor.fetchall()}


@contextmanager
def sqlite_triggers_off(conn, table, prefix, ops=("insert",)):
    """Drop for the block the SQLite triggers on `table` whose names start with `prefix` and end with one of `ops`
    ("_insert", …), and create them again from their own text after it (also when the block raised).

    Inside the caller's transaction only: SQLite's DDL is transactional, so no other connection ever sees the
    triggers gone (it sees the transaction's rows at its commit, when they are back) and a rollback restores them.
    A bulk insert (base.bulk) pays nothing per row for them: a WHEN clause reading a switch row cost every row of
    every write 0.2 µs a trigger, and a census chunk's 116,000 counts 0.15 s in all with the keys' check (stop 23);
    dropping and creating four triggers again costs under a millisecond.
    """
    if not conn.in_atomic_block:
        raise RuntimeError("sqlite_triggers_off() must run inside a transaction: others must not see triggers gone.")
    endings = tuple(f"_{op}" for op in ops)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND substr(name, 1, %s) = %s",
            [table, len(prefix), prefix],
        )
        dropped = [(name, sql) for name, sql in cursor.fetchall() if name.endswith(endings)]
        for name, _sql in dropped:
            cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with conn.cursor() as cursor:
            for _name, sql in dropped:
                cursor.execute(sql)  # no parameters: Django leaves the trigger's own % signs alone
