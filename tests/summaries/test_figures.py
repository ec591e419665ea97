"""The dashboard read from the summary tables equals the dashboard read from the records, figure for figure."""

from datetime import date
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from base.periods import Period, month_end, year_period
from reporting.selectors import _compute_dashboard, children_ranking
from summaries import services
from summaries.models import Delta, Stale
from tests.summaries.operations import RandomWrites, build_tree

PERIODS = (
    year_period(2026),
    year_period(2025),
    Period(date(2026, 3, 1), month_end(2026, 3), "month"),
    Period(date(2025, 11, 1), month_end(2026, 2), "range"),
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

    def test_stale_totals_are_rebuilt_before_they_are_read(self):
        services.fold()
        community = self.places[2]
        community.parent = self.places[-4] if self.places[-4].level == "street" else self.places[1]
        community.save()
        RandomWrites(self.places, seed=9).run(50)
        board = _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[0]).as_dict()
        self.assertFalse(Stale.objects.exists())
        with from_records():
            raw = _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[0]).as_dict()
        self.assertEqual(board, raw)


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
                    read = " ".join(q["sql"] for q in ctx.captured_queries)
                    self.assertNotIn("communities_groupcount", read)
                    with from_records():
                        raw = _compute_dashboard(jurisdiction=place, period=period, today=DAYS[1]).as_dict()
                    self.assertEqual(kept, raw)
                    self.assertTrue(any(row["population"] for row in kept["ranking"]) or place != self.district)

    def test_a_record_above_others_sends_the_reader_to_the_records(self):
        from communities.models import PopulationRecord

        PopulationRecord.objects.create(jurisdiction=self.places[1], year=2026, kind="resident", residents=12345)
        with CaptureQueriesContext(connection) as ctx:
            kept = _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[1]).as_dict()
        self.assertIn("communities_groupcount", " ".join(q["sql"] for q in ctx.captured_queries))
        with from_records():
            raw = _compute_dashboard(jurisdiction=self.district, period=PERIODS[0], today=DAYS[1]).as_dict()
        self.assertEqual(kept, raw)
        self.assertEqual(kept["ranking"][0]["population"], 12345)
