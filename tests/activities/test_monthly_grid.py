"""The entry grid saves each unit's row through the same service and locks as its own return page."""

from datetime import date

from django.test import TestCase
from django.urls import reverse

from activities.choices import ReturnStatus, RuleOperator
from activities.models import MonthlyFigure, MonthlyReturn, ValidationRule
from communities.choices import JurisdictionLevel, Role
from communities.models import AuditEntry
from tests.activities.factories_plans import make_figure, make_return
from tests.factories import make_jurisdiction, make_member

MONTH = date(2024, 3, 1)


class EntryGridTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyFigure.objects.update(is_active=False)
        cls.received = make_figure("窗口接件", order=1)
        cls.handled = make_figure("窗口已办理", order=2)
        rule = ValidationRule.objects.create(name="已办理不超过接件", operator=RuleOperator.LE)
        rule.left_figures.set([cls.handled])
        rule.right_figures.set([cls.received])
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, code="529801001000")
        cls.a = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, cls.street, code="529801001001")
        cls.b = make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, cls.street, code="529801001002")
        cls.c = make_jurisdiction("丙社区", JurisdictionLevel.COMMUNITY, cls.street, code="529801001003")
        cls.staff = make_member(cls.street, Role.STAFF)
        make_return(cls.c, MONTH, status=ReturnStatus.APPROVED, values={cls.received: 7, cls.handled: 7})
        cls.url = reverse("activities:monthly_grid", args=[cls.street.code, "2024-03"])

    def cell(self, unit, figure):
        return f"v_{unit.pk}_{figure.pk}"

    def test_rows_are_saved_per_unit_and_an_approved_row_stays_locked(self):
        self.client.force_login(self.staff)
        page = self.client.get(self.url)
        self.assertEqual([r.status.jurisdiction for r in page.context["rows"]], [self.a, self.b, self.c])
        self.assertEqual(page.context["totals"], [7, 7])
        self.assertContains(page, "js/monthly_grid.js")
        self.assertContains(page, "窗口已办理 ≤ 窗口接件")  # the rules the script checks, in a data attribute
        self.assertNotContains(page, "<script>")
        response = self.client.post(
            self.url,
            {
                self.cell(self.a, self.received): "50",
                self.cell(self.a, self.handled): "40",
                self.cell(self.b, self.received): "x",
                self.cell(self.c, self.received): "99",
            },
            follow=True,
        )
        self.assertContains(response, "已保存1个单位的月报数据")
        self.assertContains(response, "乙社区：“窗口接件”应填写不小于0的整数")
        saved = MonthlyReturn.objects.get(jurisdiction=self.a)
        self.assertEqual({v.figure: int(v.value) for v in saved.values.all()}, {self.received: 50, self.handled: 40})
        self.assertEqual(AuditEntry.objects.for_object(saved).get().user, self.staff)
        self.assertFalse(MonthlyReturn.objects.filter(jurisdiction=self.b).exists())
        locked = MonthlyReturn.objects.get(jurisdiction=self.c)
        self.assertEqual(int(locked.values.get(figure=self.received).value), 7)

    def test_outside_the_subtree_is_404_and_a_future_month_is_refused(self):
        self.client.force_login(make_member(self.a, Role.STAFF))
        other = reverse("activities:monthly_grid", args=[self.b.code, "2024-03"])
        self.assertEqual(self.client.get(other).status_code, 404)
        self.client.force_login(self.staff)
        response = self.client.get(reverse("activities:monthly_grid", args=[self.street.code, "2099-01"]), follow=True)
        self.assertContains(response, "该月份还没有到，不能提前填报。")
