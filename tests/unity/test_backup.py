"""Tests of unity/backup.py and the backup and restore commands: a round trip through a wipe gives back every
table's rows, the dashboard's figures and the media byte for byte, on SQLite and on PostgreSQL (the suite's
PostgreSQL run); a missing, unfinished or corrupt backup is refused before anything is replaced."""

import json
import shutil
import subprocess
import tempfile
from datetime import date
from io import StringIO
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import TransactionTestCase

from activities.models import ActivityPhoto, Petition
from base.periods import year_period
from communities.choices import JurisdictionLevel
from reporting.selectors import jurisdiction_dashboard
from tests.activities.factories_activities import image_bytes, make_activity
from tests.activities.factories_petitions import ID_DIGIT, ID_WITH_X, make_petition
from tests.conftest import reload_reference_data
from tests.factories import make_jurisdiction, make_member, make_population
from unity import backup

EVIDENCE = bytes(range(256)) * 40 + b"\x00end"


def every_row():
    """Return {table: sorted rows} of every table, read with SQL."""
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table.startswith("sqlite_") or table == "reporting_datachange" or table.startswith("summaries_"):
                # The change log and the summaries are not data: a restore's own writes log anew and the summaries
                # are rebuilt from the restored records (the figures compared below say they are the same).
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            rows[table] = sorted(repr(row) for row in cursor.fetchall())
    return rows


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


class BackupWorld(TransactionTestCase):
    def setUp(self):
        self.district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
        street = make_jurisdiction("碧海街道", JurisdictionLevel.STREET, self.district, code="520115001000")
        community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, street, code="520115001001")
        make_member(community, "staff", "v-staff")
        make_population(community, 2024, {"汉族": 900, "苗族": 80, "布依族": 20})
        activity = make_activity(community, day=date(2024, 5, 10), participants=120)
        make_activity(street, day=date(2024, 6, 1), participants=30)
        make_petition(community, petitioner_id_number=ID_WITH_X)
        make_petition(community, petitioner_id_number=ID_DIGIT, status="closed")
        ActivityPhoto.objects.create(activity=activity, image=SimpleUploadedFile("p.jpg", image_bytes()))
        evidence = Path(settings.MEDIA_ROOT) / "evidence" / "2024" / "台账.bin"
        evidence.parent.mkdir(parents=True, exist_ok=True)
        evidence.write_bytes(EVIDENCE)
        self.work = Path(tempfile.mkdtemp(prefix="unity-backup-test-"))
        self.addCleanup(shutil.rmtree, self.work, True)

    def _fixture_teardown(self):
        super()._fixture_teardown()
        # The flush emptied the tables the migrations fill; the next tests (here and in this worker) need them.
        reload_reference_data()

    def figures(self):
        caches["dashboard"].clear()
        board = jurisdiction_dashboard(jurisdiction=self.district, period=year_period(2024), today=date(2024, 12, 31))
        figures = board.as_dict()
        del figures["as_of"], figures["refreshing"]  # when they were computed, not what they are
        return figures

    def make_backup(self, *extra):
        target = self.work / "backup"
        call_command("backup", "--output", str(target), *extra, stdout=StringIO())
        return target

    def wipe(self):
        call_command("flush", interactive=False, verbosity=0)
        shutil.rmtree(settings.MEDIA_ROOT)


class BackupRoundTripTests(BackupWorld):
    def round_trip(self, *extra):
        rows, figures, media = every_row(), self.figures(), media_files()
        self.assertEqual(figures["activities"]["count"], 2)
        self.assertEqual(len(media), 2)
        target = self.make_backup(*extra)
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))

        self.wipe()
        self.assertFalse(Petition.objects.exists())
        self.assertNotEqual(every_row(), rows)

        out = StringIO()
        call_command("restore", str(target), "--yes", stdout=out)
        self.assertIn("行数与清单一致", out.getvalue())
        self.assertNotIn("migrate", out.getvalue())
        self.assertEqual(every_row(), rows)
        self.assertEqual(self.figures(), figures)
        self.assertEqual(media_files(), media)
        self.assertEqual(Path(settings.MEDIA_ROOT).stat().st_mode & 0o777, 0o755)
        # The personal numbers came back encrypted and are still found by their hash.
        self.assertEqual(Petition.objects.with_id_number(ID_WITH_X).get().petitioner_id_number, ID_WITH_X)
        return manifest

    def test_native_round_trip(self):
        manifest = self.round_trip()
        expected = {"sqlite": "sqlite", "postgresql": "pg_dump"}[connection.vendor]
        self.assertEqual(manifest["database_format"], expected)
        self.assertEqual(manifest["engine"], connection.vendor)
        self.assertEqual(manifest["tables"]["activities_petition"], 2)
        self.assertIn("activities.0013_privacy_encrypt_personal_numbers", manifest["migrations"])
        self.assertEqual(manifest["media_files"], 2)
        self.assertEqual(set(manifest["files"]), {manifest["database_file"], "media.tar"})

    def test_portable_round_trip(self):
        manifest = self.round_trip("--portable")
        self.assertEqual(manifest["database_format"], "json")

    def test_restoring_a_backup_older_than_the_code_asks_for_migrate(self):
        recorder = MigrationRecorder(connection)
        # The newest migration of the app, whichever it is now: marking an older one unapplied leaves no plan.
        newest = next(node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "activities")
        recorder.record_unapplied(*newest)
        self.addCleanup(recorder.record_applied, *newest)
        target = self.make_backup()
        # What a newer migration would have made since: gone after the restore, so that migrate can make it again.
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE zz_newer_feature (id integer PRIMARY KEY)")
        out = StringIO()
        call_command("restore", str(target), "--yes", stdout=out)
        self.assertIn("请接着运行 python manage.py migrate", out.getvalue())
        self.assertNotIn("zz_newer_feature", connection.introspection.table_names())

    def test_the_backup_holds_no_id_number_in_plain_text(self):
        for extra in ((), ("--portable",)):
            with self.subTest(extra):
                target = self.make_backup(*extra)
                manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
                data = database_bytes(target / manifest["database_file"], manifest["database_format"])
                self.assertFalse(ID_WITH_X.encode() in data, "an ID number in plain text")
                self.assertTrue(b"gAAAAA" in data, "no encrypted value at all")
                shutil.rmtree(target)


class _Terminal(StringIO):
    """Standard input as a person at a terminal types it."""

    def isatty(self):
        return True


def database_bytes(path, fmt):
    """Return the rows of a backup's database as bytes that can be searched (pg_dump's format is compressed)."""
    if fmt != "pg_dump":
        return path.read_bytes()
    command = [backup.pg_tool("pg_restore"), "--data-only", "--file=-", str(path)]
    return subprocess.run(command, capture_output=True, check=True, timeout=120).stdout


class BackupRefusalTests(BackupWorld):
    def setUp(self):
        super().setUp()
        self.target = self.make_backup()
        self.rows = every_row()

    def assert_refused(self, message, *args):
        with self.assertRaisesMessage(CommandError, message):
            call_command("restore", *args, stdout=StringIO())
        self.assertEqual(every_row(), self.rows)

    def test_a_missing_directory(self):
        self.assert_refused("不存在", str(self.work / "nowhere"), "--yes")

    def test_an_unfinished_backup_without_manifest(self):
        (self.target / "manifest.json").unlink()
        self.assert_refused("不是一个完整的备份", str(self.target), "--yes")

    def test_a_corrupt_database_file(self):
        manifest = json.loads((self.target / "manifest.json").read_text())
        database = self.target / manifest["database_file"]
        data = bytearray(database.read_bytes())
        data[len(data) // 2] ^= 0xFF
        database.write_bytes(bytes(data))
        self.assert_refused("已损坏", str(self.target), "--yes")

    def test_a_truncated_media_archive(self):
        archive = self.target / "media.tar"
        archive.write_bytes(archive.read_bytes()[:100])
        self.assert_refused("media.tar 已损坏", str(self.target), "--yes")

    def test_a_corrupt_manifest(self):
        (self.target / "manifest.json").write_text('{"format": 1, "files": ', encoding="utf-8")
        self.assert_refused("manifest.json 已损坏", str(self.target), "--yes")

    def test_no_confirmation_no_restore(self):
        self.wipe()
        self.rows = every_row()
        self.assert_refused("--yes", str(self.target))

    def test_interactive_confirmation(self):
        self.wipe()
        self.rows = every_row()
        with mock.patch("sys.stdin", _Terminal("no\n")):
            self.assert_refused("--yes", str(self.target))
        out = StringIO()
        with mock.patch("sys.stdin", _Terminal("yes\n")):
            call_command("restore", str(self.target), stdout=out)
        self.assertIn("输入 yes 继续", out.getvalue())
        self.assertTrue(Petition.objects.with_id_number(ID_WITH_X).exists())

    def test_a_backup_of_the_other_engine(self):
        manifest = json.loads((self.target / "manifest.json").read_text())
        other = {"sqlite": "pg_dump", "postgresql": "sqlite"}[connection.vendor]
        manifest["database_format"] = other
        with self.assertRaisesMessage(backup.BackupError, "无法恢复"):
            backup._restore_check(manifest)

    def test_a_portable_backup_of_another_migration_state(self):
        target = self.work / "portable"
        call_command("backup", "--output", str(target), "--portable", stdout=StringIO())
        path = target / "manifest.json"
        manifest = json.loads(path.read_text())
        manifest["migrations"].remove("activities.0013_privacy_encrypt_personal_numbers")
        path.write_text(json.dumps(manifest), encoding="utf-8")
        self.assert_refused("迁移状态", str(target), "--yes")

    def test_backup_refuses_a_directory_that_is_not_empty(self):
        with self.assertRaisesMessage(CommandError, "已存在且不为空"):
            call_command("backup", "--output", str(self.target), stdout=StringIO())
