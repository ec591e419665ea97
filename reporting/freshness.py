"""Cache the dashboard's figures without ever showing stale ones.

Database triggers on every table of the recording apps replace one random token (`DataVersion`) on each
insert, update, delete or truncate, whatever wrote it: pages, the admin, bulk imports, raw SQL. A cached
dashboard is keyed by that token, so the first read after any change computes afresh. A rolled-back
transaction rolls the token back with the data it wrote, and a later write draws a new random token, so two
different states of the data never share a key. Without a token (a flushed table) nothing is cached.
"""

import secrets

from django.apps import apps
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import translation

from .models import DataVersion

TRACKED_APPS = ("communities", "activities")
CACHE_ALIAS = "dashboard"

_SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS "{name}" AFTER {op} ON "{table}" BEGIN
    INSERT INTO unity_dataversion (id, token) VALUES (1, lower(hex(randomblob(8))))
    ON CONFLICT(id) DO UPDATE SET token = excluded.token;
END
"""
_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION unity_bump_data_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO unity_dataversion (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$ LANGUAGE plpgsql
"""
# Statement-level on PostgreSQL: a bulk insert of 100,000 group counts replaces the token once, not 100,000 times.
_POSTGRES_TRIGGER = """
CREATE OR REPLACE TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}"
FOR EACH STATEMENT EXECUTE FUNCTION unity_bump_data_version()
"""


def tracked_tables():
    """Return the tables whose rows the dashboard's figures are computed from (models and their m2m tables)."""
    tables = set()
    for label in TRACKED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if not model._meta.proxy and model._meta.managed:
                tables.add(model._meta.db_table)
    return sorted(tables)


def trigger_name(table, op=""):
    return f"unity_fresh_{table}{'_' + op.lower() if op else ''}"[:63]


def install_triggers(using=None, **kwargs):
    """Create the token triggers on every tracked table; idempotent, run after each migrate."""
    conn = connections[using or DEFAULT_DB_ALIAS]
    if DataVersion._meta.db_table not in conn.introspection.table_names():
        return
    with conn.cursor() as cursor:
        # A fresh random token for the data as it stands, so reads are cached before the first write.
        cursor.execute(
            "INSERT INTO unity_dataversion (id, token) VALUES (1, %s) ON CONFLICT (id) DO NOTHING",
            [secrets.token_hex(8)],
        )
        if conn.vendor == "postgresql":
            cursor.execute(_POSTGRES_FUNCTION)
            for table in tracked_tables():
                cursor.execute(_POSTGRES_TRIGGER.format(name=trigger_name(table), table=table))
        elif conn.vendor == "sqlite":
            for table in tracked_tables():
                for op in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(_SQLITE_TRIGGER.format(name=trigger_name(table, op), op=op, table=table))


def installed_triggers():
    """Return the set of tracked tables that carry a token trigger (for the meta-test)."""
    if connection.vendor == "postgresql":
        sql = "SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE %s"
    else:
        sql = "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, ["unity_fresh_%"])
        return {row[0] for row in cursor.fetchall()}


def current_token():
    """Return the data's current token, or None when there is none to trust."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM unity_dataversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def cached(key_parts, compute):
    """Return compute()'s result, cached under `key_parts` and the data's current token."""
    token = current_token()
    if token is None:
        return compute()
    cache = caches[CACHE_ALIAS]
    key = ":".join(str(part) for part in (*key_parts, translation.get_language(), token))
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value
