"""Reads of activities and projects for pages, dashboards, JSON and reports.

Every figure is aggregated in SQL over a jurisdiction's whole subtree, in a fixed number of queries.
"""

from dataclasses import dataclass, fields
from datetime import date

from django.db.models import CharField, Count, DateField, F, Func, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Substr

from base.provinces import is_province_top

from ..models import Activity, ActivityPhoto

# The projects' figures have their own module; imported here for the callers that read them with the activities.
from .projects import project_totals  # noqa: F401


class NotIndexed(Func):
    """A column SQLite's planner may not search an index by (`+column`); the plain column elsewhere."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


def _activities(jurisdiction, start, end, *, ranked=False):
    """The subtree's activities of the period. `ranked`: for a ranking by an index that starts with the province
    (largest_activities), which a whole province walks in its order, the period not searchable there on SQLite."""
    at_top = ranked and is_province_top(jurisdiction.path)
    qs = Activity.objects.in_subtree(jurisdiction, by_province_at_top=at_top)
    day = "date"
    if at_top:
        qs, day = qs.alias(day=NotIndexed(F("date"), output_field=DateField())), "day"
    if start:
        qs = qs.filter(**{f"{day}__gte": start})
    if end:
        qs = qs.filter(**{f"{day}__lte": end})
    return qs


@dataclass(frozen=True)
class ActivityTotals:
    """How many activities a subtree held in a period, who came, and the publicity they produced."""

    count: int = 0
    participants: int = 0
    minority_participants: int = 0
    posters: int = 0
    handbooks: int = 0
    promo_items: int = 0
    light_boxes: int = 0
    online_posts: int = 0
    people_reached: int = 0

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}


_SUMMED = [f.name for f in fields(ActivityTotals) if f.name != "count"]


def _sum(name):
    return Coalesce(Sum(name), Value(0), output_field=IntegerField())


def activity_totals(*, jurisdiction, start=None, end=None):
    """Return ActivityTotals over `jurisdiction`'s subtree for activities dated from `start` to `end` inclusive."""
    row = _activities(jurisdiction, start, end).aggregate(count=Count("pk"), **{n: _sum(n) for n in _SUMMED})
    return ActivityTotals(**row)


@dataclass(frozen=True)
class CategoryCount:
    name: str
    report_section: str
    count: int
    participants: int
    minority_participants: int


def activity_counts_by_category(*, jurisdiction, start=None, end=None):
    """Return one CategoryCount per category that held activities, in the categories' own order."""
    rows = (
        _activities(jurisdiction, start, end)
        .order_by()
        .values("category__name", "category__report_section", "category__order")
        .annotate(
            count=Count("pk"), participants=_sum("participants"), minority_participants=_sum("minority_participants")
        )
        .order_by("category__order", "category__name")
    )
    return [
        CategoryCount(
            name=r["category__name"],
            report_section=r["category__report_section"],
            count=r["count"],
            participants=r["participants"],
            minority_participants=r["minority_participants"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class MonthCount:
    month: date
    count: int
    participants: int
    minority_participants: int
    people_reached: int


def activity_counts_by_month(*, jurisdiction, start=None, end=None):
    """Return one MonthCount per month that held activities, oldest first; `month` is the month's first day."""
    # Grouping on the ISO text "YYYY-MM" avoids SQLite's Python date_trunc function (four times slower).
    rows = (
        _activities(jurisdiction, start, end)
        .annotate(month_text=Substr(Cast("date", CharField()), 1, 7))
        .order_by()
        .values("month_text")
        .annotate(
            count=Count("pk"),
            participants=_sum("participants"),
            minority_participants=_sum("minority_participants"),
            people_reached=_sum("people_reached"),
        )
        .order_by("month_text")
    )
    result = []
    for row in rows:
        text = row.pop("month_text")
        result.append(MonthCount(month=date(int(text[:4]), int(text[5:7]), 1), **row))
    return result


def largest_activities(*, jurisdiction, start=None, end=None, limit=5):
    """Return the `limit` activities with the most participants, most recent first among equals."""
    order = ("-participants", "-date", "-pk")
    # A whole province walks the largest-first index in its order and stops at the period's first `limit` entries:
    # with the period searchable, SQLite's statistics made it skip-scan the index by participants and sort the year's
    # activities instead (city top: 6-12 ms -> 0.01 ms). A smaller subtree ranks them from its places' index.
    dated = _activities(jurisdiction, start, end, ranked=True)
    largest = dated.order_by(*order).values("pk")[:limit]
    return list(Activity.objects.filter(pk__in=largest).select_related("jurisdiction", "category").order_by(*order))


# Lists


def activity_list_queryset(queryset):
    """Annotate activities for a list: the first photo (for its thumbnail) and the number of photos."""
    photos = ActivityPhoto.objects.filter(activity=OuterRef("pk"))
    return queryset.select_related("jurisdiction", "category").annotate(
        first_photo_id=Subquery(photos.order_by("pk").values("pk")[:1]),
        photo_count=Coalesce(
            Subquery(photos.order_by().values("activity").annotate(n=Count("pk")).values("n")[:1]),
            Value(0),
            output_field=IntegerField(),
        ),
    )


def project_list_queryset(queryset):
    return queryset.select_related("jurisdiction").prefetch_related("fundings")
