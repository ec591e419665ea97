"""An import folds its journal rows in its own process once committed, in batches, so the first dashboard read after
it finds the totals up to date (summaries.services.fold_after_import, run through base.bulk)."""

from datetime import date
from io import StringIO
from unittest import skipUnless

from django.core.management import call_command
from django.db import connection, transaction
from django.test import TransactionTestCase

from base import bulk
from communities.importers.census import census_import
from summaries import services
from summaries.models import Delta, Stale, Total
from tests.activities.factories_activities import make_activity
from tests.communities.test_import_census_stream import FOUR, chunks_of
from tests.factories import csv_bytes, make_tree


class FoldAfterImportTests(TransactionTestCase):
    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()
        self.district, self.streets, self.communities = make_tree()
        services.fold()

    def test_a_committed_census_import_leaves_no_journal_for_the_first_reader(self):
        with chunks_of(2):
            plan, result = census_import(file=csv_bytes(FOUR), filename="census.csv", year=2024)
        self.assertEqual(plan.issues, [])
        self.assertEqual(result.new, 4)
        self.assertFalse(Delta.objects.exists())  # folded after the commit, in this process
        self.assertTrue(Total.objects.filter(measure="grp.total").exists())
        self.assertEqual(services.differences(), [])

    def test_an_import_rolled_back_folds_nothing_it_did_not_write(self):
        make_activity(self.communities[0], day=date(2026, 3, 1))  # a journal row of another writer, not folded yet
        bad = [*FOUR[:-1], ["520115002002", "200", "abc", "10"]]
        with chunks_of(2):
            plan, result = census_import(file=csv_bytes(bad), filename="census.csv", year=2024)
        self.assertIsNone(result)
        self.assertTrue(plan.issues)
        self.assertTrue(Delta.objects.exists())  # no hook ran: nothing committed
        self.assertFalse(Total.objects.filter(measure="grp.total").exists())
        self.assertEqual(services.differences(), [])

    def test_the_journal_is_folded_in_batches_that_each_commit(self):
        for day in range(1, 8):
            make_activity(self.communities[day % 4], day=date(2026, 3, day), participants=day)
        rows = Delta.objects.count()
        self.assertGreater(rows, 6)
        self.assertEqual(services.fold_in_batches(batch=3), -(-rows // 3))
        self.assertFalse(Delta.objects.exists())
        self.assertEqual(services.differences(), [])

    def test_a_fold_out_of_time_stops_between_batches_and_loses_nothing(self):
        for day in range(1, 8):
            make_activity(self.communities[day % 4], day=date(2026, 3, day), participants=day)
        rows = Delta.objects.count()
        self.assertEqual(services.fold_in_batches(batch=3, seconds=0), 0)  # no time: nothing folded
        self.assertEqual(Delta.objects.count(), rows)
        self.assertEqual(services.differences(), [])
        call_command("compact_data_changes", stdout=StringIO())  # the hourly job folds what is left
        self.assertFalse(Delta.objects.exists())
        self.assertEqual(services.differences(), [])

    @skipUnless(connection.vendor == "postgresql", "PostgreSQL's planner reads the table's statistics")
    def test_the_journal_is_analysed_before_its_batches_are_planned(self):
        # Planned with the statistics of an empty journal, one batch after a province's import ran for minutes.
        def analyses():
            with connection.cursor() as cursor:
                cursor.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'summaries_delta'")
                return cursor.fetchone()[0]

        for day in range(1, 5):
            make_activity(self.communities[day % 4], day=date(2026, 3, day))
        before = analyses()
        services.fold_in_batches(batch=3)
        self.assertEqual(analyses(), before + 1)
        self.assertFalse(Delta.objects.exists())

    def test_inside_a_transaction_it_leaves_the_journal_to_the_commit(self):
        make_activity(self.communities[0], day=date(2026, 3, 1))
        with transaction.atomic():
            self.assertEqual(services.fold_in_batches(), 0)
            self.assertTrue(Delta.objects.exists())

    def test_the_hooks_run_once_per_committed_transaction_however_many_blocks(self):
        calls = []

        def hook(using):
            calls.append((using, connection.in_atomic_block))

        bulk.register_after_commit(hook)
        self.addCleanup(bulk._after_commit.remove, hook)
        table = "communities_populationrecord"
        with transaction.atomic():
            for _ in range(3):
                with bulk.bulk_insert(table):
                    pass
            self.assertEqual(calls, [])  # not before the commit
        self.assertEqual(calls, [("default", False)])
        with self.assertRaises(RuntimeError), transaction.atomic():
            with bulk.bulk_insert(table):
                pass
            raise RuntimeError
        self.assertEqual(len(calls), 1)  # a rollback runs no hook


class PartialRebuildTests(TransactionTestCase):
    """A stale mark that names measures recomputes those alone (a migration moving the group counts' facts need not
    recompute a province's 31 M totals); any other mark recomputes everything."""

    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()
        self.district, self.streets, self.communities = make_tree()
        with chunks_of(2):
            census_import(file=csv_bytes(FOUR), filename="census.csv", year=2024)
        make_activity(self.communities[0], day=date(2026, 3, 1), participants=12)
        services.fold()
        self.assertEqual(services.differences(), [])
        # Both kinds of totals damaged, as an older release's facts would be.
        Total.objects.filter(measure="grp.total").update(value=999)
        Total.objects.filter(measure="act.participants").update(value=999)

    def damaged(self):
        return {measure for _node, measure, *_rest in services.differences(limit=1000)}

    def test_a_mark_naming_measures_recomputes_only_those(self):
        Stale.objects.create(reason=f"{services.MEASURES_STALE}grp.")
        self.assertTrue(services.fold())
        self.assertFalse(Stale.objects.exists())
        self.assertEqual(self.damaged(), {"act.participants"})  # left as it was: not named

    def test_the_deployment_and_hourly_rebuild_recomputes_only_the_named_measures(self):
        Stale.objects.create(reason=f"{services.MEASURES_STALE}grp.")
        call_command("rebuild_summaries", "--if-stale", stdout=StringIO())
        self.assertFalse(Stale.objects.exists())
        self.assertEqual(self.damaged(), {"act.participants"})
        self.assertFalse(services.rebuild(if_stale=True))  # nothing marked: nothing recomputed

    def test_any_other_mark_recomputes_everything(self):
        Stale.objects.create(reason=f"{services.MEASURES_STALE}grp.")
        Stale.objects.create(reason="moved")
        self.assertTrue(services.fold())
        self.assertEqual(self.damaged(), set())
