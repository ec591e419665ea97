"""The dashboard read from the summary tables equals the dashboard read from the records, figure for figure."""

from datetime import date
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from base.periods import Period, month_end, year_period
from reporting.selectors import _compute_dashboard, children_ranking
from summaries import services
from summaries.models import Delta, Stale, Total
from tests.summaries.operations import RandomWrites, build_tree

PERIODS = (
    year_period(2026),
    year_period(2025),
    Period(date(2026, 3, 1), month_end(2026, 3), "month"),
    Period(date(2025, 11, 1), month_end(2026, 2), "range"),
    Period(date(2026, 12, 1), month_end(2026, 12), "month"),  # this month: the returns filed are last month's
)
DAYS = (date(2026, 11, 23), date(2026, 12, 10))  # before and after November's returns are due


def from_records():
    return mock.patch("summaries.figures.applies", return_value=False)


class SameFiguresTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.places = build_tree(streets=2, communities=3)
        RandomWrites(cls.places, seed=7).run(1_500)

    def assert_same_boards(self):
        street = self.places[1]
        community = self.places[2]
        for place in (self.district, street, community):
            for period in PERIODS:
                for today in DAYS:
                    with self.subTest(place=place.name, period=period.label, today=today):
                        kept = _compute_dashboard(jurisdiction=place, period=period, today=today).as_dict()
                        with from_records():
                            raw = _compute_dashboard(jurisdiction=place, period=period, today=today).as_dict()
                        self.assertEqual(kept, raw)

    def test_folded(self):
        services.fold()
        self.assertEqual(Delta.objects.count(), 0)
        self.assert_same_boards()

    def test_with_writes_not_folded_yet(self):
        services.fold()
        RandomWrites(self.places, seed=8).run(300)
        self.assertGreater(Delta.objects.count(), 0)
        with mock.patch("summaries.figures.services.fold", return_value=True):  # the journal is read as it is
            self.assert_same_boards()

    def test_the_full_ranking(self):
        for period in PERIODS:
            kept = children_ranking(jurisdiction=self.district, period=period, today=DAYS[1])
            with from_records():
                raw = children_ranking(jurisdiction=self.district, period=period, today=DAYS[1])
            self.assertEqual([r.as_dict() for r in kept], [r.as_dict() for r in raw])

    def test_the_summaries_are_used_for_whole_months_only(self):
        period = Period(date(2026, 3, 2), date(2026, 3, 20), "range")
        with CaptureQueriesContext(connection) as ctx:
            _compute_dashboard(jurisdiction=self.district, period=period, today=DAYS[0])
        self.assertFalse(any("summaries_total" in q["sql"] for q in ctx.captured_queries))
        with CaptureQueriesContext(connection) as ctx:
            _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[0])
        self.assertTrue(any("summaries_total" in q["sql"] for q in ctx.captured_queries))

    def test_stale_totals_are_read_around_until_the_hourly_job_rebuilds_them(self):
        services.fold()
        community = self.places[2]
        community.parent = self.places[-4] if self.places[-4].level == "street" else self.places[1]
        community.save()
        RandomWrites(self.places, seed=9).run(50)
        with CaptureQueriesContext(connection) as ctx:
            board = _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[0]).as_dict()
        # A reader does not rebuild (a province's rebuild outlasts any request): it reads the records.
        self.assertTrue(Stale.objects.exists())
        self.assertFalse(any("INSERT INTO summaries_total" in q["sql"] for q in ctx.captured_queries))
        self.assertFalse(any("FROM summaries_total" in q["sql"] for q in ctx.captured_queries))
        with from_records():
            raw = _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[0]).as_dict()
        self.assertEqual(board, raw)
        call_command("compact_data_changes", stdout=StringIO())  # the hourly job
        self.assertFalse(Stale.objects.exists())
        self.assertEqual(services.differences(), [])
        with CaptureQueriesContext(connection) as ctx:
            board = _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[0]).as_dict()
        self.assertTrue(any("FROM summaries_total" in q["sql"] for q in ctx.captured_queries))
        self.assertEqual(board, raw)


def records_read(ctx):
    """The captured statements that read group counts other than as a summary read's own records."""
    return [
        q["sql"] for q in ctx.captured_queries if "communities_groupcount" in q["sql"] and "summaries_" not in q["sql"]
    ]


class LeafWrites(RandomWrites):
    """Every record in a community: no record can hide another, so population too is read from the summaries."""

    def place(self):
        return self.rng.choice(self.leaves)


class SamePopulationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.places = build_tree(streets=2, communities=3)
        LeafWrites(cls.places, seed=12).run(1_500)

    def test_population_and_ranking_from_the_summaries(self):
        services.fold()
        LeafWrites(self.places, seed=13).run(100)
        for place in (self.district, self.places[1]):
            for period in PERIODS:
                with self.subTest(place=place.name, period=period.label):
                    with CaptureQueriesContext(connection) as ctx:
                        kept = _compute_dashboard(jurisdiction=place, period=period, today=DAYS[1]).as_dict()
                    # Group counts are read only inside the summaries' own statements (a place's own records').
                    self.assertEqual(records_read(ctx), [])
                    with from_records():
                        raw = _compute_dashboard(jurisdiction=place, period=period, today=DAYS[1]).as_dict()
                    self.assertEqual(kept, raw)
                    self.assertTrue(any(row["population"] for row in kept["ranking"]) or place != self.district)

    def test_a_record_above_others_sends_the_reader_to_the_records(self):
        from communities.models import PopulationRecord

        PopulationRecord.objects.create(jurisdiction=self.places[1], year=2026, kind="resident", residents=12345)
        with CaptureQueriesContext(connection) as ctx:
            kept = _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[1]).as_dict()
        self.assertNotEqual(records_read(ctx), [])
        with from_records():
            raw = _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[1]).as_dict()
        self.assertEqual(kept, raw)
        self.assertEqual(kept["ranking"][0]["population"], 12345)


class LatestFigureTests(TestCase):
    """A "latest" figure (五员队伍人数) counts, per place, its approved value of the period's latest month."""

    @classmethod
    def setUpTestData(cls):
        from activities.models import MonthlyFigure

        cls.district, places = build_tree(streets=1, communities=2)
        cls.a, cls.b = places[2], places[3]
        cls.figure = MonthlyFigure.objects.get(code="volunteers")

    def file(self, place, month, value, status="approved"):
        from activities.models import MonthlyReturn, MonthlyValue

        monthly_return, _ = MonthlyReturn.objects.update_or_create(
            jurisdiction=place, month=month, defaults={"status": status}
        )
        MonthlyValue.objects.update_or_create(
            monthly_return=monthly_return, figure=self.figure, defaults={"value": value}
        )
        return monthly_return

    def totals(self, period):
        """(from the summaries, from the records) of the figure over the district for `period`."""

        def read():
            board = _compute_dashboard(jurisdiction=self.district, period=period, today=DAYS[1])
            row = next(r for r in board.monthly_figures if r["figure"].pk == self.figure.pk)
            return row["total"], row["returns"]

        kept = read()
        with from_records():
            raw = read()
        return kept, raw

    def test_each_place_counts_its_latest_approved_month_of_the_period(self):
        for month, value in ((1, 10), (2, 12), (11, 15), (12, 16)):
            self.file(self.a, date(2026, month, 1), value)
        self.file(self.b, date(2025, 12, 1), 7)
        self.file(self.b, date(2026, 2, 1), 8)
        self.file(self.b, date(2026, 3, 1), 9, status="submitted")  # not approved: does not count
        cases = {
            year_period(2026): (16 + 8, 2),
            PERIODS[2]: (0, 0),  # March 2026: a's no return, b's not approved
            Period(date(2026, 1, 1), month_end(2026, 11), "range"): (15 + 8, 2),
            Period(date(2025, 12, 1), month_end(2026, 1), "range"): (10 + 7, 2),
            Period(date(2026, 2, 1), month_end(2026, 2), "month"): (12 + 8, 2),
        }
        for period, expected in cases.items():
            with self.subTest(period=period.label):
                self.assertEqual(self.totals(period), (expected, expected))

    def test_changes_move_which_month_is_the_latest(self):
        self.file(self.a, date(2026, 1, 1), 10)
        self.file(self.a, date(2026, 5, 1), 11)
        late = self.file(self.a, date(2026, 9, 1), 12, status="submitted")
        self.assertEqual(self.totals(year_period(2026)), ((11, 1), (11, 1)))
        late.status = "approved"
        late.save()
        self.assertEqual(self.totals(year_period(2026)), ((12, 1), (12, 1)))
        late.values.all().delete()
        late.delete()
        self.file(self.a, date(2026, 3, 1), 20)  # between two months: not the latest
        self.assertEqual(self.totals(year_period(2026)), ((11, 1), (11, 1)))
        may = self.file(self.a, date(2026, 5, 1), 30)
        may.month = date(2026, 2, 1)  # moved before March: March is now the latest
        may.save()
        self.assertEqual(self.totals(year_period(2026)), ((20, 1), (20, 1)))
        services.fold()
        self.assertEqual(services.differences(), [])

    def test_the_board_reads_no_monthly_value_when_the_summaries_serve(self):
        self.file(self.a, date(2026, 1, 1), 10)
        services.fold()
        with CaptureQueriesContext(connection) as ctx:
            _compute_dashboard(jurisdiction=self.district, period=year_period(2026), today=DAYS[1])
        # (The first returns shown count their filled values: twenty rows at most, not the figures.)
        read = [q["sql"] for q in ctx.captured_queries if '"activities_monthlyvalue"."value"' in q["sql"]]
        self.assertEqual(read, [])


class GroupFactsAtTheParentTests(TestCase):
    """A record's group counts are kept at the parent of its place (summaries.specs): each read adds the group
    counts of the place's own records (or of each child's), so every place still reads all of its own."""

    @classmethod
    def setUpTestData(cls):
        from communities.models import EthnicGroup

        cls.district, cls.places = build_tree(streets=2, communities=2)
        cls.streets = [p for p in cls.places if p.level == "street"]
        cls.groups = list(EthnicGroup.objects.order_by("pk")[:3])
        # Records at one depth, the streets' (a record above others would send the reads to the records).
        cls.record(cls.streets[0], (40, 5, 0))
        cls.record(cls.streets[1], (7, 0, 3))

    @classmethod
    def record(cls, place, values):
        from communities.models import GroupCount, PopulationRecord

        record = PopulationRecord.objects.create(
            jurisdiction=place, year=2026, kind="resident", residents=100, minority_total=sum(values[1:])
        )
        GroupCount.objects.bulk_create(
            GroupCount(record=record, ethnic_group=g, count=v) for g, v in zip(cls.groups, values, strict=True)
        )

    def assert_same_boards(self, places):
        for folded in (False, True):
            if folded:
                services.fold()
            for place in places:
                with self.subTest(place=place.name, folded=folded):
                    with CaptureQueriesContext(connection) as ctx:
                        kept = _compute_dashboard(jurisdiction=place, period=PERIODS[0], today=DAYS[1]).as_dict()
                    self.assertEqual(records_read(ctx), [])  # from the summaries, not the records' reader
                    with from_records():
                        raw = _compute_dashboard(jurisdiction=place, period=PERIODS[0], today=DAYS[1]).as_dict()
                    self.assertTrue(kept["population"])
                    self.assertEqual(kept, raw)

    def test_the_facts_are_kept_at_the_parent(self):
        services.fold()
        kept = Total.objects.filter(measure="grp.total", key__endswith=f"|{self.groups[0].pk}")
        self.assertEqual({t.node: t.value for t in kept}, {self.district.path: 40 + 7})  # none at a street

    def test_each_place_reads_its_own_records_and_those_below(self):
        self.assert_same_boards([self.district, *self.streets])

    def test_a_record_at_the_top_of_the_tree_is_read_from_the_records(self):
        from communities.models import PopulationRecord

        services.fold()
        PopulationRecord.objects.all().delete()
        self.record(self.district, (9, 8, 7))  # no parent to keep its facts at
        self.assertFalse(Delta.objects.filter(measure__startswith="grp.", value__gt=0).exists())
        self.assert_same_boards([self.district])
