"""A census import keeps the summaries and the change log right while it inserts its counts in bulk (base.bulk)."""

from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db import connection

from base.triggers import trigger_names
from communities.importers.census import census_import
from reporting.freshness import subtree_version
from summaries import services
from tests.communities.test_import_census import CensusImportCase
from tests.communities.test_import_census_stream import FOUR, chunks_of
from tests.factories import csv_bytes, make_population

# The second record's 苗族 changed, the third's 苗族 removed and 瑶族 added, the last one's total changed.
CHANGED = [
    [*FOUR[0], "瑶族"],
    [*FOUR[1], ""],
    ["520115001002", "500", "450", "49", ""],
    ["520115002001", "300", "290", "", "10"],
    ["520115002002", "210", "190", "10", ""],
]


class CensusImportSummaryTests(CensusImportCase):
    def setUp(self):
        super().setUp()
        self.triggers = trigger_names(connection, "")

    def assertSummariesClean(self):
        out = StringIO()
        call_command("rebuild_summaries", "--check", stdout=out)  # raises CommandError when they disagree
        self.assertIn("一致", out.getvalue())
        # Every trigger a bulk insert dropped for its block is back (base.triggers.sqlite_triggers_off).
        self.assertEqual(trigger_names(connection, ""), self.triggers)

    def import_file(self, rows):
        plan, result = census_import(file=csv_bytes(rows), filename="census.csv", year=2024)
        return plan, result

    def test_first_import_changed_reimport_and_unchanged_reimport_leave_the_summaries_clean(self):
        make_population(self.communities[0], 2023, {"汉族": 5})  # a record the file does not touch
        with chunks_of(2):
            for rows, expected in ((FOUR, (4, 0, 0)), (CHANGED, (0, 3, 1)), (CHANGED, (0, 0, 4))):
                with self.subTest(expected=expected):
                    plan, result = self.import_file(rows)
                    self.assertEqual(plan.issues, [])
                    self.assertEqual((result.new, result.changed, result.unchanged), expected)
                    self.assertSummariesClean()
        self.assertEqual(self.counts_of(self.communities[2]), {"汉族": 290, "瑶族": 10})
        services.fold()
        self.assertSummariesClean()

    def test_an_import_rolled_back_by_a_bad_row_in_a_later_chunk_leaves_the_summaries_as_they_were(self):
        with chunks_of(2):
            self.import_file(FOUR)
            before = self.summary_rows()
            bad = [*CHANGED[:-1], ["520115002002", "200", "abc", "10", ""]]
            plan, result = self.import_file(bad)
        self.assertIsNone(result)
        self.assertEqual([(i.row, i.column) for i in plan.issues], [(5, "汉族")])
        self.assertEqual(self.counts_of(self.communities[1]), {"汉族": 450, "苗族": 50})
        self.assertSummariesClean()
        self.assertEqual(self.summary_rows(), before)

    def test_the_counts_facts_are_added_once_per_chunk(self):
        with chunks_of(2), mock.patch.object(services, "add_facts_for", wraps=services.add_facts_for) as catch_up:
            self.import_file(FOUR)
        tables = [call.args[0] for call in catch_up.call_args_list]
        if connection.vendor == "sqlite":
            # Per chunk: the new records, then their counts (the triggers' own work, in two statements).
            self.assertEqual(tables, ["communities_populationrecord", "communities_groupcount"] * 2)
        else:
            self.assertEqual(tables, [])  # PostgreSQL's statement triggers journal each COPY in one INSERT
        self.assertSummariesClean()

    def test_every_community_written_is_logged_for_the_dashboard_cache(self):
        before = [subtree_version(place.path) for place in self.communities]
        with chunks_of(2):
            self.import_file(FOUR)
        after = [subtree_version(place.path) for place in self.communities]
        self.assertTrue(all(a > b for a, b in zip(after, before, strict=True)), (before, after))

    def summary_rows(self):
        from summaries.models import Delta, Total

        return (
            sorted(Delta.objects.values_list("path", "measure", "month", "key", "value")),
            sorted(Total.objects.values_list("node", "measure", "month", "key", "value")),
        )
