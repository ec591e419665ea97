"""Migrating a test database back and forth as `migrate` does: every app's pre_migrate receivers first (SQLite's
table remakes need the triggers out of the way, base.triggers says why), its post_migrate receivers after (each
app's triggers installed again, the rows they keep rebuilt)."""

from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase


def before_migrating():
    emit_pre_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)


def after_migrating():
    # A plan that ran: the receivers that rebuild rows after migrations (return checks, province codes) do.
    emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS, plan=True)


def old_district_record(apps):
    """In the state `apps` of an older migration, create a district at the top of the tree and a population record
    of it (its province code the district's own); return the record."""
    jurisdictions = apps.get_model("communities", "Jurisdiction").objects
    root = jurisdictions.create(name="区", level="district", code="520115000000")
    root.path = f"{root.pk:08d}/"
    root.save()
    return apps.get_model("communities", "PopulationRecord").objects.create(
        jurisdiction=root, year=2024, province_code=f"{root.pk:08d}"
    )


class MigrationTestCase(TransactionTestCase):
    """A test that migrates the database back: it leaves every migration applied and every trigger back, and the
    reference data the flush emptied loaded again for the next tests in the worker."""

    def migrate(self, targets):
        """Migrate to `targets` as `migrate` does; return the apps of that state."""
        before_migrating()
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def tearDown(self):
        before_migrating()
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        after_migrating()
        super().tearDown()

    def _fixture_teardown(self):
        from tests.conftest import reload_reference_data

        super()._fixture_teardown()
        reload_reference_data()
