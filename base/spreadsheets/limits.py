"""The bounds every imported spreadsheet is held to, in one place.

The defaults fit the largest legitimate files the importers see (a city's census in the long layout is about
100,000 rows of 7 columns, a province's division list 20,000 rows); a deployment can change any of them with
the setting SPREADSHEET_LIMITS, a dict of the field names below, e.g. ``{"max_rows": 500_000}``.
"""

from dataclasses import dataclass, fields, replace

from django.conf import settings

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    # The uploaded or named file itself.
    max_file_bytes: int = 20 * MB
    # Rows of the sheet (or lines of the CSV), counting title and blank rows: a spreadsheet's own row numbers.
    max_rows: int = 200_000
    max_columns: int = 200
    # Rows × columns of the area the sheet spans, which is what a reader holds in memory.
    max_cells: int = 2_000_000
    # For .xlsx (a zip): every part's uncompressed size, all parts together, and each part's compression
    # ratio. Real sheets compress 5–20 times; a zip bomb compresses a thousand times.
    max_member_bytes: int = 100 * MB
    max_total_bytes: int = 200 * MB
    max_compression_ratio: int = 100
    # One row of sheet XML: 200 columns of long text fit in far less.
    max_row_xml_bytes: int = 4 * MB
    # Errors listed to the user; the rest are counted.
    max_errors: int = 200


DEFAULT_LIMITS = Limits()
FIELD_NAMES = frozenset(f.name for f in fields(Limits))


def current_limits():
    """Return the limits with the overrides of settings.SPREADSHEET_LIMITS applied."""
    overrides = getattr(settings, "SPREADSHEET_LIMITS", None) or {}
    unknown = set(overrides) - FIELD_NAMES
    if unknown:
        raise ValueError(f"SPREADSHEET_LIMITS has unknown keys: {', '.join(sorted(unknown))}")
    return replace(DEFAULT_LIMITS, **overrides)
