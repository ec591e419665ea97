"""summaries 0005: the records' facts move to the parent of their place; the migration has them recomputed."""

from unittest import skipUnless

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from summaries.models import Stale
from tests.factories import make_jurisdiction, make_population
from tests.migrating import MigrationTestCase, before_migrating

BEFORE = [("summaries", "0004_group_facts_at_parent")]
AFTER = [("summaries", "0005_record_facts_at_parent")]


class RecordFactsMigrationTests(MigrationTestCase):
    def migrate_again(self):
        before_migrating()
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        Stale.objects.all().delete()
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)

    def test_a_database_with_records_has_their_measures_alone_recomputed(self):
        make_population(make_jurisdiction("社区", "community", code="520115001001"), 2024, {"汉族": 10})
        self.migrate_again()
        self.assertEqual(list(Stale.objects.values_list("reason", flat=True)), ["measures:pop."])

    def test_an_empty_database_has_nothing_to_recompute(self):
        self.migrate_again()
        self.assertFalse(Stale.objects.exists())


def _totals_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'summaries_total_uniq'")
        return cursor.fetchone()[0]


@skipUnless(connection.vendor == "postgresql", "SQLite has no non-key columns in an index")
class TotalValueInIndexTests(MigrationTestCase):
    """summaries 0006: PostgreSQL reads a place's totals from the unique index alone (an index-only scan)."""

    def test_the_value_goes_into_the_index_and_back_out(self):
        self.assertIn("INCLUDE (value)", _totals_index())
        self.migrate([("summaries", "0005_record_facts_at_parent")])
        self.assertNotIn("INCLUDE", _totals_index())
        self.migrate([("summaries", "0006_total_value_in_index")])
        self.assertIn("INCLUDE (value)", _totals_index())
