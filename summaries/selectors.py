"""Reads of the summary tables: a subtree's figures are its node's totals plus its journal rows not folded yet.

Each read is one statement, so it sees one snapshot: a fold that moves rows from the journal into the totals
meanwhile is seen wholly or not at all, and the sum is the same either way.
"""

from collections import namedtuple
from datetime import date
from decimal import Decimal

from django.db import connection

from communities.models import PATH_SEGMENT_WIDTH

Row = namedtuple("Row", "measure month key value")
ChildRow = namedtuple("ChildRow", "child measure month key value")


def _prefix():
    return ("path GLOB %s", "*") if connection.vendor == "sqlite" else ("path LIKE %s", "%")


def _filters(measures, start, end):
    sql = f"measure IN ({', '.join(['%s'] * len(measures))})"
    params = list(measures)
    if start is not None:
        sql += " AND month >= %s"
        params.append(start)
    if end is not None:
        sql += " AND month <= %s"
        params.append(end)
    return sql, params


def _month(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _number(value):
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(Decimal("0.01")) if number != number.to_integral_value() else Decimal(int(number))


def subtree_rows(jurisdiction, measures, *, start=None, end=None):
    """Return a `Row` per (measure, month, key) of `jurisdiction`'s subtree, months from `start` to `end`."""
    where, params = _filters(measures, start, end)
    match, wildcard = _prefix()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT measure, month, key, SUM(value) FROM ("
            f"SELECT measure, month, key, value FROM summaries_total WHERE node = %s AND {where} UNION ALL "
            f"SELECT measure, month, key, value FROM summaries_delta WHERE {match} AND {where}"
            f") s GROUP BY measure, month, key",
            [jurisdiction.path, *params, jurisdiction.path + wildcard, *params],
        )
        return [Row(m, _month(mo), k, _number(v)) for m, mo, k, v in cursor.fetchall()]


def children_rows(jurisdiction, measures, *, start=None, end=None):
    """Return a `ChildRow` per child path of `jurisdiction` and (measure, month, key), months from `start` to `end`."""
    where, params = _filters(measures, start, end)
    match, wildcard = _prefix()
    width = (jurisdiction.depth + 2) * PATH_SEGMENT_WIDTH
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT child, measure, month, key, SUM(value) FROM ("
            f"SELECT node AS child, measure, month, key, value FROM summaries_total "
            f"WHERE node IN (SELECT path FROM communities_jurisdiction WHERE parent_id = %s) AND {where} UNION ALL "
            f"SELECT substr(path, 1, {width}) AS child, measure, month, key, value FROM summaries_delta "
            f"WHERE {match} AND length(path) >= {width} AND {where}"
            f") s GROUP BY child, measure, month, key",
            [jurisdiction.pk, *params, jurisdiction.path + wildcard, *params],
        )
        return [ChildRow(c, m, _month(mo), k, _number(v)) for c, m, mo, k, v in cursor.fetchall()]
