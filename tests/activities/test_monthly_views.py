"""Monthly pages end to end: the grid, the review steps with their refusals, the overview, 本月, figures."""

import io
from contextlib import contextmanager
from datetime import date

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from activities.choices import ReturnStatus
from activities.models import MonthlyFigure, MonthlyReturn
from activities.selectors.monthly import filing_month
from communities.choices import JurisdictionLevel, Role
from communities.models import AuditEntry
from tests.activities.factories_plans import make_activity, make_figure, make_return
from tests.factories import make_jurisdiction, make_member


@contextmanager
def page_queries(test, limit):
    """Capture a page's queries and keep them under `limit`: this page's own, plus some for site-wide
    parts (session, user, navigation) that other areas own and may change."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    test.assertLessEqual(len(captured.captured_queries), limit, [q["sql"][:120] for q in captured.captured_queries])


MONTH = date(2024, 3, 1)


class MonthlyPagesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyFigure.objects.update(is_active=False)
        cls.calls = make_figure("接听热线", unit="个")
        cls.cases = make_figure("调处纠纷", unit="件")
        cls.district = make_jurisdiction("区", JurisdictionLevel.DISTRICT, code="529301000000")
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, cls.district, code="529301001000")
        cls.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, cls.street, code="529301001001")
        cls.sibling = make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, cls.street, code="529301001002")
        cls.staff = make_member(cls.community, Role.STAFF)
        cls.community_leader = make_member(cls.community, Role.LEADER)
        cls.leader = make_member(cls.street, Role.LEADER)
        cls.admin = make_member(cls.district, Role.ADMIN)

    def url(self, name, jurisdiction=None, month=MONTH):
        return reverse(f"activities:{name}", args=[(jurisdiction or self.community).code, month])

    def grid(self, calls="", cases="", **extra):
        return {f"figure_{self.calls.pk}": calls, f"figure_{self.cases.pk}": cases, **extra}


class MonthlyFlowTests(MonthlyPagesTestCase):
    def test_fill_submit_approve_through_the_pages(self):
        self.client.force_login(self.staff)
        response = self.client.post(self.url("monthly_edit"), self.grid(calls="12", cases="-1"))
        self.assertContains(response, "“调处纠纷”应填写不小于0的整数（单位：件）")
        self.assertFalse(MonthlyReturn.objects.exists())
        response = self.client.post(self.url("monthly_edit"), self.grid(calls="12", cases="2.5"))
        self.assertContains(response, "“调处纠纷”应填写不小于0的整数")
        response = self.client.post(self.url("monthly_edit"), self.grid(calls="12"))
        self.assertRedirects(response, self.url("monthly_edit"))
        response = self.client.post(self.url("monthly_submit"), follow=True)
        self.assertContains(response, "还有1项指标未填写：调处纠纷")
        response = self.client.post(self.url("monthly_edit"), self.grid(calls="12", cases="0", then="submit"))
        self.assertRedirects(response, self.url("monthly_submit"))
        self.assertContains(self.client.get(self.url("monthly_submit")), "确认上报")
        self.client.post(self.url("monthly_submit"))
        monthly_return = MonthlyReturn.objects.get()
        self.assertEqual(monthly_return.status, ReturnStatus.SUBMITTED)
        response = self.client.post(self.url("monthly_submit"), follow=True)
        self.assertContains(response, "无需重复上报")

        # Staff cannot approve; nor can a leader of the same community.
        for user in (self.staff, self.community_leader):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url("monthly_approve")).status_code, 403)
            self.assertEqual(self.client.get(self.url("monthly_approve")).status_code, 403)
        monthly_return.refresh_from_db()
        self.assertEqual(monthly_return.status, ReturnStatus.SUBMITTED)

        self.client.force_login(self.leader)
        response = self.client.get(reverse("activities:monthly_list"), {"month": "2024-03"})
        self.assertContains(response, "待我审核")
        self.client.post(self.url("monthly_approve"))
        monthly_return.refresh_from_db()
        self.assertEqual((monthly_return.status, monthly_return.reviewed_by), (ReturnStatus.APPROVED, self.leader))

        self.client.force_login(self.staff)
        response = self.client.get(self.url("monthly_edit"))
        self.assertContains(response, "已锁定")
        self.assertNotContains(response, 'name="figure_')
        response = self.client.post(self.url("monthly_edit"), self.grid(calls="99", cases="0"), follow=True)
        self.assertContains(response, "当前不能修改")
        self.assertEqual(int(monthly_return.values.get(figure=self.calls).value), 12)

        self.client.force_login(self.leader)
        response = self.client.post(self.url("monthly_reopen"), {"reason": ""})
        self.assertContains(response, "请填写理由")
        self.client.post(self.url("monthly_reopen"), {"reason": "补录活动"})
        monthly_return.refresh_from_db()
        self.assertEqual(monthly_return.status, ReturnStatus.DRAFT)
        history = self.client.get(self.url("monthly_edit"))
        for note in ("上报", "审核通过", "重新开放：补录活动"):
            self.assertContains(history, note)

    def test_return_needs_a_reason(self):
        make_return(self.community, MONTH, status=ReturnStatus.SUBMITTED, values={self.calls: 1, self.cases: 1})
        self.client.force_login(self.leader)
        response = self.client.post(self.url("monthly_return"), {"reason": "  "})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "请填写理由，说明需要修改什么。")
        self.assertEqual(MonthlyReturn.objects.get().status, ReturnStatus.SUBMITTED)
        self.client.post(self.url("monthly_return"), {"reason": "热线数字与台账不符"})
        self.assertEqual(MonthlyReturn.objects.get().status, ReturnStatus.RETURNED)
        self.client.force_login(self.staff)
        response = self.client.get(self.url("monthly_edit"))
        self.assertContains(response, "退回理由：")
        self.assertContains(response, "热线数字与台账不符")
        self.assertContains(response, 'name="figure_')

    def test_steps_on_a_return_in_the_wrong_state_change_nothing(self):
        make_return(self.community, MONTH, status=ReturnStatus.DRAFT, values={self.calls: 1})
        self.client.force_login(self.leader)
        response = self.client.get(self.url("monthly_approve"), follow=True)
        self.assertContains(response, "不能审核月报")
        response = self.client.post(self.url("monthly_approve"), follow=True)
        self.assertContains(response, "只能审核“已上报”的月报")
        self.assertEqual(MonthlyReturn.objects.get().status, ReturnStatus.DRAFT)
        self.assertFalse(AuditEntry.objects.exists())

    def test_units_without_a_code_are_reached_by_id(self):
        school = make_jurisdiction("某小学", JurisdictionLevel.UNIT, self.community)
        self.client.force_login(self.staff)
        url = reverse("activities:monthly_edit", args=[f"id{school.pk}", MONTH])
        self.client.post(url, self.grid(calls="3", cases="0"))
        self.assertEqual(MonthlyReturn.objects.get().jurisdiction, school)
        self.client.force_login(make_member(self.sibling, Role.STAFF))
        self.assertEqual(self.client.get(url).status_code, 404)


class MonthlyOverviewTests(MonthlyPagesTestCase):
    def _children(self, n, start):
        for i in range(start, start + n):
            child = make_jurisdiction(f"社区{i}", JurisdictionLevel.COMMUNITY, self.street, code=f"529301001{i:03d}")
            make_return(child, MONTH, status=ReturnStatus.SUBMITTED)

    def test_who_has_not_submitted_and_query_count(self):
        self.client.force_login(self.leader)
        url = reverse("activities:monthly_list")
        make_return(self.community, MONTH, status=ReturnStatus.APPROVED, submitted_by=self.staff)
        self._children(1, 10)
        with page_queries(self, 10) as few:  # 7 when measured
            response = self.client.get(url, {"month": "2024-03"})
        self.assertContains(response, "尚未上报：")
        self.assertContains(response, 'data-jurisdiction="529301001002" data-status="missing"')
        self.assertContains(response, 'data-jurisdiction="529301001001" data-status="approved"')
        self._children(5, 20)
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(url, {"month": "2024-03"})

    def test_export_of_the_overview(self):
        self.client.force_login(self.leader)
        make_return(self.community, MONTH, status=ReturnStatus.SUBMITTED, submitted_by=self.staff)
        response = self.client.get(reverse("activities:monthly_list"), {"month": "2024-03", "format": "xlsx"})
        rows = [list(r) for r in load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True)]
        self.assertEqual(rows[0][:5], ["上级辖区", "辖区", "区划代码", "月份", "状态"])
        # Only the units that file returns: the street itself files none.
        self.assertEqual(
            [(r[0], r[1], r[4]) for r in rows[1:]], [("街道", "甲社区", "已上报"), ("街道", "乙社区", "未填报")]
        )
        self.assertEqual(rows[1][7], self.staff.username)

    def test_drill_down_stays_in_scope(self):
        self.client.force_login(self.staff)
        url = reverse("activities:monthly_list")
        self.assertEqual(self.client.get(url, {"jurisdiction": self.sibling.code}).status_code, 404)
        response = self.client.get(url, {"month": "bad"})
        self.assertEqual(response.context["month"], filing_month().month)


class ThisMonthPageTests(MonthlyPagesTestCase):
    def test_shows_what_is_left(self):
        month = filing_month().month
        make_activity(self.community, month)
        make_activity(self.sibling, month)
        self.client.force_login(self.staff)
        response = self.client.get(reverse("activities:this_month"))
        self.assertContains(response, '<dd data-figure="figures_missing">2</dd>', html=False)
        self.assertContains(response, "填报月报")
        self.assertNotContains(response, "乙社区")
        (entry,) = response.context["entries"]
        self.assertEqual(entry.activities, 1)
        if entry.activity_url:
            self.assertIn(f"month={month:%Y-%m}", entry.activity_url)


class FigurePagesTests(MonthlyPagesTestCase):
    def test_only_administrators_define_figures(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(reverse("activities:figure_list")).status_code, 403)
        self.assertEqual(self.client.post(reverse("activities:figure_create"), {}).status_code, 403)
        self.client.force_login(self.admin)
        response = self.client.post(
            reverse("activities:figure_create"),
            {"name": "宣传推送", "code": "posts", "unit": "条", "aggregation": "sum", "order": "9", "is_active": "on"},
        )
        self.assertRedirects(response, reverse("activities:figure_list"))
        figure = MonthlyFigure.objects.get(code="posts")
        response = self.client.post(
            reverse("activities:figure_update", args=[figure.pk]),
            {"name": "接听热线", "code": "posts", "unit": "条", "aggregation": "sum", "order": "9"},
        )
        self.assertContains(response, "已存在")
        self.assertEqual(AuditEntry.objects.for_object(figure).count(), 1)
