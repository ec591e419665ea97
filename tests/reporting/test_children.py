"""The dashboard's children lists: bounded on the board and in the JSON, whole in their page, JSON and export."""

from datetime import date

from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from activities.choices import ReturnStatus
from base.periods import year_period
from communities.choices import JurisdictionLevel
from communities.models import Jurisdiction
from reporting.children import CHILDREN_SHOWN, PAGE_SIZE
from reporting.selectors import jurisdiction_dashboard
from tests.activities.factories_plans import make_return
from tests.factories import make_jurisdiction, make_member

TODAY = date(2026, 11, 23)  # the month being filed: October 2026, due 5 November, so missing ones are late
MONTH = date(2026, 10, 1)
UNITS = 130


class ChildrenListTests(TestCase):
    """A street with 130 communities: more than a page, far more than the board shows."""

    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("大街道", JurisdictionLevel.STREET, code="520115009000")
        parent = cls.street
        Jurisdiction.objects.bulk_create(
            [
                Jurisdiction(
                    name=f"社区{n:03d}", level=JurisdictionLevel.COMMUNITY, parent=parent, code=f"520115009{n:03d}"
                )
                for n in range(1, UNITS + 1)
            ]
        )
        for unit in Jurisdiction.objects.filter(parent=parent):
            unit.save()  # the path and depth, kept by save()
        cls.units = list(Jurisdiction.objects.filter(parent=parent).order_by("code"))
        # Every other unit has filed; the others have nothing, so they are late.
        for unit in cls.units[::2]:
            make_return(unit, MONTH, status=ReturnStatus.SUBMITTED)
        cls.leader = make_member(cls.street, role="leader")

    def setUp(self):
        self.client.force_login(self.leader)

    def board(self):
        return jurisdiction_dashboard(jurisdiction=self.street, period=year_period(2026), today=TODAY)

    def test_the_board_carries_the_first_children_late_first_and_counts_all(self):
        board = self.board()
        self.assertEqual(len(board.returns), CHILDREN_SHOWN)
        self.assertEqual(board.returns_total, UNITS)
        self.assertTrue(all(row.is_late for row in board.returns))
        self.assertEqual(board.returns_late, UNITS // 2)
        self.assertEqual({k: n for k, _label, n in board.returns_summary}["submitted"], UNITS // 2)
        self.assertEqual(len(board.ranking_shown), CHILDREN_SHOWN)
        self.assertEqual(len(board.ranking), UNITS)

    def test_the_json_is_bounded_and_says_how_many_there_are(self):
        response = self.client.get(reverse("api_summary", args=[self.street.code]), {"year": 2026})
        data = response.json()
        self.assertEqual(len(data["monthly_returns"]["children"]), CHILDREN_SHOWN)
        self.assertEqual(data["monthly_returns"]["children_total"], UNITS)
        self.assertEqual((len(data["ranking"]), data["ranking_total"]), (CHILDREN_SHOWN, UNITS))
        self.assertLess(len(response.content), 100 * 1024)

    def test_the_whole_list_pages_through_every_unit_once_late_first(self):
        url = reverse("api_returns", args=[self.street.code])
        seen = []
        first = self.client.get(url, {"year": 2026}).json()
        self.assertEqual((first["count"], first["pages"]), (UNITS, -(-UNITS // PAGE_SIZE)))
        for page in range(1, first["pages"] + 1):
            seen += self.client.get(url, {"year": 2026, "page": page}).json()["results"]
        self.assertEqual(sorted(row["code"] for row in seen), sorted(u.code for u in self.units))
        lates = [row["late"] for row in seen]
        self.assertEqual(lates, sorted(lates, reverse=True))  # every late one before any other

    def test_a_page_out_of_range_gives_the_last_page(self):
        data = self.client.get(reverse("api_ranking", args=[self.street.code]), {"page": 99}).json()
        self.assertEqual(data["page"], data["pages"])
        self.assertEqual(len(data["results"]), UNITS - (data["pages"] - 1) * PAGE_SIZE)

    def test_the_page_shows_fifty_rows_and_links_the_next(self):
        page = self.client.get(reverse("dashboard_returns", args=[self.street.code]), {"year": 2026})
        self.assertEqual(page.content.decode().count("data-child="), PAGE_SIZE)
        self.assertContains(page, 'rel="next"')
        self.assertContains(page, reverse("dashboard_returns_export", args=[self.street.code]))

    def test_the_dashboard_links_the_whole_lists(self):
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.street.code]), {"year": 2026})
        self.assertContains(page, reverse("dashboard_returns", args=[self.street.code]))
        self.assertContains(page, reverse("dashboard_ranking", args=[self.street.code]))

    def test_the_export_holds_every_unit(self):
        response = self.client.get(reverse("dashboard_returns_export", args=[self.street.code]), {"year": 2026})
        sheet = load_workbook(_bytes(response)).active
        codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
        self.assertEqual(len([c for c in codes if c.startswith("520115009")]), UNITS)

    def test_an_export_over_the_limit_is_refused_with_a_message(self):
        with self.settings(EXPORT_MAX_ROWS=10):
            response = self.client.get(reverse("dashboard_ranking_export", args=[self.street.code]), follow=True)
        self.assertContains(response, "上限")


def _bytes(response):
    import io

    return io.BytesIO(b"".join(response.streaming_content))
