"""base/spreadsheets: the one reader of imported files and the limits it holds every file to."""

import io
import random
import zipfile
from contextlib import nullcontext
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings
from openpyxl import Workbook

from base.spreadsheets import (
    ImportIssue,
    IssueList,
    Limits,
    SpreadsheetError,
    check_upload,
    current_limits,
    find_header,
    is_note_row,
    read_sheet,
    total_word,
)
from tests.base.hostile_files import (
    MB,
    forged_xlsx_bomb,
    truncated_xlsx,
    write_million_row_csv,
    xlsx_bomb,
    xlsx_with_sheet,
)
from tests.factories import csv_bytes, xlsx_bytes

ROWS = [
    ["人口统计表（2020年）"],
    ["区划代码", "地区", "人数"],
    ["520115001001", "碧海社区", "1,353"],
    ["合计", "", "1353"],
]


def workbook_bytes(fill):
    workbook = Workbook()
    fill(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class ReadingTests(SimpleTestCase):
    def test_every_encoding_and_the_xlsx_read_the_same(self):
        expected = read_sheet(csv_bytes(ROWS, "utf-8"), "a.csv").rows
        self.assertEqual(expected[2], ["520115001001", "碧海社区", "1,353"])
        for encoding in ("utf-8-sig", "gbk", "gb18030"):
            with self.subTest(encoding=encoding):
                self.assertEqual(read_sheet(csv_bytes(ROWS, encoding), "a.csv").rows, expected)
        self.assertEqual(read_sheet(xlsx_bytes(ROWS), "a.xlsx").rows, expected)

    def test_tab_and_semicolon_separated_text(self):
        for delimiter in ("\t", ";"):
            with self.subTest(delimiter=delimiter):
                self.assertEqual(read_sheet(csv_bytes(ROWS, delimiter=delimiter), "a.txt").rows[1], ROWS[1])

    def test_cells_read_as_a_person_sees_them(self):
        import datetime

        def fill(sheet):
            sheet["B3"] = 520115001001
            sheet["C3"] = 2.5
            sheet["D3"] = 3.0
            sheet["E3"] = datetime.datetime(2024, 1, 2, 9, 30)
            sheet["F3"] = "\u3000苗族\u200b "
            sheet["G3"] = True

        rows = read_sheet(workbook_bytes(fill), "a.xlsx").rows
        # Rows and columns keep the spreadsheet's positions: row 3 is index 2, column B index 1.
        self.assertEqual(rows, [[], [], ["", "520115001001", "2.5", "3", "2024-01-02", "苗族", "1"]])

    def test_merged_cells_read_as_repeated_values_below_except_skipped_columns(self):
        def fill(sheet):
            sheet.append(["一级指标", "二级指标", "分值"])
            sheet.append(["一、组织领导", "1.1", 10])
            sheet.append(["", "1.2", ""])
            sheet.merge_cells("A2:A3")
            sheet.merge_cells("C2:C3")
            sheet.merge_cells("A1:B1")

        sheet = read_sheet(workbook_bytes(fill), "a.xlsx")
        self.assertEqual(sorted(sheet.merged), [(0, 0, 0, 1), (1, 0, 2, 0), (1, 2, 2, 2)])
        rows = sheet.filled_rows(skip_columns=(2,))
        self.assertEqual(rows[2], ["一、组织领导", "1.2", ""])
        # A header merged across columns keeps one word; the sheet's own rows are untouched.
        self.assertEqual(rows[0], ["一级指标", "", "分值"])
        self.assertEqual(sheet.rows[2], ["", "1.2"])

    def test_a_path_an_upload_and_bytes_read_the_same(self):
        data = xlsx_bytes(ROWS)
        path = self.tmp_path("a.xlsx", data)
        self.assertEqual(read_sheet(path).rows, read_sheet(data, "a.xlsx").rows)
        self.assertEqual(read_sheet(SimpleUploadedFile("a.xlsx", data), "a.xlsx").rows, read_sheet(path).rows)

    def tmp_path(self, name, data):
        import tempfile
        from pathlib import Path

        directory = Path(tempfile.mkdtemp())
        self.addCleanup(lambda: [p.unlink() for p in directory.iterdir()] and None)
        path = directory / name
        path.write_bytes(data)
        return path

    def test_header_search_skips_title_and_note_rows(self):
        rows = [["说明：本表由统计局提供"], [], *ROWS]
        index, found = find_header(rows, lambda row: "区划代码" in row and row)
        self.assertEqual(index, 3)
        self.assertEqual(found[0], "区划代码")
        self.assertEqual(find_header(rows, lambda row: None), (None, None))
        self.assertEqual(find_header([[]] * 20 + [["区划代码"]], lambda row: "区划代码" in row), (None, None))

    def test_total_and_note_rows(self):
        self.assertEqual(
            [total_word(w) for w in ("合计", " 总 计：", "小计", "合计数", "")], ["合计", "总计", "小计", None, None]
        )
        self.assertTrue(is_note_row(["", "注：数据来源于第七次人口普查"]))
        self.assertFalse(is_note_row(["注：", "5"]))
        self.assertFalse(is_note_row(["碧海社区"]))


class RefusalTests(SimpleTestCase):
    """Every refusal raises SpreadsheetError with a Chinese message."""

    def assertRefused(self, source, filename, *words, row=None):
        with self.assertRaises(SpreadsheetError) as caught:
            read_sheet(source, filename)
        message = str(caught.exception)
        for word in words:
            self.assertIn(word, message)
        if row is not None:
            self.assertEqual(caught.exception.row, row)
        return caught.exception

    def test_unsupported_types_old_excel_and_binary_text(self):
        self.assertRefused(b"x", "a.pdf", "不支持的文件类型“.pdf”")
        self.assertRefused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xlsx", "旧版 Excel（.xls）")
        self.assertRefused(b"hello", "a.xlsx", "不是有效的 Excel 文件")
        self.assertRefused(bytes(range(256)) * 20, "a.csv", "无法识别文件编码")

    def test_a_truncated_workbook(self):
        self.assertRefused(truncated_xlsx(), "a.xlsx", "Excel 文件不完整或已损坏")

    def test_a_zip_that_is_not_a_workbook(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", "<w/>")
        self.assertRefused(buffer.getvalue(), "a.xlsx", "不是有效的 Excel 文件")

    def test_a_damaged_part(self):
        data = bytearray(xlsx_bytes(ROWS))
        start = data.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
        data[start + 10 : start + 30] = b"\xff" * 20
        self.assertRefused(bytes(data), "a.xlsx", "Excel 文件不完整或已损坏")

    def test_a_sheet_inflating_to_500_mb_is_refused_before_parsing(self):
        self.assertRefused(xlsx_bomb(), "bomb.xlsx", "解压后超过 100 MB", "压缩炸弹")

    def test_a_compression_ratio_far_above_a_real_sheet(self):
        self.assertRefused(xlsx_bomb(20 * MB), "bomb.xlsx", "压缩比异常", "上限 100 倍")

    def test_a_part_that_lies_about_its_size(self):
        self.assertRefused(forged_xlsx_bomb(), "bomb.xlsx", "实际大小与目录记录不符")

    @override_settings(SPREADSHEET_LIMITS={"max_total_bytes": 2 * MB, "max_compression_ratio": 10_000})
    def test_all_parts_together(self):
        self.assertRefused(xlsx_bomb(3 * MB), "bomb.xlsx", "解压后共 3 MB，超过上限 2 MB")

    @override_settings(SPREADSHEET_LIMITS={"max_file_bytes": 100})
    def test_the_file_size_for_bytes_paths_and_uploads(self):
        data = csv_bytes(ROWS * 10)
        self.assertRefused(data, "a.csv", "文件过大", "不能超过 0 MB")
        with self.assertRaisesMessage(SpreadsheetError, "文件过大"):
            check_upload(SimpleUploadedFile("a.csv", data))
        with self.assertRaisesMessage(SpreadsheetError, "只能上传 .xlsx 或 .csv 文件"):
            check_upload(SimpleUploadedFile("a.exe", b"1"))

    def test_a_million_row_csv(self):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as directory:
            path = write_million_row_csv(Path(directory) / "million.csv")
            self.assertRefused(path, None, "表格超过 200000 行", "第200001行起", row=200_001)

    @override_settings(SPREADSHEET_LIMITS={"max_rows": 5})
    def test_rows_of_an_xlsx_are_counted_before_parsing(self):
        self.assertRefused(xlsx_bytes([["a"]] * 6), "a.xlsx", "表格超过 5 行", row=6)
        self.assertEqual(len(read_sheet(xlsx_bytes([["a"]] * 5), "a.xlsx").rows), 5)

    def test_columns_of_a_csv_and_of_an_xlsx(self):
        error = self.assertRefused(csv_bytes([["a"], ["b"] * 201]), "a.csv", "第2行超过 200 列", "GS 列", row=2)
        self.assertEqual(error.column, "GS")

        def far_cell(sheet):
            sheet["A1"] = "代码"
            sheet["XFD1"] = "x"

        self.assertRefused(workbook_bytes(far_cell), "a.xlsx", "超过 200 列", "XFD 列")

    def test_the_area_a_sheet_spans(self):
        def corners(sheet):
            sheet["A1"] = "代码"
            sheet["GR150000"] = "x"

        self.assertRefused(workbook_bytes(corners), "a.xlsx", "150000 行 × 200 列，超过 2000000 个单元格")
        self.assertRefused(csv_bytes([["a"] * 100] * 20_001), "a.csv", "超过 2000000 个单元格")

    def test_a_far_reference_is_refused_however_xml_writes_it(self):
        """calamine lays a sheet out as a dense grid and reads a reference any way XML allows it to be written: each of
        these made it build a grid of millions of columns or rows (a reference of eleven digits aborted the process),
        and each passed the check before stop 26, which read only `r="A1"` with at most three letters and ten digits."""
        far_cells = {
            '<c r="ZZZZZ2"><v>2</v></c>': "ZZZZZ 列",
            '<c r="zzzzz2"><v>2</v></c>': "ZZZZZ 列",
            "<c r='ZZZZZ2'><v>2</v></c>": "ZZZZZ 列",
            '<c r = "ZZZZ2"><v>2</v></c>': "ZZZZ 列",
            '<c s="1" r="ZZZZ2"><v>2</v></c>': "ZZZZ 列",
            '<c r="A99999999999"><v>2</v></c>': "超过 200000 行",
            '<c r="a900000"><v>2</v></c>': "超过 200000 行",
            "<c r='A00000000000900000'><v>2</v></c>": "超过 200000 行",
        }
        for cell, words in far_cells.items():
            with self.subTest(cell=cell):
                sheet = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2">' + cell.encode() + b"</row>"
                self.assertRefused(xlsx_with_sheet(sheet), "a.xlsx", words)

    def test_a_reference_calamine_cannot_place_is_refused_as_damaged(self):
        for value in ("$A$2", "ZZ&#x5A;2", "A-5", "12A"):
            with self.subTest(value=value):
                sheet = f'<row r="1"><c r="A1"><v>1</v></c><c r="{value}"><v>1</v></c></row>'.encode()
                self.assertRefused(xlsx_with_sheet(sheet), "a.xlsx", "已损坏", f"单元格位置“{value}”无效")

    def test_references_written_other_ways_within_the_area_read_as_written(self):
        sheet = (
            '<row r="1"><c r="A1" t="inlineStr"><is><t>代码</t></is></c></row>'
            "<row r='2'><c r='a2'><v>7</v></c><c s=\"1\" r = \"C2\"><v>8</v></c></row>"
        ).encode()
        rows = read_sheet(xlsx_with_sheet(sheet), "a.xlsx").rows
        self.assertEqual(rows, [["代码"], ["7", "", "8"]])

    def test_merged_ranges_are_cut_to_a_sheets_columns_and_refused_past_its_cells(self):
        sheet = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>'
        wide = b'<mergeCells count="1"><mergeCell ref="A1:ZZZZZZ2"/></mergeCells>'
        read = read_sheet(xlsx_with_sheet(sheet, wide), "a.xlsx")
        self.assertEqual(read.merged, [(0, 0, 1, 199)])
        self.assertEqual([len(row) for row in read.filled_rows()], [1, 200])
        # Merges never overlap in a real workbook: ten thousand copies of one column merge would be filled cell by cell.
        overlapping = b"<mergeCells>" + b'<mergeCell ref="A1:A200000"/>' * 10_000 + b"</mergeCells>"
        self.assertRefused(xlsx_with_sheet(sheet, overlapping), "a.xlsx", "合并单元格", "超过 2000000 个单元格")

    def test_settings_override_the_limits(self):
        self.assertEqual(current_limits(), Limits())
        with self.settings(SPREADSHEET_LIMITS={"max_rows": 7}):
            self.assertEqual(current_limits().max_rows, 7)
        with self.settings(SPREADSHEET_LIMITS={"max_rowz": 7}), self.assertRaisesMessage(ValueError, "max_rowz"):
            current_limits()


class IssueListTests(SimpleTestCase):
    def test_the_first_issues_in_reading_order_are_kept_and_the_rest_counted(self):
        issues = IssueList(limit=3)
        for row in range(1000, 0, -1):
            issues.append(ImportIssue(row, "人数", "x"))
        issues.append(ImportIssue(None, "文件", "whole file"))
        self.assertEqual(len(issues), 1001)
        self.assertEqual(issues.hidden, 998)
        self.assertEqual([issue.row for issue in issues], [None, 1, 2])
        self.assertTrue(issues)
        self.assertFalse(IssueList())
        self.assertEqual(IssueList(), [])

    def test_the_default_limit_is_200(self):
        issues = IssueList(ImportIssue(row, "", "x") for row in range(1, 451))
        self.assertEqual((len(list(issues)), issues.hidden), (200, 250))


class SheetAreaTests(SimpleTestCase):
    """The area a sheet's cells span, found quickly for sheets as writers lay them out, is the area the cell-by-cell
    scan finds, whatever hides in the middle of a piece (base.spreadsheets.xlsx._SheetScanner)."""

    @staticmethod
    def sheet_xml(rows):
        """A sheet's XML: `rows` is [(row number, [column letters])], each cell with its reference."""
        body = "".join(
            f'<row r="{number}">'
            + "".join(f'<c r="{letters}{number}" t="n"><v>1</v></c>' for letters in cells)
            + "</row>"
            for number, cells in rows
        )
        return f"<worksheet><sheetData>{body}</sheetData></worksheet>".encode()

    @staticmethod
    def area(xml, piece, quick=True):
        from base.spreadsheets import xlsx

        scanner = xlsx._SheetScanner(Limits(max_rows=10**7, max_columns=20_000, max_cells=10**12))
        with (
            mock.patch.object(xlsx._SheetScanner, "_within_known_area", return_value=False)
            if not quick
            else nullcontext()
        ):
            for start in range(0, len(xml), piece):
                scanner.feed(xml[start : start + piece])
            scanner.finish()
        return scanner.height, scanner.width

    def test_the_quick_way_finds_what_the_cell_by_cell_scan_finds(self):
        from base.spreadsheets.text import column_letter

        rng = random.Random(25)
        for case in range(60):
            columns = [column_letter(n) for n in range(rng.choice([3, 30, 62, 800]))]
            rows = [(n, columns) for n in range(1, rng.randint(2, 400))]
            if case % 2:  # something wider or lower somewhere in the middle, not at a piece's end
                middle = rng.randrange(len(rows))
                number, cells = rows[middle]
                far = column_letter(rng.randint(len(columns), 16_000))
                rows[middle] = (number, [*cells, far]) if case % 4 == 1 else (number, cells)
                if case % 4 == 3:
                    rows.insert(middle, (rng.randint(rows[-1][0] + 1, 9_999_999), columns[:2]))
            xml = self.sheet_xml(rows)
            piece = rng.choice([200, 4096, 65536, len(xml)])
            with self.subTest(case=case, piece=piece):
                self.assertEqual(self.area(xml, piece), self.area(xml, piece, quick=False))

    def test_a_far_cell_in_the_middle_of_a_large_sheet_is_refused(self):
        from base.spreadsheets import xlsx

        rows = [(n, ["A", "B", "C"]) for n in range(1, 5000)]
        rows[2500] = (2501, ["A", "B", "C", "XFD"])
        with self.assertRaises(xlsx.XlsxRefused) as caught:
            scanner = xlsx._SheetScanner(Limits())
            scanner.feed(self.sheet_xml(rows))
            scanner.finish()
        self.assertIn("XFD", str(caught.exception))

    def test_the_patterns_of_rows_and_columns_within_a_bound(self):
        import re

        from base.spreadsheets import xlsx
        from base.spreadsheets.text import column_letter

        for bound in (0, 1, 9, 10, 99, 100, 1999, 19981, 20000, 99999, 1_048_576):
            within = re.compile(xlsx._numbers_up_to(bound))
            for number in range(max(0, bound - 300), bound + 300):
                self.assertEqual(bool(within.fullmatch(str(number).encode())), 1 <= number <= bound, (bound, number))
        for width in (0, 1, 25, 26, 27, 52, 62, 200, 701, 702, 703, 16384):
            within = re.compile(xlsx._columns_up_to(width))
            for index in range(max(0, width - 60), min(width + 60, 17_576)):
                letters = column_letter(index).encode()
                self.assertEqual(bool(within.fullmatch(letters)), index < width, (width, letters))
