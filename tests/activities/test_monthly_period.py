"""One period rule: on fixed dates the 本月 page, the overview, the dashboard and the JSON agree.

They must show the same month being filed, the same due date and the same status (and lateness) for every
unit that files; the overview's counts equal the JSON's `monthly_returns.by_status`.
"""

from datetime import date
from unittest import mock

from django.core.cache import caches
from django.test import TestCase, override_settings
from django.urls import reverse

from activities.choices import ReturnStatus
from activities.models import MonthlyFigure, MonthlyReturn
from activities.selectors.monthly import MISSING, filing_month
from activities.services.monthly import monthly_approve, monthly_save, monthly_submit
from communities.choices import JurisdictionLevel, Role
from reporting.freshness import CACHE_ALIAS
from tests.activities.factories_plans import make_figure, make_return
from tests.factories import make_jurisdiction, make_member


def on(day):
    """Make `day` today for every page and service (they all ask `timezone.localdate`)."""
    return mock.patch("django.utils.timezone.localdate", return_value=day)


class FilingMonthRuleTests(TestCase):
    def test_the_last_month_that_has_ended(self):
        cases = [
            (date(2026, 12, 1), date(2026, 11, 1), date(2026, 12, 5), False),
            (date(2026, 12, 5), date(2026, 11, 1), date(2026, 12, 5), False),
            (date(2026, 12, 6), date(2026, 11, 1), date(2026, 12, 5), True),
            (date(2026, 12, 31), date(2026, 11, 1), date(2026, 12, 5), True),
            (date(2027, 1, 1), date(2026, 12, 1), date(2027, 1, 5), False),
            (date(2027, 1, 6), date(2026, 12, 1), date(2027, 1, 5), True),
        ]
        for today, month, due_on, late in cases:
            with self.subTest(today=today):
                filing = filing_month(today)
                self.assertEqual((filing.month, filing.due_on, filing.is_overdue), (month, due_on, late))

    @override_settings(MONTHLY_RETURN_DUE_DAY=10)
    def test_the_due_day_is_a_setting(self):
        self.assertEqual(filing_month(date(2026, 12, 6)).due_on, date(2026, 12, 10))
        self.assertFalse(filing_month(date(2026, 12, 10)).is_overdue)

    def test_a_past_period_shows_its_own_last_month(self):
        self.assertEqual(filing_month(date(2026, 12, 2), until=date(2025, 6, 30)).month, date(2025, 6, 1))
        self.assertEqual(filing_month(date(2026, 12, 2), until=date(2026, 12, 31)).month, date(2026, 11, 1))


class PagesAgreeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyFigure.objects.update(is_active=False)
        cls.figure = make_figure("接听热线", unit="个")
        cls.district = make_jurisdiction("区", JurisdictionLevel.DISTRICT, code="529401000000")
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, cls.district, code="529401001000")
        cls.town = make_jurisdiction("镇", JurisdictionLevel.TOWNSHIP, cls.district, code="529401100000")
        cls.units = [
            make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, cls.street, code="529401001001"),
            make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, cls.street, code="529401001002"),
            make_jurisdiction("丙社区", JurisdictionLevel.COMMUNITY, cls.street, code="529401001003"),
            make_jurisdiction("丁村", JurisdictionLevel.VILLAGE, cls.town, code="529401100201"),
        ]
        cls.leader = make_member(cls.district, Role.LEADER)
        for month in (date(2026, 11, 1), date(2026, 12, 1)):
            make_return(cls.units[0], month, status=ReturnStatus.APPROVED, values={cls.figure: 3})
            make_return(cls.units[1], month, status=ReturnStatus.SUBMITTED, values={cls.figure: 2})
            make_return(cls.units[2], month, status=ReturnStatus.DRAFT)
        # Levels that file no return have none counted, whatever they hold.
        make_return(cls.street, date(2026, 11, 1), status=ReturnStatus.DRAFT)

    def setUp(self):
        caches[CACHE_ALIAS].clear()
        self.client.force_login(self.leader)

    def _views(self):
        """Return {page: (month, due_on, {code: (status, late)})} as each page shows it."""
        this_month = self.client.get(reverse("activities:this_month")).context
        (entry,) = this_month["entries"]
        overview = self.client.get(reverse("activities:monthly_list")).context
        (section,) = overview["sections"]
        board = self.client.get(reverse("dashboard_jurisdiction", args=[self.district.code])).context["board"]
        data = self.client.get(reverse("api_summary", args=[self.district.code])).json()["monthly_returns"]

        def statuses(rows):
            return {r.jurisdiction.code: (str(r.status), r.is_late) for r in rows}

        return (
            {
                "本月": (this_month["filing"].month, this_month["filing"].due_on, statuses(entry.units)),
                "overview": (overview["month"], overview["due_on"], statuses(section.rows)),
                "dashboard": (board.returns_month, board.returns_due_on, statuses(board.returns)),
                "json": (
                    date.fromisoformat(data["month"] + "-01"),
                    date.fromisoformat(data["due_on"]),
                    {c["code"]: (c["status"], c["late"]) for c in data["children"]},
                ),
            },
            section,
            data,
        )

    def test_fixed_dates(self):
        november = {
            "529401001001": ReturnStatus.APPROVED,
            "529401001002": ReturnStatus.SUBMITTED,
            "529401001003": ReturnStatus.DRAFT,
            "529401100201": MISSING,
        }
        cases = [
            (date(2026, 12, 1), date(2026, 11, 1), date(2026, 12, 5), False),
            (date(2026, 12, 5), date(2026, 11, 1), date(2026, 12, 5), False),
            (date(2026, 12, 6), date(2026, 11, 1), date(2026, 12, 5), True),
            (date(2027, 1, 1), date(2026, 12, 1), date(2027, 1, 5), False),
            (date(2027, 1, 6), date(2026, 12, 1), date(2027, 1, 5), True),
        ]
        for today, month, due_on, past_due in cases:
            with self.subTest(today=today), on(today):
                views, section, data = self._views()
                expected_rows = {
                    code: (str(status), past_due and status in (ReturnStatus.DRAFT, MISSING))
                    for code, status in november.items()
                }
                for page, (shown_month, shown_due, rows) in views.items():
                    with self.subTest(page=page):
                        self.assertEqual((shown_month, shown_due), (month, due_on))
                        self.assertEqual(rows, expected_rows)
                counts = {key: n for key, _label, n in section.counts}
                self.assertEqual(counts, data["by_status"])
                self.assertEqual(section.late, data["late"])

    def test_the_overview_lists_only_units_that_file(self):
        with on(date(2026, 12, 2)):
            response = self.client.get(reverse("activities:monthly_list"), {"month": "2026-11"})
        listed = [row.jurisdiction for row in response.context["sections"][0].rows]
        self.assertEqual(listed, self.units)
        self.assertNotContains(response, 'data-jurisdiction="529401001000"')
        self.assertNotContains(response, 'data-jurisdiction="529401000000"')


class RunningMonthTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyFigure.objects.update(is_active=False)
        cls.figure = make_figure("接听热线", unit="个")
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, code="529402001000")
        cls.community = make_jurisdiction("社区", JurisdictionLevel.COMMUNITY, cls.street, code="529402001001")
        cls.staff = make_member(cls.community, Role.STAFF)
        cls.leader = make_member(cls.street, Role.LEADER)

    def test_a_running_month_can_be_drafted_but_not_submitted(self):
        with on(date(2026, 12, 2)):
            monthly_return = monthly_save(
                jurisdiction=self.community, month=date(2026, 12, 1), values={self.figure: 4}, actor=self.staff
            )
            with self.assertRaisesMessage(Exception, "2026年12月还没有结束，可以先填写草稿，月末后才能上报"):
                monthly_submit(monthly_return=monthly_return, actor=self.staff)
            self.client.force_login(self.staff)
            page = self.client.get(reverse("activities:monthly_edit", args=[self.community.code, "2026-12"]))
            self.assertContains(page, 'data-period="running"')
            self.assertNotContains(page, reverse("activities:monthly_submit", args=[self.community.code, "2026-12"]))
        with on(date(2027, 1, 1)):
            monthly_submit(monthly_return=monthly_return, actor=self.staff)

    def test_approving_a_running_month_is_refused_and_never_locks_it(self):
        # A return marked submitted for the running month (e.g. by an import): the leader still cannot approve.
        monthly_return = make_return(
            self.community, date(2026, 12, 1), status=ReturnStatus.SUBMITTED, values={self.figure: 1}
        )
        with on(date(2026, 12, 2)):
            self.client.force_login(self.leader)
            url = reverse("activities:monthly_approve", args=[self.community.code, "2026-12"])
            response = self.client.post(url, follow=True)
            self.assertContains(response, "2026年12月还没有结束，可以先填写草稿，月末后才能审核。")
            self.assertEqual(MonthlyReturn.objects.get().status, ReturnStatus.SUBMITTED)
            # Even an approved return of a running month does not lock it.
            MonthlyReturn.objects.filter(pk=monthly_return.pk).update(status=ReturnStatus.APPROVED)
            from activities.services.common import month_is_locked

            self.assertFalse(month_is_locked(jurisdiction=self.community, day=date(2026, 12, 2)))
        with on(date(2027, 1, 2)):
            self.assertTrue(month_is_locked(jurisdiction=self.community, day=date(2026, 12, 2)))
            MonthlyReturn.objects.filter(pk=monthly_return.pk).update(status=ReturnStatus.SUBMITTED)
            approved = monthly_approve(monthly_return=monthly_return, actor=self.leader)
            self.assertEqual(approved.status, ReturnStatus.APPROVED)
