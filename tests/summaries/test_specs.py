"""The summary sources' declarations (summaries.specs) that the SQL built from them relies on."""

import re

from django.test import SimpleTestCase

from summaries.specs import sources

# A column of one of the statement's tables: `alias.column`.
COLUMN = re.compile(r"\b([a-z]{1,2})\.([a-z_]+)\b")


class GrainTests(SimpleTestCase):
    def test_every_month_and_key_is_computed_from_its_sources_grain(self):
        # Rows summed in bulk are grouped by the grain, and each group's month and key computed once: a month or key
        # reading another column would take any row's value on SQLite (PostgreSQL refuses the statement).
        for vendor in ("sqlite", "postgresql"):
            for source in sources(vendor):
                if not source.grain:
                    continue
                grain = {tuple(column.split(".")) for column in source.grain}
                for fact in source.facts:
                    for expression in (fact.month, fact.key):
                        with self.subTest(vendor=vendor, table=source.table, measure=fact.measure, sql=expression):
                            self.assertLessEqual(set(COLUMN.findall(expression)), grain)

    def test_the_census_sources_declare_a_grain(self):
        tables = {source.table for source in sources("sqlite") if source.grain}
        self.assertEqual(tables, {"communities_groupcount", "communities_populationrecord"})
