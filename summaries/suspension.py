"""The switch that turns one owner's SQLite INSERT triggers on one table off for a bulk insert (base.bulk).

A row of `communities_triggersuspension` (table, owner) is the switch: the model lives in the lowest app, so that
migrating the apps above back never drops a table their triggers name. The owners are the summaries (`summaries_`)
and the change log (reporting.freshness, `unity_changes_`), whose SQLite INSERT triggers carry `not_suspended(...)`
as their WHEN clause. The row is inserted and deleted inside the bulk insert's transaction: SQLite has one writer,
and no reader sees what is not committed, so every other connection's writes keep their triggers.
"""

from contextlib import contextmanager

SUSPENSION = "communities_triggersuspension"


def not_suspended(table, owner):
    """The WHEN condition of `owner`'s SQLite INSERT trigger on `table` (fixed names, not user input)."""
    return f"NOT EXISTS (SELECT 1 FROM {SUSPENSION} WHERE \"table\" = '{table}' AND owner = '{owner}')"  # noqa: S608


@contextmanager
def suspended(conn, table, owner):
    """Switch `owner`'s INSERT triggers on `table` off on `conn` (SQLite, in a transaction) for the block."""
    with conn.cursor() as cursor:
        cursor.execute(f'INSERT INTO {SUSPENSION} ("table", owner) VALUES (%s, %s)', [table, owner])  # noqa: S608
    try:
        yield
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f'DELETE FROM {SUSPENSION} WHERE "table" = %s AND owner = %s', [table, owner])  # noqa: S608
