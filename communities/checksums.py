"""Per-record checksums of the group counts, so that an unchanged census re-import reads and writes no count.

The census import (importers.census) stores, for each record it writes or finds unchanged, the md5 of the record's
counts as text ("group id:count,…" in group-id order; `split` with ":male:female" after each count) in
`communities_countschecksum`. A re-import then compares one short row per record with the file instead of reading
1.16 M stored counts.

Every other write of group counts must not leave a checksum that is no longer true: services, the admin, raw SQL
and migrations all fire the triggers installed here on `communities_groupcount`, which blank the record's checksum
and move its `version` on (on PostgreSQL inserting the row if there is none). The import's own writes skip
them — it writes the checksum of what it wrote — by a switch only its transaction sees: on SQLite the triggers
are dropped inside its transaction and created again after (base.triggers.sqlite_triggers_off), on PostgreSQL a
transaction-local setting. A writer on PostgreSQL that commits a count while an import is between reading a record
and writing its checksum has moved the version on: the import writes only over the version it read, so that
checksum stays blank.
"""

import hashlib
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections

from base import triggers

from .models import CountsChecksum, GroupCount, PopulationRecord

PREFIX = "communities_checksum_"
TABLE = CountsChecksum._meta.db_table
COUNTS = GroupCount._meta.db_table
RECORDS = PopulationRecord._meta.db_table
# PostgreSQL: the transaction-local setting the triggers' function reads.
SETTING = "communities.counts_checksums"
# The key an upsert names on PostgreSQL: the record with its province code, the key the table keeps on a Citus cluster
# (deploy/citus/distribute.sql), where `(record_id)` alone is no key and the upsert would be refused. The code a row
# is given by its BEFORE trigger (base.provinces) is its record's, so the two keys find the same rows. SQLite sets the
# code after the insert, so there the record alone is named.
_POSTGRES_KEY = "(record_id, province_code)"

_BLANK = "counts = NULL, split = NULL, version = {table}.version + 1"
# PostgreSQL: a row of checksums is created only for a record that still exists (a record deleted in the same
# transaction, before its counts, would leave a row its foreign key refuses at the commit).
_LIVE = f"WHERE EXISTS (SELECT 1 FROM {RECORDS} r WHERE r.id = c.record_id)"  # noqa: S608


def _blank_records(records):
    """PL/pgSQL blanking the checksum rows of the records `records` selects, creating the missing ones (blank).

    The rows found by record first: a place moved to another province changes its counts' code before its checksums'
    (each by its own cascade), so an upsert on the record's new code alone would not find the row it must blank. Then
    an upsert on the cluster's key for the rows missing from this statement's view: one an import inserts meanwhile
    (its transaction commits while this one waits on the key) is blanked too, not left saying the counts are the
    file's."""
    return (
        f"UPDATE {TABLE} SET {_BLANK.format(table=TABLE)} WHERE record_id IN ({records});\n"  # noqa: S608 (fixed names)
        f"        INSERT INTO {TABLE} (record_id, counts, split, version)\n"
        f"        SELECT DISTINCT record_id, NULL, NULL, 1 FROM ({records}) c {_LIVE}\n"
        f"        AND NOT EXISTS (SELECT 1 FROM {TABLE} t WHERE t.record_id = c.record_id)\n"
        f"        ON CONFLICT {_POSTGRES_KEY} DO UPDATE SET {_BLANK.format(table=TABLE)};"
    )


_POSTGRES = f"""
CREATE OR REPLACE FUNCTION {PREFIX}blank() RETURNS trigger AS $body$
BEGIN
    IF current_setting('{SETTING}', true) = 'import' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE {TABLE} SET {_BLANK.format(table=TABLE)};
    ELSIF TG_OP = 'INSERT' THEN
        {_blank_records("SELECT record_id FROM new_rows")}
    ELSIF TG_OP = 'UPDATE' THEN
        {_blank_records("SELECT record_id FROM new_rows UNION SELECT record_id FROM old_rows")}
    ELSE
        {_blank_records("SELECT record_id FROM old_rows")}
    END IF;
    RETURN NULL;
END $body$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""  # noqa: S608 (fixed table names)

_POSTGRES_FORGET = f"""
CREATE OR REPLACE FUNCTION {PREFIX}forget() RETURNS trigger AS $body$
BEGIN
    DELETE FROM {TABLE} WHERE record_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $body$ {triggers.STATEMENT_TRIGGER_FUNCTION}
"""  # noqa: S608

_POSTGRES_TRIGGERS = {
    "insert": "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
    "update": "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT",
    "delete": "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
    "truncate": "AFTER TRUNCATE ON {table} FOR EACH STATEMENT",
}


def _sqlite_blank(record_id):
    # No row is created: on SQLite the import holds the write lock from its first read, so no writer commits between
    # the import reading a record and writing its checksum; a record without a row has nothing to blank.
    return f"UPDATE {TABLE} SET {_BLANK.format(table=TABLE)} WHERE record_id = {record_id}"  # noqa: S608


def install_triggers(using=None, **kwargs):
    """Create the triggers that blank a record's checksum when its counts change (idempotent; after each migrate)."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if TABLE not in conn.introspection.table_names():
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(_POSTGRES)
            cursor.execute(_POSTGRES_FORGET)
            for op, when in _POSTGRES_TRIGGERS.items():
                cursor.execute(
                    f'CREATE OR REPLACE TRIGGER "{PREFIX}{op}" {when.format(table=COUNTS)} '
                    f"EXECUTE FUNCTION {PREFIX}blank()"
                )
            cursor.execute(
                f'CREATE OR REPLACE TRIGGER "{PREFIX}record_delete" AFTER DELETE ON {RECORDS} '
                f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}forget()"
            )
        elif conn.vendor == "sqlite":
            bodies = {
                "insert": _sqlite_blank("NEW.record_id"),
                "update": _sqlite_blank("OLD.record_id") + "; " + _sqlite_blank("NEW.record_id"),
                "delete": _sqlite_blank("OLD.record_id"),
            }
            for op, body in bodies.items():
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{PREFIX}{op}" AFTER {op.upper()} ON "{COUNTS}" BEGIN {body}; END'
                )
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{PREFIX}record_delete" AFTER DELETE ON "{RECORDS}" '  # noqa: S608
                f"BEGIN DELETE FROM {TABLE} WHERE record_id = OLD.id; END"
            )


def drop_sqlite_triggers(using=None, **kwargs):
    """Drop the SQLite triggers before migrations (base.triggers says why); reinstalled after."""
    triggers.drop_sqlite_triggers(connections[using or DEFAULT_DB_ALIAS], PREFIX)


def installed_tables(using=None):
    """Return the tables carrying a checksum trigger (for the tests)."""
    return {table for table, _name in triggers.trigger_names(connections[using or DEFAULT_DB_ALIAS], PREFIX)}


@contextmanager
def writing_counts():
    """Run the block's writes of group counts without blanking checksums: the import writes them itself after.

    Must run inside the import's transaction (the switch is that transaction's own)."""
    if connection.vendor != "postgresql":
        with triggers.sqlite_triggers_off(connection, COUNTS, PREFIX, ops=("insert", "update", "delete")):
            yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'import', true)", [SETTING])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', true)", [SETTING])


def counts_text(counts, *, split):
    """Return counts {group id: (count, male, female)} as one text, "1:900,6:60,…" in group-id order, with
    ":male:female" after each count when `split`: what the checksums and the databases' digests (importers.
    census_digests) are taken of."""
    # Lists, not generators, for join: a third less time over a province's 20,000 records.
    if split:
        return ",".join(
            [
                f"{group_id}:{count}:{'' if male is None else male}:{'' if female is None else female}"
                for group_id, (count, male, female) in sorted(counts.items())
            ]
        )
    order = sorted(counts)
    try:
        # Texts looked up rather than formatted: a third of the time, for the 1.16 M counts of a province's census.
        return ",".join([_GROUP_PREFIX[group_id] + _COUNT_TEXT[counts[group_id][0]] for group_id in order])
    except KeyError:  # a group id or a count beyond the tables
        return ",".join([f"{group_id}:{counts[group_id][0]}" for group_id in order])


_GROUP_PREFIX = {group_id: f"{group_id}:" for group_id in range(1, 1000)}
_COUNT_TEXT = {count: str(count) for count in range(10_000)}


def digest(counts, *, split):
    """Return the checksum (md5 of `counts_text`) of counts {group id: (count, male, female)}."""
    return _md5(counts_text(counts, split=split))


def digests(counts):
    """Return (digest(counts, split=False), digest(counts, split=True)), making the text once when no count has a
    男/女 figure (a census without those columns: the split text is the plain one with "::" after each count)."""
    plain = counts_text(counts, split=False)
    if any(male is not None or female is not None for _count, male, female in counts.values()):
        split = counts_text(counts, split=True)
    else:
        split = plain.replace(",", "::,") + "::" if plain else ""
    return _md5(plain), _md5(split)


def _md5(text):
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def save(rows):
    """Write (record pk, counts checksum, split checksum or None, version read) rows.

    A row is written only over the version it was read at (0: no row then): a checksum another writer blanked
    meanwhile stays blank. A None split keeps the stored one, true while the version has not moved.
    """
    if not rows:
        return
    key = _POSTGRES_KEY if connection.vendor == "postgresql" else "(record_id)"
    upsert = (
        f" ON CONFLICT {key} DO UPDATE SET counts = excluded.counts, "
        f"split = COALESCE(excluded.split, {TABLE}.split) WHERE {TABLE}.version = excluded.version"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement of four arrays, whatever the number of rows: a census chunk's 2,000 rows were 9 statements.
            cursor.execute(
                f"INSERT INTO {TABLE} (record_id, counts, split, version) "  # noqa: S608
                "SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::integer[])" + upsert,
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        per_statement = 999 // 4
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {TABLE} (record_id, counts, split, version) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s, %s, %s)"] * len(batch))
                + upsert,
                [value for row in batch for value in row],
            )
