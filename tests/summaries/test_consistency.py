"""The summary tables kept by the triggers equal a rebuild from the records, after any mix of writes."""

from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase

from summaries import services, specs
from summaries.models import Delta, Stale, Total
from summaries.triggers import installed_tables
from tests.summaries.operations import RandomWrites, build_tree


class KeptEqualsRebuiltTests(TestCase):
    def test_ten_thousand_random_writes(self):
        _district, places = build_tree()
        writes = RandomWrites(places, seed=11)
        for batch in range(10):
            writes.run(1_000)
            if batch % 3 == 0:
                services.fold()  # part folded, part still in the journal: the sum must not care
            self.assertEqual(services.differences(), [], f"after {(batch + 1) * 1000} writes")
        self.assertGreater(Total.objects.count(), 0)
        # The chains of "latest" figures (a value's key names the place's next month) were exercised too.
        self.assertTrue(Total.objects.filter(measure="mv.latest").exclude(key__endswith=specs.NO_NEXT_MONTH).exists())
        self.assertTrue(Total.objects.filter(measure="chk.broken", value__gt=0).exists())  # rules broken, kept
        services.fold()
        self.assertEqual(Delta.objects.count(), 0)
        self.assertEqual(services.differences(), [])

    def test_a_wrong_total_is_found_and_the_rebuild_mends_it(self):
        _district, places = build_tree()
        RandomWrites(places, seed=3).run(200)
        services.fold()
        row = Total.objects.filter(measure="act.count").first()
        Total.objects.filter(pk=row.pk).update(value=row.value + 1)
        with self.assertRaisesMessage(CommandError, "汇总表与原始记录不一致"):
            call_command("rebuild_summaries", "--check", stdout=StringIO())
        call_command("rebuild_summaries", stdout=StringIO())
        out = StringIO()
        call_command("rebuild_summaries", "--check", stdout=out)
        self.assertIn("一致", out.getvalue())

    def test_moving_a_jurisdiction_marks_the_totals_for_a_rebuild_done_at_the_next_fold(self):
        district, places = build_tree()
        RandomWrites(places, seed=5).run(300)
        services.fold()
        street = places[1]
        other = places[5] if places[5].level == "street" else next(p for p in places[2:] if p.level == "street")
        community = next(p for p in places if p.parent_id == street.pk)
        community.parent = other
        community.save()
        self.assertTrue(Stale.objects.exists())
        self.assertTrue(services.fold())
        self.assertFalse(Stale.objects.exists())
        self.assertEqual(services.differences(), [])

    def test_every_source_table_carries_the_triggers(self):
        self.assertEqual(installed_tables(), set(specs.tables(connection.vendor)))


class DeployCommandTests(TestCase):
    def test_if_stale_rebuilds_once_then_only_folds(self):
        _district, places = build_tree()
        RandomWrites(places, seed=4).run(100)
        Stale.objects.create(reason="installed")
        call_command("rebuild_summaries", "--if-stale", stdout=StringIO())
        self.assertFalse(Stale.objects.exists())
        self.assertEqual(Delta.objects.count(), 0)
        self.assertEqual(services.differences(), [])


class TidyTests(TransactionTestCase):
    def setUp(self):
        from tests.conftest import reload_reference_data

        reload_reference_data()

    def test_the_command_tidies_the_tables_on_postgresql_only_outside_a_transaction(self):
        _district, places = build_tree(streets=1, communities=2)
        RandomWrites(places, seed=6).run(50)
        call_command("rebuild_summaries", "--if-stale", stdout=StringIO())
        self.assertEqual(Delta.objects.count(), 0)
        self.assertEqual(services.tidy(), connection.vendor == "postgresql")
        with transaction.atomic():
            self.assertFalse(services.tidy())
        self.assertEqual(services.differences(), [])


class ProvinceCodeTests(TestCase):
    def test_the_journal_the_totals_and_the_change_log_carry_their_paths_province(self):
        from base.provinces import province_code
        from reporting.models import DataChange

        district, places = build_tree()
        RandomWrites(places, seed=21).run(60)
        journal = [(row.path, row.province_code) for row in Delta.objects.all()]
        self.assertTrue(journal)
        services.fold()
        rows = [
            *journal,
            *((row.node, row.province_code) for row in Total.objects.all()),
            *((row.path, row.province_code) for row in DataChange.objects.all()),
        ]
        self.assertTrue(rows)
        self.assertEqual([(path, code) for path, code in rows if code != province_code(path)], [])
        self.assertTrue(Total.objects.filter(province_code=province_code(district.path)).exists())
