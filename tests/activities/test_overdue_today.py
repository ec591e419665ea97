"""Overdue means overdue today: the dashboard of any period, the petition list and the report give one number."""

from datetime import date
from unittest import mock

from django.core.cache import caches
from django.test import TestCase
from django.urls import reverse

from activities.choices import PetitionKind, PetitionStatus
from activities.selectors.petitions import mediation_figures, overdue_count, petition_figures
from activities.selectors.plans import plan_progress
from base.periods import year_period
from communities.choices import JurisdictionLevel, Role
from reporting.freshness import CACHE_ALIAS
from reporting.report import work_report
from reporting.selectors import jurisdiction_dashboard
from tests.activities.factories_petitions import make_petition
from tests.activities.factories_plans import make_indicator, make_plan, make_responsibility
from tests.factories import make_jurisdiction, make_member

TODAY = date(2026, 12, 2)


class OverdueTodayTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = make_jurisdiction("区", JurisdictionLevel.DISTRICT, code="529501000000")
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, cls.district, code="529501001000")
        cls.community = make_jurisdiction("社区", JurisdictionLevel.COMMUNITY, cls.street, code="529501001001")
        cls.leader = make_member(cls.district, Role.LEADER)
        # Open and long past due, received last year: overdue today on this year's dashboard too.
        make_petition(cls.community, received_on=date(2025, 9, 1))
        make_petition(cls.community, received_on=date(2025, 10, 1), kind=PetitionKind.DISPUTE)
        # Received this year, open and past due.
        make_petition(cls.community, received_on=date(2026, 3, 1))
        # Received this year, open, not yet due; and one closed.
        make_petition(cls.community, received_on=date(2026, 11, 20))
        make_petition(cls.community, status=PetitionStatus.CLOSED, received_on=date(2026, 2, 1))
        plan = make_plan(cls.district)
        make_responsibility(make_indicator(plan, points=5), deadline=date(2025, 12, 1))

    def setUp(self):
        caches[CACHE_ALIAS].clear()

    def test_every_period_counts_every_case_open_past_due(self):
        self.assertEqual(overdue_count(jurisdiction=self.district, today=TODAY), 3)
        for year in (2024, 2025, 2026):
            with self.subTest(year=year):
                board = jurisdiction_dashboard(jurisdiction=self.district, period=year_period(year), today=TODAY)
                self.assertEqual(board.petitions["overdue"], 3)
                self.assertEqual(board.mediation["overdue"], 1)
                self.assertEqual(board.as_dict()["petitions"]["overdue"], 3)
                self.assertEqual([row.overdue for row in board.ranking], [3])
                self.assertEqual(board.plan_progress["responsibilities"]["overdue"], 1)
        figures = petition_figures(
            jurisdiction=self.district, start=date(2026, 1, 1), end=date(2026, 12, 31), today=TODAY
        )
        self.assertEqual((figures["received"], figures["overdue"]), (3, 3))
        mediation = mediation_figures(jurisdiction=self.district, start=date(2026, 1, 1), end=date(2026, 12, 31))
        self.assertEqual(mediation["cases"], 0)
        progress = plan_progress(plan=board.plan, today=TODAY)
        self.assertEqual(progress["responsibilities"]["overdue"], 1)

    def test_dashboard_petition_list_and_report_agree(self):
        self.client.force_login(self.leader)
        with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
            board = self.client.get(reverse("dashboard_jurisdiction", args=[self.district.code]), {"year": "2026"})
            data = self.client.get(reverse("api_summary", args=[self.district.code]), {"year": "2026"}).json()
            listing = self.client.get(reverse("activities:petition_list"))
        self.assertEqual(board.context["board"].petitions["overdue"], 3)
        self.assertEqual(data["petitions"]["overdue"], 3)
        self.assertEqual(listing.context["overdue_count"], 3)
        self.assertContains(listing, "超期未办（3）")
        text = work_report(jurisdiction=self.district, period=year_period(2026), today=TODAY).text
        self.assertIn("超过办理期限仍未办结的案件共3件", text)
        self.assertIn("有3件信访和矛盾纠纷案件超过办理期限", text)
