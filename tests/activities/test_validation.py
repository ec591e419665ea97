"""Validation rules: errors block submit and approval, warnings need a line, the analysis lists every violation."""

import io
from datetime import date
from unittest import mock

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from activities.choices import PetitionStatus, ReturnStatus, RuleImportance, RuleOperator
from activities.models import MonthlyFigure, MonthlyReturn, ValidationRule
from activities.selectors.validation import return_violations, violations
from activities.services.monthly import monthly_approve, monthly_save, monthly_submit, rule_save, rule_violators
from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_petitions import make_petition
from tests.activities.factories_plans import make_figure, make_return
from tests.factories import make_jurisdiction, make_member

MONTH = date(2024, 3, 1)


def make_rule(left, operator, right, importance=RuleImportance.ERROR, **extra):
    rule = ValidationRule.objects.create(
        name=extra.pop("name", f"规则{ValidationRule.objects.count() + 1}"),
        operator=operator,
        importance=importance,
        **extra,
    )
    rule.left_figures.set(left)
    rule.right_figures.set(right)
    return rule


def run_report(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("validation_report", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


class DefaultRulesTests(TestCase):
    def test_the_shipped_rules_read_as_the_seed_writes_them(self):
        texts = {rule.name: rule.text for rule in ValidationRule.objects.all()}
        self.assertEqual(texts["服务窗口已办理不超过接件"], "服务窗口已办理 ≤ 服务窗口接件")
        self.assertEqual(texts["服务窗口接件不超过接待咨询"], "服务窗口接件 ≤ 服务窗口接待咨询")
        self.assertEqual(texts["热线已办理不超过接听"], "热线已办理 ≤ 热线接听")
        self.assertEqual(texts["调解成功不超过调解受理"], "调解成功 ≤ 调解案件")
        for figure in MonthlyFigure.objects.all():
            self.assertEqual(texts[f"{figure.name}不小于0"], f"{figure.name} ≥ 0")


class RuleChecksTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyFigure.objects.update(is_active=False)
        cls.received = make_figure("接件")
        cls.handled = make_figure("已办理")
        cls.calls = make_figure("接听")
        cls.error = make_rule([cls.handled], RuleOperator.LE, [cls.received], name="已办理不超过接件")
        cls.warning = make_rule(
            [cls.calls], RuleOperator.LE, [], importance=RuleImportance.WARNING, right_constant=1000, name="接听异常多"
        )
        cls.district = make_jurisdiction("区", JurisdictionLevel.DISTRICT, code="529701000000")
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, cls.district, code="529701001000")
        cls.community = make_jurisdiction("社区", JurisdictionLevel.COMMUNITY, cls.street, code="529701001001")
        cls.staff = make_member(cls.community, Role.STAFF)
        cls.leader = make_member(cls.street, Role.LEADER)

    def save(self, received, handled, calls=10, explanations=None):
        return monthly_save(
            jurisdiction=self.community,
            month=MONTH,
            values={self.received: received, self.handled: handled, self.calls: calls},
            explanations=explanations,
            actor=self.staff,
        )

    def test_an_error_rule_blocks_submit_naming_the_rule_and_both_values(self):
        monthly_return = self.save(50, 80)
        with self.assertRaisesMessage(ValidationError, "不满足规则“已办理 ≤ 接件”：左边为80，右边为50。"):
            monthly_submit(monthly_return=monthly_return, actor=self.staff)
        self.assertEqual(MonthlyReturn.objects.get().status, ReturnStatus.DRAFT)
        code, out = run_report("--jurisdiction", self.district.code, "--month", "2024-03")
        self.assertEqual(code, 1)
        self.assertIn("社区（529701001001）\t2024-03\t错误\t已办理 ≤ 接件\t左边 80\t右边 50", out)
        self.save(80, 80)
        monthly_submit(monthly_return=monthly_return, actor=self.staff)
        self.assertEqual(run_report("--jurisdiction", self.district.code, "--month", "2024-03")[0], 0)
        self.assertEqual(run_report("--jurisdiction", self.district.code, "--year", "2024")[0], 0)

    def test_a_warning_needs_an_explanation_the_reviewer_sees(self):
        monthly_return = self.save(5, 5, calls=1500)
        with self.assertRaisesMessage(ValidationError, "这是提醒规则：请在月报中填写一句说明后再上报"):
            monthly_submit(monthly_return=monthly_return, actor=self.staff)
        monthly_return = self.save(5, 5, calls=1500, explanations={self.warning.pk: "  春节前集中咨询  "})
        monthly_submit(monthly_return=monthly_return, actor=self.staff)
        (violation,) = return_violations(monthly_return)
        self.assertEqual((violation.is_error, violation.explanation), (False, "春节前集中咨询"))
        self.client.force_login(self.leader)
        page = self.client.get(reverse("activities:monthly_edit", args=[self.community.code, "2024-03"]))
        self.assertContains(page, "春节前集中咨询")
        self.assertContains(page, "左边为1500，右边为1000")
        monthly_approve(monthly_return=monthly_return, actor=self.leader)  # a warning does not block approval
        code, out = run_report("--jurisdiction", self.community.code, "--month", "2024-03")
        self.assertEqual(code, 1)
        self.assertIn("说明：春节前集中咨询", out)

    def test_the_form_shows_the_broken_rule_and_takes_the_explanation(self):
        self.save(5, 5, calls=1500)
        self.client.force_login(self.staff)
        url = reverse("activities:monthly_edit", args=[self.community.code, "2024-03"])
        page = self.client.get(url)
        self.assertContains(page, f'name="explain_{self.warning.pk}"')
        data = {
            f"figure_{self.received.pk}": "5",
            f"figure_{self.handled.pk}": "9",
            f"figure_{self.calls.pk}": "1500",
            f"explain_{self.warning.pk}": "活动日集中来电",
        }
        self.client.post(url, data)
        page = self.client.get(url)
        self.assertContains(page, "不满足规则“已办理 ≤ 接件”：左边为9，右边为5。")
        self.assertEqual(MonthlyReturn.objects.get().explanations, {str(self.warning.pk): "活动日集中来电"})
        response = self.client.post(
            reverse("activities:monthly_submit", args=[self.community.code, "2024-03"]), follow=True
        )
        self.assertContains(response, "不满足规则“已办理 ≤ 接件”：左边为9，右边为5。")

    def test_an_error_rule_blocks_approval_and_a_rule_change_lists_the_returns_it_now_breaks(self):
        monthly_return = self.save(50, 40)
        monthly_submit(monthly_return=monthly_return, actor=self.staff)
        stricter = make_rule([self.handled], RuleOperator.EQ, [self.received], name="全部办理")
        with self.assertRaisesMessage(ValidationError, "不满足规则“已办理 = 接件”：左边为40，右边为50。"):
            monthly_approve(monthly_return=monthly_return, actor=self.leader)
        stricter.is_active = False
        admin = make_member(self.district, Role.ADMIN)
        rule_save(rule=stricter, actor=admin)
        monthly_approve(monthly_return=monthly_return, actor=self.leader)
        # Tightening a rule changes no stored return; it lists those now breaking it.
        self.error.operator = RuleOperator.LT
        rule_save(rule=self.error, actor=admin)
        self.assertEqual(rule_violators(self.error), [])
        self.error.left_constant = 10
        rule_save(rule=self.error, actor=admin)
        ((found, left, right),) = rule_violators(self.error)
        self.assertEqual((found.pk, left, right), (monthly_return.pk, 50, 50))
        self.assertEqual(MonthlyReturn.objects.get().status, ReturnStatus.APPROVED)

    def test_the_admin_lists_the_violators_after_a_rule_change(self):
        make_return(
            self.community,
            MONTH,
            status=ReturnStatus.APPROVED,
            values={self.received: 5, self.handled: 5, self.calls: 1},
        )
        from django.contrib.auth import get_user_model

        self.client.force_login(get_user_model().objects.create_superuser("rules-admin", password="x"))
        response = self.client.post(
            reverse("admin:activities_validationrule_change", args=[self.error.pk]),
            {
                "name": self.error.name,
                "left_figures": [self.handled.pk],
                "left_constant": "0",
                "operator": RuleOperator.LT,
                "right_figures": [self.received.pk],
                "right_constant": "0",
                "importance": RuleImportance.ERROR,
                "is_active": "on",
            },
            follow=True,
        )
        self.assertContains(response, "已有1份月报不符合该规则")
        self.assertContains(response, "社区 2024-03（5 / 5）")

    def test_cross_record_rules_hold_for_recorded_cases(self):
        make_petition(self.community, status=PetitionStatus.CLOSED, received_on=date(2024, 3, 10))
        make_petition(self.community, received_on=date(2024, 3, 12))
        self.assertEqual(violations(jurisdiction=self.district, start_month=MONTH, end_month=MONTH), [])

    def test_the_page_and_the_dashboard_count(self):
        self.save(50, 80)
        self.client.force_login(self.leader)
        page = self.client.get(
            reverse("activities:validation_report"), {"jurisdiction": self.street.code, "year": "2024"}
        )
        self.assertContains(page, "已办理 ≤ 接件")
        self.assertEqual(len(page.context["violations"]), 1)
        outside = make_jurisdiction("别处", JurisdictionLevel.STREET, code="529702001000")
        response = self.client.get(reverse("activities:validation_report"), {"jurisdiction": outside.code})
        self.assertEqual(response.status_code, 404)
        with mock.patch("django.utils.timezone.localdate", return_value=date(2024, 4, 2)):
            board = self.client.get(reverse("dashboard_jurisdiction", args=[self.street.code]), {"year": "2024"})
            data = self.client.get(reverse("api_summary", args=[self.street.code]), {"year": "2024"}).json()
        self.assertEqual(board.context["board"].violations, 1)
        self.assertContains(board, reverse("activities:validation_report"))
        self.assertEqual(data["validation"]["violations"], 1)
