"""The group counts' record and group keys hold without declared foreign keys (communities.count_keys)."""

import time
from unittest import skipUnless

from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError
from django.test import TestCase, TransactionTestCase

from base.bulk import bulk_insert
from communities import count_keys
from communities.models import EthnicGroup, GroupCount, PopulationRecord
from summaries import services
from tests.concurrency import held_open
from tests.factories import group, make_jurisdiction, make_population
from tests.migrating import MigrationTestCase, before_migrating, old_district_record
from tests.summaries.operations import build_tree

COLUMNS = "(record_id, ethnic_group_id, count, province_code)"


def insert_counts(rows):
    """Insert (record id, group id, count, province code) rows with one raw multi-row INSERT."""
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO communities_groupcount {COLUMNS} VALUES {values}",  # noqa: S608 (fixed names)
            [value for row in rows for value in row],
        )


def missing_id(model):
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


class CountKeysTests(TestCase):
    def setUp(self):
        self.place = make_jurisdiction("社区", "community", code="520115001001")
        self.record = make_population(self.place, 2024, {"汉族": 100, "苗族": 20})
        self.han, self.miao, self.yi = group("汉族"), group("苗族"), group("彝族")
        self.code = self.record.province_code

    def assertRefused(self, write):
        with self.assertRaises(IntegrityError), transaction.atomic():
            write()

    def test_the_schema_declares_no_foreign_key_and_the_triggers_keep_both_keys(self):
        with connection.cursor() as cursor:
            keys = connection.introspection.get_constraints(cursor, GroupCount._meta.db_table)
        self.assertEqual([name for name, c in keys.items() if c["foreign_key"]], [])
        tables = {table for table, _name in count_keys.installed()}
        expected = {GroupCount._meta.db_table, PopulationRecord._meta.db_table}
        if connection.vendor == "postgresql":
            expected.add(EthnicGroup._meta.db_table)
        self.assertEqual(tables, expected)

    def test_a_count_of_a_missing_record_is_refused_with_the_whole_statement(self):
        before = GroupCount.objects.count()
        other = make_population(make_jurisdiction("另一社区", "community", code="520115001002"), 2024, {})
        rows = [(other.pk, self.han.pk, 5, self.code), (missing_id(PopulationRecord), self.yi.pk, 1, self.code)]
        self.assertRefused(lambda: insert_counts(rows))
        # The good row of the same statement is not left behind.
        self.assertEqual(GroupCount.objects.count(), before)

    def test_a_count_of_a_missing_ethnic_group_is_refused(self):
        self.assertRefused(lambda: insert_counts([(self.record.pk, missing_id(EthnicGroup), 3, self.code)]))
        self.assertFalse(GroupCount.objects.filter(record=self.record, count=3).exists())

    def test_moving_a_count_to_a_missing_record_or_group_is_refused(self):
        count = GroupCount.objects.get(record=self.record, ethnic_group=self.miao)
        self.assertRefused(
            lambda: GroupCount.objects.filter(pk=count.pk).update(record_id=missing_id(PopulationRecord))
        )
        self.assertRefused(
            lambda: GroupCount.objects.filter(pk=count.pk).update(ethnic_group_id=missing_id(EthnicGroup))
        )
        count.refresh_from_db()
        self.assertEqual((count.record_id, count.ethnic_group_id), (self.record.pk, self.miao.pk))

    def test_good_counts_and_changes_of_their_numbers_are_written(self):
        insert_counts([(self.record.pk, self.yi.pk, 7, self.code)])
        GroupCount.objects.filter(record=self.record, ethnic_group=self.yi).update(count=8)
        self.assertEqual(GroupCount.objects.get(record=self.record, ethnic_group=self.yi).count, 8)

    def test_deleting_a_record_by_raw_sql_deletes_its_counts(self):
        kept = make_population(make_jurisdiction("另一社区", "community", code="520115001002"), 2024, {"汉族": 9})
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM communities_populationrecord WHERE id = %s", [self.record.pk])
        self.assertFalse(GroupCount.objects.filter(record_id=self.record.pk).exists())
        self.assertEqual(list(GroupCount.objects.filter(record=kept).values_list("count", flat=True)), [9])

    def test_deleting_a_record_through_the_orm_still_cascades(self):
        self.record.delete()
        self.assertFalse(GroupCount.objects.filter(record_id=self.record.pk).exists())

    def test_an_ethnic_group_with_counts_cannot_be_deleted(self):
        with self.assertRaises(ProtectedError):
            self.miao.delete()
        self.assertTrue(EthnicGroup.objects.filter(pk=self.miao.pk).exists())

    @skipUnless(connection.vendor == "postgresql", "SQLite leaves this to the ORM (communities.count_keys says why)")
    def test_an_ethnic_group_with_counts_cannot_be_deleted_even_by_raw_sql(self):
        def delete(pk):
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM communities_ethnicgroup WHERE id = %s", [pk])

        self.assertRefused(lambda: delete(self.miao.pk))
        self.assertTrue(EthnicGroup.objects.filter(pk=self.miao.pk).exists())
        unused = EthnicGroup.objects.create(code="99", name="测试民族", is_minority=True)
        delete(unused.pk)
        self.assertFalse(EthnicGroup.objects.filter(pk=unused.pk).exists())

    @skipUnless(connection.vendor == "postgresql", "COPY is PostgreSQL's")
    def test_a_copy_with_a_missing_record_is_refused(self):
        from communities.importers import census_postgres

        rows = [(self.record.pk, self.yi.pk, 2, None, None, self.code)] + [
            (missing_id(PopulationRecord), self.yi.pk, 2, None, None, self.code)
        ]
        self.assertRefused(lambda: census_postgres.copy_counts(rows))
        self.assertFalse(GroupCount.objects.filter(ethnic_group=self.yi).exists())

    def test_a_bulk_insert_with_a_missing_record_or_group_is_refused(self):
        # SQLite checks a bulk insert's rows in one statement after its block (count_keys.checked_bulk_insert);
        # PostgreSQL's statement trigger checks each statement of it.
        for bad in ((missing_id(PopulationRecord), self.yi.pk), (self.record.pk, missing_id(EthnicGroup))):
            with self.subTest(bad=bad):
                good = (self.record.pk, self.yi.pk, 2, self.code)

                def write(bad=bad, good=good):
                    with bulk_insert(GroupCount._meta.db_table):
                        insert_counts([good])
                        insert_counts([(*bad, 4, self.code)])

                self.assertRefused(write)
                self.assertFalse(GroupCount.objects.filter(ethnic_group=self.yi).exists())
                self.assertFalse(GroupCount.objects.filter(count=4).exists())

    def test_a_bulk_insert_of_good_counts_is_written(self):
        with transaction.atomic(), bulk_insert(GroupCount._meta.db_table):
            insert_counts([(self.record.pk, self.yi.pk, 2, self.code)])
        self.assertTrue(GroupCount.objects.filter(record=self.record, ethnic_group=self.yi, count=2).exists())
        self.assertEqual(services.differences(), [])


class CountKeysSummariesTests(TransactionTestCase):
    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()
        _district, places = build_tree(streets=1, communities=2)
        self.one, self.two = [p for p in places if p.level == "community"]

    def test_a_raw_delete_of_a_record_takes_its_counts_out_of_the_summaries(self):
        gone = make_population(self.one, 2024, {"汉族": 100, "苗族": 20})
        make_population(self.two, 2024, {"苗族": 5})
        services.fold()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM communities_populationrecord WHERE id = %s", [gone.pk])
        services.fold()
        self.assertEqual(services.differences(), [])
        self.assertEqual(GroupCount.objects.count(), 1)

    def delete_record(self, record):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM communities_populationrecord WHERE id = %s", [record.pk])

    def write_count(self, record):
        GroupCount.objects.create(
            record_id=record.pk, ethnic_group=group("苗族"), count=20, province_code=record.province_code
        )

    @skipUnless(connection.vendor == "postgresql", "SQLite has one writer at a time")
    def test_a_record_deleted_while_another_transaction_writes_its_counts_leaves_no_count_behind(self):
        record = make_population(self.one, 2024, {"汉族": 100})
        finished = held_open(lambda: self.write_count(record))
        # The delete waits for the writer's key-share lock on the record, as a foreign key's would make it, and
        # then deletes the count the writer committed.
        began = time.monotonic()
        self.delete_record(record)
        waited = time.monotonic() - began
        self.assertIsNone(finished())
        self.assertGreater(waited, 0.3)
        self.assertEqual(GroupCount.objects.filter(record_id=record.pk).count(), 0)

    @skipUnless(connection.vendor == "postgresql", "SQLite has one writer at a time")
    def test_a_count_written_after_its_record_was_deleted_elsewhere_is_refused(self):
        record = make_population(self.one, 2024, {"汉族": 100})
        finished = held_open(lambda: self.delete_record(record))
        # The writer waits for the deleter's commit, then finds the record gone.
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.write_count(record)
        self.assertIsNone(finished())
        self.assertFalse(GroupCount.objects.filter(record_id=record.pk).exists())

    @skipUnless(connection.vendor == "postgresql", "TRUNCATE is PostgreSQL's")
    def test_truncating_the_records_empties_the_counts(self):
        make_population(self.one, 2024, {"汉族": 100, "苗族": 20})
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE communities_populationrecord, communities_countschecksum")
        self.assertEqual(GroupCount.objects.count(), 0)


class CountKeysMigrationTests(MigrationTestCase):
    """communities 0017 moves the keys from foreign keys to the triggers, and back."""

    before = [("communities", "0016_countschecksum_province_code")]

    def declared_keys(self):
        with connection.cursor() as cursor:
            keys = connection.introspection.get_constraints(cursor, GroupCount._meta.db_table)
        return sorted(c["columns"][0] for c in keys.values() if c["foreign_key"])

    def test_migrating_back_declares_the_keys_again_and_drops_the_triggers(self):
        before_migrating()
        MigrationExecutor(connection).migrate(self.before)
        self.assertEqual(self.declared_keys(), ["ethnic_group_id", "record_id"])
        self.assertEqual(count_keys.installed(), set())

    @skipUnless(connection.vendor == "sqlite", "SQLite's table remake drops the statistics")
    def test_the_remade_table_keeps_its_planner_statistics(self):
        old = self.migrate(self.before)
        record = old_district_record(old)
        Group = old.get_model("communities", "EthnicGroup")
        old.get_model("communities", "GroupCount").objects.bulk_create(
            old.get_model("communities", "GroupCount")(
                record=record, ethnic_group=g, count=1, province_code=record.province_code
            )
            for g in Group.objects.all()
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'communities_groupcount'")
            self.assertGreater(cursor.fetchone()[0], 0)
        self.assertEqual(self.declared_keys(), [])
