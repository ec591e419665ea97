"""The group counts' two keys (their record, their ethnic group), kept by statement triggers instead of foreign keys.

A declared foreign key checks every inserted row on its own: a province's census import inserts 1.16 M counts, and
PostgreSQL ran 2.3 M key look-ups at the commit, 9-12 s of a 21 s import (stop 22). The triggers here check a whole
statement's rows at once, with one key-share lock per distinct record and group (2,000 records and 58 groups a
chunk of 116,000 counts: about 50 ms), so what the keys promised still holds, whoever writes:

- a count is written only for a record and an ethnic group that exist (else `foreign_key_violation`, an
  IntegrityError to Django, and the statement and its transaction fail);
- the key-share locks keep the record and the group from being deleted until the writing transaction ends, as a
  foreign key's do;
- deleting a record deletes its counts first (raw SQL too; the ORM's CASCADE deletes them first anyway), a row
  trigger before the record goes, so the counts' own triggers (summaries, checksums, change log) still find it;
- an ethnic group that still has counts cannot be deleted or truncated (PROTECT).

SQLite checks each row (it has no statement triggers), as its foreign keys did, but at once rather than at the
commit. It does not refuse deleting a used ethnic group by raw SQL: a row trigger cannot wait for the commit as the
deferred key did, and Django's flush deletes the groups before the counts (the ORM's PROTECT still refuses). Not
covered: a record's or group's id being changed (Django never writes a primary key), and on
PostgreSQL a REPEATABLE READ transaction deleting a record whose counts another transaction committed after its
snapshot (the application deletes records in READ COMMITTED only; a foreign key would have refused it).
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections

from base import triggers

from .models import EthnicGroup, GroupCount, PopulationRecord

PREFIX = "communities_count_keys_"
COUNTS = GroupCount._meta.db_table
RECORDS = PopulationRecord._meta.db_table
GROUPS = EthnicGroup._meta.db_table
# The message the database gives (not a user's: no form lets anyone choose a missing record or group).
MISSING_RECORD = f"{COUNTS}: a count refers to a population record (record_id) that does not exist"
MISSING_GROUP = f"{COUNTS}: a count refers to an ethnic group (ethnic_group_id) that does not exist"
GROUP_IN_USE = f"{GROUPS}: an ethnic group that group counts refer to cannot be deleted"

_POSTGRES = f"""
CREATE OR REPLACE FUNCTION {PREFIX}check() RETURNS trigger AS $body$
DECLARE
    records bigint[];
    groups bigint[];
BEGIN
    -- The distinct keys of the statement's rows in one pass (a census chunk: 116,000 counts, 2,000 records, 58
    -- groups); each is then locked as a foreign key locks it, and one that is missing cannot be locked.
    SELECT array_agg(record_id) FILTER (WHERE record_id IS NOT NULL),
           array_agg(ethnic_group_id) FILTER (WHERE ethnic_group_id IS NOT NULL)
    INTO records, groups
    FROM (SELECT record_id, ethnic_group_id FROM new_rows
          GROUP BY GROUPING SETS ((record_id), (ethnic_group_id))) keys;
    IF records IS NULL THEN
        RETURN NULL;
    END IF;
    IF (SELECT count(*) FROM (SELECT 1 FROM {RECORDS} p WHERE p.id = ANY (records) FOR KEY SHARE OF p) locked)
            < cardinality(records) THEN
        RAISE EXCEPTION '{MISSING_RECORD}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF (SELECT count(*) FROM (SELECT 1 FROM {GROUPS} g WHERE g.id = ANY (groups) FOR KEY SHARE OF g) locked)
            < cardinality(groups) THEN
        RAISE EXCEPTION '{MISSING_GROUP}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $body$ {triggers.STATEMENT_TRIGGER_FUNCTION};

CREATE OR REPLACE FUNCTION {PREFIX}cascade() RETURNS trigger AS $body$
BEGIN
    -- Before the record goes, so that the counts' own triggers still find it (the summaries place its counts by
    -- it). The row lock first: it waits for a transaction writing counts of this record (its key-share lock) to
    -- end, and the DELETE after it then sees what that transaction committed.
    PERFORM 1 FROM {RECORDS} WHERE id = OLD.id FOR UPDATE;
    IF EXISTS (SELECT 1 FROM {COUNTS} WHERE record_id = OLD.id) THEN
        DELETE FROM {COUNTS} WHERE record_id = OLD.id;
    END IF;
    RETURN OLD;
END $body$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION {PREFIX}emptied() RETURNS trigger AS $body$
BEGIN
    -- Not TRUNCATE: the statement truncating the records may be truncating the counts too (Django's flush). The
    -- records' TRUNCATE has marked the summaries for a rebuild already.
    DELETE FROM {COUNTS};
    RETURN NULL;
END $body$ {triggers.STATEMENT_TRIGGER_FUNCTION};

CREATE OR REPLACE FUNCTION {PREFIX}protect() RETURNS trigger AS $body$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM {COUNTS}) THEN
            RAISE EXCEPTION '{GROUP_IN_USE}' USING ERRCODE = 'foreign_key_violation';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM {COUNTS} WHERE ethnic_group_id IN (SELECT id FROM old_rows)) THEN
        RAISE EXCEPTION '{GROUP_IN_USE}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $body$ {triggers.STATEMENT_TRIGGER_FUNCTION};
"""  # noqa: S608 (fixed table names)

_POSTGRES_TRIGGERS = {
    "insert": f"AFTER INSERT ON {COUNTS} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    f"EXECUTE FUNCTION {PREFIX}check()",
    "update": f"AFTER UPDATE ON {COUNTS} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    f"EXECUTE FUNCTION {PREFIX}check()",
    "record_delete": f"BEFORE DELETE ON {RECORDS} FOR EACH ROW EXECUTE FUNCTION {PREFIX}cascade()",
    "record_truncate": f"AFTER TRUNCATE ON {RECORDS} FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}emptied()",
    "group_delete": f"AFTER DELETE ON {GROUPS} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    f"EXECUTE FUNCTION {PREFIX}protect()",
    "group_truncate": f"AFTER TRUNCATE ON {GROUPS} FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}protect()",
}

_SQLITE_MISSING = (
    f"NOT EXISTS (SELECT 1 FROM {RECORDS} WHERE id = NEW.record_id) "  # noqa: S608 (fixed table names)
    f"OR NOT EXISTS (SELECT 1 FROM {GROUPS} WHERE id = NEW.ethnic_group_id)"
)
_SQLITE_TRIGGERS = {
    "insert": f'BEFORE INSERT ON "{COUNTS}" WHEN {_SQLITE_MISSING} '
    "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    "update": f'BEFORE UPDATE OF record_id, ethnic_group_id ON "{COUNTS}" WHEN {_SQLITE_MISSING} '
    "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END",
    # Before the record goes, so that the counts' own triggers still find it.
    "record_delete": f'BEFORE DELETE ON "{RECORDS}" BEGIN DELETE FROM {COUNTS} WHERE record_id = OLD.id; END',  # noqa: S608
}


def install_triggers(using=None, **kwargs):
    """Create the triggers that keep the counts' keys (idempotent; after each migrate)."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if not {COUNTS, RECORDS, GROUPS} <= set(conn.introspection.table_names()):
        return
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(_POSTGRES)
            for name, when in _POSTGRES_TRIGGERS.items():
                cursor.execute(f'CREATE OR REPLACE TRIGGER "{PREFIX}{name}" {when}')
        elif conn.vendor == "sqlite":
            for name, when in _SQLITE_TRIGGERS.items():
                cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{PREFIX}{name}" {when}')


def drop_sqlite_triggers(using=None, **kwargs):
    """Drop the SQLite triggers before migrations (base.triggers says why); reinstalled after."""
    triggers.drop_sqlite_triggers(connections[using or DEFAULT_DB_ALIAS], PREFIX)


def installed(using=None):
    """Return {(table, trigger name)} of the key triggers (for the tests)."""
    return triggers.trigger_names(connections[using or DEFAULT_DB_ALIAS], PREFIX)


@contextmanager
def checked_bulk_insert(conn, table, last_id):
    """On SQLite, drop the counts' key check for a bulk insert's block (registered with base.bulk) and check the rows
    inserted meanwhile (id above `last_id`) in one statement after it, refusing them as the trigger would have.

    The row trigger looked up each count's record and group (0.07 s a census chunk of 116,000 counts, stop 23); the
    one statement looks up the same, without running a trigger program per row. A bulk insert's rows are then
    refused at the end of its block rather than one statement at a time, inside the same transaction.
    """
    if conn.vendor != "sqlite" or table != COUNTS:
        yield
        return
    with triggers.sqlite_triggers_off(conn, COUNTS, PREFIX):
        try:
            yield
        finally:
            with conn.cursor() as cursor:
                # The trigger's own condition, over the block's rows named as the trigger names its row.
                missing = f"SELECT 1 FROM {COUNTS} AS NEW WHERE NEW.id > %s AND ({_SQLITE_MISSING}) LIMIT 1"  # noqa: S608
                cursor.execute(missing, [last_id])
                if cursor.fetchone() is not None:
                    raise IntegrityError("FOREIGN KEY constraint failed")
