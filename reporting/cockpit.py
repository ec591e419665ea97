"""The cockpit's chart data: the dashboard's own figures reshaped for ECharts (never queried again).

The dashboard page passes `cockpit_data(board)` to its charts with `json_script`, renders the charts' data
tables from it, and the JSON summary carries it under "charts"; the big screen reads it from that JSON. So a
bar, its table row and the JSON agree because they are one value.
"""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from base.periods import next_month
from communities.figures import share

# Minority groups drawn one by one; the rest is one 其他 bar, so no one is left out of the chart.
TOP_GROUPS = 10

# How the children may be ranked: key → (label, higher is better). "Better" orders the bars best first.
RANKING_METRICS = {
    "minority_share": (lambda: _("少数民族占比（%）"), True),
    "activities_per_1000": (lambda: _("每千名居民活动场次"), True),
    "closure_rate": (lambda: _("信访办结率（%）"), True),
    "late_returns": (lambda: _("月报逾期未报"), False),
    "overdue": (lambda: _("信访超期"), False),
}


def share_text(value, count=None):
    """Return a share in percent as people read it: "<0.01%" for a share too small to show, "—" for none.

    `count`, when given, tells a true 0 (nobody) from a share that rounded to 0.00 (a few people).
    """
    if value is None:
        return "—"
    value = Decimal(str(value))
    if (value == 0 and count) or Decimal(0) < value < Decimal("0.01"):
        return "<0.01%"
    return f"{value}%"


def _num(value):
    if value is None:
        return None
    value = Decimal(str(value))
    return int(value) if value == value.to_integral() else float(value)


def composition(population, top=TOP_GROUPS):
    """Return the minority groups by size, the first `top` by name and the others together as 其他."""
    minorities = population.minority_groups  # already largest first
    rows = [
        {
            "name": g.ethnic_group.name,
            "count": g.count,
            "share": _num(g.share_of_residents),
            "share_text": share_text(g.share_of_residents, g.count),
        }
        for g in minorities[:top]
    ]
    tail = minorities[top:]
    if tail:
        count = sum(g.count for g in tail)
        value = share(count, population.population)
        rows.append(
            {
                "name": _("其他（%(n)s个民族）") % {"n": len(tail)},
                "count": count,
                "share": _num(value),
                "share_text": share_text(value, count),
                "other": True,
            }
        )
    return rows


def _months(start, end):
    month = date(start.year, start.month, 1)
    while month <= end:
        yield month
        month = next_month(month)


def _last_year(month):
    return date(month.year - 1, month.month, 1)


def months(board):
    """Return one row per month of the period: activities now and a year earlier, and the petitions."""
    now = {m.month: m for m in board.activities_by_month}
    before = {m.month: m for m in board.activities_by_month_previous}
    rows = []
    for month in _months(board.period.start, board.period.end):
        a, b = now.get(month), before.get(_last_year(month))
        p = board.petitions_by_month.get(month, {})
        received, closed = p.get("received", 0), p.get("closed", 0)
        rows.append(
            {
                "month": f"{month:%Y-%m}",
                "activities": a.count if a else 0,
                "participants": a.participants if a else 0,
                "activities_last_year": b.count if b else 0,
                "participants_last_year": b.participants if b else 0,
                "petitions_received": received,
                "petitions_closed": closed,
                "petitions_overdue": p.get("overdue", 0),
                "closure_rate": _num(share(closed, received, places=1)),
            }
        )
    return rows


def ranking(board):
    """Return each child's figures with the ratios it may be ranked by (RANKING_METRICS)."""
    late = {}
    for row in board.returns:
        if row.is_late:
            late[row.jurisdiction.path] = late.get(row.jurisdiction.path, 0) + 1
    rows = []
    for r in board.ranking:
        path = r.jurisdiction.path
        per_1000 = None
        if r.population:
            per_1000 = (Decimal(r.activities) * 1000 / r.population).quantize(Decimal("0.01"))
        rows.append(
            {
                "code": r.jurisdiction.code,
                "name": r.jurisdiction.name,
                "population": r.population,
                "activities": r.activities,
                "minority_share": _num(r.minority_share),
                "activities_per_1000": _num(per_1000),
                "closure_rate": _num(r.closure_rate),
                "late_returns": sum(n for p, n in late.items() if p.startswith(path)),
                "overdue": r.overdue,
            }
        )
    return rows


def plan(board):
    if board.plan_progress is None:
        return None
    g = board.plan_progress
    return {
        "title": board.plan.title,
        "indicators": g["indicators"]["scored"],
        "by_status": [{"key": k, "label": str(label), "count": n} for k, label, n in g["indicators"]["by_status"]],
        "self_score": _num(g["self_score_total"]),
        "points": _num(g["points_total"]),
        "responsibilities_overdue": g["responsibilities"]["overdue"],
        "budget_share": _num(g["budget_total"]["share"]),
    }


def headline(board):
    p, a, q = board.population, board.activities, board.petitions
    return {
        "population": p.population,
        "minority_total": p.minority_total,
        "minority_share": _num(p.minority_share),
        "minority_share_text": share_text(p.minority_share, p.minority_total),
        "minority_groups": p.minority_group_count,
        "activities": a.count,
        "participants": a.participants,
        "petitions_received": q["received"],
        "petitions_closed": q["closed"],
        "closure_rate": _num(q["closure_rate"]),
        "petitions_overdue": q["overdue"],
        "returns_late": board.returns_late,
    }


def cockpit_data(board):
    """Return every chart's data for `board`: JSON-ready, with no personal name and no record."""
    return {
        "headline": headline(board),
        "composition": composition(board.population),
        "months": months(board),
        "categories": [
            {"name": c.name, "count": c.count, "participants": c.participants}
            for c in sorted(board.activities_by_category, key=lambda c: -c.count)
        ],
        "channels": [{"name": c["label"], "count": c["count"]} for c in board.petitions["by_channel"]],
        "ranking": ranking(board),
        "plan": plan(board),
        # The same rows as the projects panel's table and the JSON's projects.by_source: cash by source kind,
        # and the part of the totals no cash row names (未列明来源).
        "investment": [
            {"name": row["label"], "source": row["source"], "amount": row["amount"]}
            for row in board.projects.as_dict()["by_source"]
        ],
    }


def chart_labels():
    """Return the words the chart script shows (series, axes, metric names), in the reader's language."""
    return {
        "activities": _("活动场次"),
        "participants": _("参与人次"),
        "this_period": _("本期"),
        "last_year": _("上年同期"),
        "received": _("受理登记"),
        "closed": _("办结"),
        "overdue": _("超期"),
        "closure_rate": _("办结率"),
        "people": _("人"),
        "investment": _("投资（万元）"),
        "share": _("占常住人口"),
        "metrics": {key: label() for key, (label, _better) in RANKING_METRICS.items()},
        "better_high": {key: better for key, (_label, better) in RANKING_METRICS.items()},
        "updated": _("更新于"),
        "stale": _("无法连接服务器，显示的是上次更新的数据"),
    }
