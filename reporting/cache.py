"""The dashboard cache in the database, one statement per call.

Django's DatabaseCache counts the table's rows before every `set` and `add`, then reads the key, then writes it: four
round trips in a transaction, and a board entry stored as half a megabyte of base64 that PostgreSQL compresses into
TOAST on every write and decompresses on every read. A cold read of the city's board spent 13.7 ms of its 67 ms in
those statements on PostgreSQL (stop 25). This backend keeps Django's table (`createcachetable`, migration
`reporting.0002`) and its key and expiry rules, and

- compresses the pickled value before base64, as Django's file cache does (a city board: 50 KB, not 670 KB);
- writes with one upsert (`add` only replaces an expired entry, and says whether it wrote);
- culls now and then (one write in `CULL_EVERY`) instead of counting the table on every write;
- reads an entry that does not decode (another release's format) as missing: the figures are computed again.
"""

import base64
import contextlib
import logging
import pickle
import random
import zlib
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now

logger = logging.getLogger(__name__)

# Writes between two culls, on average: the table may outgrow MAX_ENTRIES by about this many entries meanwhile.
CULL_EVERY = 50

_UNREADABLE = (zlib.error, pickle.UnpicklingError, ValueError, EOFError, AttributeError, ImportError, TypeError)


class DashboardDatabaseCache(DatabaseCache):
    def _table_and_connection(self, write):
        db = (router.db_for_write if write else router.db_for_read)(self.cache_model_class)
        connection = connections[db]
        return db, connection, connection.ops.quote_name(self._table)

    @staticmethod
    def _now(connection):
        # As DatabaseCache.has_key compares: UTC without a zone, to the second.
        return connection.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0, tzinfo=None))

    def get_many(self, keys, version=None):
        if not keys:
            return {}
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        _db, connection, table = self._table_and_connection(write=False)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT cache_key, value FROM {table} "  # noqa: S608 — the table's name is ours
                f"WHERE cache_key IN ({', '.join(['%s'] * len(key_map))}) AND expires > %s",
                [*key_map, self._now(connection)],
            )
            rows = cursor.fetchall()
        found = {}
        for key, value in rows:
            try:
                pickled = zlib.decompress(base64.b64decode(connection.ops.process_clob(value)))
                found[key_map[key]] = pickle.loads(pickled)  # noqa: S301 — our table, written by this backend only
            except _UNREADABLE as exc:
                logger.info("dashboard cache: entry %s does not read back (%s); treated as missing", key, exc)
        return found

    def _base_set(self, mode, key, value, timeout=DEFAULT_TIMEOUT):
        timeout = self.get_backend_timeout(timeout)
        db, connection, table = self._table_and_connection(write=True)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        expires = connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        if mode == "touch":
            statement = f"UPDATE {table} SET expires = %s WHERE cache_key = %s AND expires > %s"  # noqa: S608
            params = [expires, key, self._now(connection)]
        else:
            encoded = base64.b64encode(zlib.compress(pickle.dumps(value, self.pickle_protocol), 1)).decode("latin1")
            # `add` writes over an expired entry only; RETURNING says whether a row was written.
            only_expired = f" WHERE {table}.expires <= %s" if mode == "add" else ""
            statement = (
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "  # noqa: S608
                f"ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, expires = excluded.expires"
                f"{only_expired} RETURNING 1"
            )
            params = [key, encoded, expires, *([self._now(connection)] if mode == "add" else [])]
        # Inside a transaction, a savepoint keeps a failed cache write from breaking the caller's work.
        guarded = transaction.atomic(using=db) if connection.in_atomic_block else contextlib.nullcontext()
        with guarded, connection.cursor() as cursor:
            if mode != "touch" and random.random() < 1 / CULL_EVERY:  # noqa: S311 — not a secret
                self._cull_now(db, cursor, connection, table)
            cursor.execute(statement, params)
            return cursor.rowcount > 0 if mode == "touch" else cursor.fetchone() is not None

    def _cull_now(self, db, cursor, connection, table):
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        count = cursor.fetchone()[0]
        if count > self._max_entries:
            self._cull(db, cursor, tz_now().replace(microsecond=0), count)
