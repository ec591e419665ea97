"""A SQLite census import is not broken by another connection writing while it reads (issue 11)."""

import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import skipUnless

from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase

from tests.factories import csv_bytes, make_tree

ROWS = [
    ["区划代码", "常住人口", "汉族", "苗族"],
    ["520115001001", "1000", "900", "60"],
    ["520115001002", "500", "450", "50"],
    ["520115002001", "300", "290", "10"],
]


@skipUnless(connection.vendor == "sqlite", "SQLite's single write lock")
class SqliteImportRaceTests(TransactionTestCase):
    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()
        make_tree()
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = Path(directory.name)
        self.database = self.directory / "db.sqlite3"
        # A file copy of the test database (the site's settings put it in WAL mode when it connects).
        connection.ensure_connection()
        target = sqlite3.connect(self.database)
        connection.connection.backup(target)
        target.close()
        self.csv = self.directory / "census.csv"
        self.csv.write_bytes(csv_bytes(ROWS))

    def race(self, mode):
        database = self.directory / f"{mode}.sqlite3"
        shutil.copyfile(self.database, database)
        completed = subprocess.run(
            [sys.executable, "-m", "tests.communities.census_sqlite_race", str(database), str(self.csv), mode],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(completed.returncode, 0, completed.stderr)
        return json.loads(completed.stdout.strip().splitlines()[-1])

    def test_writers_before_and_during_the_import_wait_for_it_and_all_commit(self):
        for mode in ("IMMEDIATE", "DEFERRED"):
            with self.subTest(mode=mode):
                outcome = self.race(mode)
                self.assertEqual(outcome["errors"], {"import": None, "during": None, "before": None})
                self.assertEqual(outcome["counts"], 6)
                # The write made during the import committed after it (it waited for the import's lock).
                self.assertEqual(outcome["name"], "写入期间")
