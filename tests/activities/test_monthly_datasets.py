"""Data sets: figures assigned to levels, optional figures, and yearly figures entered once a year."""

from datetime import date

from django.core.cache import caches
from django.test import TestCase
from django.urls import reverse

from activities.choices import FigureFrequency, ReturnStatus
from activities.models import MonthlyFigure, YearlyValue
from activities.selectors.monthly import filing_levels, return_values, unit_statuses
from activities.services.monthly import missing_figures, monthly_save, monthly_submit, yearly_save
from base.periods import year_period
from communities.choices import JurisdictionLevel, Role
from reporting.freshness import CACHE_ALIAS
from reporting.report import build_report
from reporting.selectors import jurisdiction_dashboard
from tests.activities.factories_plans import make_figure
from tests.factories import make_jurisdiction, make_member


class DataSetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyFigure.objects.update(is_active=False)
        cls.calls = make_figure("接听热线", unit="个")
        cls.optional = make_figure("宣传推送", unit="条", is_optional=True)
        cls.rooms = make_figure("服务场所用房", unit="间", frequency=FigureFrequency.YEARLY)
        cls.district = make_jurisdiction("区", JurisdictionLevel.DISTRICT, code="529901000000")
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, cls.district, code="529901001000")
        cls.community = make_jurisdiction("社区", JurisdictionLevel.COMMUNITY, cls.street, code="529901001001")
        cls.staff = make_member(cls.community, Role.STAFF)

    def setUp(self):
        caches[CACHE_ALIAS].clear()

    def test_a_yearly_figure_is_entered_once_and_read_for_the_year(self):
        yearly_save(jurisdiction=self.community, year=2020, values={self.rooms: 12}, actor=self.staff)
        self.assertEqual(YearlyValue.objects.get().value, 12)
        # Never demanded by a monthly return: submit works without it, the grid does not show it.
        monthly_return = monthly_save(
            jurisdiction=self.community, month=date(2020, 5, 1), values={self.calls: 3}, actor=self.staff
        )
        self.assertEqual(missing_figures(monthly_return), [])
        self.assertNotIn(self.rooms, [f for f, _v in return_values(monthly_return=monthly_return)])
        self.assertEqual(monthly_submit(monthly_return=monthly_return, actor=self.staff).status, ReturnStatus.SUBMITTED)
        board = jurisdiction_dashboard(jurisdiction=self.district, period=year_period(2020), today=date(2026, 12, 2))
        (row,) = [r for r in board.as_dict()["yearly_figures"] if r["code"] == self.rooms.code]
        self.assertEqual((row["total"], row["places"]), (12, 1))
        self.assertNotIn(self.rooms.code, [r["code"] for r in board.as_dict()["monthly_figures"]])
        # A sentence of its own, the name and the value in its unit (no wording was given).
        self.assertIn("服务场所用房12间。", build_report(board).text)
        other_year = jurisdiction_dashboard(
            jurisdiction=self.district, period=year_period(2021), today=date(2026, 12, 2)
        )
        self.assertEqual([r["places"] for r in other_year.as_dict()["yearly_figures"]], [0])
        self.client.force_login(self.staff)
        page = self.client.get(reverse("activities:yearly_edit", args=[self.community.code, 2020]))
        self.assertContains(page, 'value="12"')

    def test_an_optional_figure_is_not_demanded(self):
        monthly_return = monthly_save(
            jurisdiction=self.community, month=date(2020, 5, 1), values={self.calls: 3}, actor=self.staff
        )
        self.assertEqual(missing_figures(monthly_return), [])
        self.assertIn(self.optional, [f for f, _v in return_values(monthly_return=monthly_return)])

    def test_a_figure_assigned_to_streets_makes_streets_file(self):
        self.assertNotIn(JurisdictionLevel.STREET, filing_levels())
        street_figure = make_figure("街道调度会", unit="次", levels=[JurisdictionLevel.STREET])
        self.assertIn(JurisdictionLevel.STREET, filing_levels())
        rows = unit_statuses(jurisdiction=self.district, month=date(2020, 5, 1), today=date(2020, 6, 1))
        self.assertEqual([r.jurisdiction for r in rows], [self.street, self.community])
        street_return = monthly_save(
            jurisdiction=self.street, month=date(2020, 5, 1), values={}, actor=make_member(self.street, Role.STAFF)
        )
        self.assertEqual(missing_figures(street_return), [street_figure])
        community_return = monthly_save(
            jurisdiction=self.community, month=date(2020, 5, 1), values={self.calls: 1}, actor=self.staff
        )
        self.assertEqual(missing_figures(community_return), [])
