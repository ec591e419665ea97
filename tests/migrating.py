"""Migrating a test database back and forth as `migrate` does: every app's pre_migrate receivers first (SQLite's
table remakes need the triggers out of the way, base.triggers says why), its post_migrate receivers after (each
app's triggers installed again, the rows they keep rebuilt)."""

from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DEFAULT_DB_ALIAS


def before_migrating():
    emit_pre_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)


def after_migrating():
    # A plan that ran: the receivers that rebuild rows after migrations (return checks, province codes) do.
    emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS, plan=True)
