"""Check an .xlsx before anything parses it, then read its first sheet with calamine (openpyxl when calamine cannot).

An .xlsx is a zip of XML parts. Before a parser sees it, every part is inflated here once, in 1 MB pieces,
without keeping it: its real size must match what the zip's directory says (a part that inflates past what
it declares is a forged bomb), and stay under the per-part, total and compression-ratio limits. The sheet XML
is scanned on the way for the area its cells span, because calamine lays a sheet out as a dense grid: two
cells at A1 and XFD1048576 would ask it for seventeen billion.

calamine was measured against openpyxl's read-only mode on a 100,000-row census sheet: 0.4 s against 6 s,
same values (benchmarks/import_limits.py times the hostile files).
"""

import copy
import functools
import re
import zipfile
import zlib

from django.utils.translation import gettext as _

from .limits import MB
from .text import column_index, column_letter

CHUNK = MB
# Below this size a part's compression ratio says nothing: tiny XML parts of repeated tags compress very well.
RATIO_FLOOR_BYTES = MB
MAX_MEMBERS = 2000
_NS = rb"(?:[A-Za-z_][\w.\-]*:)?"
# A cell or row tag whole, its attributes as the second group: a quoted value may hold any character but its quote
# (">" too), and a name may carry a namespace prefix.
_TAG = re.compile(rb"<" + _NS + rb"""(c|row)(?=[\s>/])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
# The attribute r of a tag's attributes, however it is quoted and spaced, as XML allows and calamine reads it.
_R_ATTRIBUTE = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# A cell's reference as calamine reads it: letters of either case, then digits (leading zeros allowed).
_REFERENCE = re.compile(rb"([A-Za-z]{1,10})0*(\d{1,20})")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.\-]*:c[\s>/]")
_SHARED_STRING = re.compile(rb"<" + _NS + rb"si[\s>/]")


class XlsxRefused(Exception):
    """The workbook breaks a limit or is damaged; args[0] is the Chinese message, `row` where it applies."""

    def __init__(self, message, row=None, column=None):
        super().__init__(message)
        self.row, self.column = row, column


def _damaged(reason):
    return XlsxRefused(
        _("Excel 文件不完整或已损坏（%(reason)s）：请在 Excel 中重新保存，或重新下载后再上传。") % {"reason": reason}
    )


def check_xlsx(fileobj, limits):
    """Refuse `fileobj` (a seekable binary file) unless every part of it is within `limits`; parse nothing."""
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(_("不是完整的压缩包")) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _damaged(_("部件过多"))
        names = {info.filename for info in members}
        if "xl/workbook.xml" not in names:
            raise XlsxRefused(
                _("不是有效的 Excel 文件：文件内容不是 .xlsx 格式，请确认文件未损坏，或另存为 .xlsx 后再上传。")
            )
        _check_declared(members, limits)
        for info in members:
            _inflate(archive, info, limits)


def _check_declared(members, limits):
    """Refuse on what the zip's directory says, before inflating a byte."""
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise XlsxRefused(_("Excel 文件已加密：请在 Excel 中取消密码保护后再上传。"))
        _check_size(info.filename, info.file_size, info.compress_size, limits)
        total += info.file_size
    if total > limits.max_total_bytes:
        raise XlsxRefused(
            _(
                "Excel 文件解压后共 %(size)s MB，超过上限 %(max)s MB：可能是压缩炸弹或过大的表格，已拒绝。"
                "请拆分后分批导入。"
            )
            % {"size": total // MB, "max": limits.max_total_bytes // MB}
        )


def _check_size(name, size, compressed, limits):
    if size > limits.max_member_bytes:
        raise XlsxRefused(
            _("Excel 文件中的“%(part)s”解压后超过 %(max)s MB：可能是压缩炸弹或过大的表格，已拒绝。请拆分后分批导入。")
            % {"part": name, "max": limits.max_member_bytes // MB}
        )
    if size > RATIO_FLOOR_BYTES and size > compressed * limits.max_compression_ratio:
        raise XlsxRefused(
            _("Excel 文件中的“%(part)s”压缩比异常（约 %(ratio)s 倍，上限 %(max)s 倍）：可能是压缩炸弹，已拒绝。")
            % {"part": name, "ratio": size // max(compressed, 1), "max": limits.max_compression_ratio}
        )


def _inflate(archive, info, limits):
    """Inflate one part in pieces, checking its real size and checksum against the directory and the limits."""
    scanner = _SheetScanner(limits) if _is_worksheet(info.filename) else None
    shared = info.filename.lower().endswith("sharedstrings.xml")
    # Read past the declared size by one byte: a part that gives more lied about its size. The checksum is
    # compared here rather than by zipfile, which would only say "bad CRC" after reading a forged part whole.
    probe = copy.copy(info)
    probe.file_size = info.file_size + 1
    del probe.CRC
    size, crc, strings, tail = 0, 0, 0, b""
    try:
        with archive.open(probe) as part:
            while chunk := part.read(CHUNK):
                size += len(chunk)
                if size > info.file_size:
                    raise _damaged(_("“%(part)s”的实际大小与目录记录不符") % {"part": info.filename})
                crc = zlib.crc32(chunk, crc)
                if scanner is not None:
                    scanner.feed(chunk)
                elif shared:
                    strings += len(_SHARED_STRING.findall(tail + chunk))
                    tail = chunk[-8:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise _damaged(_("无法解压“%(part)s”") % {"part": info.filename}) from exc
    if size != info.file_size or crc != info.CRC:
        raise _damaged(_("“%(part)s”内容不完整") % {"part": info.filename})
    _check_size(info.filename, size, info.compress_size, limits)
    if scanner is not None:
        scanner.finish()
    if strings > limits.max_cells:
        raise XlsxRefused(
            _("Excel 文件中的文字单元格超过 %(max)s 个：表格过大，请拆分后分批导入。") % {"max": limits.max_cells}
        )


def _is_worksheet(name):
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and "/_rels/" not in name


# A piece's last rows: where its largest row and (in a sheet of whole rows) its widest column are named.
_TAIL_BYTES = 8192
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})0*([1-9]\d{0,9})"')


def _numbers_up_to(number):
    """A pattern of the decimals without leading zeros from 1 to `number`."""
    text = str(number)
    shorter = [rb"[1-9]\d{0,%d}" % (len(text) - 2)] if len(text) > 1 else []
    same_length = []
    for i, digit in enumerate(text):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = rb"\d{%d}" % (len(text) - i - 1) if i < len(text) - 1 else b""
            same_length.append(text[:i].encode() + b"[%d-%d]" % (low, int(digit) - 1) + rest)
    return b"|".join([*shorter, *same_length, text.encode()]) if number > 0 else b"(?!)"


def _columns_up_to(width):
    """A pattern of the column letters (upper case) of the first `width` columns."""
    if width <= 0:
        return b"(?!)"
    text = column_letter(width - 1)
    shorter = [b"[A-Z]{1,%d}" % (len(text) - 1)] if len(text) > 1 else []
    same_length = []
    for i, letter in enumerate(text):
        if letter > "A":
            rest = b"[A-Z]{%d}" % (len(text) - i - 1) if i < len(text) - 1 else b""
            same_length.append(text[:i].encode() + b"[A-" + chr(ord(letter) - 1).encode() + b"]" + rest)
    return b"|".join([*shorter, *same_length, text.encode()])


@functools.lru_cache(maxsize=64)
def _outside(height, width):
    """A pattern of a cell opened by anything but a reference within `height` rows and `width` columns written as
    writers write it (`<c r="`, an upper-case column of at most three letters, a row number, double quotes)."""
    # The closing quote in each row alternative and its digits possessive: a row that is not one fails at once.
    rows = b"|".join(alternative.replace(b"}", b"}+") + b'"' for alternative in _numbers_up_to(height).split(b"|"))
    return re.compile(rb'<c(?:(?! r=")[\s>/]| r="(?!(?:' + _columns_up_to(width) + rb")0*+(?:" + rows + rb")))")


class _SheetScanner:
    """Follow a sheet's XML for the area its cells span, as calamine will lay it out.

    A piece laid out as writers write it is checked with a few searches over the whole piece (`_within_known_area`),
    no object made per cell. Any other piece is read tag by tag (`_scan`), every way XML allows a reference to be
    written: calamine reads any of them, and places a cell wherever its reference says (column ZZZZZ, row 10¹¹).
    Rows and cells written without a reference (allowed, rare) follow the one before; counting them past the largest
    reference is an upper bound.
    """

    def __init__(self, limits):
        self.limits = limits
        self.carry = b""
        self.height = 0
        self.width = 0

    def feed(self, chunk):
        data = self.carry + chunk
        # Cut at the last tag opening so no tag or reference is split between two pieces.
        cut = data.rfind(b"<")
        if cut <= 0:
            cut = len(data)
        self._scan(data[:cut])
        self.carry = data[cut:]
        if len(self.carry) > self.limits.max_row_xml_bytes:
            raise XlsxRefused(
                _("表格中有单元格内容过长（超过 %(max)s MB）：请检查文件是否有异常内容。")
                % {"max": self.limits.max_row_xml_bytes // MB}
            )

    def finish(self):
        self._scan(self.carry)
        self.carry = b""

    def _scan(self, data):
        if self._within_known_area(data):
            self._check()
            return
        rows = cells = referenced = 0
        height = width = row_height = 0
        for name, attributes in _TAG.findall(data):
            found = _R_ATTRIBUTE.search(attributes)
            value = None if found is None else (found[1] if found[1] is not None else found[2])
            if name == b"row":
                rows += 1
                if value is not None:
                    if not value.isdigit() or len(value) > 20:
                        raise _damaged(_("行号“%(value)s”无效") % {"value": value[:20].decode(errors="replace")})
                    row_height = max(row_height, int(value))
                continue
            cells += 1
            if value is None:
                continue
            reference = _REFERENCE.fullmatch(value)
            if reference is None:
                raise _damaged(_("单元格位置“%(value)s”无效") % {"value": value[:20].decode(errors="replace")})
            referenced += 1
            height = max(height, int(reference[2]))
            width = max(width, column_index(reference[1].upper().decode()) + 1)
        if cells > referenced:
            # Cells without a reference follow the one before, in rows that may have none either: bound them
            # by counting every such cell after the rightmost column and every row after the lowest one.
            height = max(height, row_height) + rows
            width += cells - referenced
        self.height, self.width = max(self.height, height), max(self.width, width)
        self._check()

    def _within_known_area(self, data):
        """The quick way through a piece as writers lay it out (every cell opened by its reference: `<c r="A1"`): take
        the largest row and column named near the piece's end, then search the piece once for a cell opened any other
        way or beyond them. None found, those are the piece's; any, and the piece is read tag by tag (`_scan`).
        A province's sheet, 42 MB and 1.2 M cells: two searches, 0.2 s, no object made per cell."""
        if b":" in data and b":c" in data and _PREFIXED_CELL.search(data):
            return False
        height, width = self.height, self.width
        for letters, row in _CELL_REF.findall(data[-_TAIL_BYTES:]):
            height, width = max(height, int(row)), max(width, column_index(letters.decode()) + 1)
        if _outside(height, width).search(data):
            return False
        self.height, self.width = height, width
        return True

    def _check(self):
        limits = self.limits
        if self.height > limits.max_rows:
            raise XlsxRefused(
                _("表格超过 %(max)s 行（第%(row)s行起）：请拆分后分批导入。")
                % {"max": limits.max_rows, "row": limits.max_rows + 1},
                row=limits.max_rows + 1,
            )
        if self.width > limits.max_columns:
            letter = column_letter(self.width - 1)
            raise XlsxRefused(
                _("表格超过 %(max)s 列（到了 %(letter)s 列）：请删除多余的列。")
                % {"max": limits.max_columns, "letter": letter},
                column=letter,
            )
        if self.height * self.width > limits.max_cells:
            raise XlsxRefused(
                _("表格过大：%(rows)s 行 × %(columns)s 列，超过 %(max)s 个单元格的上限。请拆分后分批导入。")
                % {"rows": self.height, "columns": self.width, "max": limits.max_cells}
            )


def open_first_sheet(source):
    """Return (rows, merged ranges, close) of the first sheet: an iterator over rows of raw values, the merged ranges
    (0-based, inclusive) and the function that releases the workbook. `source` is a path or a seekable binary file.

    calamine reads the sheet into its own compact grid and hands out one row of Python values at a time. A workbook
    calamine cannot read (it refuses some files Excel and WPS open, e.g. XML it finds malformed) is read again with
    openpyxl's read-only mode, which gives the same values (tests/base/test_spreadsheets_stream.py compares them).
    """
    try:
        return _calamine_sheet(source)
    except XlsxRefused:
        raise
    except Exception as calamine_error:  # calamine's errors share no base class worth naming
        try:
            return _openpyxl_sheet(source)
        except Exception:  # noqa: BLE001 — neither reader can: a damaged file to the user, named by calamine's error
            raise _damaged(calamine_error.__class__.__name__) from calamine_error


def read_first_sheet(source):
    """Return (rows of raw values, merged ranges) of the first sheet, all read; see open_first_sheet."""
    rows, merged, close = open_first_sheet(source)
    try:
        return list(rows), merged
    finally:
        close()


def _calamine_sheet(source):
    import python_calamine

    if isinstance(source, str):
        workbook = python_calamine.CalamineWorkbook.from_path(source)
    else:
        source.seek(0)
        workbook = python_calamine.CalamineWorkbook.from_filelike(source)
    try:
        if not workbook.sheet_names:
            raise XlsxRefused(_("Excel 文件中没有工作表。"))
        sheet = workbook.get_sheet_by_index(0)
        merged = [(top, left, bottom, right) for (top, left), (bottom, right) in sheet.merged_cell_ranges or ()]
    except BaseException:
        workbook.close()
        raise
    if not sheet.start:
        workbook.close()
        return iter(()), merged, _nothing
    # iter_rows starts at row 1 but at the first used column; put the empty columns back.
    pad = [""] * sheet.start[1]
    rows = (pad + row for row in sheet.iter_rows()) if pad else sheet.iter_rows()
    return rows, merged, workbook.close


def _nothing():
    pass


def _openpyxl_sheet(source):
    from openpyxl import load_workbook

    if not isinstance(source, str):
        source.seek(0)
    workbook = load_workbook(source, read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            raise XlsxRefused(_("Excel 文件中没有工作表。"))
        sheet = workbook.worksheets[0]
        merged = _merged_ranges(source, sheet._worksheet_path)
    except BaseException:
        workbook.close()
        raise
    # Not padded to the width the sheet's <dimension> claims (any, unchecked: A1:XFD1048576 made each row 16,384
    # cells): rows from column A to their last cell, None for an empty one, as calamine's rows once trimmed.
    sheet.reset_dimensions()
    return sheet.iter_rows(values_only=True), merged, workbook.close


_MERGE_REF = re.compile(_NS.join((rb"<", rb'mergeCell\s[^>]*?ref="([A-Z]{1,3})(\d{1,10}):([A-Z]{1,3})(\d{1,10})"')))


def _merged_ranges(source, part):
    """Return the merged ranges a sheet's XML lists; openpyxl's read-only mode does not read them."""
    if not isinstance(source, str):
        source.seek(0)
    merged, tail = [], b""
    with zipfile.ZipFile(source) as archive, archive.open(part.lstrip("/")) as xml:
        while chunk := xml.read(CHUNK):
            data = tail + chunk
            # Cut at the last tag opening so no reference is split between two pieces.
            cut = data.rfind(b"<")
            cut = len(data) if cut <= 0 else cut
            merged.extend(_merges(data[:cut]))
            tail = data[cut:]
    merged.extend(_merges(tail))
    return merged


def _merges(data):
    return [
        (int(top) - 1, column_index(left.decode()), int(bottom) - 1, column_index(right.decode()))
        for left, top, right, bottom in _MERGE_REF.findall(data)
    ]
