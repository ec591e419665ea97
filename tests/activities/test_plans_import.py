"""The indicator spreadsheet import: layouts, every kind of bad row, re-import, and the command."""

import io
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from openpyxl import Workbook

from activities.importers import parse_responsibilities, split_code
from activities.models import Indicator, Responsibility
from activities.services.plans import indicators_import
from communities.models import AuditEntry
from tests.activities.factories_plans import make_plan
from tests.factories import make_jurisdiction, make_member

HEADER = ["一级指标", "二级指标", "指标内容", "分值", "资料收集和归档", "责任单位及责任人"]
ROWS = [
    ["一、组织领导", "1.1 成立领导小组", "成立创建工作领导小组", "5", "成立文件", "社区党委（张三）"],
    ["", "1.2 制定工作方案", "制定年度方案", "5", "方案文本", "社区居委会/李四"],
    ["二、宣传教育", "开展主题宣传", "每季度一次主题宣传", "10", "活动照片", "各网格"],
    ["", "建设宣传阵地", "", "2.5", "", ""],
]


def xlsx_bytes(rows, merges=(), title="民族团结进步创建测评指标"):
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append([_typed(v) for v in row])
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _typed(value):
    try:
        return float(value) if "." in value else int(value)
    except (TypeError, ValueError):
        return value


def csv_bytes(rows, encoding="utf-8"):
    return "\n".join(",".join(row) for row in rows).encode(encoding)


class ImportTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("碧海社区", code="520115001001")
        cls.staff = make_member(cls.community, "staff")
        cls.plan = make_plan(cls.community)

    def run_import(self, data, filename="指标.xlsx", dry_run=False):
        return indicators_import(plan=self.plan, file=data, filename=filename, actor=self.staff, dry_run=dry_run)

    def messages(self, result):
        return [str(issue) for issue in result.issues]


class IndicatorImportLayoutTests(ImportTestCase):
    def test_xlsx_with_a_title_row_and_merged_first_level_cells(self):
        rows = [HEADER, *ROWS]
        rows_with_blanks = [list(r) for r in rows]
        data = xlsx_bytes(rows_with_blanks, merges=["A1:F1", "A3:A4", "A5:A6"])
        result = self.run_import(data)
        self.assertEqual(self.messages(result), [])
        tree = {
            i.code: (i.title, i.points, i.parent.code if i.parent else None)
            for i in Indicator.objects.filter(plan=self.plan).select_related("parent")
        }
        self.assertEqual(
            tree,
            {
                "1": ("组织领导", Decimal("10.00"), None),
                "1.1": ("成立领导小组", Decimal("5.00"), "1"),
                "1.2": ("制定工作方案", Decimal("5.00"), "1"),
                "2": ("宣传教育", Decimal("12.50"), None),
                "2.1": ("开展主题宣传", Decimal("10.00"), "2"),
                "2.2": ("建设宣传阵地", Decimal("2.50"), "2"),
            },
        )
        lines = sorted(
            Responsibility.objects.filter(indicator__plan=self.plan).values_list(
                "indicator__code", "lead_department", "responsible_person"
            )
        )
        self.assertEqual(lines, [("1.1", "社区党委", "张三"), ("1.2", "社区居委会", "李四"), ("2.1", "各网格", "")])
        self.assertEqual(Indicator.objects.get(plan=self.plan, code="1.1").evidence_requirements, "成立文件")

    def test_merged_responsibility_cells_apply_to_every_row_of_the_merge(self):
        rows = [HEADER, ROWS[0], ["", "1.2 制定工作方案", "", "5", "", ""]]
        result = self.run_import(xlsx_bytes(rows, merges=["F3:F4"]))
        self.assertEqual(self.messages(result), [])
        self.assertEqual(
            list(Responsibility.objects.order_by("indicator__code").values_list("indicator__code", flat=True)),
            ["1.1", "1.2"],
        )

    def test_a_merged_points_cell_is_not_counted_once_per_row(self):
        rows = [HEADER, ROWS[0], ["", "1.2 制定工作方案", "", "", "", ""]]
        result = self.run_import(xlsx_bytes(rows, merges=["D3:D4"]))
        self.assertEqual(
            self.messages(result),
            ["第4行 [分值（D列）]：分值不能为空；如果几行合用一个分值（合并单元格），请分别填写各行的分值。"],
        )

    def test_gbk_csv(self):
        data = csv_bytes([HEADER, *ROWS], encoding="gbk")
        result = self.run_import(data, filename="指标.csv")
        self.assertEqual(self.messages(result), [])
        self.assertEqual(Indicator.objects.filter(plan=self.plan).count(), 6)

    def test_utf8_csv_with_bom_and_repeated_first_level_text(self):
        rows = [HEADER, ROWS[0], ["一、组织领导", *ROWS[1][1:]]]
        result = self.run_import(b"\xef\xbb\xbf" + csv_bytes(rows), filename="指标.csv")
        self.assertEqual(self.messages(result), [])
        self.assertEqual(Indicator.objects.filter(plan=self.plan, parent__isnull=True).count(), 1)

    def test_dry_run_writes_nothing(self):
        result = self.run_import(xlsx_bytes([HEADER, *ROWS]), dry_run=True)
        self.assertTrue(result.is_valid)
        self.assertEqual(result.counts["new"], 6)
        self.assertFalse(Indicator.objects.exists())

    def test_every_import_is_audited(self):
        self.run_import(xlsx_bytes([HEADER, *ROWS]))
        summary = AuditEntry.objects.for_object(self.plan).get()
        self.assertIn("新增6项", summary.note)
        self.assertEqual(AuditEntry.objects.filter(action="import").count(), 1 + 6 + 3)


class IndicatorImportErrorTests(ImportTestCase):
    def assert_errors(self, rows, expected, filename="指标.xlsx", data=None):
        data = data if data is not None else xlsx_bytes(rows)
        result = self.run_import(data, filename=filename)
        self.assertEqual(self.messages(result), expected)
        self.assertFalse(Indicator.objects.exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_every_bad_row_is_listed_with_row_and_column(self):
        rows = [
            HEADER,
            ["", "1.1 无上级", "", "5", "", ""],
            ["一、组织领导", "成立小组", "", "五分", "", ""],
            ["", "制定方案", "", "-1", "", ""],
            ["", "制定方案", "", "3", "", ""],
            ["", "宣传", "", "", "", ""],
            ["", "", "只有内容", "3", "", ""],
            ["", "阵地", "", "1.234", "", ""],
            ["二、宣传教育", "", "", "", "", ""],
        ]
        self.assert_errors(
            rows,
            [
                "第3行 [一级指标（A列）]：一级指标为空，且上方没有可沿用的一级指标。",
                "第4行 [分值（D列）]：分值“五分”不是数字，请填写如 5 或 2.5。",
                "第5行 [分值（D列）]：分值-1超出范围：应在0到9999.99之间。",
                "第6行 [二级指标（B列）]：二级指标“制定方案”在同一一级指标下与第5行重复。",
                "第7行 [分值（D列）]：分值不能为空；如果几行合用一个分值（合并单元格），请分别填写各行的分值。",
                "第8行 [二级指标（B列）]：二级指标为空：每行应填写一个二级指标；"
                "如果这一行是上一行的续写，请合并到上一行。",
                "第9行 [分值（D列）]：分值“1.234”最多保留两位小数。",
                "第10行 [分值（D列）]：一级指标“宣传教育”下没有二级指标，也没有填写分值。",
            ],
        )

    def test_duplicate_codes_and_long_titles(self):
        rows = [
            HEADER,
            ["一、组织领导", "1.1 成立小组", "", "5", "", ""],
            ["", "1.1 制定方案", "", "5", "", ""],
            ["", "长" * 201, "", "5", "", ""],
        ]
        self.assert_errors(
            rows,
            [
                "第4行 [二级指标（B列）]：编号“1.1”与第3行重复，同一方案中指标编号不能重复。",
                "第5行 [二级指标（B列）]：指标名称过长（201字，最多200字）：请把说明放到“指标内容”列。",
            ],
        )

    def test_missing_header_or_columns(self):
        self.assert_errors(
            [["名称", "分数"], ["组织领导", "5"]],
            [
                "[文件]：找不到表头行：前15行中应有“一级指标”和“分值”等列"
                "（一级指标 | 二级指标 | 指标内容 | 分值 | 资料收集和归档 | 责任单位及责任人）。"
            ],
        )
        self.assert_errors(
            [["一级指标", "二级指标", "指标内容"], ["组织领导", "小组", ""]],
            ["第2行 [整行]：缺少必需的列：分值。"],
        )

    def test_unreadable_files(self):
        self.assert_errors(
            None, ["[文件]：不支持的文件类型“.pdf”：请上传 Excel（.xlsx）或 CSV（.csv）文件。"], "x.pdf", b"%PDF"
        )
        old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
        result = self.run_import(old_excel, filename="指标.xlsx")
        self.assertIn("旧版 Excel", self.messages(result)[0])

    def test_an_empty_table(self):
        self.assert_errors([HEADER], ["[文件]：文件中没有指标行：表头下面是空的。"])


class IndicatorReimportTests(ImportTestCase):
    def test_the_same_file_twice_changes_nothing(self):
        data = xlsx_bytes([HEADER, *ROWS], merges=["A3:A4"])
        self.run_import(data)
        before = list(Indicator.objects.order_by("pk").values())
        lines = Responsibility.objects.count()
        result = self.run_import(data)
        self.assertEqual(result.counts, {"new": 0, "changed": 0, "unchanged": 6, "responsibilities": 0})
        self.assertEqual(list(Indicator.objects.order_by("pk").values()), before)
        self.assertEqual(Responsibility.objects.count(), lines)

    def test_a_changed_file_updates_in_place_and_keeps_progress(self):
        self.run_import(xlsx_bytes([HEADER, *ROWS]))
        line = Responsibility.objects.get(indicator__code="1.1")
        line.progress, line.status = 50, "in_progress"
        line.save()
        changed = [list(r) for r in ROWS]
        changed[0][3] = "6"
        changed[2][5] = "各网格（王五）"
        result = self.run_import(xlsx_bytes([HEADER, *changed]))
        # 1.1 and the sum of its parent; a new responsibility line does not change 2.1 itself.
        self.assertEqual((result.counts["new"], result.counts["changed"], result.counts["responsibilities"]), (0, 2, 1))
        self.assertEqual(Indicator.objects.get(code="1.1").points, Decimal("6.00"))
        self.assertEqual(Indicator.objects.get(code="1").points, Decimal("11.00"))
        line.refresh_from_db()
        self.assertEqual(line.progress, 50)
        self.assertEqual(Indicator.objects.count(), 6)
        self.assertEqual(
            sorted(Responsibility.objects.filter(indicator__code="2.1").values_list("responsible_person", flat=True)),
            ["", "王五"],
        )

    def test_an_inserted_row_matches_by_title_and_codes_move_without_collision(self):
        self.run_import(xlsx_bytes([HEADER, ["一、组织领导", "甲", "", "1", "", ""], ["", "乙", "", "2", "", ""]]))
        first = Indicator.objects.get(title="甲")
        second = Indicator.objects.get(title="乙")
        self.assertEqual((first.code, second.code), ("1.1", "1.2"))
        rows = [
            HEADER,
            ["一、组织领导", "新", "", "3", "", ""],
            ["", "甲", "", "1", "", ""],
            ["", "乙", "", "2", "", ""],
        ]
        result = self.run_import(xlsx_bytes(rows))
        self.assertEqual(self.messages(result), [])
        self.assertEqual(result.counts, {"new": 1, "changed": 3, "unchanged": 0, "responsibilities": 0})
        first.refresh_from_db()
        second.refresh_from_db()
        # Codes made up from positions shift; the rows keep their stored indicators by title.
        self.assertEqual((first.title, first.code, second.title, second.code), ("甲", "1.2", "乙", "1.3"))
        self.assertEqual(Indicator.objects.get(title="新").code, "1.1")
        self.assertEqual(Indicator.objects.count(), 4)

    def test_codes_written_in_the_file_win_over_titles(self):
        self.run_import(xlsx_bytes([HEADER, ["一、组织领导", "1.1 甲", "", "1", "", ""]]))
        stored = Indicator.objects.get(code="1.1")
        self.run_import(xlsx_bytes([HEADER, ["一、组织领导", "1.1 甲（改名）", "", "1", "", ""]]))
        stored.refresh_from_db()
        self.assertEqual(stored.title, "甲（改名）")
        self.assertEqual(Indicator.objects.count(), 2)

    def test_indicators_missing_from_the_file_are_kept(self):
        self.run_import(xlsx_bytes([HEADER, *ROWS]))
        result = self.run_import(xlsx_bytes([HEADER, ROWS[0], ROWS[1]]))
        self.assertEqual(len(result.kept), 3)
        self.assertEqual(Indicator.objects.count(), 6)


class ResponsibilitySplitTests(TestCase):
    def test_written_forms(self):
        cases = {
            "社区党委（张三）": [("社区党委", "张三", "")],
            "社区党委(张三、李四)": [("社区党委", "张三、李四", "")],
            "社区党委/张三": [("社区党委", "张三", "")],
            "社区党委／张三": [("社区党委", "张三", "")],
            "各网格": [("各网格", "", "")],
            "党委/居委会/张三": [("党委/居委会/张三", "", "")],
            "社区党委（张三）；居委会（李四）": [("社区党委", "张三", ""), ("居委会", "李四", "")],
            "社区党委（张三）\n居委会/李四": [("社区党委", "张三", ""), ("居委会", "李四", "")],
            "": [],
            "—": [],
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(parse_responsibilities(text), expected)

    def test_a_long_unsplit_text_keeps_the_raw_text_in_the_note(self):
        text = "由" + "社区各部门" * 30 + "共同负责"
        ((department, person, note),) = parse_responsibilities(text)
        self.assertEqual((len(department), person, note), (100, "", text))

    def test_codes_in_titles(self):
        cases = {
            "一、组织领导": ("1", "组织领导"),
            "（二）宣传教育": ("2", "宣传教育"),
            "十二、其他": ("12", "其他"),
            "1.2 建立台账": ("1.2", "建立台账"),
            "1.2建立台账": ("1.2", "建立台账"),
            "3、阵地建设": ("3", "阵地建设"),
            "2024年工作": (None, "2024年工作"),
            "组织领导": (None, "组织领导"),
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(split_code(text), expected)


class ImportIndicatorsCommandTests(ImportTestCase):
    def write(self, name, data):
        path = self.tmp / name
        path.write_bytes(data)
        return str(path)

    def setUp(self):
        import tempfile
        from pathlib import Path

        self._dir = tempfile.TemporaryDirectory()
        self.tmp = Path(self._dir.name)
        self.addCleanup(self._dir.cleanup)

    def test_success_and_dry_run(self):
        path = self.write("指标.xlsx", xlsx_bytes([HEADER, *ROWS]))
        out = io.StringIO()
        call_command("import_indicators", str(self.plan.pk), path, "--dry-run", stdout=out)
        self.assertIn("检查通过（未写入）：新增6项", out.getvalue())
        self.assertFalse(Indicator.objects.exists())
        call_command("import_indicators", str(self.plan.pk), path, stdout=out)
        self.assertEqual(Indicator.objects.count(), 6)
        self.assertIsNone(AuditEntry.objects.for_object(self.plan).get().user)

    def test_errors_exit_with_status_1_and_print_all_of_them(self):
        rows = [HEADER, ["一、组织领导", "甲", "", "x", "", ""], ["", "乙", "", "", "", ""]]
        path = self.write("坏.csv", csv_bytes(rows, encoding="gbk"))
        err = io.StringIO()
        with self.assertRaises(CommandError) as caught:
            call_command("import_indicators", str(self.plan.pk), path, stderr=err)
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn("2 处错误", str(caught.exception))
        self.assertIn("第2行 [分值（D列）]：分值“x”不是数字", err.getvalue())
        self.assertIn("第3行 [分值（D列）]：分值不能为空", err.getvalue())
        self.assertFalse(Indicator.objects.exists())

    def test_hostile_files_are_refused_with_status_1_and_nothing_written(self):
        from tests.base.hostile_files import truncated_xlsx, write_million_row_csv, xlsx_bomb

        million = write_million_row_csv(self.tmp / "million.csv", header=("一级指标", "分值"))
        for path, words in (
            (self.write("bomb.xlsx", xlsx_bomb()), "解压后超过 100 MB"),
            (str(million), "表格超过 200000 行"),
            (self.write("cut.xlsx", truncated_xlsx()), "Excel 文件不完整或已损坏"),
        ):
            with self.subTest(path=path):
                err = io.StringIO()
                with self.assertRaises(CommandError) as caught:
                    call_command("import_indicators", str(self.plan.pk), path, stderr=err)
                self.assertEqual(caught.exception.returncode, 1)
                self.assertIn(words, err.getvalue())
        self.assertFalse(Indicator.objects.exists())

    def test_unknown_plan_or_file(self):
        with self.assertRaisesMessage(CommandError, "创建方案 999999 不存在"):
            call_command("import_indicators", "999999", "x.xlsx")
        with self.assertRaisesMessage(CommandError, "找不到文件"):
            call_command("import_indicators", str(self.plan.pk), str(self.tmp / "none.xlsx"))
