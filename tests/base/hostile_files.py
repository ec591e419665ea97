"""Hostile spreadsheets for the import limits: a zip bomb, a million-row CSV, a truncated workbook.

Also used by benchmarks/import_limits.py. The bomb is built without writing or compressing 500 MB: one
megabyte of sheet rows is deflated once with a full flush, which makes its compressed bytes independent of
what comes before them, so the same piece can be repeated to make a valid deflate stream of any length.
"""

import struct
import zlib
from functools import lru_cache

from tests.factories import xlsx_bytes

MB = 1024 * 1024
BOMB_BYTES = 500 * MB
MILLION = 1_000_000

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"


def _stored(name, data):
    return name, data, data, 0, len(data), zlib.crc32(data)


def _deflated(name, data):
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed = packer.compress(data) + packer.flush()
    return name, data, compressed, 8, len(data), zlib.crc32(data)


def _bomb_sheet(size):
    """Return (compressed bytes, uncompressed size, crc) of a sheet XML of about `size` bytes of rows."""
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>'
    piece = row * (MB // len(row))
    repeats = max(1, size // len(piece))
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = head.compress(_SHEET_HEAD) + head.flush(zlib.Z_FULL_FLUSH)
    body = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = body.compress(piece) + body.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = tail.compress(_SHEET_TAIL) + tail.flush(zlib.Z_FINISH)
    crc = zlib.crc32(_SHEET_HEAD)
    for _ in range(repeats):
        crc = zlib.crc32(piece, crc)
    crc = zlib.crc32(_SHEET_TAIL, crc)
    compressed = start + block * repeats + end
    return compressed, len(_SHEET_HEAD) + len(piece) * repeats + len(_SHEET_TAIL), crc


def _zip(entries):
    """Write a zip from (name, data or None, compressed bytes, method, size, crc) entries."""
    out, directory = bytearray(), bytearray()
    for name, _data, compressed, method, size, crc in entries:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(compressed), size, len(encoded), 0
        )
        out += encoded + compressed
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            method,
            0,
            0x21,
            crc,
            len(compressed),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += encoded
    start = len(out)
    out += directory
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), start, 0)
    return bytes(out)


@lru_cache(maxsize=2)
def xlsx_bomb(size=BOMB_BYTES):
    """Return an .xlsx of about 1.5 MB whose sheet inflates to `size` bytes (500 MB by default)."""
    compressed, length, crc = _bomb_sheet(size)
    return _zip(
        [
            _deflated("[Content_Types].xml", _CONTENT_TYPES),
            _deflated("_rels/.rels", _RELS),
            _deflated("xl/workbook.xml", _WORKBOOK),
            _deflated("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", None, compressed, 8, length, crc),
        ]
    )


@lru_cache(maxsize=2)
def forged_xlsx_bomb(size=BOMB_BYTES):
    """Return the bomb with a directory that claims the sheet is 1 KB (and the checksum of that first 1 KB)."""
    compressed, _length, _crc = _bomb_sheet(size)
    claimed = (_SHEET_HEAD + b"<row>" * 1024)[:1024]
    return _zip(
        [
            _deflated("[Content_Types].xml", _CONTENT_TYPES),
            _deflated("_rels/.rels", _RELS),
            _deflated("xl/workbook.xml", _WORKBOOK),
            _deflated("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", None, compressed, 8, 1024, zlib.crc32(claimed)),
        ]
    )


def write_million_row_csv(path, header=("民族", "人数"), row=("汉族", "1")):
    """Write a CSV of a header and 1,000,000 short rows to `path` (about 9 MB: under the size limit, so the
    row limit is what refuses it)."""
    line = (",".join(row) + "\n").encode()
    with open(path, "wb") as handle:
        handle.write((",".join(header) + "\n").encode())
        chunk = line * 10_000
        for _ in range(MILLION // 10_000):
            handle.write(chunk)
    return path


@lru_cache(maxsize=4)
def truncated_xlsx(rows=(("代码", "名称"), ("520115000000", "观山湖区"))):
    """Return a valid .xlsx cut off in the middle, as an interrupted upload or download leaves it."""
    data = xlsx_bytes([list(row) for row in rows])
    return data[: len(data) // 2]


def xlsx_with_sheet(rows_xml, after_rows=b""):
    """Return an .xlsx whose one sheet holds `rows_xml` (the raw <row> elements) in its sheetData, and `after_rows`
    after it (e.g. <mergeCells>): for the references and ranges no writer would write but XML allows."""
    sheet = _SHEET_HEAD + rows_xml + b"</sheetData>" + after_rows + b"</worksheet>"
    return _zip(
        [
            _deflated("[Content_Types].xml", _CONTENT_TYPES),
            _deflated("_rels/.rels", _RELS),
            _deflated("xl/workbook.xml", _WORKBOOK),
            _deflated("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            _deflated("xl/worksheets/sheet1.xml", sheet),
        ]
    )
