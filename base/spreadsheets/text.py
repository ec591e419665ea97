"""How a cell's text is cleaned, compared and read as a number, the same way for every importer."""

import re
import unicodedata
from functools import lru_cache

# Cells that statistics offices fill in to say "nothing here".
EMPTY_MARKS = frozenset({"", "-", "—", "–", "－", "——", "/", "无"})
# Words that make a row a checksum of the rows above it rather than data.
TOTAL_WORDS = frozenset({"合计", "总计", "小计"})
# A lone cell starting with one of these, above or below a table, is a note, not data.
NOTE_PREFIXES = ("注", "说明", "备注", "填表", "制表", "审核", "数据来源", "资料来源", "单位:", "统计时间")

# Whitespace, full-width space, and the zero-width characters and BOM that str.strip() keeps but Excel hides.
EDGE_CHARS = (
    " \t\r\n\x0b\x0c\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000\ufeff\u200b\u200c\u200d\u2060"
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_DECIMAL_ZEROS = re.compile(r"^(\d+)\.0+$")


def clean_text(text):
    return text.strip(EDGE_CHARS)


def compact(text):
    """Return `text` with full-width forms folded and every space removed: how headers and names are compared."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def is_empty(text):
    return compact(text) in EMPTY_MARKS


@lru_cache(maxsize=1024)
def total_word(text):
    """Return 合计, 总计 or 小计 when a cell (a place or group cell) marks a total row, else None."""
    if not text:
        return None
    word = compact(text).rstrip(":")
    return word if word in TOTAL_WORDS else None


def is_note_row(row, prefixes=NOTE_PREFIXES):
    """Tell whether `row` holds a single cell of note text ("注：…", "填表人：…"), not data."""
    # Counting blanks first keeps this cheap on the data rows of a large file, which are never notes.
    if len(row) - row.count("") != 1:
        return False
    return compact(next(cell for cell in row if cell)).startswith(prefixes)


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


def column_index(letters):
    """Return the 0-based index of Excel column `letters` (A → 0, AA → 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index - 1
