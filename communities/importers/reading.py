"""Read an uploaded .xlsx or .csv into rows of cell text, the way a person sees them in a spreadsheet.

Everything format-specific stops here: the engines above see a list of rows of stripped strings whose
positions are the spreadsheet's own row numbers (row 1 is index 0), and never a traceback about bytes.
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

from django.utils.translation import gettext as _

EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".txt")
SUPPORTED_EXTENSIONS = EXCEL_EXTENSIONS + CSV_EXTENSIONS

# Cells that statistics offices fill in to say "nothing here".
EMPTY_MARKS = frozenset({"", "-", "—", "–", "－", "——", "/", "无"})

# Whitespace, full-width space, and the zero-width characters and BOM that str.strip() keeps but Excel hides.
_EDGE_CHARS = (
    " \t\r\n\x0b\x0c\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000\ufeff\u200b\u200c\u200d\u2060"
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_DECIMAL_ZEROS = re.compile(r"^(\d+)\.0+$")
# How far a float from a formula (=SUM(...)) may stray from a whole number and still be one.
_FLOAT_SLACK = 1e-6


class FileReadError(Exception):
    """The file cannot be read at all; the message says, in Chinese, what to do about it."""


def extension_of(filename):
    return Path(filename or "").suffix.lower()


def read_rows(file, filename):
    """Return the first sheet (or the CSV) of `file` as a list of rows of cell strings.

    `file` is anything with `read()` returning bytes (an upload, an open file, BytesIO) or bytes itself.
    """
    data = file if isinstance(file, bytes | bytearray) else file.read()
    ext = extension_of(filename)
    if ext in EXCEL_EXTENSIONS:
        return _read_xlsx(bytes(data))
    if ext in CSV_EXTENSIONS:
        return _read_csv(bytes(data))
    raise FileReadError(
        _("不支持的文件类型“%(ext)s”：请上传 Excel（.xlsx）或 CSV（.csv）文件。") % {"ext": ext or _("无扩展名")}
    )


def _read_xlsx(data):
    # Imported lazily: reading a CSV should not pay for openpyxl.
    from openpyxl import load_workbook

    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileReadError(_("这是旧版 Excel（.xls）文件：请在 Excel 中“另存为” .xlsx 格式后再上传。"))
    if not data.startswith(b"PK"):
        raise FileReadError(
            _("不是有效的 Excel 文件：文件内容不是 .xlsx 格式，请确认文件未损坏，或另存为 .xlsx 后再上传。")
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileReadError(
            _("不是有效的 Excel 文件：无法打开（%(reason)s），请确认文件未损坏，或另存为 .xlsx 后再上传。")
            % {"reason": exc.__class__.__name__}
        ) from exc
    try:
        if not workbook.worksheets:
            raise FileReadError(_("Excel 文件中没有工作表。"))
        sheet = workbook.worksheets[0]
        # Files written by other tools often declare a wrong sheet size; stream the cells that are really there.
        sheet.reset_dimensions()
        rows = [[_excel_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _trim(rows)


def _excel_cell_text(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        nearest = round(value)
        return str(nearest) if abs(value - nearest) < _FLOAT_SLACK else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return clean_text(str(value))


def _read_csv(data):
    text = _decode(data)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [[cell.strip(_EDGE_CHARS) for cell in row] for row in reader]
    except csv.Error as exc:
        raise FileReadError(
            _("CSV 文件格式有误（%(reason)s），请用 Excel 打开后另存为 .csv 或 .xlsx。") % {"reason": exc}
        ) from exc
    return _trim(rows)


def _decode(data):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text
    raise FileReadError(
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
    """Pick the delimiter that splits the most lines into the same number of fields."""
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_score = ",", -1
    for delimiter in (",", "\t", ";"):
        widths = Counter(len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1)
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


def clean_text(text):
    return text.strip(_EDGE_CHARS)


def compact(text):
    """Return `text` with full-width forms folded and every space removed: how headers and names are compared."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def is_empty(text):
    return compact(text) in EMPTY_MARKS


def parse_whole_number(text):
    """Return the whole number `text` holds, None when the cell is empty, or raise ValueError.

    Accepts what Excel and statistics offices write: "1,353", "1，353", "1353.0", full-width digits.
    """
    if text.isdecimal():
        return int(text)
    if not text:
        return None
    value = compact(text)
    if value in EMPTY_MARKS:
        return None
    if value.isdecimal():
        return int(value)
    if _THOUSANDS.match(value):
        return int(value.replace(",", ""))
    match = _DECIMAL_ZEROS.match(value)
    if match:
        return int(match.group(1))
    raise ValueError(value)


def column_letter(index):
    """Return the Excel column letter of 0-based `index` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
