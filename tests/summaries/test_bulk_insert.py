"""Bulk inserts (base.bulk): the summaries and the change log catch up on the block's rows in one statement."""

from unittest import mock, skipUnless

from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase

from base import bulk
from base.bulk import bulk_insert
from base.triggers import trigger_names
from communities.models import EthnicGroup, GroupCount, PopulationRecord
from reporting.freshness import subtree_version
from reporting.models import DataChange
from summaries import services
from summaries.models import Delta
from tests.summaries.operations import build_tree

COUNTS = GroupCount._meta.db_table
SQLITE = connection.vendor == "sqlite"


class BulkInsertCase(TestCase):
    def setUp(self):
        self.triggers = trigger_names(connection, "")

    def assertTriggersBack(self):
        """Every trigger a block dropped (base.triggers.sqlite_triggers_off) is there again."""
        self.assertEqual(trigger_names(connection, ""), self.triggers)

    @classmethod
    def setUpTestData(cls):
        cls.district, places = build_tree(streets=1, communities=2)
        cls.communities = [p for p in places if p.level == "community"]
        cls.groups = list(EthnicGroup.objects.order_by("pk")[:5])

    def record(self, place, year=2024, **totals):
        return PopulationRecord.objects.create(jurisdiction=place, year=year, **totals)

    def counts(self, record, values, male=None):
        return [
            GroupCount(record=record, ethnic_group=group, count=value, male=male)
            for group, value in zip(self.groups, values, strict=False)
        ]


class SummariesTests(BulkInsertCase):
    def test_rows_inserted_in_the_block_are_summarised_once(self):
        first = self.record(self.communities[0], minority_total=30)
        second = self.record(self.communities[1])
        with bulk_insert(COUNTS):
            GroupCount.objects.bulk_create(self.counts(first, [100, 20, 10], male=4))
            GroupCount.objects.bulk_create(self.counts(second, [7, 0, 3]))
        self.assertEqual(services.differences(), [])
        services.fold()
        self.assertEqual(services.differences(), [])
        self.assertTriggersBack()

    def test_the_facts_are_those_the_row_trigger_writes(self):
        by_trigger = self.record(self.communities[0], minority_total=30)
        GroupCount.objects.bulk_create(self.counts(by_trigger, [100, 20, 10], male=4))
        triggered = sorted(Delta.objects.filter(measure__startswith="grp.").values_list("measure", "key", "value"))
        Delta.objects.all().delete()
        by_block = self.record(self.communities[1], minority_total=30)
        with bulk_insert(COUNTS):
            GroupCount.objects.bulk_create(self.counts(by_block, [100, 20, 10], male=4))
        caught_up = sorted(Delta.objects.filter(measure__startswith="grp.").values_list("measure", "key", "value"))
        self.assertEqual(caught_up, triggered)
        # The record's facts and its group counts' at the parent of its place (summaries.specs).
        place = self.communities[1]
        self.assertEqual(
            set(Delta.objects.filter(measure__startswith="pop.").values_list("path", flat=True)), {place.parent.path}
        )
        self.assertEqual(
            set(Delta.objects.filter(measure__startswith="grp.").values_list("path", flat=True)), {place.parent.path}
        )

    @skipUnless(SQLITE, "SQLite's row triggers are switched off; PostgreSQL's are per statement already")
    def test_inside_the_block_the_insert_trigger_is_off_and_one_statement_catches_up(self):
        record = self.record(self.communities[0])
        before = Delta.objects.count()
        with mock.patch.object(services, "add_facts_for", wraps=services.add_facts_for) as catch_up:
            with bulk_insert(COUNTS):
                GroupCount.objects.bulk_create(self.counts(record, [5, 6]))
                self.assertEqual(Delta.objects.count(), before)
                self.assertNotIn((COUNTS, "summaries_communities_groupcount_insert"), trigger_names(connection, ""))
            catch_up.assert_called_once()
        self.assertGreater(Delta.objects.count(), before)
        self.assertEqual(services.differences(), [])

    def test_updates_and_deletes_in_the_block_keep_their_triggers(self):
        old = self.record(self.communities[0])
        GroupCount.objects.bulk_create(self.counts(old, [50, 40, 30]))
        new = self.record(self.communities[1])
        with bulk_insert(COUNTS):
            GroupCount.objects.filter(record=old, ethnic_group=self.groups[0]).update(count=55)
            GroupCount.objects.filter(record=old, ethnic_group=self.groups[1]).delete()
            GroupCount.objects.bulk_create(self.counts(new, [1, 2]))
        self.assertEqual(services.differences(), [])

    def test_rows_left_by_a_block_that_raised_are_summarised(self):
        record = self.record(self.communities[0])
        with self.assertRaises(ZeroDivisionError), bulk_insert(COUNTS):
            GroupCount.objects.bulk_create(self.counts(record, [5, 6]))
            1 / 0  # noqa: B018 (the block fails after its insert)
        self.assertEqual(GroupCount.objects.count(), 2)
        self.assertEqual(services.differences(), [])
        self.assertTriggersBack()

    def test_a_savepoint_rolled_back_in_the_block_leaves_nothing_behind(self):
        record = self.record(self.communities[0])
        with bulk_insert(COUNTS):
            GroupCount.objects.bulk_create(self.counts(record, [5]))
            with self.assertRaises(RuntimeError), transaction.atomic():
                GroupCount.objects.bulk_create(self.counts(record, [0, 9, 9])[1:])
                raise RuntimeError
        self.assertEqual(GroupCount.objects.count(), 1)
        self.assertEqual(services.differences(), [])

    def test_records_inserted_in_a_block_are_summarised_too(self):
        with bulk_insert(PopulationRecord._meta.db_table):
            PopulationRecord.objects.bulk_create(
                [
                    PopulationRecord(jurisdiction=place, year=2024, residents=100, households=30)
                    for place in self.communities
                ]
            )
        self.assertEqual(services.differences(), [])

    def test_other_tables_keep_their_triggers(self):
        record = self.record(self.communities[0])
        with bulk_insert(PopulationRecord._meta.db_table):
            GroupCount.objects.bulk_create(self.counts(record, [5, 6]))
        self.assertEqual(services.differences(), [])


class ChangeLogTests(BulkInsertCase):
    def test_each_path_is_logged_as_often_as_its_row_trigger_would(self):
        record = self.record(self.communities[0])
        path = self.communities[0].path
        before = subtree_version(path), subtree_version(self.communities[1].path)
        with bulk_insert(COUNTS):
            GroupCount.objects.bulk_create(self.counts(record, [5, 6, 7]))
        after = subtree_version(path), subtree_version(self.communities[1].path)
        # SQLite's row trigger adds one per row; PostgreSQL's statement trigger one per statement.
        self.assertEqual(after[0] - before[0], 3 if SQLITE else 1)
        self.assertEqual(after[1], before[1])
        self.assertTriggersBack()

    @skipUnless(SQLITE, "the change log's SQLite row trigger")
    def test_the_catch_up_adds_to_the_paths_already_logged(self):
        record = self.record(self.communities[0])
        GroupCount.objects.bulk_create(self.counts(record, [5]))
        weight = DataChange.objects.get(path=self.communities[0].path, topic="population").weight
        other = self.record(self.communities[0], year=2023)
        with bulk_insert(COUNTS):
            GroupCount.objects.bulk_create(self.counts(other, [5, 6]))
        # The record's own insert logged one more, the two counts two.
        self.assertEqual(
            DataChange.objects.get(path=self.communities[0].path, topic="population").weight, weight + 1 + 2
        )


class OutsideATransactionTests(TransactionTestCase):
    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()

    @skipUnless(SQLITE, "only SQLite's triggers are dropped")
    def test_the_block_refuses_to_run_outside_a_transaction(self):
        before = trigger_names(connection, "")
        with self.assertRaisesMessage(RuntimeError, "inside a transaction"), bulk_insert(COUNTS):
            pass
        self.assertEqual(trigger_names(connection, ""), before)

    @skipUnless(SQLITE, "only SQLite's triggers are dropped")
    def test_a_rolled_back_transaction_leaves_the_triggers_as_they_were(self):
        before = trigger_names(connection, "")
        with self.assertRaises(RuntimeError), transaction.atomic(), bulk_insert(COUNTS):
            self.assertLess(trigger_names(connection, ""), before)
            raise RuntimeError
        self.assertEqual(trigger_names(connection, ""), before)


@skipUnless(not SQLITE, "PostgreSQL plans with its statistics of the table")
class StatisticsTests(BulkInsertCase):
    """A block that grows a table past what the planner believes leaves the table analysed for the statements that
    follow in the same import (a first census import was planned as if its table stayed empty)."""

    def believed(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [COUNTS])
            return cursor.fetchone()[0]

    def test_a_block_that_grows_the_table_leaves_it_analysed(self):
        record = self.record(self.communities[0])
        before = self.believed()
        with mock.patch.object(bulk, "ANALYZE_AFTER_ROWS", 3), bulk_insert(COUNTS):
            GroupCount.objects.bulk_create(self.counts(record, [5, 6, 7, 8]))
        self.assertNotEqual(before, 4)
        self.assertEqual(self.believed(), GroupCount.objects.count())

    def test_equal_blocks_after_the_first_leave_the_statistics_as_they_are(self):
        # As a census's chunks: the first block is analysed, the next ones (each the size of the table the planner
        # then believes) are left to the planner's scaling by pages.
        record = self.record(self.communities[0])
        with mock.patch.object(bulk, "ANALYZE_AFTER_ROWS", 3):
            with bulk_insert(COUNTS):
                GroupCount.objects.bulk_create(self.counts(record, [5, 6, 7, 8]))
            analysed = self.believed()
            with bulk_insert(COUNTS):
                GroupCount.objects.bulk_create(self.counts(self.record(self.communities[1]), [5, 6, 7, 8]))
        self.assertEqual(analysed, GroupCount.objects.count() - 4)
        self.assertEqual(self.believed(), analysed)

    def test_a_block_of_a_few_rows_leaves_the_statistics_to_autovacuum(self):
        record = self.record(self.communities[0])
        before = self.believed()
        with bulk_insert(COUNTS):
            GroupCount.objects.bulk_create(self.counts(record, [5, 6, 7, 8]))
        self.assertEqual(self.believed(), before)


@skipUnless(not SQLITE, "pg_stat_xact_user_tables counts the transaction's own scans (PostgreSQL)")
class RecordInsertTests(BulkInsertCase):
    """A population record being inserted has no group counts yet (communities.count_keys refuses a count before its
    record): its summary trigger does not look for them. A census import's 20 statements of 1,000 records each
    hashed the whole counts table, 2.6 s of a province's import."""

    def scans_of_counts(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0) FROM pg_stat_xact_user_tables WHERE relname = %s",
                [COUNTS],
            )
            return cursor.fetchone()[0]

    def test_inserting_records_reads_no_group_count(self):
        GroupCount.objects.bulk_create(self.counts(self.record(self.communities[0], year=2020), [5, 6, 7]))
        before = self.scans_of_counts()
        with bulk_insert(PopulationRecord._meta.db_table):
            PopulationRecord.objects.bulk_create(
                [PopulationRecord(jurisdiction=place, year=2024) for place in self.communities]
            )
        self.assertEqual(self.scans_of_counts(), before)
        self.assertEqual(services.differences(), [])

    def test_a_record_updated_still_moves_its_counts_facts(self):
        record = self.record(self.communities[0], year=2020)
        GroupCount.objects.bulk_create(self.counts(record, [5, 6, 7]))
        before = self.scans_of_counts()
        PopulationRecord.objects.filter(pk=record.pk).update(year=2021)
        self.assertGreater(self.scans_of_counts(), before)
        self.assertEqual(services.differences(), [])
        services.fold()
        self.assertEqual(services.differences(), [])
