"""The census import's fast paths: per-record digests spare an unchanged re-import, COPY loads the counts."""

from unittest import mock, skipUnless

from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities import checksums
from communities.importers import census_digests, census_postgres
from communities.models import GroupCount
from reporting.models import DataChange
from tests.communities.test_import_census import WIDE, CensusImportCase
from tests.factories import group, make_population

WITH_SEXES = [
    ["地区", "民族", "人数", "男", "女"],
    ["街道1社区1", "汉族", "900", "450", "450"],
    ["街道1社区1", "苗族", "100", "40", "60"],
]


class ReimportTests(CensusImportCase):
    def test_an_unchanged_reimport_writes_nothing(self):
        self.import_ok(WIDE)
        ids = sorted(GroupCount.objects.values_list("pk", flat=True))
        changes = DataChange.objects.count(), sum(DataChange.objects.values_list("weight", flat=True))
        result = self.import_ok(WIDE)
        self.assertEqual((result.new, result.changed, result.unchanged, result.counts_written), (0, 0, 2, 0))
        self.assertEqual(sorted(GroupCount.objects.values_list("pk", flat=True)), ids)
        self.assertEqual(
            (DataChange.objects.count(), sum(DataChange.objects.values_list("weight", flat=True))), changes
        )

    def test_one_changed_count_is_found_and_written(self):
        self.import_ok(WIDE)
        changed = [row[:] for row in WIDE]
        changed[2][5] = "49"  # 苗族 of the second community
        result = self.import_ok(changed)
        self.assertEqual((result.changed, result.unchanged, result.counts_written), (1, 1, 1))
        self.assertEqual(self.counts_of(self.communities[1])["苗族"], 49)


class DigestTests(CensusImportCase):
    """Both databases digest each record's stored counts, so an unchanged record's counts are never fetched."""

    def test_an_unchanged_reimport_reads_no_stored_count(self):
        self.import_ok(WIDE)
        with CaptureQueriesContext(connection) as ctx:
            self.import_ok(WIDE)
        reads = [q["sql"] for q in ctx.captured_queries if '"communities_groupcount"."count"' in q["sql"]]
        self.assertEqual(reads, [])

    def test_digests_of_file_and_database_agree_with_and_without_sexes(self):
        self.import_ok(WITH_SEXES)
        record = self.communities[0].population_records.get()
        counts = {c.ethnic_group_id: (c.count, c.male, c.female) for c in record.group_counts.all()}
        for sexes in (True, False):
            with self.subTest(sexes=sexes):
                stored = census_digests.stored_digests([record.pk], sexes=sexes)
                self.assertEqual(stored[record.pk], census_digests.file_digest(counts, sexes=sexes))

    def test_a_count_moved_between_two_groups_is_found(self):
        # Same groups, same total: only the split differs.
        self.import_ok(WIDE)
        moved = [row[:] for row in WIDE]
        moved[1][5], moved[1][6] = "50", "50"  # 苗族 60 → 50, 布依族 40 → 50
        result = self.import_ok(moved)
        self.assertEqual((result.changed, result.unchanged), (1, 1))
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 50, "布依族": 50})

    def test_a_record_whose_text_differs_only_in_order_is_compared_count_by_count(self):
        self.import_ok(WIDE)
        record = self.communities[0].population_records.get()
        counts = {c.ethnic_group_id: (c.count, None, None) for c in record.group_counts.all()}
        reordered = ",".join(reversed(checksums.counts_text(counts, split=False).split(",")))
        with mock.patch.object(census_digests, "stored_digests", return_value={record.pk: reordered}):
            result = self.import_ok(WIDE)
        self.assertEqual((result.changed, result.unchanged, result.counts_written), (0, 2, 0))

    def test_a_stored_split_larger_than_a_new_count_is_still_compared_and_cleared(self):
        self.import_ok(WITH_SEXES)
        smaller = [
            ["区划代码", "地区名称", "常住人口", "汉族", "苗族"],
            ["520115001001", "街道1社区1", "1000", "900", "90"],
        ]
        self.import_ok(smaller)
        miao = GroupCount.objects.get(record__jurisdiction=self.communities[0], ethnic_group__name="苗族")
        self.assertEqual((miao.count, miao.male, miao.female), (90, None, None))


@skipUnless(connection.vendor == "postgresql", "PostgreSQL's COPY")
class PostgresPathTests(CensusImportCase):
    def test_counts_go_in_through_copy_not_insert_values(self):
        copy = self.enterContext(mock.patch.object(census_postgres, "copy_counts", wraps=census_postgres.copy_counts))
        with CaptureQueriesContext(connection) as ctx:
            self.import_ok(WIDE)
        inserts = [q["sql"] for q in ctx.captured_queries if "INSERT INTO" in q["sql"] and "groupcount" in q["sql"]]
        self.assertEqual(inserts, [])
        copy.assert_called_once()
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 60, "布依族": 40})

    def test_copied_counts_are_seen_by_the_change_log_trigger_once_per_copy(self):
        record = make_population(self.communities[0], 2024, {"汉族": 900})
        before = DataChange.objects.count()
        census_postgres.copy_counts(
            [
                (record.pk, group("苗族").pk, 60, None, None, record.province_code),
                (record.pk, group("瑶族").pk, 5, 2, 3, record.province_code),
            ]
        )
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 60, "瑶族": 5})
        logged = DataChange.objects.order_by("-pk")[: DataChange.objects.count() - before]
        self.assertEqual([change.path for change in logged], [self.communities[0].path])
