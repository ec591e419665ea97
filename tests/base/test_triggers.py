"""What every app's database triggers share (base.triggers)."""

from unittest import skipUnless

from django.db import connection
from django.test import TestCase


@skipUnless(connection.vendor == "postgresql", "PostgreSQL's statement-level triggers")
class StatementTriggerTests(TestCase):
    def test_every_statement_trigger_runs_without_jit(self):
        # A census chunk's transition table made each trigger query compile itself first (0.48 s of 0.94 s).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.tgname, p.proname, p.proconfig FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE NOT t.tgisinternal AND (t.tgtype & 1) = 0"  # bit 0 clear: FOR EACH STATEMENT
            )
            found = cursor.fetchall()
        self.assertGreater(len(found), 20)  # the summaries', the change log's, the checksums' …
        with_jit = sorted({(name, function) for name, function, config in found if "jit=off" not in (config or [])})
        self.assertEqual(with_jit, [])
