"""Per-child figures for ranking a jurisdiction's children side by side, in a fixed number of queries.

Each figure here means exactly what the per-jurisdiction selector of its area means (a test holds them
together): activity counts as in `activity_totals`, petition counts as in `petition_figures`.
"""

from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr

from communities.figures import share
from communities.models import PATH_SEGMENT_WIDTH

from ..choices import PetitionStatus
from ..models import Activity, Petition


def _by_child(qs, jurisdiction, path_field="jurisdiction__path"):
    length = (jurisdiction.depth + 2) * PATH_SEGMENT_WIDTH
    return (
        qs.filter(**{f"{path_field}__startswith": jurisdiction.path})
        .exclude(**{path_field: jurisdiction.path})
        .annotate(child_path=Substr(path_field, 1, length))
        .order_by()
        .values("child_path")
    )


def activity_totals_by_child(*, jurisdiction, start, end):
    """Return {child path: {"count", "participants", "minority_participants"}} for activities in the period."""
    rows = _by_child(Activity.objects.filter(date__gte=start, date__lte=end), jurisdiction).annotate(
        count=Count("pk"),
        participants=Coalesce(Sum("participants"), Value(0), output_field=IntegerField()),
        minority_participants=Coalesce(Sum("minority_participants"), Value(0), output_field=IntegerField()),
    )
    return {row.pop("child_path"): row for row in rows}


def petition_counts_by_child(*, jurisdiction, start, end, today):
    """Return {child path: {"received", "closed", "overdue", "closure_rate"}} for cases received in the period.

    `overdue` is, as in `petition_figures`, every case of the child's subtree open past due on `today`,
    whenever received. Two queries.
    """
    rows = _by_child(Petition.objects.filter(received_on__gte=start, received_on__lte=end), jurisdiction).annotate(
        received=Count("pk"),
        closed=Count("pk", filter=Q(status=PetitionStatus.CLOSED, closed_on__lte=end)),
    )
    overdue = {
        row["child_path"]: row["n"]
        for row in _by_child(Petition.objects.overdue(today), jurisdiction).annotate(n=Count("pk"))
    }
    result = {}
    for row in rows:
        row["closure_rate"] = share(row["closed"], row["received"], places=1)
        row["overdue"] = overdue.pop(row["child_path"], 0)
        result[row.pop("child_path")] = row
    for path, n in overdue.items():  # a child with overdue cases but none received in the period
        result[path] = {"received": 0, "closed": 0, "overdue": n, "closure_rate": None}
    return result
