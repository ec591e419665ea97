"""Reads of the summary tables: a subtree's figures are its node's totals plus its journal rows not folded yet.

The group counts' facts are kept at the parent of each record's place (summaries.specs): a read of them adds the
group counts of the records at the place itself (or at each child), read from the records in the same statement.

Each read is one statement, so it sees one snapshot: a fold that moves rows from the journal into the totals
meanwhile is seen wholly or not at all, and the sum is the same either way.
"""

from collections import namedtuple
from datetime import date
from decimal import Decimal

from django.db import connection

from communities.models import PATH_SEGMENT_WIDTH

from .triggers import own_facts

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


def _own_facts(measures, columns, places, place_params, start, end, where, where_params):
    """The `UNION ALL` branch (with its parameters) adding to a read of `measures` from `start` to `end`, filtered by
    `where`, the facts the summaries keep one level up (the population records' and their group counts') of the
    records at the places the SQL `places` selects, as `columns` of (path, measure, month, key, value); ('', []) when
    the read asks for none of those measures."""
    records = f"SELECT id FROM communities_populationrecord WHERE jurisdiction_id IN ({places})"  # noqa: S608
    params = list(place_params)
    # Years around the months asked for; the read's own month filter is exact.
    if start is not None:
        records += " AND year >= %s"
        params.append(start.year)
    if end is not None:
        records += " AND year <= %s"
        params.append(end.year)
    facts, copies = own_facts(connection.vendor, records, measures)
    if not copies:
        return "", []
    return f" UNION ALL SELECT {columns} FROM ({facts}) o WHERE {where}", [*params * copies, *where_params]


def _month(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


CENT = Decimal("0.01")


def _number(value):
    """A whole number as int, else a Decimal of cents (the finest a stored value has); cheap for the common int."""
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else Decimal(repr(value)).quantize(CENT)
    return int(value) if value == value.to_integral_value() else value.quantize(CENT)


def subtree_rows(jurisdiction, measures, *, start=None, end=None, by_key=True, by_month=True):
    """Return a `Row` per (measure, month, key) of `jurisdiction`'s subtree, months from `start` to `end`
    (with `by_key=False`, per (measure, month), the key ''; with `by_month=False`, per (measure, key) summed over
    the months, the month the first of them)."""
    where, params = _filters(measures, start, end)
    match, wildcard = _prefix()
    key = "key" if by_key else "''"
    month = "month" if by_month else "MIN(month)"
    grouped = ", ".join(["measure", *(["month"] if by_month else []), *(["key"] if by_key else [])])
    own, own_params = _own_facts(
        measures, "measure, month, key, value", "%s", [jurisdiction.pk], start, end, where, params
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT measure, {month}, {key}, SUM(value) FROM ("
            f"SELECT measure, month, key, value FROM summaries_total WHERE node = %s AND {where} UNION ALL "
            f"SELECT measure, month, key, value FROM summaries_delta WHERE {match} AND {where}{own}"
            f") s GROUP BY {grouped}",
            [jurisdiction.path, *params, jurisdiction.path + wildcard, *params, *own_params],
        )
        return [Row(m, _month(mo), k, _number(v)) for m, mo, k, v in cursor.fetchall()]


_CHILDREN = "SELECT id FROM communities_jurisdiction WHERE parent_id = %s"


def children_rows(jurisdiction, measures, *, start=None, end=None):
    """Return a `ChildRow` per child path of `jurisdiction` and (measure, month, key), months from `start` to `end`."""
    where, params = _filters(measures, start, end)
    match, wildcard = _prefix()
    width = (jurisdiction.depth + 2) * PATH_SEGMENT_WIDTH
    own, own_params = _own_facts(
        measures, "path, measure, month, key, value", _CHILDREN, [jurisdiction.pk], start, end, where, params
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT child, measure, month, key, SUM(value) FROM ("
            f"SELECT node AS child, measure, month, key, value FROM summaries_total "
            f"WHERE node IN (SELECT path FROM communities_jurisdiction WHERE parent_id = %s) AND {where} UNION ALL "
            f"SELECT substr(path, 1, {width}) AS child, measure, month, key, value FROM summaries_delta "
            f"WHERE {match} AND length(path) >= {width} AND {where}{own}"
            f") s GROUP BY child, measure, month, key",
            [jurisdiction.pk, *params, jurisdiction.path + wildcard, *params, *own_params],
        )
        return [ChildRow(c, m, _month(mo), k, _number(v)) for c, m, mo, k, v in cursor.fetchall()]


def children_totals(jurisdiction, measures, *, start=None, end=None, key_bounds=()):
    """Return {(child path, measure): value} summed over months and keys, for each child of `jurisdiction`.

    `key_bounds`: (measure, width, operator, bound) keeping only that measure's keys whose last `width`
    characters compare so with `bound` (a closing month by a period's end, a due date before today).
    """
    where, params = _filters(measures, start, end)
    match, wildcard = _prefix()
    width = (jurisdiction.depth + 2) * PATH_SEGMENT_WIDTH
    kept, kept_params = [], []
    for measure, key_width, operator, bound in key_bounds:
        if operator not in ("<", "<="):
            raise ValueError(operator)
        kept.append(f"(measure <> %s OR substr(key, length(key) - {int(key_width) - 1}) {operator} %s)")
        kept_params += [measure, bound]
    keep = " AND ".join(kept) or "true"
    own, own_params = _own_facts(
        measures, "path, measure, key, value", _CHILDREN, [jurisdiction.pk], start, end, where, params
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT child, measure, SUM(value) FROM ("
            f"SELECT node AS child, measure, key, value FROM summaries_total "
            f"WHERE node IN (SELECT path FROM communities_jurisdiction WHERE parent_id = %s) AND {where} UNION ALL "
            f"SELECT substr(path, 1, {width}) AS child, measure, key, value FROM summaries_delta "
            f"WHERE {match} AND length(path) >= {width} AND {where}{own}"
            f") s WHERE {keep} GROUP BY child, measure",
            [
                jurisdiction.pk,
                *params,
                jurisdiction.path + wildcard,
                *params,
                *own_params,
                *kept_params,
            ],
        )
        return {(child, measure): _number(value) for child, measure, value in cursor.fetchall()}
