"""Every Excel file the project writes, through one writer: streamed, bounded, and never a live formula.

- Streamed: openpyxl's write-only mode writes each row to disk as it comes, and a download is a temporary file
  handed to `FileResponse`, so memory stays flat whatever the number of rows.
- Bounded: a sheet stops at `settings.EXPORT_MAX_ROWS` rows with `ExportTooLarge`, which carries a Chinese
  message for the user; a list checks its count first (`ensure_exportable`) so the refusal comes at once.
- Safe: a text that Excel or WPS would read as a formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage
  return) is written as a string cell with Excel's quote prefix, here and nowhere else. Numbers stay numbers,
  dates stay dates.
"""

import contextlib
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What makes Excel, WPS or LibreOffice treat typed or pasted text as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Rows fetched per query when an export walks a queryset: enough to keep the query count low, few enough to
# keep the model instances of one chunk small.
CHUNK_SIZE = 2000

DEFAULT_MAX_ROWS = 200_000
MAX_WIDTH = 60

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_WRAP = Alignment(wrap_text=True, vertical="top")


def max_rows():
    return getattr(settings, "EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


class ExportTooLarge(Exception):
    """An export would exceed the row limit; `message` says so in the user's language."""

    def __init__(self, limit):
        self.limit = limit
        self.message = _("导出的数据超过 %(max)s 行的上限，请缩小筛选范围（如按辖区或月份）后分批导出。") % {
            "max": f"{limit:,}"
        }
        super().__init__(self.message)


def ensure_exportable(count, limit=None):
    """Raise ExportTooLarge when `count` rows are more than one export may hold."""
    limit = max_rows() if limit is None else limit
    if count > limit:
        raise ExportTooLarge(limit)


@dataclass(frozen=True)
class Column:
    """One column of a list's export: its header and how a row's value is read from an object."""

    header: Any
    value: Callable[[Any], Any]
    width: int | None = None

    def column_width(self):
        return self.width or max(len(str(self.header)) * 2 + 2, 10)


def column_rows(objects, columns):
    """Yield one list of values per object, in the order of `columns`."""
    for obj in objects:
        yield [column.value(obj) for column in columns]


@dataclass
class Sheet:
    """A sheet to write: headers, then rows (any iterable, consumed once).

    `widths`: column widths; when absent they fit the content if `rows` is a list (small sheets already in
    memory) and the headers otherwise (a streamed sheet cannot look ahead). `title_row`: a bold line merged
    above the headers. `wrap`: wrap long text in every body cell.
    """

    title: Any
    headers: Sequence
    rows: Iterable = ()
    widths: Sequence[int] | None = None
    title_row: Any = None
    wrap: bool = False
    limit: int | None = field(default=None)


def plain(value):
    """Return `value` as openpyxl should store it: numbers and dates as such, everything else as text."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        # Excel has no time zones: a moment is written as the local wall-clock time people expect.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    text = value if isinstance(value, str) else str(value)
    # Control characters are not allowed in the XML of a sheet; openpyxl would refuse the whole file.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def is_formula_like(value):
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def _cell(sheet, value, *, font=None, alignment=None):
    """Return a cell for `value`, or the value itself when it needs no cell object (the fast path)."""
    value = plain(value)
    risky = is_formula_like(value)
    if not (risky or font or alignment):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if risky:
        # openpyxl marks a text beginning with "=" as a formula; a string cell is shown as typed and the quote
        # prefix keeps it text when someone edits the cell in Excel.
        cell.data_type = "s"
        cell.quotePrefix = True
    if font:
        cell.font = font
    if alignment:
        cell.alignment = alignment
    return cell


def _fitted_widths(headers, rows):
    widths = [max(len(str(h)) * 2, 8) for h in headers]
    for row in rows:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = min(max(widths[i], len(str(value if value is not None else "")) * 2 + 2), MAX_WIDTH)
    return widths


def _write_sheet(workbook, spec):
    sheet = workbook.create_sheet(str(spec.title)[:31])
    headers = [str(h) for h in spec.headers]
    widths = spec.widths
    if widths is None:
        widths = _fitted_widths(headers, spec.rows) if isinstance(spec.rows, list | tuple) else None
    if widths is None:
        widths = [max(len(h) * 2 + 2, 10) for h in headers]
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(width, MAX_WIDTH)
    header_row = 1
    if spec.title_row is not None:
        sheet.append([_cell(sheet, spec.title_row, font=_TITLE)])
        if len(headers) > 1:
            sheet.merged_cells.add(f"A1:{get_column_letter(len(headers))}1")
        header_row = 2
    sheet.append([_cell(sheet, h, font=_BOLD) for h in headers])
    sheet.freeze_panes = f"A{header_row + 1}"
    limit = max_rows() if spec.limit is None else spec.limit
    alignment = _WRAP if spec.wrap else None
    for n, row in enumerate(spec.rows, start=1):
        if n > limit:
            raise ExportTooLarge(limit)
        sheet.append([_cell(sheet, v, alignment=alignment) for v in row])


def write_xlsx(target, sheets):
    """Write `sheets` (Sheet objects) as an .xlsx into `target`, a path or a binary file object."""
    workbook = Workbook(write_only=True)
    try:
        for spec in sheets:
            _write_sheet(workbook, spec)
    except BaseException:
        _abandon(workbook)
        raise
    workbook.save(target)


def _abandon(workbook):
    """Close and delete the sheets' temporary files; saving would, but an export refused half-way is not saved."""
    for sheet in workbook.worksheets:
        with contextlib.suppress(Exception):
            sheet.close()
        with contextlib.suppress(Exception):
            sheet._writer.cleanup()


def xlsx_bytes(sheets):
    """Return a small .xlsx as bytes (a file inside a zip, a blank template)."""
    buffer = BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()


def xlsx_response(*, filename, sheets=None, sheet_title=None, headers=None, rows=None):
    """Return a download of `sheets` (or of one sheet given by title, headers and rows), streamed from disk.

    Raises ExportTooLarge before any response is made when a sheet is over the row limit.
    """
    if sheets is None:
        sheets = [Sheet(title=sheet_title, headers=headers, rows=rows if rows is not None else ())]
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it, which deletes it
    try:
        write_xlsx(handle, sheets)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
