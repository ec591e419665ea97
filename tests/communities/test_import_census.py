import random
import tempfile
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from communities.choices import AuditAction, JurisdictionLevel, PopulationKind, Role
from communities.importers.census import census_import_apply, census_import_plan
from communities.models import AuditEntry, GroupCount, PopulationRecord
from tests.base.hostile_files import truncated_xlsx, write_million_row_csv, xlsx_bomb
from tests.factories import (
    csv_bytes,
    group,
    make_jurisdiction,
    make_member,
    make_population,
    make_tree,
    xlsx_bytes,
)

WIDE = [
    ["区划代码", "地区名称", "常住人口", "户数", "汉族", "苗族", "布依族"],
    ["520115001001", "街道1社区1", "1000", "300", "900", "60", "40"],
    ["520115001002", "街道1社区2", "500", "", "450", "50", ""],
]
LONG = [
    ["地区", "年份", "民族", "人数"],
    ["街道1社区1", "2024", "汉族", "900"],
    ["街道1社区1", "2024", "苗族", "60"],
    ["街道1社区2", "2024", "汉族", "450"],
]


class CensusImportCase(TestCase):
    """Shared fixtures: the district of tests.factories.make_tree and helpers to plan and import."""

    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()

    def plan(self, rows, filename="census.csv", encoding="utf-8", **kwargs):
        data = rows if isinstance(rows, bytes) else csv_bytes(rows, encoding)
        kwargs.setdefault("year", 2024)
        return census_import_plan(file=data, filename=filename, **kwargs)

    def import_ok(self, rows, **kwargs):
        plan = self.plan(rows, **kwargs)
        self.assertEqual([str(i) for i in plan.issues], [])
        return census_import_apply(plan=plan)

    def counts_of(self, jurisdiction, year=2024, kind=PopulationKind.RESIDENT):
        return dict(
            GroupCount.objects.filter(
                record__jurisdiction=jurisdiction, record__year=year, record__kind=kind
            ).values_list("ethnic_group__name", "count")
        )

    def issues(self, plan):
        return [(i.row, i.column) for i in plan.issues]

    def assertIssue(self, plan, row, column, text):
        matching = [i for i in plan.issues if i.row == row and i.column == column]
        self.assertTrue(matching, f"no issue at row {row} [{column}] in {[str(i) for i in plan.issues]}")
        self.assertIn(text, " ".join(i.message for i in matching))


class CensusLayoutTests(CensusImportCase):
    def test_wide_layout_gives_one_record_per_row(self):
        result = self.import_ok(WIDE)
        self.assertEqual((result.new, result.changed, result.unchanged), (2, 0, 0))
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 60, "布依族": 40})
        self.assertEqual(self.counts_of(self.communities[1]), {"汉族": 450, "苗族": 50})
        record = PopulationRecord.objects.get(jurisdiction=self.communities[0])
        self.assertEqual((record.year, record.residents, record.households), (2024, 1000, 300))

    def test_layout_is_detected_from_the_header(self):
        for rows, layout in ((WIDE, "wide"), (LONG, "long"), ([["民族", "人数"], ["汉族", "5"]], "single")):
            with self.subTest(layout=layout):
                self.assertEqual(self.plan(rows, jurisdiction="520115001001").layout, layout)

    def test_long_layout_takes_the_year_from_its_column(self):
        rows = [*LONG, ["街道1社区2", "2023", "汉族", "440"]]
        self.import_ok(rows, year=None)
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 60})
        self.assertEqual(self.counts_of(self.communities[1], 2023), {"汉族": 440})

    def test_long_layout_fills_places_written_once_over_merged_cells(self):
        rows = [["地区", "民族", "人数"], ["街道1社区1", "汉族", "900"], ["", "苗族", "60"], ["", "合计", "1000"]]
        self.import_ok(rows)
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 60})
        self.assertEqual(PopulationRecord.objects.get().residents, 1000)

    def test_single_layout_reads_groups_of_one_jurisdiction_and_its_total(self):
        rows = [
            ["街道1社区1 2024年各民族人口"],
            ["民族", "人数", "男", "女"],
            ["汉族", "4800", "2400", "2400"],
            ["苗族", "150", "70", "80"],
            ["合计", "5000", "2496", "2504"],
        ]
        self.import_ok(rows, jurisdiction="520115001001")
        record = PopulationRecord.objects.get(jurisdiction=self.communities[0])
        self.assertEqual((record.residents, record.male, record.female), (5000, 2496, 2504))
        miao = record.group_counts.get(ethnic_group__name="苗族")
        self.assertEqual((miao.count, miao.male, miao.female), (150, 70, 80))

    def test_single_layout_needs_the_jurisdiction(self):
        plan = self.plan([["民族", "人数"], ["汉族", "5"]])
        self.assertIn("--jurisdiction", plan.issues[0].message)

    def test_a_chosen_layout_must_fit_the_header(self):
        plan = self.plan(WIDE, layout="long")
        self.assertIn("宽表", plan.issues[0].message)

    def test_group_columns_accept_short_names_and_codes(self):
        rows = [["区划代码", "汉", "苗", "土家族"], ["520115001001", "10", "2", "3"]]
        self.import_ok(rows)
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 10, "苗族": 2, "土家族": 3})
        self.import_ok([["地区", "民族", "人数"], ["街道1社区2", "06", "7"], ["街道1社区2", "Hui", "1"]])
        self.assertEqual(self.counts_of(self.communities[1]), {"苗族": 7, "回族": 1})

    def test_an_unknown_column_is_an_error_and_helper_columns_are_ignored(self):
        plan = self.plan([["序号", "区划代码", "汉族", "火星族"], ["1", "520115001001", "10", "2"]])
        self.assertEqual(self.issues(plan), [(1, "火星族")])
        self.assertIn("D列", plan.issues[0].message)

    def test_other_kinds_are_separate_records(self):
        self.import_ok(WIDE)
        self.import_ok([["区划代码", "汉族", "瑶族"], ["520115001001", "381", "518"]], kind=PopulationKind.STUDENT)
        self.assertEqual(self.counts_of(self.communities[0], kind=PopulationKind.STUDENT), {"汉族": 381, "瑶族": 518})
        self.assertEqual(self.counts_of(self.communities[0])["汉族"], 900)


class CensusFileFormatTests(CensusImportCase):
    def test_every_encoding_reads_the_same(self):
        for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
            with self.subTest(encoding=encoding):
                plan = self.plan(WIDE, encoding=encoding)
                self.assertEqual(plan.issues, [])
                self.assertEqual(plan.counts["new"], 2)
                self.assertEqual(plan.records[0].counts[group("苗族").pk][0], 60)

    def test_gb18030_only_characters_are_read(self):
        # 𠮷 exists in GB18030 but not in GBK; an unknown place name is the easiest way to see it came through.
        plan = self.plan([["地区", "汉族"], ["𠮷社区", "1"]], encoding="gb18030")
        self.assertIn("𠮷社区", plan.issues[0].message)

    def test_tab_separated_text_is_read(self):
        plan = self.plan(csv_bytes(WIDE, delimiter="\t"))
        self.assertEqual((plan.issues, plan.counts["new"]), ([], 2))

    def test_xlsx_is_read_with_numbers_as_whole_numbers(self):
        rows = [
            ["观山湖区人口统计表"],
            ["区划代码", "常住人口", "汉族", "苗族"],
            [520115001001, 1000.0, 900, 60.0],
            [520115001002.0, 500, 450, None],
        ]
        self.import_ok(xlsx_bytes(rows), filename="人口.xlsx")
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 60})
        self.assertEqual(PopulationRecord.objects.get(jurisdiction=self.communities[1]).residents, 500)

    def test_random_bytes_named_csv_are_a_clear_error(self):
        plan = self.plan(random.Random(3304).randbytes(4096))
        self.assertEqual(self.issues(plan), [(None, "文件")])
        self.assertIn("无法识别文件编码", plan.issues[0].message)

    def test_text_named_xlsx_is_a_clear_error(self):
        plan = self.plan(csv_bytes(WIDE), filename="census.xlsx")
        self.assertIn("不是有效的 Excel 文件", plan.issues[0].message)

    def test_old_xls_and_other_types_are_refused(self):
        plan = self.plan(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), filename="census.xlsx")
        self.assertIn(".xls", plan.issues[0].message)
        plan = self.plan(b"whatever", filename="census.pdf")
        self.assertIn("不支持的文件类型", plan.issues[0].message)

    def test_title_and_note_rows_around_the_table_are_skipped(self):
        rows = [
            ["观山湖区2024年各民族人口统计表"],
            [],
            ["单位：人", "", "", ""],
            *WIDE,
            [],
            ["注：数据来源于第七次全国人口普查。"],
        ]
        plan = self.plan(rows)
        self.assertEqual((plan.issues, plan.counts["new"]), ([], 2))
        self.assertEqual(plan.records[0].row, 5)

    def test_thousands_separators_and_stray_spaces_are_understood(self):
        rows = [
            ["区划代码", " 常住人口 ", "汉族", "苗族"],
            [" 520115001001\u3000", "1,353", "1，300", "\u300053 "],
            ["520115001002", "1353.0", "—", "-"],
        ]
        self.import_ok(rows)
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 1300, "苗族": 53})
        self.assertEqual(PopulationRecord.objects.get(jurisdiction=self.communities[0]).residents, 1353)
        self.assertEqual(self.counts_of(self.communities[1]), {})


class CensusTotalRowTests(CensusImportCase):
    def test_a_matching_total_row_is_checked_and_not_imported(self):
        plan = self.plan([*WIDE, ["合计", "", "1500", "300", "1350", "110", "40"]])
        self.assertEqual(plan.issues, [])
        self.assertEqual(len(plan.records), 2)

    def test_a_total_row_that_does_not_add_up_names_its_row_and_column(self):
        plan = self.plan([*WIDE, ["", "合计", "1500", "300", "1350", "111", "40"]])
        self.assertEqual(self.issues(plan), [(4, "苗族")])
        self.assertIn("111", plan.issues[0].message)
        self.assertIn("110", plan.issues[0].message)

    def test_subtotals_and_a_grand_total_are_each_checked(self):
        rows = [
            ["地区", "民族", "人数"],
            ["街道1社区1", "汉族", "900"],
            ["街道1社区2", "汉族", "450"],
            ["小计", "", "1350"],
            ["街道2社区1", "汉族", "10"],
            ["小计", "", "11"],
            ["总计", "", "1360"],
        ]
        plan = self.plan(rows)
        self.assertEqual(self.issues(plan), [(6, "人数")])

    def test_a_total_in_the_group_column_is_the_population_of_the_place(self):
        plan = self.plan([*LONG, ["街道1社区1", "2024", "合计", "1000"]])
        self.assertEqual(plan.records[0].residents, 1000)

    def test_per_group_total_rows_check_that_group_and_are_not_places(self):
        rows = [
            ["地区", "民族", "人数", "男", "女"],
            ["街道1社区1", "汉族", "900", "450", "450"],
            ["街道1社区1", "苗族", "60", "30", "30"],
            ["街道1社区2", "汉族", "450", "200", "250"],
            ["合计", "汉族", "1350", "650", "700"],
            ["合计", "苗", "60", "30", "30"],
            ["合计", "", "1410", "680", "730"],
        ]
        result = self.import_ok(rows)
        self.assertEqual((result.new, PopulationRecord.objects.count()), (2, 2))
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 60})
        self.assertEqual(self.counts_of(self.communities[1]), {"汉族": 450})

    def test_a_wrong_per_group_total_names_its_row_and_column_and_nothing_is_written(self):
        rows = [*LONG, ["合计", "2024", "汉族", "1350"], ["合计", "2024", "苗族", "61"]]
        plan = self.plan(rows)
        self.assertEqual(self.issues(plan), [(6, "人数")])
        self.assertIn("苗族", plan.issues[0].message)
        self.assertIn("61", plan.issues[0].message)
        self.assertIn("60", plan.issues[0].message)
        with self.assertRaisesMessage(ValidationError, "未导入任何数据"):
            census_import_apply(plan=plan)
        self.assertFalse(PopulationRecord.objects.exists())

    def test_per_group_subtotals_cover_the_rows_since_the_previous_total(self):
        rows = [
            ["地区", "民族", "人数"],
            ["街道1社区1", "汉族", "900"],
            ["街道1社区2", "汉族", "450"],
            ["小计", "汉族", "1350"],
            ["街道2社区1", "汉族", "10"],
            ["街道2社区1", "苗族", "3"],
            ["小计", "汉族", "1360"],
            ["小计", "苗族", "3"],
            ["总计", "汉族", "1360"],
            ["总计", "苗族", "3"],
        ]
        plan = self.plan(rows)
        self.assertEqual(self.issues(plan), [(7, "人数")])
        self.assertIn("上方各行相加为 10", plan.issues[0].message)

    def test_a_per_group_total_naming_an_unknown_group_says_so(self):
        plan = self.plan([*LONG, ["合计", "2024", "火星族", "1"]])
        self.assertEqual(self.issues(plan), [(5, "民族")])
        self.assertIn("无法识别的民族", plan.issues[0].message)


class CensusPlaceTests(CensusImportCase):
    def test_places_by_code_name_path_and_unique_name(self):
        rows = [
            ["地区", "汉族"],
            ["520115001001", "1"],
            ["观山湖区/街道1/街道1社区2", "2"],
            ["街道2／街道2社区1", "3"],
            ["街道2社区2", "4"],
        ]
        result = self.import_ok(rows)
        self.assertEqual(result.new, 4)
        self.assertEqual([self.counts_of(c)["汉族"] for c in self.communities], [1, 2, 3, 4])

    def test_an_ambiguous_name_lists_the_candidates_with_their_codes(self):
        for street, code in ((self.streets[0], "520115001009"), (self.streets[1], "520115002009")):
            make_jurisdiction("幸福社区", JurisdictionLevel.COMMUNITY, street, code=code)
        plan = self.plan([["地区", "汉族"], ["幸福社区", "1"], ["街道2/幸福社区", "2"]])
        self.assertEqual(self.issues(plan), [(2, "地区")])
        message = plan.issues[0].message
        self.assertIn("街道1/幸福社区（520115001009）", message)
        self.assertIn("街道2/幸福社区（520115002009）", message)

    def test_a_code_excel_turned_into_scientific_notation_says_how_to_fix_it(self):
        plan = self.plan([["区划代码", "汉族"], ["5.20115E+11", "1"]])
        self.assertEqual(self.issues(plan), [(2, "区划代码")])
        self.assertIn("科学计数法", plan.issues[0].message)

    def test_an_unknown_place_or_code_says_so(self):
        plan = self.plan([["区划代码", "地区名称", "汉族"], ["520115009009", "", "1"], ["", "无名社区", "2"]])
        self.assertEqual(self.issues(plan), [(2, "区划代码"), (3, "地区名称")])
        self.assertIn("520115009009", plan.issues[0].message)
        self.assertIn("找不到辖区“无名社区”", plan.issues[1].message)

    def test_places_outside_the_actors_subtree_read_as_unknown(self):
        admin = make_member(self.streets[1], Role.ADMIN)
        plan = self.plan(WIDE, actor=admin)
        self.assertEqual(self.issues(plan), [(2, "区划代码"), (3, "区划代码")])
        self.assertIn("或您无权管理", plan.issues[0].message)
        rows = [["地区", "汉族"], ["街道1社区1", "1"]]
        self.assertIn("找不到辖区“街道1社区1”或您无权管理", self.plan(rows, actor=admin).issues[0].message)

    def test_places_resolve_in_constant_queries(self):
        def queries(n):
            rows = [["区划代码", "汉族"]] + [[c.code, str(i)] for i, c in enumerate(self.communities[:n])]
            with CaptureQueriesContext(connection) as ctx:
                self.plan(rows)
            return len(ctx)

        self.assertEqual(queries(1), queries(4))


class CensusValidationTests(CensusImportCase):
    def test_bad_counts_are_reported_at_their_row_and_column(self):
        rows = [
            ["地区", "民族", "人数"],
            ["街道1社区1", "汉族", "-3"],
            ["街道1社区1", "苗族", "12.5"],
            ["街道1社区1", "瑶族", "abc"],
            ["街道1社区1", "壮族", "7"],
        ]
        plan = self.plan(rows)
        self.assertEqual(self.issues(plan), [(2, "人数"), (3, "人数"), (4, "人数")])
        for issue, text in zip(plan.issues, ("负数", "不是整数", "不是数字"), strict=True):
            with self.subTest(row=issue.row):
                self.assertIn(text, issue.message)

    def test_bad_counts_in_the_wide_layout_name_the_group_column(self):
        plan = self.plan([WIDE[0], ["520115001001", "", "1000", "300", "900", "六十", "40"]])
        self.assertEqual(self.issues(plan), [(2, "苗族")])

    def test_groups_cannot_add_up_to_more_than_the_total(self):
        plan = self.plan([WIDE[0], ["520115001001", "", "100", "", "90", "20", ""]])
        self.assertEqual(self.issues(plan), [(2, "常住人口")])
        self.assertIn("110", plan.issues[0].message)

    def test_a_group_twice_for_one_place_names_both_rows(self):
        plan = self.plan([*LONG, ["街道1社区1", "2024", "苗族", "61"]])
        self.assertEqual(self.issues(plan), [(5, "民族")])
        self.assertIn("第3行与第5行", plan.issues[0].message)

    def test_a_place_twice_in_the_wide_layout_names_both_rows(self):
        plan = self.plan([*WIDE, ["520115001001", "", "1", "", "1", "", ""]])
        self.assertEqual(self.issues(plan), [(4, "区划代码")])
        self.assertIn("第2行与第4行", plan.issues[0].message)

    def test_male_and_female_cannot_exceed_the_count(self):
        plan = self.plan([["民族", "人数", "男", "女"], ["苗族", "10", "6", "5"]], jurisdiction="520115001001")
        self.assertEqual(self.issues(plan), [(2, "男")])

    def test_the_year_is_required_and_checked(self):
        self.assertIn("缺少年份", self.plan(WIDE, year=None).issues[0].message)
        self.assertIn("无效", self.plan(WIDE, year=1800).issues[0].message)
        plan = self.plan([["地区", "年份", "汉族"], ["街道1社区1", "20244", "1"]], year=None)
        self.assertEqual(self.issues(plan), [(2, "年份")])

    def test_the_year_comes_from_a_title_row_when_there_is_no_year_column_or_argument(self):
        for title in ("碧海社区人口民族构成（2020年）", "2020年度各社区分民族人口", "观山湖区 2020 年人口统计表"):
            with self.subTest(title=title):
                plan = self.plan([[title], *WIDE], year=None)
                self.assertEqual([str(i) for i in plan.issues], [])
                self.assertEqual({record.year for record in plan.records}, {2020})
        # A year given or a year column wins over the title.
        self.assertEqual({r.year for r in self.plan([["（2020年）"], *WIDE], year=2024).records}, {2024})
        rows = [["（2020年）"], ["地区", "年份", "汉族"], ["街道1社区1", "2023", "1"]]
        self.assertEqual({r.year for r in self.plan(rows, year=None).records}, {2023})

    def test_a_title_with_two_years_is_an_issue(self):
        plan = self.plan([["2019年与2020年对比"], *WIDE], year=None)
        self.assertEqual(self.issues(plan), [(1, "标题")])
        self.assertIn("多个年份（2019、2020）", plan.issues[0].message)

    def test_a_title_row_without_a_year_still_asks_for_one(self):
        for title in ("碧海社区人口民族构成", "人口统计表（第七次人口普查）", "2020-2024"):
            with self.subTest(title=title):
                plan = self.plan([[title], *WIDE], year=None)
                self.assertEqual(self.issues(plan), [(2, "年份")])
                self.assertIn("缺少年份", plan.issues[0].message)
                self.assertEqual(plan.records, [])

    def test_messages_name_the_web_field_or_the_command_option(self):
        single = [["民族", "人数"], ["汉族", "10"]]
        for surface, year_words, place_words in (
            ("web", "在上传页填写“年份”", "请在上传页填写“辖区代码”"),
            ("command", "用 --year 指定年份", "请用 --jurisdiction 指定辖区代码"),
        ):
            with self.subTest(surface=surface):
                self.assertIn(year_words, self.plan(WIDE, year=None, surface=surface).issues[0].message)
                self.assertIn(place_words, self.plan(single, surface=surface).issues[0].message)

    def test_every_error_is_collected(self):
        rows = [WIDE[0], ["520115001001", "", "x", "", "-1", "1.5", ""], ["", "无名", "1", "", "", "", ""]]
        self.assertEqual(len(self.plan(rows).issues), 4)


class CensusWritingTests(CensusImportCase):
    def test_one_bad_row_among_good_ones_writes_nothing(self):
        make_population(self.communities[0], 2024, {"汉族": 5})
        plan = self.plan([*WIDE, ["520115002001", "", "10", "", "abc", "", ""]])
        self.assertEqual(self.issues(plan), [(4, "汉族")])
        with self.assertRaisesMessage(ValidationError, "未导入任何数据"):
            census_import_apply(plan=plan)
        self.assertEqual(PopulationRecord.objects.count(), 1)
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 5})

    def test_importing_the_same_file_twice_changes_nothing(self):
        self.import_ok(WIDE)
        stamps = list(PopulationRecord.objects.values_list("pk", "updated_at"))
        audits = AuditEntry.objects.count()
        plan = self.plan(WIDE)
        self.assertEqual(plan.counts, {"new": 0, "changed": 0, "unchanged": 2})
        with CaptureQueriesContext(connection) as ctx:
            result = census_import_apply(plan=plan)
        writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
        self.assertEqual(writes, [])
        self.assertEqual((result.new, result.changed, result.unchanged), (0, 0, 2))
        self.assertEqual(list(PopulationRecord.objects.values_list("pk", "updated_at")), stamps)
        self.assertEqual(AuditEntry.objects.count(), audits)

    def test_the_file_replaces_the_counts_of_the_records_it_names(self):
        record = make_population(self.communities[0], 2024, {"汉族": 900, "苗族": 60, "瑶族": 3}, households=7)
        other_year = make_population(self.communities[0], 2023, {"汉族": 1})
        plan = self.plan(
            [["区划代码", "常住人口", "汉族", "苗族", "布依族"], ["520115001001", "1000", "900", "61", "4"]]
        )
        (planned,) = plan.records
        self.assertEqual(planned.status, "changed")
        self.assertEqual(
            [(c.group, c.old, c.new) for c in planned.group_changes],
            [("布依族", None, 4), ("瑶族", 3, None), ("苗族", 60, 61)],
        )
        self.assertEqual([(c.name, c.old, c.new) for c in planned.field_changes], [("residents", None, 1000)])
        census_import_apply(plan=plan)
        self.assertEqual(self.counts_of(self.communities[0]), {"汉族": 900, "苗族": 61, "布依族": 4})
        record.refresh_from_db()
        # A column the file does not have keeps its value.
        self.assertEqual((record.residents, record.households), (1000, 7))
        self.assertEqual(other_year.group_counts.count(), 1)

    def test_a_stored_sex_split_is_kept_without_sex_columns_unless_it_no_longer_fits(self):
        record = make_population(self.communities[0], 2024, {})
        GroupCount.objects.create(record=record, ethnic_group=group("汉族"), count=100, male=50, female=50)
        GroupCount.objects.create(record=record, ethnic_group=group("苗族"), count=10, male=5, female=5)
        self.import_ok([["区划代码", "汉族", "苗族"], ["520115001001", "120", "8"]])
        rows = record.group_counts.order_by("ethnic_group__code").values_list("count", "male", "female")
        self.assertEqual(list(rows), [(120, 50, 50), (8, None, None)])

    def test_one_audit_entry_per_import_on_the_lowest_common_jurisdiction(self):
        result = self.import_ok(WIDE)
        entry = AuditEntry.objects.get()
        self.assertEqual(entry, result.audit_entry)
        self.assertEqual(
            (entry.action, entry.object_id, entry.jurisdiction), ("import", str(self.streets[0].pk), self.streets[0])
        )
        self.assertEqual(entry.changes["new"], 2)
        self.assertEqual(entry.changes["file"], "census.csv")
        self.import_ok([["区划代码", "汉族"], ["520115001001", "1"], ["520115002001", "1"]])
        self.assertEqual(AuditEntry.objects.filter(action=AuditAction.IMPORT).first().jurisdiction, self.district)

    def test_the_write_takes_a_few_queries_whatever_the_size(self):
        with CaptureQueriesContext(connection) as ctx:
            self.import_ok(WIDE)
        # Per chunk of records, whatever its size: the reads, the writes and, for each of the two tables inserted in
        # bulk (base.bulk), each app's catch-up and, on SQLite, its triggers dropped and created again (a statement
        # each: 16 for the counts' four apps, 6 for the records' two).
        self.assertLess(len(ctx), 45)

    def test_the_plan_is_checked_again_when_applied(self):
        plan = self.plan(WIDE)
        make_population(
            self.communities[0], 2024, {"汉族": 900, "苗族": 60, "布依族": 40}, residents=1000, households=300
        )
        result = census_import_apply(plan=plan)
        self.assertEqual((result.new, result.unchanged), (1, 1))

    def test_the_actor_must_manage_every_place(self):
        admin = make_member(self.streets[1], Role.ADMIN)
        with self.assertRaises(PermissionDenied):
            census_import_apply(plan=self.plan(WIDE), actor=admin)
        self.assertFalse(PopulationRecord.objects.exists())

    def test_new_records_get_their_ids_where_bulk_insert_returns_none(self):
        # SQLite before 3.35 (Debian 11) cannot return ids from a bulk insert.
        features = type(connection.features)
        with mock.patch.object(features, "can_return_rows_from_bulk_insert", False):
            self.import_ok(WIDE)
        self.assertEqual(self.counts_of(self.communities[1]), {"汉族": 450, "苗族": 50})


class ImportCensusCommandTests(CensusImportCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = Path(directory.name)

    def write(self, name, data):
        path = self.directory / name
        path.write_bytes(data)
        return str(path)

    def call(self, *args):
        out, err = StringIO(), StringIO()
        call_command("import_census", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_success_prints_the_summary(self):
        out, _err = self.call(self.write("c.csv", csv_bytes(WIDE, "gbk")), "--year", "2024")
        self.assertIn("新增 2 条 / 修改 0 条 / 无变化 0 条", out)
        self.assertEqual(PopulationRecord.objects.count(), 2)
        out, _err = self.call(self.write("c.csv", csv_bytes(WIDE, "gbk")), "--year", "2024")
        self.assertIn("新增 0 条 / 修改 0 条 / 无变化 2 条", out)

    def test_errors_go_to_stderr_with_row_and_column_and_exit_status_1(self):
        path = self.write("c.csv", csv_bytes([*WIDE, ["520115002001", "", "10", "", "abc", "", "-1"]]))
        err = StringIO()
        with self.assertRaisesMessage(CommandError, "发现 2 处错误，未写入任何数据") as ctx:
            call_command("import_census", path, "--year", "2024", stderr=err)
        self.assertEqual(ctx.exception.returncode, 1)
        self.assertIn("第4行 [汉族]：“abc”不是数字", err.getvalue())
        self.assertIn("第4行 [布依族]：“-1”是负数", err.getvalue())
        self.assertFalse(PopulationRecord.objects.exists())
        # Audited as a refused import, as on the web page, with no cell value of the file.
        entry = AuditEntry.objects.get(action=AuditAction.IMPORT_REFUSED)
        self.assertEqual((entry.user, entry.jurisdiction), (None, None))
        self.assertEqual(entry.changes["errors"], [None, 2])
        self.assertEqual((entry.changes["row"][1], entry.changes["column"][1]), (4, "汉族"))
        self.assertIn("c.csv", entry.note)
        self.assertNotIn("abc", entry.note + str(entry.changes))

    def test_dry_run_writes_nothing(self):
        out, _err = self.call(self.write("c.xlsx", xlsx_bytes(WIDE)), "--year", "2024", "--dry-run")
        self.assertIn("试运行", out)
        self.assertIn("新增 2 条", out)
        self.assertFalse(PopulationRecord.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_single_layout_with_jurisdiction_kind_and_layout_options(self):
        path = self.write("s.csv", csv_bytes([["民族", "人数"], ["瑶族", "518"], ["合计", "899"]]))
        self.call(path, "--year", "2024", "--jurisdiction", "520115001001", "--kind", "student", "--layout", "single")
        record = PopulationRecord.objects.get()
        self.assertEqual((record.kind, record.residents), ("student", 899))

    def test_hostile_files_are_refused_with_status_1_and_nothing_written(self):
        with tempfile.TemporaryDirectory() as directory:
            million = write_million_row_csv(Path(directory) / "million.csv")
            for path, words in (
                (self.write("bomb.xlsx", xlsx_bomb()), "解压后超过 100 MB"),
                (str(million), "表格超过 200000 行"),
                (self.write("cut.xlsx", truncated_xlsx()), "Excel 文件不完整或已损坏"),
            ):
                with self.subTest(path=Path(path).name):
                    err = StringIO()
                    with self.assertRaises(CommandError) as caught:
                        call_command("import_census", path, "--year", "2024", stderr=err)
                    self.assertEqual(caught.exception.returncode, 1)
                    self.assertIn(words, err.getvalue())
        self.assertFalse(PopulationRecord.objects.exists())

    def test_a_missing_file_is_a_command_error(self):
        with self.assertRaisesMessage(CommandError, "文件不存在"):
            self.call(str(self.directory / "none.csv"))
