"""base/spreadsheets read one row at a time (open_sheet), and the two .xlsx readers agree (calamine, openpyxl)."""

import datetime
import io
from unittest import mock

from django.test import SimpleTestCase, override_settings
from openpyxl import Workbook

from base.spreadsheets import SpreadsheetError, open_sheet, read_rows, read_sheet
from base.spreadsheets import reading as reading_module
from base.spreadsheets import xlsx as xlsx_module
from tests.factories import csv_bytes, xlsx_bytes

ROWS = [
    ["人口统计表（2020年）"],
    [],
    ["区划代码", "地区", "人数", "", ""],
    ["520115001001", "碧海社区", "1,353"],
    ["合计", "", "1353"],
]


def census_workbook():
    """A sheet as offices make them: a merged title, a blank row, a table from column B, dates, times, %, booleans."""
    workbook = Workbook()
    sheet = workbook.active
    sheet["B1"] = "碧海社区人口统计（2024年）"
    sheet.merge_cells("B1:G1")
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"], sheet["F3"], sheet["G3"] = (
        "区划代码",
        "地区",
        "人数",
        "统计日期",
        "占比",
        "核实",
    )
    sheet.merge_cells("C4:C5")
    rows = [
        (520115001001, "碧海社区", 1353, datetime.date(2024, 3, 1), 0.25, True),
        ("520115001002", None, 12.0, datetime.datetime(2024, 3, 1, 8, 30), 1.5, False),
        ("  金源社区\u3000", "", "1,200", datetime.time(8, 30), "=1/0", None),
    ]
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=2):
            sheet.cell(row=4 + offset, column=column, value=value)
    sheet["F5"].number_format = "0%"
    sheet["H8"] = "注：数据来源于公安户籍"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_through(reader, data):
    """Return (rows as cell text, merged ranges) of `data` read by one .xlsx reader alone."""
    rows, merged, close = reader(io.BytesIO(data))
    try:
        return [reading_module._row_text(row) for row in rows], merged
    finally:
        close()


class StreamTests(SimpleTestCase):
    def test_rows_come_one_at_a_time_the_same_as_the_whole_sheet(self):
        for name, data in (("a.csv", csv_bytes(ROWS, "gbk")), ("a.xlsx", xlsx_bytes(ROWS))):
            with self.subTest(name=name), open_sheet(data, name) as sheet:
                first = next(sheet)
                self.assertEqual(first, ["人口统计表（2020年）"])
                rest = list(sheet)
                self.assertEqual([first, *rest], read_rows(data, name))
                self.assertEqual(rest[0], [])  # a blank row keeps its place
                self.assertEqual(rest[1], ["区划代码", "地区", "人数"])  # trailing empty cells dropped

    @override_settings(SPREADSHEET_LIMITS={"max_rows": 4})
    def test_a_row_limit_broken_further_down_is_raised_by_the_iteration_after_the_rows_above(self):
        with open_sheet(csv_bytes(ROWS), "a.csv") as sheet:
            self.assertEqual(len([next(sheet) for _ in range(4)]), 4)
            with self.assertRaisesMessage(SpreadsheetError, "表格超过 4 行（第5行起）"):
                next(sheet)
        with self.assertRaisesMessage(SpreadsheetError, "表格超过 4 行"):
            read_sheet(csv_bytes(ROWS), "a.csv")

    def test_an_encoding_or_type_problem_is_refused_before_any_row(self):
        with self.assertRaisesMessage(SpreadsheetError, "无法识别文件编码"):
            open_sheet(bytes(range(256)) * 40, "a.csv")
        with self.assertRaisesMessage(SpreadsheetError, "不支持的文件类型"):
            open_sheet(b"x", "a.pdf")

    def test_csv_lines_break_only_where_a_record_ends(self):
        text = 'a,"第一行\n第二行"\r\nb,"分\u2028隔"\r\nc,3\r\n'
        self.assertEqual(read_rows(text.encode(), "a.csv"), [["a", "第一行\n第二行"], ["b", "分\u2028隔"], ["c", "3"]])
        # Old Mac line endings and a last line without one.
        self.assertEqual(read_rows(b"a,1\rb,2", "a.csv"), [["a", "1"], ["b", "2"]])
        self.assertEqual(read_rows(b"a,1\nb,2", "a.csv"), [["a", "1"], ["b", "2"]])


class XlsxReadersTests(SimpleTestCase):
    def test_calamine_and_openpyxl_give_the_same_rows_and_merges(self):
        data = census_workbook()
        calamine_rows, calamine_merged = rows_through(xlsx_module._calamine_sheet, data)
        openpyxl_rows, openpyxl_merged = rows_through(xlsx_module._openpyxl_sheet, data)
        self.assertEqual(calamine_rows, openpyxl_rows)
        self.assertEqual(sorted(calamine_merged), sorted(openpyxl_merged))
        self.assertEqual(sorted(calamine_merged), [(0, 1, 0, 6), (3, 2, 4, 2)])
        self.assertEqual(calamine_rows[3], ["", "520115001001", "碧海社区", "1353", "2024-03-01", "0.25", "1"])
        self.assertEqual(calamine_rows[4], ["", "520115001002", "", "12", "2024-03-01", "1.5", "0"])
        self.assertEqual(calamine_rows[5][1:5], ["金源社区", "", "1,200", "08:30:00"])
        self.assertEqual(calamine_rows[7][7], "注：数据来源于公安户籍")

    def test_a_workbook_calamine_cannot_read_is_read_by_openpyxl(self):
        data = census_workbook()
        expected = read_sheet(data, "a.xlsx")
        with mock.patch.object(xlsx_module, "_calamine_sheet", side_effect=ValueError("calamine: bad XML")) as calamine:
            fallback = read_sheet(data, "a.xlsx")
        calamine.assert_called_once()
        self.assertEqual(fallback.rows, expected.rows)
        self.assertEqual(sorted(fallback.merged), sorted(expected.merged))

    def test_openpyxl_does_not_pad_rows_to_the_width_a_forged_dimension_claims(self):
        import re
        import zipfile

        source, forged = zipfile.ZipFile(io.BytesIO(census_workbook())), io.BytesIO()
        with zipfile.ZipFile(forged, "w") as target:
            for info in source.infolist():
                data = source.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
                target.writestr(info.filename, data)
        rows, _merged = rows_through(xlsx_module._openpyxl_sheet, forged.getvalue())
        raw, _merged, close = xlsx_module._openpyxl_sheet(io.BytesIO(forged.getvalue()))
        try:
            widths = [len(row) for row in raw]
        finally:
            close()
        self.assertEqual(rows, rows_through(xlsx_module._calamine_sheet, census_workbook())[0])
        self.assertEqual(max(widths), 8)  # column H, the note's: not the 16,384 columns claimed

    def test_a_workbook_neither_reader_can_read_is_a_damaged_file(self):
        broken = ValueError("broken")
        with (
            mock.patch.object(xlsx_module, "_calamine_sheet", side_effect=broken),
            mock.patch.object(xlsx_module, "_openpyxl_sheet", side_effect=KeyError("xl/worksheets/sheet1.xml")),
            self.assertRaisesMessage(SpreadsheetError, "Excel 文件不完整或已损坏（ValueError）"),
        ):
            read_sheet(census_workbook(), "a.xlsx")

    def test_the_workbook_is_released_when_the_reading_ends(self):
        closed = []
        real = xlsx_module._calamine_sheet

        def spy(source):
            rows, merged, close = real(source)
            return rows, merged, lambda: (closed.append(True), close())

        with mock.patch.object(xlsx_module, "_calamine_sheet", spy):
            with open_sheet(census_workbook(), "a.xlsx") as sheet:
                next(sheet)
                self.assertEqual(closed, [])
            self.assertEqual(closed, [True])


class CellTextTests(SimpleTestCase):
    def test_each_kind_of_value_reads_as_a_person_sees_it(self):
        """Whole numbers below 10,000 are looked up, every other value converted: both ways give the same text."""
        values = [
            (3.0, "3"),
            (0.0, "0"),
            (-0.0, "0"),
            (9999.0, "9999"),
            (10_000.0, "10000"),
            (1_158_840.0, "1158840"),
            (0.25, "0.25"),
            (12.0000000001, "12"),
            (7, "7"),
            (123_456, "123456"),
            (True, "1"),
            (False, "0"),
            ("  金源社区\u3000", "金源社区"),
            ("1,200", "1,200"),
            ("", ""),
            (None, ""),
            (datetime.date(2024, 3, 1), "2024-03-01"),
            (datetime.datetime(2024, 3, 1, 8, 30), "2024-03-01"),
        ]
        row = [value for value, _text in values] + [None, ""]
        self.assertEqual(reading_module._row_text(row), [text for _value, text in values])
