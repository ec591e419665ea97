"""The dashboard cache: keyed by a token the database replaces on every write, so it is never stale."""

from datetime import date

from django.db import connection, transaction
from django.test import TestCase

from activities.models import Activity, Petition
from base.periods import year_period
from communities.choices import JurisdictionLevel
from communities.models import GroupCount
from reporting.freshness import installed_triggers, subtree_version, tracked_tables
from reporting.selectors import jurisdiction_dashboard
from tests.activities.factories_activities import make_activity
from tests.factories import group, make_jurisdiction, make_population

TODAY = date(2026, 11, 23)
PERIOD = year_period(2026)


def board(place):
    return jurisdiction_dashboard(jurisdiction=place, period=PERIOD, today=TODAY)


class TriggerCoverageTests(TestCase):
    def test_every_table_of_the_recording_apps_carries_the_token_trigger(self):
        tables = tracked_tables()
        self.assertIn("activities_activity", tables)
        self.assertIn("communities_groupcount", tables)
        self.assertIn("activities_activity_indicators", tables)  # an m2m table counts as well
        self.assertEqual(set(tables) - installed_triggers(), set())


class DashboardCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("碧海街道", JurisdictionLevel.STREET, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001001")
        make_population(cls.community, 2026, {"汉族": 900, "苗族": 100}, residents=1000)
        make_activity(cls.community, day=date(2026, 3, 1), participants=40)

    def test_a_repeated_read_costs_one_query_and_gives_the_same_figures(self):
        first = board(self.street)
        with self.assertNumQueries(1):
            again = board(self.street)
        self.assertEqual(again.as_dict(), first.as_dict())

    def test_a_saved_record_shows_at_once(self):
        self.assertEqual(board(self.street).activities.count, 1)
        make_activity(self.community, day=date(2026, 4, 1), participants=60)
        fresh = board(self.street)
        self.assertEqual(fresh.activities.count, 2)
        self.assertEqual(fresh.activities.participants, 100)

    def test_a_queryset_update_shows_at_once(self):
        self.assertEqual(board(self.street).activities.participants, 40)
        Activity.objects.update(participants=75)
        self.assertEqual(board(self.street).activities.participants, 75)

    def test_a_bulk_insert_shows_at_once(self):
        self.assertEqual(board(self.street).population.minority_total, 100)
        record = self.community.population_records.get(year=2026)
        GroupCount.objects.bulk_create([GroupCount(record=record, ethnic_group=group("布依族"), count=7)])
        self.assertEqual(board(self.street).population.minority_total, 107)

    def test_raw_sql_shows_at_once(self):
        self.assertEqual(board(self.street).activities.count, 1)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM activities_activity")
        self.assertEqual(board(self.street).activities.count, 0)

    def test_a_rolled_back_write_leaves_no_figures_behind(self):
        before = current_token()
        board(self.street)
        with self.assertRaises(RuntimeError), transaction.atomic():
            make_activity(self.community, day=date(2026, 5, 1), participants=500)
            self.assertEqual(board(self.street).activities.count, 2)  # cached under the write's token
            raise RuntimeError
        self.assertEqual(current_token(), before)
        self.assertEqual(board(self.street).activities.count, 1)
        # Another write after the rollback draws a new token, never the rolled-back one.
        make_activity(self.community, day=date(2026, 6, 1), participants=5)
        after = board(self.street)
        self.assertEqual((after.activities.count, after.activities.participants), (2, 45))

    def test_a_petition_closed_elsewhere_changes_the_closure_rate(self):
        from tests.activities.factories_petitions import make_petition

        make_petition(self.community, received_on=date(2026, 2, 1), history=False)
        self.assertEqual(board(self.street).petitions["closed"], 0)
        Petition.objects.update(status="closed", closed_on=date(2026, 3, 1), decided_on=date(2026, 2, 2))
        self.assertEqual(board(self.street).petitions["closed"], 1)
