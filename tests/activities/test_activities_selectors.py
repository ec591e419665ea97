"""Selectors of activities and projects, checked against figures computed here from the rows themselves."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from activities.choices import FundingSource, ProjectStatus
from activities.models import Activity
from activities.selectors.activities import (
    ActivityTotals,
    activity_counts_by_category,
    activity_counts_by_month,
    activity_totals,
    largest_activities,
    project_totals,
)
from tests.activities.factories_activities import make_activity, make_project
from tests.factories import make_tree

PUBLICITY = ("posters", "handbooks", "promo_items", "light_boxes", "online_posts", "people_reached")
START, END = date(2024, 1, 1), date(2024, 12, 31)


def rows_in(subtree_root, start=START, end=END):
    return [
        a
        for a in Activity.objects.select_related("category", "jurisdiction")
        if a.jurisdiction.path.startswith(subtree_root.path) and start <= a.date <= end
    ]


class ActivitySelectorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        specs = [
            # (community index, date, category, participants, minorities, publicity base)
            (0, date(2024, 1, 15), "宣讲", 120, 35, 1),
            (0, date(2024, 1, 28), "文艺演出", 300, 90, 2),
            (0, date(2024, 3, 2), "宣讲", 80, 10, 3),
            (1, date(2024, 3, 20), "走访慰问", 15, 6, 0),
            (1, date(2024, 7, 1), "调度会", 25, 3, 4),
            (2, date(2024, 7, 9), "宣讲", 500, 200, 5),
            (3, date(2024, 11, 30), "志愿服务", 40, 12, 6),
            # Outside the period: never counted.
            (0, date(2023, 12, 31), "宣讲", 999, 999, 9),
            (2, date(2025, 1, 1), "宣讲", 999, 999, 9),
        ]
        for index, day, category_name, participants, minorities, base in specs:
            make_activity(
                cls.communities[index],
                day,
                category_name,
                participants=participants,
                minority_participants=minorities,
                **{name: base * (n + 1) for n, name in enumerate(PUBLICITY)},
            )
        # An activity recorded at the street itself counts for the street and the district.
        make_activity(cls.streets[0], date(2024, 3, 5), "调度会", participants=12, minority_participants=2)

    def test_totals_match_the_rows_for_every_level(self):
        for root in [self.district, *self.streets, *self.communities]:
            with self.subTest(root=root.name):
                rows = rows_in(root)
                expected = ActivityTotals(
                    count=len(rows),
                    participants=sum(a.participants for a in rows),
                    minority_participants=sum(a.minority_participants for a in rows),
                    **{name: sum(getattr(a, name) for a in rows) for name in PUBLICITY},
                )
                self.assertEqual(activity_totals(jurisdiction=root, start=START, end=END), expected)

    def test_district_figures_by_hand(self):
        totals = activity_totals(jurisdiction=self.district, start=START, end=END)
        self.assertEqual((totals.count, totals.participants, totals.minority_participants), (8, 1092, 358))
        self.assertEqual(totals.as_dict()["posters"], 1 + 2 + 3 + 0 + 4 + 5 + 6)

    def test_empty_subtree_gives_zeros_not_none(self):
        totals = activity_totals(jurisdiction=self.communities[3], start=date(2020, 1, 1), end=date(2020, 12, 31))
        self.assertEqual(totals, ActivityTotals())

    def test_period_bounds_are_inclusive(self):
        totals = activity_totals(jurisdiction=self.communities[0], start=date(2024, 1, 15), end=date(2024, 3, 2))
        self.assertEqual(totals.count, 3)

    def test_counts_by_category(self):
        for root in (self.district, self.streets[0], self.communities[0]):
            with self.subTest(root=root.name):
                expected = defaultdict(lambda: [0, 0])
                for a in rows_in(root):
                    expected[(a.category.name, a.category.report_section)][0] += 1
                    expected[(a.category.name, a.category.report_section)][1] += a.participants
                got = activity_counts_by_category(jurisdiction=root, start=START, end=END)
                self.assertEqual({(c.name, c.report_section): [c.count, c.participants] for c in got}, dict(expected))

    def test_counts_by_category_follow_the_category_order(self):
        got = activity_counts_by_category(jurisdiction=self.district, start=START, end=END)
        self.assertEqual([c.name for c in got], ["调度会", "文艺演出", "宣讲", "走访慰问", "志愿服务"])
        speeches = next(c for c in got if c.name == "宣讲")
        self.assertEqual((speeches.count, speeches.participants, speeches.report_section), (3, 700, "publicity"))

    def test_counts_by_month(self):
        rows = rows_in(self.district)
        expected = defaultdict(lambda: [0, 0, 0])
        for a in rows:
            month = a.date.replace(day=1)
            expected[month][0] += 1
            expected[month][1] += a.participants
            expected[month][2] += a.minority_participants
        got = activity_counts_by_month(jurisdiction=self.district, start=START, end=END)
        self.assertEqual([m.month for m in got], sorted(expected))
        self.assertEqual({m.month: [m.count, m.participants, m.minority_participants] for m in got}, dict(expected))
        self.assertIsInstance(got[0].month, date)

    def test_largest_activities(self):
        got = largest_activities(jurisdiction=self.district, start=START, end=END, limit=3)
        expected = sorted(rows_in(self.district), key=lambda a: (-a.participants, -a.date.toordinal()))[:3]
        self.assertEqual([a.pk for a in got], [a.pk for a in expected])
        self.assertEqual([a.participants for a in got], [500, 300, 120])
        only_street = largest_activities(jurisdiction=self.streets[1], start=START, end=END)
        self.assertEqual([a.participants for a in only_street], [500, 40])

    def test_each_selector_runs_a_fixed_number_of_queries(self):
        with self.assertNumQueries(1):
            activity_totals(jurisdiction=self.district, start=START, end=END)
        with self.assertNumQueries(1):
            activity_counts_by_category(jurisdiction=self.district, start=START, end=END)
        with self.assertNumQueries(1):
            activity_counts_by_month(jurisdiction=self.district, start=START, end=END)
        with self.assertNumQueries(1):
            [a.category.name + a.jurisdiction.name for a in largest_activities(jurisdiction=self.district)]


class LargestActivitiesPlanTests(TestCase):
    """A whole province's five largest activities are read off the largest-first index, not ranked by sorting."""

    # sqlite_stat1 as ANALYZE wrote it for the benchmark's city (99,513 activities over five years, 342 per
    # participants value, 61 days' worth per date): with these, a searchable period made SQLite skip-scan the
    # index by participants and sort the year's 20,000 activities (6-12 ms on every cold board).
    BENCH_STATISTICS = [
        ("activity_largest_idx", "99513 99513 342 2 1"),
        ("activity_place_people_idx", "99513 70 1 1 1"),
        ("activities_activity_date_9d7b58ec", "99513 61"),
        ("activities_activity_jurisdiction_id_3c68e813", "99513 70"),
    ]

    def test_the_top_walks_the_largest_first_index_in_order(self):
        if connection.vendor != "sqlite":
            self.skipTest("SQLite's planner")
        district, _streets, communities = make_tree()
        make_activity(communities[0], date(2024, 3, 1), "宣讲", participants=80)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'activities_activity'")
            cursor.executemany(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('activities_activity', %s, %s)",
                self.BENCH_STATISTICS,
            )
            cursor.execute("ANALYZE sqlite_schema")  # the planner reads the statistics again
        with CaptureQueriesContext(connection) as queries:
            got = largest_activities(jurisdiction=district, start=START, end=END)
        self.assertEqual([a.participants for a in got], [80])
        ranked = next(q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {ranked}")
            plan = " | ".join(row[-1] for row in cursor.fetchall())
        # The province alone searched: the index's order is the ranking (only the five rows read back are sorted).
        self.assertIn("SEARCH U0 USING COVERING INDEX activity_largest_idx (province_code=?)", plan)
        self.assertEqual(plan.count("TEMP B-TREE"), 1, plan)


class ProjectTotalsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.projects = [
            make_project(
                cls.communities[0],
                [(FundingSource.SUPERIOR, "100.50"), (FundingSource.SELF_RAISED, "20")],
                status=ProjectStatus.COMPLETED,
                households_served=300,
                persons_served=1000,
            ),
            make_project(
                cls.communities[1],
                [(FundingSource.FISCAL, "80"), (FundingSource.SUPERIOR, "10")],
                status=ProjectStatus.IN_PROGRESS,
                households_served=50,
                persons_served=180,
            ),
            make_project(cls.communities[2], [(FundingSource.ENTERPRISE, "33.33")], persons_served=7),
        ]

    def test_totals_match_the_rows(self):
        for root in [self.district, *self.streets, *self.communities]:
            with self.subTest(root=root.name):
                rows = [p for p in self.projects if p.jurisdiction.path.startswith(root.path)]
                totals = project_totals(jurisdiction=root)
                self.assertEqual(totals.count, len(rows))
                self.assertEqual(totals.total_investment, sum((p.total_investment for p in rows), Decimal(0)))
                self.assertEqual(totals.household_times, sum(p.households_served for p in rows))
                self.assertEqual(totals.person_times, sum(p.persons_served for p in rows))
                for status in ProjectStatus:
                    self.assertEqual(totals.by_status[status].count, sum(1 for p in rows if p.status == status))
                by_source = defaultdict(Decimal)
                for p in rows:
                    for f in p.fundings.all():
                        by_source[f.source] += f.amount
                self.assertEqual({r.key: r.amount for r in totals.by_source}, dict(by_source))

    def test_district_by_hand_and_query_count(self):
        with self.assertNumQueries(2):
            totals = project_totals(jurisdiction=self.district, largest=0)
        self.assertEqual(totals.total_investment, Decimal("243.83"))
        self.assertEqual([r.label for r in totals.by_source], ["上级拨款", "本级财政", "企业捐资", "群众自筹"])
        self.assertEqual(totals.by_source[0].amount, Decimal("110.50"))
        self.assertEqual([g.count for _k, _l, g in totals.status_rows], [1, 1, 1])
        self.assertEqual((totals.planned, totals.in_progress, totals.completed), (1, 1, 1))
        self.assertEqual(totals.funding_by_source["上级拨款"], Decimal("110.50"))
        self.assertEqual(totals.under_way.total_investment, Decimal("210.50"))
        self.assertEqual(totals.planned_projects.total_investment, Decimal("33.33"))
        with self.assertNumQueries(4):
            totals = project_totals(jurisdiction=self.district, largest=5)
            self.assertEqual([p.fundings.count() for p in totals.largest], [2, 2])
        self.assertEqual([p.total_investment for p in totals.largest], [Decimal("120.50"), Decimal("90.00")])
