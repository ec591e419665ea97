"""Read an uploaded .xlsx or .csv into rows of cell text, the way a person sees them in a spreadsheet.

Everything format-specific stops here: importers see a Sheet whose rows are lists of stripped strings at
the spreadsheet's own positions (row 1 is index 0), the merged ranges of an .xlsx, and never a traceback
about bytes. Every limit (limits.py) is checked here, before or while reading, so a refused file costs
little time and memory whichever importer reads it.
"""

import csv
import datetime
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from .limits import MB, current_limits
from .text import EDGE_CHARS, clean_text, column_letter
from .xlsx import XlsxRefused, check_xlsx, open_first_sheet

EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".txt")
SUPPORTED_EXTENSIONS = EXCEL_EXTENSIONS + CSV_EXTENSIONS
HEADER_SEARCH_ROWS = 15
# How far a float from a formula (=SUM(...)) may stray from a whole number and still be one.
_FLOAT_SLACK = 1e-6
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class SpreadsheetError(Exception):
    """The file is refused as a whole; the message says, in Chinese, why and what to do about it."""

    def __init__(self, message, *, row=None, column=None):
        super().__init__(message)
        self.row, self.column = row, column


# The name the importers knew it by.
FileReadError = SpreadsheetError


@dataclass
class Sheet:
    """The first sheet of a workbook (or a CSV) as text, with the merged ranges (0-based, inclusive)."""

    rows: list
    merged: list = field(default_factory=list)

    def filled_rows(self, *, skip_columns=()):
        """Return the rows with each merged cell's value copied down into the rows the merge covers.

        A merge reads like the same value repeated below, which is how a person reads it. Columns in
        `skip_columns` are left alone: one figure shared by several rows (a merged 分值) must not count once per
        row. The top row of a merge is not filled sideways, so a header merged across columns keeps one word.
        """
        filled = [list(row) for row in self.rows]
        for top, left, bottom, right in self.merged:
            if top >= len(filled) or left >= len(filled[top]):
                continue
            value = filled[top][left]
            for index in range(top + 1, min(bottom + 1, len(filled))):
                row = filled[index]
                row.extend([""] * (right + 1 - len(row)))
                for column in range(left, right + 1):
                    if column not in skip_columns:
                        row[column] = value
        return filled


def extension_of(filename):
    return Path(filename or "").suffix.lower()


def read_sheet(source, filename=None, *, limits=None):
    """Return the first sheet of `source` as a Sheet, or raise SpreadsheetError saying why it is refused.

    `source` is a path, bytes, or a binary file (an upload, an open file); `filename` gives the type and
    defaults to the path's name.
    """
    with open_sheet(source, filename, limits=limits) as sheet:
        rows = list(sheet)
    return Sheet(_trim(rows), sheet.merged)


class SheetStream:
    """The first sheet of `source` (see open_sheet), its rows made into cell text one at a time as they are iterated.

    What is held meanwhile is the reader's own compact copy of the file (a CSV's decoded text, calamine's grid of an
    .xlsx), not a list of Python strings per cell, so an importer that keeps only what it needs of each row reads a
    province's file in little memory. Rows are lists of stripped strings without trailing empty cells, at the
    spreadsheet's own positions (row 1 first); an empty row is []. A limit broken further down the file raises
    SpreadsheetError from the iteration. Use it as a context manager, or close() it.
    """

    def __init__(self, rows, merged=(), close=None):
        self._rows = rows
        self.merged = list(merged)
        self._close = close

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._rows)
        except XlsxRefused as exc:
            raise SpreadsheetError(str(exc), row=exc.row, column=exc.column) from exc

    def close(self):
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def open_sheet(source, filename=None, *, limits=None):
    """Return a SheetStream over the first sheet of `source`, or raise SpreadsheetError saying why it is refused.

    Whatever can be refused before reading a row (type, size, encoding, an .xlsx's zip parts and area) is refused
    here; the limits on rows, columns and cells of a CSV are checked as its rows come.
    """
    limits = limits or current_limits()
    if isinstance(source, str | os.PathLike):
        filename = filename or Path(source).name
    ext = extension_of(filename)
    if ext not in SUPPORTED_EXTENSIONS:
        raise SpreadsheetError(
            _("不支持的文件类型“%(ext)s”：请上传 Excel（.xlsx）或 CSV（.csv）文件。") % {"ext": ext or _("无扩展名")}
        )
    path, data = _open(source, limits)
    try:
        if ext in EXCEL_EXTENSIONS:
            return _open_xlsx(path, data, limits)
        return SheetStream(_csv_rows(data if data is not None else Path(path).read_bytes(), limits))
    except XlsxRefused as exc:
        raise SpreadsheetError(str(exc), row=exc.row, column=exc.column) from exc


def check_upload(upload, *, limits=None):
    """Refuse an upload by its name and size alone, before it is stored or read; raise SpreadsheetError."""
    limits = limits or current_limits()
    if extension_of(upload.name) not in SUPPORTED_EXTENSIONS:
        raise SpreadsheetError(_("只能上传 .xlsx 或 .csv 文件。"))
    if upload.size is not None and upload.size > limits.max_file_bytes:
        raise _too_large(upload.size, limits)


def read_rows(source, filename=None, *, limits=None):
    """Return just the rows of read_sheet() (a list; open_sheet() gives them one at a time)."""
    return read_sheet(source, filename, limits=limits).rows


def _too_large(size, limits):
    return SpreadsheetError(
        _("文件过大（%(size)s MB）：导入文件不能超过 %(max)s MB。请拆分后分批导入。")
        % {"size": f"{size / MB:.1f}", "max": limits.max_file_bytes // MB}
    )


def _open(source, limits):
    """Return (path, None) for a file on disk or (None, bytes), refusing a file over the size limit unread."""
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        size = os.path.getsize(path)
        if size > limits.max_file_bytes:
            raise _too_large(size, limits)
        return path, None
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        # An upload Django spooled to disk is read from there, not copied into memory.
        temporary = getattr(source, "temporary_file_path", None)
        if temporary is not None:
            return _open(temporary(), limits)
        size = getattr(source, "size", None)
        if size is not None and size > limits.max_file_bytes:
            raise _too_large(size, limits)
        data = source.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise _too_large(len(data), limits)
    return None, data


def _open_xlsx(path, data, limits):
    head = data[:8] if data is not None else _head(path)
    if head == _OLE_MAGIC:
        raise SpreadsheetError(_("这是旧版 Excel（.xls）文件：请在 Excel 中“另存为” .xlsx 格式后再上传。"))
    if not head.startswith(b"PK"):
        raise SpreadsheetError(
            _("不是有效的 Excel 文件：文件内容不是 .xlsx 格式，请确认文件未损坏，或另存为 .xlsx 后再上传。")
        )
    if data is not None:
        source = io.BytesIO(data)
        check_xlsx(source, limits)
    else:
        with open(path, "rb") as handle:
            check_xlsx(handle, limits)
        source = path
    raw, merged, close = open_first_sheet(source)
    try:
        merged = _bounded_merges(merged, limits)
    except SpreadsheetError:
        close()
        raise
    return SheetStream((_row_text(row) for row in raw), merged, close)


def _bounded_merges(merged, limits):
    """Return the merged ranges cut to the rows and columns a sheet may have; refuse ranges that together cover more
    cells than a sheet may hold. Merges never overlap in a workbook Excel or WPS wrote, so theirs fit in the sheet:
    more is a forged file, each of whose merges Sheet.filled_rows would fill cell by cell."""
    bounded, covered = [], 0
    for top, left, bottom, right in merged:
        bottom, right = min(bottom, limits.max_rows - 1), min(right, limits.max_columns - 1)
        if top > bottom or left > right:
            continue
        covered += (bottom - top + 1) * (right - left + 1)
        if covered > limits.max_cells:
            raise SpreadsheetError(
                _("表格中的合并单元格共超过 %(max)s 个单元格（可能有重叠的合并）：请在 Excel 中取消合并后重新保存。")
                % {"max": limits.max_cells}
            )
        bounded.append((top, left, bottom, right))
    return bounded


def _head(path):
    with open(path, "rb") as handle:
        return handle.read(8)


# The text of every whole number a count is likely to be, by its value: most cells of a large sheet are such numbers,
# and a look-up is a third of the time of testing, converting and formatting each (a province's 1.2 M cells).
_WHOLE_NUMBER_TEXT = {float(number): str(number) for number in range(10_000)}


def _row_text(row):
    """Return a row of raw values as cell text, without trailing empty cells."""
    known = _WHOLE_NUMBER_TEXT.get
    # A value equal to a whole number below 10,000 (a float, an int, True or False) is its text there.
    cells = [known(value) or _value_text(value) for value in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _value_text(value):
    if type(value) is str:
        return value.strip(EDGE_CHARS) if value else ""
    if type(value) is float and value.is_integer():
        return str(int(value))
    return _cell_text(value)


def _cell_text(value):
    if isinstance(value, str):
        return clean_text(value) if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        nearest = round(value)
        return str(nearest) if abs(value - nearest) < _FLOAT_SLACK else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return clean_text(str(value))


def _csv_rows(data, limits):
    """Refuse `data` unless it decodes; return an iterator over its rows, checking the limits as they come."""
    text = _decode(data)
    delimiter = _sniff_delimiter(text)
    return _check_csv_rows(csv.reader(_lines(text), delimiter=delimiter), limits)


def _lines(text):
    """Yield the lines of `text` with their endings, as csv.reader wants them, without a copy of the whole text."""
    if "\n" not in text:
        # Old Mac line endings (\r alone), or one line: io splits those, at the price of a copy.
        yield from io.StringIO(text, newline="")
        return
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        stop = end if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


def _check_csv_rows(reader, limits):
    width = 0
    try:
        for number, row in enumerate(reader, start=1):
            if number > limits.max_rows:
                raise SpreadsheetError(
                    _("表格超过 %(max)s 行（第%(row)s行起）：请拆分后分批导入。")
                    % {"max": limits.max_rows, "row": number},
                    row=number,
                )
            cells = [cell.strip(EDGE_CHARS) for cell in row]
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > width:
                width = len(cells)
                if width > limits.max_columns:
                    raise SpreadsheetError(
                        _("第%(row)s行超过 %(max)s 列（到了 %(letter)s 列）：请删除多余的列。")
                        % {"row": number, "max": limits.max_columns, "letter": column_letter(width - 1)},
                        row=number,
                        column=column_letter(width - 1),
                    )
            if number * width > limits.max_cells:
                raise SpreadsheetError(
                    _("表格过大：%(rows)s 行 × %(columns)s 列，超过 %(max)s 个单元格的上限。请拆分后分批导入。")
                    % {"rows": number, "columns": width, "max": limits.max_cells},
                    row=number,
                )
            yield cells
    except csv.Error as exc:
        raise SpreadsheetError(
            _("CSV 文件格式有误（%(reason)s），请用 Excel 打开后另存为 .csv 或 .xlsx。") % {"reason": exc}
        ) from exc


def _decode(data):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text
    raise SpreadsheetError(
        _(
            "无法识别文件编码：文件不是 UTF-8 或 GBK/GB18030 编码的文本。"
            "请用 Excel 打开后另存为“CSV UTF-8（逗号分隔）”或 .xlsx 格式再上传。"
        )
    )


def _looks_binary(text):
    sample = text[:4096]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    return "\x00" in sample or controls > len(sample) // 100


def _sniff_delimiter(text):
    """Pick the delimiter that splits the most of the first lines into the same number of fields."""
    lines = []
    for line in io.StringIO(text[: 64 * 1024]):
        if line.strip():
            lines.append(line)
        if len(lines) == 30:
            break
    best, best_score = ",", -1
    for delimiter in (",", "\t", ";"):
        try:
            widths = Counter(len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1)
        except csv.Error:
            continue
        score = max(widths.values(), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _trim(rows):
    """Drop trailing empty cells and rows, keeping row positions as in the spreadsheet."""
    for index, row in enumerate(rows):
        if row and not row[-1]:
            end = len(row)
            while end and not row[end - 1]:
                end -= 1
            rows[index] = row[:end]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def find_header(rows, match, *, search_rows=HEADER_SEARCH_ROWS):
    """Return (index, what `match` said) for the first of the top rows that `match(row)` accepts, else (None, None).

    Title rows, notes and blank rows above a table are passed over this way; each importer says with `match`
    which header words make its header row.
    """
    for index, row in enumerate(rows[:search_rows]):
        found = match(row)
        if found:
            return index, found
    return None, None
