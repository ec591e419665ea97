"""The children lists of a dashboard (monthly returns by unit, the ranking), bounded on the board, whole here.

The board and its JSON carry a summary by status and the first `CHILDREN_SHOWN` children, the late ones first; the
whole list is read page by page or exported from the same selectors, so every reader sees one ordering.
"""

from django.utils import timezone

from activities.selectors.monthly import STATUS_ORDER, filing_month, unit_statuses

from .freshness import cached

CHILDREN_SHOWN = 20
PAGE_SIZE = 50
# The data each list reads (reporting.freshness.TOPICS), the board's sections of the same name included.
RETURNS_TOPICS = ("returns",)
RANKING_POPULATION_TOPICS = ("population",)
RANKING_FIGURES_TOPICS = ("activities", "petitions")
RANKING_TOPICS = RANKING_POPULATION_TOPICS + RANKING_FIGURES_TOPICS


def _return_order(row):
    return (not row.is_late, STATUS_ORDER.index(row.status), row.jurisdiction.path)


def bounded_returns(rows):
    """Return (the first rows, late ones first, then by status as `status_counts` reads; how many in all)."""
    return sorted(rows, key=_return_order)[:CHILDREN_SHOWN], len(rows)


def returns_by_unit(*, jurisdiction, period, today=None):
    """Return every unit's `ReturnStatusRow` in the subtree for the month the board shows, late ones first."""
    today = today or timezone.localdate()
    filing = filing_month(today, until=period.end)

    def compute():
        return sorted(unit_statuses(jurisdiction=jurisdiction, month=filing.month, today=today), key=_return_order)

    key = ("returns", jurisdiction.pk, jurisdiction.path, filing.month, today)
    rows, _freshness = cached(key, compute, path=jurisdiction.path, topics=RETURNS_TOPICS)
    return filing, rows


def ranking_of_children(*, jurisdiction, period, today=None):
    """Return every child's `RankingRow`, in the board's order."""
    from .selectors import children_ranking  # the board's own selector; imported here to keep one module graph

    today = today or timezone.localdate()
    key = ("ranking", jurisdiction.pk, jurisdiction.path, period.kind, period.start, period.end, today)
    rows, _freshness = cached(
        key,
        lambda: children_ranking(jurisdiction=jurisdiction, period=period, today=today),
        path=jurisdiction.path,
        topics=RANKING_TOPICS,
    )
    return rows
