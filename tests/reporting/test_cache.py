"""The dashboard's database cache: Django's rules for keys, expiry and `add`, in one statement a call."""

import pickle
from unittest import mock

from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from reporting.cache import DashboardDatabaseCache
from reporting.freshness import CACHE_ALIAS
from tests.reporting.test_freshness import DATABASE_CACHE, LOCAL_CACHE

NEVER_CULL = mock.patch("reporting.cache.random.random", return_value=1.0)
ALWAYS_CULL = mock.patch("reporting.cache.random.random", return_value=0.0)


class OneStatement(CaptureQueriesContext):
    """Exactly one statement besides the savepoint a test's own transaction asks for (none in autocommit)."""

    def __init__(self, test):
        super().__init__(connection)
        self.test = test

    def __exit__(self, *exc):
        super().__exit__(*exc)
        if exc[0] is None:
            statements = [q["sql"] for q in self.captured_queries if "SAVEPOINT" not in q["sql"]]
            self.test.assertEqual(len(statements), 1, statements)


def stored_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM unity_cache")
        return cursor.fetchall()


@override_settings(CACHES={"default": LOCAL_CACHE, CACHE_ALIAS: DATABASE_CACHE})  # createcachetable makes its table
class DashboardDatabaseCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("createcachetable", verbosity=0)

    def setUp(self):
        self.cache = DashboardDatabaseCache("unity_cache", {})
        self.other_process = DashboardDatabaseCache("unity_cache", {})

    def test_a_board_written_by_one_process_is_read_by_another_one_statement_each(self):
        board = {"activities": (3, "2026-12-03", [{"name": "宣讲", "count": 12}] * 50)}
        with NEVER_CULL, OneStatement(self):
            self.cache.set("board:city", board)
        with OneStatement(self):
            self.assertEqual(self.other_process.get("board:city"), board)
        self.assertIsNone(self.other_process.get("board:street"))

    def test_set_replaces_the_entry(self):
        with NEVER_CULL:
            self.cache.set("board", {"v": 1})
            self.cache.set("board", {"v": 2})
        self.assertEqual(self.other_process.get("board"), {"v": 2})
        self.assertEqual(len(stored_rows()), 1)

    def test_add_takes_a_free_or_expired_key_and_leaves_a_live_one(self):
        with NEVER_CULL:
            with OneStatement(self):
                self.assertTrue(self.cache.add("board:computing", "first"))
            with OneStatement(self):
                self.assertFalse(self.other_process.add("board:computing", "second"))
            self.assertEqual(self.cache.get("board:computing"), "first")
            self.cache.set("old:computing", "stuck", timeout=0)  # expired at once: a crashed computation's lock
            self.assertIsNone(self.cache.get("old:computing"))
            self.assertTrue(self.other_process.add("old:computing", "taken over"))
        self.assertEqual(self.cache.get("old:computing"), "taken over")

    def test_expired_entries_are_not_served_and_delete_frees_the_key(self):
        with NEVER_CULL:
            self.cache.set("board", "figures", timeout=0)
            self.assertIsNone(self.cache.get("board"))
            self.cache.set("board", "figures")
            self.cache.delete("board")
        self.assertIsNone(self.other_process.get("board"))

    def test_touch_extends_a_live_entry_only(self):
        with NEVER_CULL:
            self.cache.set("board", "figures", timeout=0)
            self.assertFalse(self.cache.touch("board", timeout=60))
            self.cache.set("board", "figures", timeout=5)
            self.assertTrue(self.cache.touch("board", timeout=60))
        self.assertEqual(self.cache.get("board"), "figures")

    def test_the_entry_is_stored_compressed(self):
        board = {"returns": [{"place": f"社区{n}", "status": "submitted", "late": False} for n in range(2000)]}
        with NEVER_CULL:
            self.cache.set("board", board)
        ((_key, value),) = stored_rows()
        self.assertLess(len(value), len(pickle.dumps(board)) / 4)

    def test_an_entry_another_release_wrote_is_missing_not_an_error(self):
        DatabaseCache("unity_cache", {}).set("board", {"v": 1})  # Django's own format: base64 of a bare pickle
        with self.assertLogs("reporting.cache", "INFO") as logs:
            self.assertIsNone(self.cache.get("board"))
        self.assertIn("does not read back", logs.output[0])
        with NEVER_CULL:
            self.cache.set("board", {"v": 2})
        self.assertEqual(self.cache.get("board"), {"v": 2})

    def test_the_table_is_culled_now_and_then_to_its_maximum(self):
        cache = DashboardDatabaseCache("unity_cache", {"OPTIONS": {"MAX_ENTRIES": 5}})
        with NEVER_CULL:
            for n in range(12):
                cache.set(f"board:{n}", n)
        self.assertEqual(len(stored_rows()), 12)  # no write counted the table
        with ALWAYS_CULL:
            for n in range(12, 30):
                cache.set(f"board:{n}", n)
        self.assertLessEqual(len(stored_rows()), 6)
        self.assertEqual(cache.get("board:29"), 29)  # the newest entry written after the cull
