"""The dashboard is cached per section: a write recomputes the sections that read what it wrote, and the board a
reader gets is always the board a full computation gives (reporting.freshness.cached_sections)."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

from django.apps import apps
from django.core.cache import caches
from django.test import TestCase

from activities.models import ActivityCategory, MonthlyFigure, Project
from base.periods import year_period
from communities.choices import JurisdictionLevel
from communities.models import AuditEntry, Jurisdiction
from communities.services import audit_entry
from reporting import selectors
from reporting.freshness import ALL_TOPICS, CACHE_ALIAS, TOPICS, tracked_tables
from reporting.selectors import DAILY_SECTIONS, SECTIONS, _compute_dashboard, jurisdiction_dashboard
from tests.activities.factories_activities import make_activity, make_project
from tests.activities.factories_petitions import make_petition
from tests.activities.factories_plans import make_figure, make_indicator, make_plan, make_responsibility, make_return
from tests.factories import make_jurisdiction, make_population, make_user

TODAY = date(2026, 11, 23)
PERIOD = year_period(2026)
EVERY_SECTION = {name for name, _topics, _compute in SECTIONS}


def figures(board):
    return {key: value for key, value in board.as_dict().items() if key not in ("as_of", "refreshing")}


class SectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("碧海街道", JurisdictionLevel.STREET, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001001")
        cls.sibling = make_jurisdiction("金源社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001002")
        make_population(cls.community, 2026, {"汉族": 900, "苗族": 100}, residents=1000)
        make_activity(cls.community, day=date(2026, 3, 1), participants=40)
        make_petition(cls.community, received_on=date(2026, 2, 1), history=False)
        cls.plan = make_plan(cls.street)
        cls.indicator = make_indicator(cls.plan, points=10)
        make_responsibility(cls.indicator, deadline=date(2026, 6, 30))
        make_project(cls.community, fundings=[("central", "100000")])
        cls.figure = make_figure(name="宣讲场次")
        make_return(cls.community, date(2026, 10, 1), values={cls.figure: 3})

    def setUp(self):
        caches[CACHE_ALIAS].clear()

    def read(self, place=None, today=TODAY):
        """Read the board as a page does; return (the board, the names of the sections computed for it)."""
        computed = set()

        def recording(name, compute):
            def run(inputs):
                computed.add(name)
                return compute(inputs)

            return run

        sections = [(name, topics, recording(name, compute)) for name, topics, compute in SECTIONS]
        with mock.patch.object(selectors, "SECTIONS", sections):
            board = jurisdiction_dashboard(jurisdiction=place or self.street, period=PERIOD, today=today)
        return board, computed

    def assert_write_recomputes(self, write, expected):
        self.read()
        write()
        board, computed = self.read()
        self.assertEqual(computed, expected)
        # What was kept and what was recomputed make the board a computation from nothing gives.
        full = _compute_dashboard(jurisdiction=self.street, period=PERIOD, today=TODAY)
        self.assertEqual(figures(board), figures(full))
        return board

    def test_a_first_read_computes_every_section_and_a_second_none(self):
        self.assertEqual(self.read()[1], EVERY_SECTION)
        with self.assertNumQueries(1):  # the versions (the tests' cache is in memory)
            self.assertEqual(self.read()[1], set())

    def test_an_activity_recomputes_the_activities_and_the_ranking_figures_only(self):
        board = self.assert_write_recomputes(
            lambda: make_activity(self.community, day=date(2026, 4, 1), participants=60),
            {"activities", "ranking_figures"},
        )
        self.assertEqual((board.activities.count, board.activities.participants), (2, 100))

    def test_a_petition_recomputes_the_petitions_the_violations_and_the_ranking_figures(self):
        board = self.assert_write_recomputes(
            lambda: make_petition(self.sibling, received_on=date(2026, 5, 1), history=False),
            {"petitions", "violations", "ranking_figures"},
        )
        self.assertEqual(board.petitions["received"], 2)

    def test_a_project_recomputes_the_projects_only(self):
        before = self.read()[0].projects.as_dict()
        board = self.assert_write_recomputes(lambda: Project.objects.update(total_investment=Decimal(5)), {"projects"})
        self.assertNotEqual(board.projects.as_dict(), before)

    def test_a_plan_line_recomputes_the_plan_only(self):
        board = self.assert_write_recomputes(
            lambda: make_responsibility(self.indicator, deadline=TODAY - timedelta(days=3)), {"plan"}
        )
        self.assertEqual(board.plan_progress["responsibilities"]["total"], 2)

    def test_a_population_record_recomputes_the_population_and_the_ranking_population(self):
        board = self.assert_write_recomputes(
            lambda: make_population(self.sibling, 2026, {"汉族": 50, "回族": 50}, residents=100),
            {"population", "ranking_population"},
        )
        self.assertEqual(board.population.minority_total, 150)

    def test_a_census_import_recomputes_the_population_sections_only(self):
        from communities.importers.census import census_import
        from tests.factories import csv_bytes

        # The import writes the records, their counts and each record's counts checksum: all population.
        rows = [["区划代码", "常住人口", "汉族", "回族"], ["520115001002", "100", "50", "50"]]
        board = self.assert_write_recomputes(
            lambda: census_import(file=csv_bytes(rows), filename="census.csv", year=2026),
            {"population", "ranking_population"},
        )
        self.assertEqual(board.population.minority_total, 150)

    def test_a_monthly_return_recomputes_the_figures_the_violations_and_the_returns(self):
        self.assert_write_recomputes(
            lambda: make_return(self.sibling, date(2026, 10, 1), values={self.figure: 4}),
            {"figures", "violations", "returns"},
        )

    def test_a_site_wide_or_tree_write_recomputes_every_section(self):
        self.assert_write_recomputes(lambda: ActivityCategory.objects.create(name="新类别"), EVERY_SECTION)
        self.assert_write_recomputes(
            lambda: MonthlyFigure.objects.filter(pk=self.figure.pk).update(name="宣讲次数"), EVERY_SECTION
        )
        self.assert_write_recomputes(
            lambda: Jurisdiction.objects.filter(pk=self.sibling.pk).update(name="金源新社区"), EVERY_SECTION
        )

    def test_a_write_no_figure_reads_recomputes_nothing(self):
        self.assert_write_recomputes(
            lambda: audit_entry(
                actor=make_user(), action="update", obj=self.community, jurisdiction=self.community
            ).save(),
            set(),
        )
        self.assertTrue(AuditEntry.objects.exists())

    def test_a_write_in_a_sibling_subtree_recomputes_nothing_of_the_community(self):
        self.read(self.community)
        make_activity(self.sibling, day=date(2026, 4, 1))
        self.assertEqual(self.read(self.community)[1], set())

    def test_a_new_day_recomputes_only_the_figures_relative_to_the_day(self):
        self.read()
        tomorrow = TODAY + timedelta(days=1)
        board, computed = self.read(today=tomorrow)
        self.assertEqual(computed, DAILY_SECTIONS)
        self.assertEqual(computed, {"petitions", "returns", "plan", "ranking_figures"})
        full = _compute_dashboard(jurisdiction=self.street, period=PERIOD, today=tomorrow)
        self.assertEqual(figures(board), figures(full))
        self.assertEqual(self.read(today=tomorrow)[1], set())
        # A responsibility due today is overdue tomorrow: the plan's figures follow the day.
        make_responsibility(self.indicator, deadline=tomorrow)
        self.assertEqual(
            self.read(today=tomorrow + timedelta(days=1))[0].plan_progress["responsibilities"]["overdue"], 2
        )

    def test_a_section_another_release_wrote_that_no_longer_reads_back_is_computed_again(self):
        self.read()
        cache = caches[CACHE_ALIAS]
        (key,) = [k for k in cache._cache if "sections" in k]  # the tests' in-memory cache
        entry = cache.get(key.split(":", 2)[-1])
        version, as_of, value = entry["projects"]
        del value["projects"]["state"]["count"]  # as if the dataclass had gained a field since
        entry["projects"] = (version, as_of, value)
        cache.set(key.split(":", 2)[-1], entry)
        board, computed = self.read()
        self.assertEqual(computed, {"projects"})
        self.assertEqual(
            figures(board), figures(_compute_dashboard(jurisdiction=self.street, period=PERIOD, today=TODAY))
        )
        self.assertEqual(self.read()[1], set())  # stored afresh

    def test_as_of_is_when_the_oldest_section_served_was_computed(self):
        first = self.read()[0]
        make_project(self.community)
        again = self.read()[0]
        self.assertEqual(again.as_of, first.as_of)


class TopicTests(TestCase):
    def test_every_topic_names_tables_the_change_log_tracks(self):
        tracked = {
            model._meta.label_lower
            for model in apps.get_models(include_auto_created=True)
            if model._meta.db_table in tracked_tables()
        }
        for topic, labels in TOPICS.items():
            self.assertNotEqual(topic, ALL_TOPICS)
            self.assertLessEqual(set(labels), tracked, topic)

    def test_every_section_reads_known_topics(self):
        for name, topics, _compute in SECTIONS:
            self.assertTrue(topics, name)
            self.assertLessEqual(set(topics), set(TOPICS), name)
