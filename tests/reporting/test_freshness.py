"""The dashboard cache: keyed per subtree by the change log the database writes, never stale, never queueing writers."""

import pickle
import threading
from datetime import date
from io import StringIO
from unittest import mock, skipUnless

from django.core.cache import caches
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction
from django.test import TestCase, TransactionTestCase, override_settings

from activities.models import Activity, ActivityCategory, Petition
from base import plain
from base.periods import year_period
from communities.choices import JurisdictionLevel
from communities.models import GroupCount, Jurisdiction
from reporting import freshness
from reporting.freshness import (
    CACHE_ALIAS,
    ancestor_paths,
    compact_changes,
    installed_triggers,
    route_to_jurisdiction,
    subtree_version,
    subtree_versions,
    tracked_tables,
)
from reporting.models import DataChange
from reporting.selectors import SECTIONS, jurisdiction_dashboard
from tests.activities.factories_activities import make_activity
from tests.factories import group, make_jurisdiction, make_population

TODAY = date(2026, 11, 23)
PERIOD = year_period(2026)
DATABASE_CACHE = {"BACKEND": "reporting.cache.DashboardDatabaseCache", "LOCATION": "unity_cache"}
LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"}


def board(place):
    return jurisdiction_dashboard(jurisdiction=place, period=PERIOD, today=TODAY)


def street_and_two_communities():
    street = make_jurisdiction("碧海街道", JurisdictionLevel.STREET, code="520115001000")
    community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, street, code="520115001001")
    sibling = make_jurisdiction("金源社区", JurisdictionLevel.COMMUNITY, street, code="520115001002")
    return street, community, sibling


class TriggerCoverageTests(TestCase):
    def test_every_table_of_the_recording_apps_carries_the_change_trigger(self):
        tables = tracked_tables()
        self.assertIn("activities_activity", tables)
        self.assertIn("communities_groupcount", tables)
        self.assertIn("activities_activity_indicators", tables)  # an m2m table counts as well
        self.assertEqual(set(tables) - installed_triggers(), set())

    def test_each_table_is_traced_to_its_jurisdiction_by_the_shortest_chain_of_keys(self):
        names = {
            model: [f.name for f in route_to_jurisdiction(model)]
            for model in (Activity, GroupCount, Activity.indicators.through)
        }
        self.assertEqual(names[Activity], ["jurisdiction"])
        self.assertEqual(names[GroupCount], ["record", "jurisdiction"])
        self.assertEqual(names[Activity.indicators.through], ["activity", "jurisdiction"])
        self.assertEqual(route_to_jurisdiction(Jurisdiction), [])
        self.assertIsNone(route_to_jurisdiction(ActivityCategory))  # site-wide: every subtree's figures

    def test_ancestor_paths_include_the_global_path(self):
        self.assertEqual(ancestor_paths("00000001/00000002/00000003/"), ["", "00000001/", "00000001/00000002/"])


class DashboardCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street, cls.community, cls.sibling = street_and_two_communities()
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

    def test_a_move_to_another_jurisdiction_changes_both_sides(self):
        self.assertEqual((board(self.community).activities.count, board(self.sibling).activities.count), (1, 0))
        Activity.objects.update(jurisdiction=self.sibling)
        self.assertEqual((board(self.community).activities.count, board(self.sibling).activities.count), (0, 1))

    def test_a_rolled_back_write_leaves_no_figures_behind(self):
        board(self.street)
        with self.assertRaises(RuntimeError), transaction.atomic():
            make_activity(self.community, day=date(2026, 5, 1), participants=500)
            self.assertEqual(board(self.street).activities.count, 2)  # seen inside, never cached
            raise RuntimeError
        self.assertEqual(board(self.street).activities.count, 1)
        # Another write after the rollback brings the version where the rolled-back one had taken it.
        make_activity(self.community, day=date(2026, 6, 1), participants=5)
        after = board(self.street)
        self.assertEqual((after.activities.count, after.activities.participants), (2, 45))

    def test_a_petition_closed_elsewhere_changes_the_closure_rate(self):
        from tests.activities.factories_petitions import make_petition

        make_petition(self.community, received_on=date(2026, 2, 1), history=False)
        self.assertEqual(board(self.street).petitions["closed"], 0)
        Petition.objects.update(status="closed", closed_on=date(2026, 3, 1), decided_on=date(2026, 2, 2))
        self.assertEqual(board(self.street).petitions["closed"], 1)

    def test_a_write_in_a_sibling_subtree_keeps_the_cached_figures(self):
        board(self.community)
        before = subtree_version(self.community.path)
        make_activity(self.sibling, day=date(2026, 4, 1), participants=60)
        self.assertEqual(subtree_version(self.community.path), before)
        with self.assertNumQueries(1):  # the version only: the cached figures still hold
            self.assertEqual(board(self.community).activities.count, 1)
        self.assertEqual(board(self.street).activities.count, 2)  # the parent's subtree did change

    def test_a_write_above_or_site_wide_reaches_the_subtree(self):
        from tests.activities.factories_plans import make_plan

        before, sibling_before = subtree_version(self.community.path), subtree_version(self.sibling.path)
        make_plan(self.street)  # the street's plan shows on its communities' boards
        after_plan = subtree_version(self.community.path)
        self.assertGreater(after_plan, before)
        ActivityCategory.objects.create(name="新类别")
        self.assertGreater(subtree_version(self.community.path), after_plan)
        self.assertGreater(subtree_version(self.sibling.path), sibling_before)

    def test_the_cache_holds_plain_data_that_reads_back_as_the_same_board(self):
        cache = caches[CACHE_ALIAS]
        with mock.patch.object(cache, "set", wraps=cache.set) as stored:
            first = board(self.street)
        entry = stored.call_args.args[1]
        self.assertEqual(set(entry), {name for name, _topics, _compute in SECTIONS})
        self.assertFalse(plain.contains_objects([value for _v, _as_of, value in entry.values()]), "objects cached")
        self.assertLess(len(pickle.dumps(entry)), 64 * 1024)
        self.assertEqual(board(self.street).as_dict(), first.as_dict())


class RefreshTests(TestCase):
    """One process computes after a write; the others serve the previous figures, marked with their time."""

    @classmethod
    def setUpTestData(cls):
        cls.street, cls.community, _sibling = street_and_two_communities()
        make_activity(cls.community, day=date(2026, 3, 1), participants=40)

    def hold_the_computation(self):
        """Pretend another process is computing every key right now."""
        return mock.patch.object(caches[CACHE_ALIAS], "add", return_value=False)

    def test_previous_figures_are_served_marked_while_another_process_computes(self):
        first = board(self.street)
        make_activity(self.community, day=date(2026, 4, 1), participants=60)
        with self.hold_the_computation():
            served = board(self.street)
        self.assertEqual(served.activities.count, 1)
        self.assertTrue(served.refreshing)
        self.assertEqual(served.as_of, first.as_of)
        self.assertTrue(served.as_dict()["refreshing"])
        fresh = board(self.street)  # the computation over, the next reader gets the new figures
        self.assertEqual((fresh.activities.count, fresh.refreshing), (2, False))

    @override_settings(DASHBOARD_WAIT_SECONDS=0.2)
    def test_with_no_previous_figures_a_reader_waits_then_computes_itself(self):
        with self.hold_the_computation():
            served = board(self.street)
        self.assertEqual((served.activities.count, served.refreshing), (1, False))

    def test_a_failing_cache_costs_a_recomputation_not_the_figures(self):
        from django.db import OperationalError

        cache = caches[CACHE_ALIAS]
        broken = OperationalError("database is locked")
        with (
            mock.patch.object(cache, "get", side_effect=broken),
            mock.patch.object(cache, "add", side_effect=broken),
            mock.patch.object(cache, "set", side_effect=broken),
            self.assertLogs("reporting.freshness", "WARNING"),
        ):
            self.assertEqual(board(self.street).activities.count, 1)

    def test_the_page_says_the_figures_are_being_refreshed(self):
        from tests.factories import make_member

        leader = make_member(self.street, role="leader")
        self.client.force_login(leader)
        url = f"/dashboard/{self.street.code}/?year=2026"
        self.client.get(url)
        make_activity(self.community, day=date(2026, 4, 1), participants=60)
        with self.hold_the_computation():
            page = self.client.get(url)
        self.assertContains(page, "data-refreshing")
        self.assertNotContains(self.client.get(url), "data-refreshing")


@override_settings(CACHES={"default": LOCAL_CACHE, CACHE_ALIAS: DATABASE_CACHE})
class SharedCacheTests(TestCase):
    """The database cache (the default outside tests) shares one computation between server processes."""

    @classmethod
    def setUpTestData(cls):
        call_command("createcachetable", verbosity=0)
        cls.street, cls.community, _sibling = street_and_two_communities()
        make_activity(cls.community, day=date(2026, 3, 1), participants=40)

    def test_figures_computed_by_one_process_are_read_by_another(self):
        from reporting.cache import DashboardDatabaseCache

        board(self.street)
        other_process = DashboardDatabaseCache("unity_cache", {})  # a cache object of its own, as in another process
        with mock.patch.object(freshness, "caches", {CACHE_ALIAS: other_process}), self.assertNumQueries(2):
            self.assertEqual(board(self.street).activities.count, 1)  # two queries: the version, the entry


class RaceTests(TransactionTestCase):
    """A reader computing while a writer commits never stores figures that outlive that write (both databases)."""

    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()
        self.street, self.community, self.sibling = street_and_two_communities()
        make_activity(self.community, day=date(2026, 3, 1), participants=40)
        caches[CACHE_ALIAS].clear()

    def test_a_write_committed_while_a_reader_computes_is_shown_to_the_next_reader(self):
        from reporting import selectors

        def compute_while_a_writer_commits(real):
            def compute(inputs):
                figures = real(inputs)  # computed before the write
                writer = threading.Thread(target=self.write_in_another_connection)
                writer.start()
                writer.join()
                return figures

            return compute

        sections = [
            (name, topics, compute_while_a_writer_commits(compute) if name == "activities" else compute)
            for name, topics, compute in selectors.SECTIONS
        ]
        with mock.patch.object(selectors, "SECTIONS", sections):
            self.assertEqual(board(self.street).activities.count, 1)
        self.assertEqual(Activity.objects.count(), 2)
        self.assertEqual(board(self.street).activities.count, 2)

    def write_in_another_connection(self):
        try:
            make_activity(self.community, day=date(2026, 4, 1), participants=60)
        finally:
            close_old_connections()
            connection.close()

    @skipUnless(connection.vendor == "postgresql", "row locks and deadlocks: PostgreSQL (SQLite has one writer)")
    def test_writers_neither_wait_on_one_another_nor_deadlock(self):
        from tests.activities.factories_petitions import make_petition

        petition = make_petition(self.community, received_on=date(2026, 2, 1), history=False)
        activity = Activity.objects.get()
        other = make_activity(self.sibling, day=date(2026, 3, 2))
        both_wrote_once = threading.Barrier(2, timeout=10)
        errors = []

        def writer(first, second):
            try:
                with transaction.atomic():
                    first()
                    both_wrote_once.wait()  # each holds its first write uncommitted while the other writes
                    second()
            except Exception as exc:  # noqa: BLE001 — reported by the assertion below
                errors.append(exc)
            finally:
                connection.close()

        one = threading.Thread(
            target=writer,
            args=(
                lambda: Petition.objects.filter(pk=petition.pk).update(summary="先改信访"),
                lambda: Activity.objects.filter(pk=other.pk).update(participants=9),
            ),
        )
        two = threading.Thread(
            target=writer,
            args=(
                lambda: Activity.objects.filter(pk=activity.pk).update(participants=7),
                lambda: make_petition(self.sibling, received_on=date(2026, 2, 3), history=False),
            ),
        )
        one.start(), two.start()
        one.join(30), two.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(Activity.objects.get(pk=other.pk).participants, 9)
        self.assertEqual(Petition.objects.count(), 2)

    @skipUnless(connection.vendor == "postgresql", "concurrent write transactions: PostgreSQL")
    def test_a_write_commits_while_a_long_transaction_in_the_same_place_is_open(self):
        long_one_wrote, short_one_done = threading.Event(), threading.Event()
        errors = []

        def long_import():
            try:
                with transaction.atomic():
                    make_activity(self.community, day=date(2026, 5, 1))
                    long_one_wrote.set()
                    if not short_one_done.wait(10):
                        errors.append("the short write waited for the long transaction")
            finally:
                connection.close()

        thread = threading.Thread(target=long_import)
        thread.start()
        long_one_wrote.wait(10)
        short = threading.Thread(target=lambda: (self.write_in_another_connection(), short_one_done.set()))
        short.start()
        short.join(15)
        thread.join(15)
        self.assertEqual(errors, [])
        self.assertEqual(Activity.objects.filter(jurisdiction=self.community).count(), 3)

    def test_compaction_folds_the_log_without_moving_any_version(self):
        from tests.activities.factories_activities import make_project

        for day in (2, 3, 4):
            make_activity(self.community, day=date(2026, 4, day))
            make_project(self.community)
        versions = {p.pk: subtree_versions(p.path) for p in (self.street, self.community, self.sibling)}
        self.assertGreaterEqual(set(versions[self.community.pk]), {"activities", "projects"})
        rows_before = DataChange.objects.count()
        removed = compact_changes()
        self.assertEqual(
            {p.pk: subtree_versions(p.path) for p in (self.street, self.community, self.sibling)}, versions
        )
        self.assertEqual((removed, DataChange.objects.count()), (rows_before, 0))  # all moved into the totals


class CompactionTests(TestCase):
    """The log moves into per-path totals; no version moves, and a subtree's version reads a row per topic."""

    @classmethod
    def setUpTestData(cls):
        cls.street, cls.community, cls.sibling = street_and_two_communities()
        cls.places = [cls.street, cls.community, cls.sibling]

    def versions(self):
        return {place.pk: subtree_versions(place.path) for place in self.places}

    def test_after_compaction_a_subtree_version_reads_its_totals_not_every_path_under_it(self):
        for place in self.places:
            make_activity(place, day=date(2026, 4, 2))
        compact_changes()
        with connection.cursor() as cursor:
            cursor.execute("SELECT path, topic, own_weight, subtree_weight FROM reporting_datachangetotal")
            totals = {(path, topic): (own, under) for path, topic, own, under in cursor.fetchall()}
        own = {place: totals[(place.path, "activities")][0] for place in self.places}
        self.assertEqual(set(own.values()), {1})
        self.assertEqual(totals[(self.street.path, "activities")][1], 3)  # its own and its two communities'
        self.assertEqual(totals[(self.community.path, "activities")][1], 1)
        self.assertEqual(self.versions()[self.street.pk]["activities"], 3)

    def test_writes_and_compactions_interleaved_never_move_a_version_but_by_a_write(self):
        import random

        rng = random.Random(2026)
        category = ActivityCategory.objects.first()
        for step in range(120):
            before = self.versions()
            choice = rng.choice(["community", "sibling", "street", "site", "compact", "compact"])
            if choice == "compact":
                compact_changes()
                self.assertEqual(self.versions(), before, f"step {step}: a compaction moved a version")
                continue
            if choice == "site":
                category.save()  # site-wide data: every board reads it
                written = set(self.places)
            else:
                place = getattr(self, choice)
                make_activity(place, day=date(2026, 4, 1 + step % 28))
                # The subtrees the place is in, and those under it (a street's plan shows on its communities' boards).
                written = {p for p in self.places if p.path.startswith(place.path) or place.path.startswith(p.path)}
            after = self.versions()
            for place in self.places:
                moved = sum(after[place.pk].values()) > sum(before[place.pk].values())
                self.assertEqual(moved, place in written, f"step {step}: {choice} and the version of {place}")


class CompactCommandTests(TestCase):
    def test_the_command_says_how_many_rows_it_folded_and_keeps_versions(self):
        from io import StringIO

        street, community, _sibling = street_and_two_communities()
        for day in (1, 2):
            make_activity(community, day=date(2026, 4, day))
        before = subtree_version(street.path)
        out = StringIO()
        call_command("compact_data_changes", stdout=out)
        self.assertIn("已合并数据变更记录", out.getvalue())
        self.assertEqual(subtree_version(street.path), before)


class TidyAfterCompactionTests(TransactionTestCase):
    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()

    @skipUnless(connection.vendor == "postgresql", "VACUUM and REINDEX CONCURRENTLY: PostgreSQL")
    def test_a_large_compaction_tidies_the_log_and_keeps_every_version(self):
        street, community, _sibling = street_and_two_communities()
        with connection.cursor() as cursor:  # as a bulk import leaves it: a row per statement and place
            cursor.execute(
                "INSERT INTO reporting_datachange (path, weight) SELECT %s, 1 FROM generate_series(1, 300)",
                [community.path],
            )
        before = subtree_version(street.path)
        with mock.patch.object(freshness, "TIDY_AFTER_ROWS", 100):
            call_command("compact_data_changes", stdout=StringIO())
            self.assertFalse(freshness.tidy_changes(5))  # a small compaction leaves the tables alone
        self.assertEqual(subtree_version(street.path), before)
        self.assertFalse(DataChange.objects.filter(path=community.path).exists())  # moved into its totals
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'reporting_datachange'"
            )
            self.assertTrue(cursor.fetchone()[0])

    @skipUnless(connection.vendor == "postgresql", "VACUUM: PostgreSQL")
    def test_the_command_empties_the_summaries_journal_a_fold_left_behind(self):
        from summaries import services

        _street, community, _sibling = street_and_two_communities()
        for day in range(1, 29):
            make_activity(community, day=date(2026, 2, day))
        self.assertTrue(services.fold())  # every journal row moved to the totals, its pages left empty

        def journal_pages():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_relation_size('summaries_delta') / current_setting('block_size')::int")
                return cursor.fetchone()[0]

        self.assertGreater(journal_pages(), 0)
        call_command("compact_data_changes", stdout=StringIO())
        self.assertEqual(journal_pages(), 0)
