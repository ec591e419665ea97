"""summaries 0005: the records' facts move to the parent of their place; the migration has them recomputed."""

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
