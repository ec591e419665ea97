import random
import tempfile
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from communities.choices import AuditAction, JurisdictionLevel
from communities.importers.jurisdictions import jurisdiction_import_apply, jurisdiction_import_plan
from communities.models import AuditEntry, Jurisdiction
from communities.resources import JurisdictionResource
from tests.base.hostile_files import truncated_xlsx, write_million_row_csv, xlsx_bomb
from tests.factories import csv_bytes, make_jurisdiction, xlsx_bytes

HEADER = ["代码", "名称", "级别", "上级代码"]
# Children before parents on purpose: the file's order must not matter.
TREE = [
    HEADER,
    ["520115001001", "金华园社区", "社区", ""],
    ["520115001000", "金华园街道", "街道", ""],
    ["520115000000", "观山湖区", "区县", ""],
    ["520100000000", "贵阳市", "市", ""],
    ["520000000000", "贵州省", "省", ""],
    ["520115100000", "朱昌镇", "镇", ""],
    ["520115100201", "朱昌村", "村", ""],
]


def by_code(code):
    return Jurisdiction.objects.get(code=code)


class JurisdictionImportTests(TestCase):
    def plan(self, rows, filename="tree.csv", encoding="utf-8"):
        data = rows if isinstance(rows, bytes) else csv_bytes(rows, encoding)
        return jurisdiction_import_plan(file=data, filename=filename)

    def import_ok(self, rows, **kwargs):
        plan = self.plan(rows, **kwargs)
        self.assertEqual([str(i) for i in plan.issues], [])
        jurisdiction_import_apply(plan=plan)
        return plan

    def issues(self, plan):
        return [(i.row, i.column) for i in plan.issues]

    def test_parents_are_implied_by_12_digit_codes(self):
        plan = self.import_ok(TREE)
        self.assertEqual(plan.counts, {"new": 7, "changed": 0, "unchanged": 0})
        expected = {
            "520115001001": "520115001000",
            "520115001000": "520115000000",
            "520115000000": "520100000000",
            "520100000000": "520000000000",
            "520000000000": None,
            "520115100000": "520115000000",
            "520115100201": "520115100000",
        }
        for code, parent in expected.items():
            with self.subTest(code=code):
                jurisdiction = by_code(code)
                self.assertEqual(jurisdiction.parent.code if jurisdiction.parent else None, parent)
        community = by_code("520115001001")
        self.assertEqual((community.level, community.depth), (JurisdictionLevel.COMMUNITY, 4))
        self.assertEqual(community.name_path, "贵州省/贵阳市/观山湖区/金华园街道/金华园社区")
        self.assertEqual(by_code("520115100000").level, JurisdictionLevel.TOWNSHIP)

    def test_subtree_queries_work_after_a_bulk_import(self):
        self.import_ok(TREE)
        district = by_code("520115000000")
        subtree = set(Jurisdiction.objects.subtree_of(district).values_list("code", flat=True))
        self.assertEqual(subtree, {"520115000000", "520115001000", "520115001001", "520115100000", "520115100201"})
        for jurisdiction in Jurisdiction.objects.all():
            with self.subTest(code=jurisdiction.code):
                path_before = jurisdiction.path
                jurisdiction.save()
                self.assertEqual(jurisdiction.path, path_before)

    def test_the_nearest_existing_ancestor_is_the_parent(self):
        district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
        self.import_ok([HEADER, ["520115001001", "金华园社区", "社区", ""]])
        self.assertEqual(by_code("520115001001").parent, district)

    def test_an_explicit_parent_code_wins(self):
        self.import_ok(
            [HEADER, ["520115000000", "观山湖区", "区县", ""], ["520115001001", "实验小学", "单位", "520115000000"]]
        )
        self.assertEqual(by_code("520115001001").parent.code, "520115000000")

    def test_a_second_run_changes_nothing(self):
        self.import_ok(TREE)
        paths = list(Jurisdiction.objects.values_list("pk", "path"))
        plan = self.plan(TREE)
        self.assertEqual(plan.counts, {"new": 0, "changed": 0, "unchanged": 7})
        with CaptureQueriesContext(connection) as ctx:
            jurisdiction_import_apply(plan=plan)
        writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
        self.assertEqual(writes, [])
        self.assertEqual(list(Jurisdiction.objects.values_list("pk", "path")), paths)
        self.assertEqual(AuditEntry.objects.count(), 1)

    def test_a_rename_updates_the_name_and_level_and_moves_nothing(self):
        self.import_ok(TREE)
        paths = dict(Jurisdiction.objects.values_list("code", "path"))
        rows = [row[:] for row in TREE]
        rows[1][1:3] = ["金华园社区居委会", "网格"]
        plan = self.import_ok(rows)
        self.assertEqual(plan.counts["changed"], 1)
        community = by_code("520115001001")
        self.assertEqual((community.name, community.level), ("金华园社区居委会", JurisdictionLevel.GRID))
        self.assertEqual(dict(Jurisdiction.objects.values_list("code", "path")), paths)

    def test_a_new_parent_code_moves_the_subtree(self):
        self.import_ok(TREE)
        self.import_ok([HEADER, ["520115001000", "金华园街道", "街道", "520115100000"]])
        street, village = by_code("520115001000"), by_code("520115100000")
        self.assertEqual(street.parent, village)
        community = by_code("520115001001")
        self.assertTrue(community.path.startswith(village.path))
        self.assertEqual(community.depth, village.depth + 2)

    def test_an_unknown_parent_code_is_an_error_at_its_row(self):
        plan = self.plan([HEADER, ["520115001001", "金华园社区", "社区", "520115009000"]])
        self.assertEqual(self.issues(plan), [(2, "上级代码")])
        self.assertIn("520115009000", plan.issues[0].message)

    def test_a_cycle_in_the_file_is_an_error(self):
        plan = self.plan([HEADER, ["520115001", "甲", "街道", "520115002"], ["520115002", "乙", "街道", "520115001"]])
        self.assertEqual(len(plan.issues), 1)
        self.assertIn("循环", plan.issues[0].message)

    def test_a_move_under_its_own_descendant_is_a_cycle(self):
        self.import_ok(TREE)
        plan = self.plan([HEADER, ["520115000000", "观山湖区", "区县", "520115001001"]])
        self.assertIn("循环", plan.issues[0].message)

    def test_a_duplicate_code_names_both_rows(self):
        plan = self.plan([HEADER, ["520115000000", "观山湖区", "区县", ""], ["520115000000", "观山湖", "区县", ""]])
        self.assertEqual(self.issues(plan), [(3, "代码")])
        self.assertIn("第2行与第3行", plan.issues[0].message)

    def test_bad_cells_are_each_reported_and_nothing_is_written(self):
        plan = self.plan(
            [
                HEADER,
                ["520115000000", "观山湖区", "区县", ""],
                ["52011500100", "坏代码", "街道", ""],
                ["520115001001", "", "社区", ""],
                ["520115001002", "某社区", "居民点", ""],
            ]
        )
        self.assertEqual(self.issues(plan), [(3, "代码"), (4, "名称"), (5, "级别")])
        with self.assertRaisesMessage(ValidationError, "文件中有 3 处错误，未导入任何数据"):
            jurisdiction_import_apply(plan=plan)
        self.assertFalse(Jurisdiction.objects.exists())

    def test_encodings_and_xlsx_are_read(self):
        for encoding in ("utf-8-sig", "gbk", "gb18030"):
            with self.subTest(encoding=encoding):
                self.assertEqual(self.plan(TREE, encoding=encoding).counts["new"], 7)
        rows = [["贵州省行政区划"], HEADER, [520115000000, "观山湖区", "区县", None], [520115001000.0, "街道", "街道"]]
        plan = self.plan(xlsx_bytes(rows), filename="tree.xlsx")
        self.assertEqual((plan.issues, plan.counts["new"]), ([], 2))

    def test_a_wrong_encoding_or_a_wrong_file_is_a_clear_error(self):
        plan = self.plan(random.Random(1).randbytes(2048))
        self.assertIn("无法识别文件编码", plan.issues[0].message)
        plan = self.plan(csv_bytes(TREE), filename="tree.xlsx")
        self.assertIn("不是有效的 Excel 文件", plan.issues[0].message)

    def test_new_jurisdictions_get_their_ids_where_bulk_insert_returns_none(self):
        with mock.patch.object(type(connection.features), "can_return_rows_from_bulk_insert", False):
            self.import_ok(TREE)
        self.assertEqual(by_code("520115001001").name_path, "贵州省/贵阳市/观山湖区/金华园街道/金华园社区")

    def test_one_audit_entry_per_import(self):
        self.import_ok(TREE)
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.action, entry.jurisdiction.code), (AuditAction.IMPORT, "520000000000"))
        self.assertEqual(entry.changes["new"], 7)

    def test_the_admin_export_reads_back_as_a_no_op(self):
        self.import_ok(TREE)
        dataset = JurisdictionResource().export(Jurisdiction.objects.all())
        self.assertEqual(dataset.headers, HEADER)
        self.assertIn(["520115001001", "金华园社区", "社区", "520115001000"], [list(row) for row in dataset])
        plan = self.plan(dataset.export("csv").encode("utf-8"))
        self.assertEqual(plan.counts, {"new": 0, "changed": 0, "unchanged": 7})


class ImportJurisdictionsCommandTests(TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.directory = Path(directory.name)

    def test_success_and_rerun(self):
        path = self.directory / "tree.csv"
        path.write_bytes(csv_bytes(TREE, "gbk"))
        out = StringIO()
        call_command("import_jurisdictions", str(path), stdout=out)
        self.assertIn("新增 7 条", out.getvalue())
        call_command("import_jurisdictions", str(path), stdout=out)
        self.assertIn("无变化 7 条", out.getvalue())
        self.assertEqual(Jurisdiction.objects.count(), 7)

    def test_errors_exit_with_status_1_and_write_nothing(self):
        path = self.directory / "tree.csv"
        path.write_bytes(csv_bytes([*TREE, ["520115001002", "某社区", "社区", "529999000000"]]))
        err = StringIO()
        with self.assertRaisesMessage(CommandError, "未写入任何数据") as ctx:
            call_command("import_jurisdictions", str(path), stderr=err)
        self.assertEqual(ctx.exception.returncode, 1)
        self.assertIn("第9行 [上级代码]：上级代码“529999000000”不存在", err.getvalue())
        self.assertFalse(Jurisdiction.objects.exists())

    def test_hostile_files_are_refused_with_status_1_and_nothing_written(self):
        bomb, cut = self.directory / "bomb.xlsx", self.directory / "cut.xlsx"
        bomb.write_bytes(xlsx_bomb())
        cut.write_bytes(truncated_xlsx())
        million = write_million_row_csv(self.directory / "million.csv", header=("代码", "名称"))
        for path, words in (
            (bomb, "解压后超过 100 MB"),
            (million, "表格超过 200000 行"),
            (cut, "Excel 文件不完整或已损坏"),
        ):
            with self.subTest(path=path.name):
                err = StringIO()
                with self.assertRaises(CommandError) as caught:
                    call_command("import_jurisdictions", str(path), stderr=err)
                self.assertEqual(caught.exception.returncode, 1)
                self.assertIn(words, err.getvalue())
        self.assertFalse(Jurisdiction.objects.exists())

    def test_more_than_200_errors_list_200_and_count_the_rest(self):
        path = self.directory / "tree.csv"
        path.write_bytes(csv_bytes([HEADER, *[[f"bad{n}", "名", "社区", ""] for n in range(250)]]))
        err = StringIO()
        with self.assertRaisesMessage(CommandError, "发现 250 处错误"):
            call_command("import_jurisdictions", str(path), stderr=err)
        lines = err.getvalue().splitlines()
        self.assertEqual(len(lines), 201)
        self.assertTrue(lines[0].startswith("第2行 [代码]"))
        self.assertEqual(lines[-1], "只列出前 200 处错误，另有 50 处未列出。")

    def test_dry_run_writes_nothing(self):
        path = self.directory / "tree.xlsx"
        path.write_bytes(xlsx_bytes(TREE))
        out = StringIO()
        call_command("import_jurisdictions", str(path), "--dry-run", stdout=out)
        self.assertIn("试运行", out.getvalue())
        self.assertFalse(Jurisdiction.objects.exists())
