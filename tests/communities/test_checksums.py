"""Each record's counts checksum: an unchanged re-import writes nothing, and no other write leaves it untrue."""

from unittest import mock, skipUnless

from django.db import connection, transaction
from django.test import SimpleTestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext

from base.triggers import trigger_names
from communities import checksums
from communities.importers.census import census_import
from communities.models import CountsChecksum, GroupCount, PopulationRecord
from reporting.models import DataChange
from summaries.models import Delta
from tests.communities.test_import_census import WIDE, CensusImportCase
from tests.communities.test_import_census_fast import WITH_SEXES
from tests.concurrency import held_open
from tests.factories import csv_bytes, group, make_population
from tests.summaries.operations import build_tree

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


def written_tables(queries):
    """Return the statements of `queries` that write, by their first word (SELECTs and the switch aside)."""
    return [q["sql"] for q in queries if q["sql"].lstrip().split(" ", 1)[0].upper() in WRITES]


class ChecksumImportTests(CensusImportCase):
    def checksum(self, community):
        record = PopulationRecord.objects.get(jurisdiction=community, year=2024)
        return CountsChecksum.objects.filter(record=record).values_list("counts", "split", "version").first()

    def miao(self, community):
        return GroupCount.objects.get(record__jurisdiction=community, ethnic_group__name="苗族")

    def test_an_import_writes_each_records_checksum_and_an_unchanged_reimport_writes_nothing_at_all(self):
        self.import_ok(WIDE)
        self.assertEqual(CountsChecksum.objects.filter(counts__isnull=False, split__isnull=False).count(), 2)
        journal, changes = Delta.objects.count(), list(DataChange.objects.values_list("path", "weight"))
        with CaptureQueriesContext(connection) as ctx:
            result = self.import_ok(WIDE)
        self.assertEqual((result.new, result.changed, result.unchanged, result.counts_written), (0, 0, 2, 0))
        # No count, journal row, change-log row or checksum written, and no stored count read.
        self.assertEqual([sql for sql in written_tables(ctx.captured_queries) if "audit" not in sql], [])
        self.assertFalse([q for q in ctx.captured_queries if "communities_groupcount" in q["sql"]])
        self.assertEqual(
            (Delta.objects.count(), list(DataChange.objects.values_list("path", "weight"))), (journal, changes)
        )

    def test_a_count_changed_by_raw_sql_after_the_import_is_not_taken_as_unchanged(self):
        self.import_ok(WIDE)
        miao = self.miao(self.communities[0])
        with connection.cursor() as cursor:
            cursor.execute("UPDATE communities_groupcount SET count = 61 WHERE id = %s", [miao.pk])
        self.assertEqual(self.checksum(self.communities[0])[:2], (None, None))
        result = self.import_ok(WIDE)
        self.assertEqual((result.changed, result.unchanged, result.counts_written), (1, 1, 1))
        self.assertEqual(self.counts_of(self.communities[0])["苗族"], 60)
        # Written again: the next re-import skips it.
        self.assertIsNotNone(self.checksum(self.communities[0])[0])
        self.assertEqual(self.import_ok(WIDE).unchanged, 2)

    def test_a_count_saved_as_the_admin_saves_it_is_not_taken_as_unchanged(self):
        self.import_ok(WIDE)
        miao = self.miao(self.communities[1])
        miao.count = 49
        miao.save()
        result = self.import_ok(WIDE)
        self.assertEqual((result.changed, result.unchanged), (1, 1))
        self.assertEqual(self.counts_of(self.communities[1])["苗族"], 50)

    def test_a_count_added_or_deleted_after_the_import_is_not_taken_as_unchanged(self):
        self.import_ok(WIDE)
        record = PopulationRecord.objects.get(jurisdiction=self.communities[1])
        GroupCount.objects.create(record=record, ethnic_group=group("布依族"), count=1)
        GroupCount.objects.filter(record__jurisdiction=self.communities[0], ethnic_group__name="汉族").delete()
        result = self.import_ok(WIDE)
        self.assertEqual((result.changed, result.unchanged), (2, 0))
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 60, "布依族": 40})
        self.assertEqual(self.counts_of(self.communities[1]), {"汉族": 450, "苗族": 50})

    def test_a_queryset_update_of_many_counts_blanks_every_record_it_touches(self):
        self.import_ok(WIDE)
        GroupCount.objects.filter(ethnic_group__name="苗族").update(count=1)
        self.assertEqual(CountsChecksum.objects.filter(counts__isnull=True).count(), 2)
        self.assertEqual(self.import_ok(WIDE).changed, 2)

    def test_a_record_whose_checksum_is_missing_is_compared_then_given_one(self):
        self.import_ok(WIDE)
        CountsChecksum.objects.all().delete()
        result = self.import_ok(WIDE)
        self.assertEqual((result.changed, result.unchanged, result.counts_written), (0, 2, 0))
        self.assertEqual(CountsChecksum.objects.filter(counts__isnull=False).count(), 2)

    def test_a_split_imported_then_a_file_without_split_keeps_both_checksums_right(self):
        self.import_ok(WITH_SEXES)
        counts, split, _version = self.checksum(self.communities[0])
        self.assertIsNotNone(split)
        without = [row[:3] for row in WITH_SEXES]
        result = self.import_ok(without)
        self.assertEqual((result.changed, result.unchanged), (0, 1))
        self.assertEqual(self.checksum(self.communities[0])[:2], (counts, split))
        # The split file again: unchanged, by its split checksum.
        self.assertEqual(self.import_ok(WITH_SEXES).unchanged, 1)
        changed = [row[:] for row in WITH_SEXES]
        changed[2][3], changed[2][4] = "50", "50"  # 苗族 40/60 → 50/50, same count
        result = self.import_ok(changed)
        self.assertEqual((result.changed, result.unchanged), (1, 0))

    def test_a_record_deleted_with_its_counts_takes_its_checksum_along(self):
        self.import_ok(WIDE)
        PopulationRecord.objects.filter(jurisdiction=self.communities[0]).delete()
        record = PopulationRecord.objects.get(jurisdiction=self.communities[1])
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM communities_groupcount WHERE record_id = %s", [record.pk])
            cursor.execute("DELETE FROM communities_populationrecord WHERE id = %s", [record.pk])
        self.assertFalse(CountsChecksum.objects.exists())

    def test_a_record_deleted_before_its_counts_in_one_transaction_commits(self):
        self.import_ok(WIDE)
        record = PopulationRecord.objects.get(jurisdiction=self.communities[0])
        with transaction.atomic(), connection.cursor() as cursor:
            # The foreign keys are checked at the commit: the record may go first, as a flush's DELETEs do.
            cursor.execute("DELETE FROM communities_populationrecord WHERE id = %s", [record.pk])
            cursor.execute("DELETE FROM communities_groupcount WHERE record_id = %s", [record.pk])
        self.assertFalse(CountsChecksum.objects.filter(record_id=record.pk).exists())

    def test_the_imports_switch_is_gone_after_each_chunk(self):
        before = trigger_names(connection, "")
        self.import_ok(WIDE)
        self.assertEqual(trigger_names(connection, ""), before)
        miao = self.miao(self.communities[0])
        miao.count = 59
        miao.save()  # after the import, in the same transaction: the trigger is on again
        self.assertEqual(self.checksum(self.communities[0])[:2], (None, None))


@skipUnless(connection.vendor == "postgresql", "the cluster's key is PostgreSQL's (Citus)")
class ClusterKeyTests(CensusImportCase):
    """On a Citus cluster the checksums' only key is (record, province code) (deploy/citus/distribute.sql): every
    upsert of theirs must name that key, or PostgreSQL refuses it ("no unique or exclusion constraint matching")."""

    def setUp(self):
        super().setUp()
        with connection.cursor() as cursor:  # rolled back with the test's transaction
            cursor.execute(f"ALTER TABLE {checksums.TABLE} DROP CONSTRAINT communities_countschecksum_pkey")

    def test_imports_and_other_writes_of_counts_keep_the_checksums_on_the_clusters_key(self):
        self.import_ok(WIDE)
        record = PopulationRecord.objects.get(jurisdiction=self.communities[0], year=2024)
        miao = GroupCount.objects.get(record=record, ethnic_group__name="苗族")
        miao.count = 61
        miao.save()  # the trigger blanks the row
        self.assertEqual(CountsChecksum.objects.get(record=record).counts, None)
        result = self.import_ok(WIDE)  # the import's upsert writes it again over that version
        self.assertEqual((result.changed, result.unchanged), (1, 1))
        self.assertEqual(
            set(CountsChecksum.objects.values_list("record__jurisdiction__code", "province_code")),
            {(community.code, community.path[:8]) for community in self.communities[:2]},
        )
        self.assertTrue(all(CountsChecksum.objects.values_list("counts", flat=True)))
        self.assertEqual(self.import_ok(WIDE).unchanged, 2)
        # A record without a checksum row gets a blank one when a count of its is written.
        CountsChecksum.objects.filter(record=record).delete()
        GroupCount.objects.create(record=record, ethnic_group=group("回族"), count=3)
        self.assertEqual(
            CountsChecksum.objects.filter(record=record).values_list("counts", "province_code").get(),
            (None, self.communities[0].path[:8]),
        )


@skipUnless(connection.vendor == "postgresql", "SQLite's import holds the write lock from its first read")
class ChecksumRaceTests(TransactionTestCase):
    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()
        _district, places = build_tree(streets=1, communities=1)
        place = next(p for p in places if p.level == "community")
        self.record = make_population(place, 2024, {"汉族": 100, "苗族": 20})
        CountsChecksum.objects.filter(record=self.record).delete()  # an import then finds none (version 0)

    def test_a_count_written_while_an_import_writes_the_records_first_checksum_blanks_it(self):
        finished = held_open(lambda: checksums.save([(self.record.pk, "f" * 32, "e" * 32, 0)]))
        # This write's trigger waits for the import's uncommitted row, then finds it on the key and blanks it: the
        # counts are no longer the file's.
        GroupCount.objects.filter(record=self.record, ethnic_group__name="苗族").update(count=21)
        self.assertIsNone(finished())
        counts, split, version = CountsChecksum.objects.values_list("counts", "split", "version").get(
            record=self.record
        )
        self.assertEqual((counts, split), (None, None))
        self.assertGreater(version, 0)


@skipUnless(connection.vendor == "postgresql", "PostgreSQL plans the comparison with its statistics of the table")
class ChecksumStatisticsTests(CensusImportCase):
    """An import that writes many checksum rows leaves their table analysed: planned as if it held none, the next
    re-import joined each chunk's records to every checksum row in turn (a province's, 10-12 s instead of 3 s)."""

    def believed(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [checksums.TABLE])
            return cursor.fetchone()[0]

    def test_an_import_that_tripled_the_checksums_leaves_them_analysed(self):
        from base import bulk

        before = self.believed()
        with mock.patch.object(bulk, "ANALYZE_AFTER_ROWS", 2):
            self.import_ok(WIDE)
        self.assertNotEqual(before, 2)
        self.assertEqual(self.believed(), CountsChecksum.objects.count())
        self.assertEqual(CountsChecksum.objects.count(), 2)

    def test_an_import_of_fewer_rows_than_the_threshold_leaves_them_to_autovacuum(self):
        before = self.believed()
        self.import_ok(WIDE)
        self.assertEqual(self.believed(), before)


class ChecksumVersionTests(CensusImportCase):
    """The import writes a checksum only over the version it read: a write meanwhile leaves it blank."""

    def test_a_checksum_blanked_after_the_import_read_it_stays_blank(self):
        self.import_ok(WIDE)
        record = PopulationRecord.objects.get(jurisdiction=self.communities[0])
        counts, split, version = CountsChecksum.objects.values_list("counts", "split", "version").get(record=record)
        GroupCount.objects.filter(record=record, ethnic_group__name="苗族").update(count=1)
        checksums.save([(record.pk, counts, split, version)])  # what the import read before that write
        after = CountsChecksum.objects.values_list("counts", "split", "version").get(record=record)
        self.assertEqual(after[:2], (None, None))
        self.assertGreater(after[2], version)

    @skipUnless(connection.vendor == "postgresql", "SQLite's import holds the write lock from its first read")
    def test_a_checksum_created_by_a_write_after_the_import_found_none_stays_blank(self):
        self.import_ok(WIDE)
        record = PopulationRecord.objects.get(jurisdiction=self.communities[0])
        CountsChecksum.objects.filter(record=record).delete()
        GroupCount.objects.filter(record=record, ethnic_group__name="苗族").update(count=1)
        checksums.save([(record.pk, "0" * 32, None, 0)])  # the import found no row (version 0)
        counts, version = CountsChecksum.objects.values_list("counts", "version").get(record=record)
        self.assertIsNone(counts)
        self.assertGreater(version, 0)

    def test_the_triggers_are_installed_on_the_counts_and_the_records(self):
        self.assertEqual(checksums.installed_tables(), {"communities_groupcount", "communities_populationrecord"})

    def test_an_import_rolled_back_by_a_bad_row_leaves_no_checksum(self):
        rows = [row[:] for row in WIDE] + [["520115009009", "无此社区", "1", "", "1", "", ""]]
        plan, result = census_import(file=csv_bytes(rows), filename="census.csv", year=2024)
        self.assertIsNone(result)
        self.assertTrue(plan.issues)
        self.assertFalse(CountsChecksum.objects.exists())
        self.assertFalse(GroupCount.objects.exists())


class DigestsTests(SimpleTestCase):
    def test_both_checksums_at_once_are_the_two_taken_alone(self):
        for counts in (
            {},
            {3: (5, None, None)},
            {12: (900, None, None), 1: (60, None, None), 7: (0, None, None)},
            {12: (900, 400, 500), 1: (60, None, None)},
            {2: (10, 4, None)},
            {2: (10, None, 0)},
        ):
            with self.subTest(counts=counts):
                self.assertEqual(
                    checksums.digests(counts),
                    (checksums.digest(counts, split=False), checksums.digest(counts, split=True)),
                )


class CountsTextTests(SimpleTestCase):
    def test_the_text_is_the_same_whether_looked_up_or_formatted(self):
        """Small group ids and counts are looked up, others formatted: one text either way, in group-id order."""
        counts = {58: (9999, None, None), 3: (0, 1, None), 12: (10_000, None, None), 1: (7, None, None)}
        self.assertEqual(checksums.counts_text(counts, split=False), "1:7,3:0,12:10000,58:9999")
        self.assertEqual(checksums.counts_text({1000: (5, None, None), 2: (6, None, None)}, split=False), "2:6,1000:5")
        self.assertEqual(checksums.counts_text({}, split=False), "")
        self.assertEqual(checksums.counts_text(counts, split=True), "1:7::,3:0:1:,12:10000::,58:9999::")
        plain, split = checksums.digests({2: (6, None, None), 1: (5, None, None)})
        self.assertEqual(plain, checksums.digest({1: (5, None, None), 2: (6, None, None)}, split=False))
        self.assertEqual(split, checksums.digest({1: (5, None, None), 2: (6, None, None)}, split=True))
