"""The census import streamed: records compared and written a chunk at a time, all in one transaction."""

import gc
import tempfile
from io import StringIO
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from communities.choices import Role
from communities.importers import census, census_parsing
from communities.importers.census import census_import, census_import_apply
from communities.models import AuditEntry, GroupCount, PopulationRecord
from tests.communities.test_import_census import CensusImportCase
from tests.factories import csv_bytes, make_member, make_population

HEADER = ["区划代码", "常住人口", "汉族", "苗族"]
# Four communities, one per row: with chunks of two records, two chunks.
FOUR = [
    HEADER,
    ["520115001001", "1000", "900", "60"],
    ["520115001002", "500", "450", "50"],
    ["520115002001", "300", "290", "10"],
    ["520115002002", "200", "190", "10"],
]


def chunks_of(size):
    return mock.patch.object(census_parsing, "CHUNK_RECORDS", size)


class StreamedImportTests(CensusImportCase):
    def test_a_file_of_several_chunks_is_imported_whole(self):
        compared = []
        real = census._compare

        def spy(plan, records):
            compared.append(len(records))
            return real(plan, records)

        with chunks_of(2), mock.patch.object(census, "_compare", spy):
            result = self.import_ok(FOUR)
        self.assertEqual(compared, [2, 2, 2, 2])  # the plan's reading, then the applying one
        self.assertEqual((result.new, result.counts_written), (4, 8))
        self.assertEqual(self.counts_of(self.communities[3]), {"汉族": 190, "苗族": 10})
        # One audit row for the whole file, on the district that holds the four communities.
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.jurisdiction, entry.changes["new"]), (self.district, 4))
        self.assertEqual(entry.changes["group_counts_written"], 8)

    def test_the_first_chunk_is_handed_on_before_the_rest_of_the_file_is_read(self):
        # Twenty records of one community, a year each; the reader first takes the rows a header may be in.
        years = [["区划代码", "年份", "汉族"], *(["520115001001", str(year), "9"] for year in range(2001, 2021))]
        read = []

        def rows():
            for number, row in enumerate(years, start=1):
                read.append(number)
                yield row

        reader = census_parsing.census_reader(rows(), year=None)
        with chunks_of(2):
            chunks = reader.chunks()
            first = next(chunks)
            self.assertEqual([record.year for record in first], [2001, 2002])
            self.assertEqual(len(read), census_parsing.HEADER_SEARCH_ROWS)
            self.assertEqual(sum(len(chunk) for chunk in chunks), 18)
        self.assertEqual(len(read), 21)
        self.assertEqual(reader.issues.total, 0)

    def test_a_bad_row_in_the_last_chunk_rolls_back_the_chunks_written_before_it(self):
        make_population(self.communities[0], 2024, {"汉族": 5})
        bad = [*FOUR[:-1], ["520115002002", "200", "abc", "10"]]
        with chunks_of(2):
            plan, result = census_import(file=csv_bytes(bad), filename="census.csv", year=2024)
        self.assertIsNone(result)
        self.assertEqual(self.issues(plan), [(5, "汉族")])
        self.assertIn("不是数字", plan.issues[0].message)
        self.assertEqual(PopulationRecord.objects.count(), 1)
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 5})
        self.assertFalse(AuditEntry.objects.exists())

    def test_applying_a_plan_whose_file_now_has_an_issue_writes_nothing(self):
        with chunks_of(2):
            plan = self.plan(FOUR)
            # The jurisdiction of the last row is gone between the preview and the confirmation.
            self.communities[3].delete()
            with self.assertRaisesMessage(ValidationError, "未导入任何数据"):
                census_import_apply(plan=plan)
        self.assertFalse(PopulationRecord.objects.exists())

    def test_a_place_repeated_in_another_chunk_names_both_rows(self):
        rows = [*FOUR, ["520115001001", "1000", "900", "60"]]
        with chunks_of(2):
            plan = self.plan(rows)
        self.assertIssue(plan, 6, "区划代码", "第2行与第6行")

    def test_an_unchanged_reimport_in_several_chunks_writes_nothing(self):
        with chunks_of(2):
            self.import_ok(FOUR)
            ids = sorted(GroupCount.objects.values_list("pk", flat=True))
            result = self.import_ok(FOUR)
        self.assertEqual((result.new, result.changed, result.unchanged, result.counts_written), (0, 0, 4, 0))
        self.assertEqual(sorted(GroupCount.objects.values_list("pk", flat=True)), ids)
        self.assertEqual(AuditEntry.objects.count(), 1)

    def test_a_place_out_of_scope_in_a_later_chunk_refuses_the_whole_file(self):
        admin = make_member(self.streets[0], Role.ADMIN)
        with chunks_of(2):
            plan = self.plan(FOUR)
            with self.assertRaises(PermissionDenied):
                census_import_apply(plan=plan, actor=admin)
        self.assertFalse(PopulationRecord.objects.exists())

    def test_the_plan_counts_every_record_but_keeps_a_few_of_each_status(self):
        make_population(self.communities[0], 2024, {"汉族": 900, "苗族": 60}, residents=1000)
        with chunks_of(2), mock.patch.object(census_parsing, "KEPT_RECORDS", 2):
            plan = self.plan(FOUR)
        self.assertEqual(plan.counts, {"new": 3, "changed": 0, "unchanged": 1})
        self.assertEqual((plan.record_total, plan.group_count_total), (4, 8))
        self.assertEqual(
            [(r.code, r.status) for r in plan.records],
            [
                ("520115001001", "unchanged"),
                ("520115001002", "new"),
                ("520115002001", "new"),
            ],
        )

    def test_the_long_layout_gathers_a_records_rows_from_anywhere_in_the_file(self):
        rows = [
            ["区划代码", "民族", "人数"],
            ["520115001001", "汉族", "900"],
            ["520115001002", "汉族", "450"],
            ["520115001001", "苗族", "60"],
            ["520115001002", "苗族", "50"],
        ]
        with chunks_of(1):
            self.import_ok(rows)
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 60})
        self.assertEqual(self.counts_of(self.communities[1]), {"汉族": 450, "苗族": 50})


class StreamedCommandTests(CensusImportCase):
    def test_the_command_reads_its_file_once(self):
        opened = []
        real = census.open_sheet

        def spy(*args, **kwargs):
            opened.append(args[1])
            return real(*args, **kwargs)

        directory = self.enterContext(tempfile.TemporaryDirectory())
        path = f"{directory}/census.csv"
        with open(path, "wb") as handle:
            handle.write(csv_bytes(FOUR))
        with mock.patch.object(census, "open_sheet", spy):
            call_command("import_census", path, "--year", "2024", stdout=StringIO())
        self.assertEqual(opened, ["census.csv"])
        self.assertEqual(PopulationRecord.objects.count(), 4)

    def test_the_command_writes_nothing_when_a_later_chunk_is_bad(self):
        directory = self.enterContext(tempfile.TemporaryDirectory())
        path = f"{directory}/census.csv"
        with open(path, "wb") as handle:
            handle.write(csv_bytes([*FOUR, ["520115009009", "1", "1", ""]]))
        err = StringIO()
        with chunks_of(2), self.assertRaises(CommandError):
            call_command("import_census", path, "--year", "2024", stdout=StringIO(), stderr=err)
        self.assertIn("第6行 [区划代码]", err.getvalue())
        self.assertFalse(PopulationRecord.objects.exists())


class StreamedImportSummaryTests(CensusImportCase):
    def test_the_summaries_kept_during_chunked_imports_equal_a_rebuild(self):
        from summaries import services

        changed = [row[:] for row in FOUR]
        changed[2][3] = "40"  # one count moved in the second record
        changed[4] = ["520115002002", "200", "", "10"]  # a count removed in the last one
        with chunks_of(2):
            for rows in (FOUR, changed, changed):
                self.import_ok(rows)
                self.assertEqual(services.differences(), [])
        services.fold()
        self.assertEqual(services.differences(), [])


class StreamedPreviewTests(CensusImportCase):
    def test_the_preview_counts_the_records_it_does_not_list(self):
        from communities import import_views
        from tests.communities.test_import_views import CONFIRM, UPLOAD, upload

        self.client.force_login(make_member(self.district, Role.ADMIN))
        with chunks_of(2), mock.patch.object(census_parsing, "KEPT_RECORDS", 1):
            with mock.patch.object(import_views, "PREVIEW_ROWS", 1):
                response = self.client.post(UPLOAD, upload(FOUR))
            self.assertContains(response, 'data-status="new"', count=1)
            self.assertContains(response, '<dd data-figure="new">4</dd>', html=True)
            self.assertContains(response, "另有 3 条记录未列出。")
            token = self.client.session[import_views.SESSION_KEY]["token"]
            self.client.post(CONFIRM, {"token": token})
        self.assertEqual(PopulationRecord.objects.count(), 4)
        self.assertEqual(GroupCount.objects.count(), 8)


class CollectionTests(CensusImportCase):
    def test_the_import_compares_with_the_sites_objects_set_aside_and_hands_them_back(self):
        frozen = []
        real = census._compare

        def spy(plan, records):
            frozen.append(gc.get_freeze_count() > 0)
            return real(plan, records)

        with mock.patch.object(census, "_compare", spy):
            self.import_ok(FOUR)
            bad = [*FOUR[:-1], ["520115002002", "x", "1", "1"]]
            _plan, result = census_import(file=csv_bytes(bad), filename="census.csv", year=2024)
        self.assertTrue(frozen and all(frozen))
        self.assertIsNone(result)  # refused (a total that is no number): handed back all the same
        self.assertEqual(gc.get_freeze_count(), 0)
