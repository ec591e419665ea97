"""Excel downloads of lists: what the filters show, as people keep it in their own sheets."""

from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(*, sheet_title, headers, rows):
    """Return an .xlsx with a bold header row and the rows; cells keep their Python types."""
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = sheet_title[:31]
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [max(len(str(h)) * 2, 8) for h in headers]
    for row in rows:
        values = [_cell(v) for v in row]
        ws.append(values)
        for i, v in enumerate(values):
            widths[i] = min(max(widths[i], len(str(v or "")) + 2), 60)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if value is None or isinstance(value, int | float | str):
        return value
    if hasattr(value, "isoformat") and not hasattr(value, "tzinfo"):
        return value  # dates stay dates
    if hasattr(value, "tzinfo"):
        return value.replace(tzinfo=None) if value.tzinfo else value
    return str(value)


def xlsx_response(*, filename, sheet_title, headers, rows):
    response = HttpResponse(
        xlsx_bytes(sheet_title=sheet_title, headers=headers, rows=rows), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
