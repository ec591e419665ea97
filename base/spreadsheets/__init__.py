"""The one reader of imported spreadsheets (.xlsx and .csv) and the limits every import is held to.

    sheet = read_sheet(path_or_upload, filename)     # raises SpreadsheetError with a Chinese message
    index, columns = find_header(sheet.rows, match)  # skip title and note rows
    rows = sheet.filled_rows(skip_columns={3})       # merged cells read as repeated values
    with open_sheet(path_or_upload, filename) as rows:  # or one row at a time, for files too large to hold
        for row in rows: ...

Encodings (UTF-8, UTF-8 with BOM, GBK/GB18030), the CSV delimiter, an .xlsx's zip parts and the size of what
is read are all settled here; importers only interpret cells.
"""

from .issues import ImportIssue, IssueList, sorted_issues, write_issues
from .limits import DEFAULT_LIMITS, Limits, current_limits
from .reading import (
    CSV_EXTENSIONS,
    EXCEL_EXTENSIONS,
    HEADER_SEARCH_ROWS,
    SUPPORTED_EXTENSIONS,
    FileReadError,
    Sheet,
    SheetStream,
    SpreadsheetError,
    check_upload,
    extension_of,
    find_header,
    open_sheet,
    read_rows,
    read_sheet,
)
from .text import (
    EMPTY_MARKS,
    NOTE_PREFIXES,
    TOTAL_WORDS,
    clean_text,
    column_index,
    column_letter,
    compact,
    is_empty,
    is_note_row,
    parse_whole_number,
    total_word,
)

__all__ = [
    "CSV_EXTENSIONS",
    "DEFAULT_LIMITS",
    "EMPTY_MARKS",
    "EXCEL_EXTENSIONS",
    "HEADER_SEARCH_ROWS",
    "NOTE_PREFIXES",
    "SUPPORTED_EXTENSIONS",
    "TOTAL_WORDS",
    "FileReadError",
    "ImportIssue",
    "IssueList",
    "Limits",
    "Sheet",
    "SheetStream",
    "SpreadsheetError",
    "check_upload",
    "clean_text",
    "column_index",
    "column_letter",
    "compact",
    "current_limits",
    "extension_of",
    "find_header",
    "is_empty",
    "is_note_row",
    "open_sheet",
    "parse_whole_number",
    "read_rows",
    "read_sheet",
    "sorted_issues",
    "total_word",
    "write_issues",
]
