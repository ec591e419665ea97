"""The admin of plans and monthly returns: scoped changelists, saves through the services."""

from datetime import date

from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse

from activities.choices import ReturnStatus
from activities.models import CreationPlan, EvidenceFile, Indicator, MonthlyReturn, Responsibility
from communities.choices import JurisdictionLevel, Role
from communities.models import AuditEntry
from tests.activities.factories_plans import (
    make_evidence,
    make_indicator,
    make_plan,
    make_responsibility,
    make_return,
)
from tests.factories import make_jurisdiction, make_member


def admin_user(jurisdiction, role):
    user = make_member(jurisdiction, role)
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="activities"))
    return user


class AdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, code="529201001000")
        cls.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, cls.street, code="529201001001")
        cls.sibling = make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, cls.street, code="529201001002")
        cls.staff = admin_user(cls.community, Role.STAFF)
        cls.leader = admin_user(cls.street, Role.LEADER)
        cls.plan = make_plan(cls.community, title="甲社区方案")
        cls.foreign = make_plan(cls.sibling, title="乙社区方案")
        cls.indicator = make_indicator(cls.plan, code="1.1", points=5)
        make_responsibility(make_indicator(cls.foreign), lead_department="乙社区党委")

    def test_changelists_are_scoped(self):
        self.client.force_login(self.staff)
        cases = {
            "admin:activities_creationplan_changelist": ("甲社区方案", "乙社区方案"),
            "admin:activities_responsibility_changelist": ("", "乙社区党委"),
        }
        for name, (own, foreign) in cases.items():
            with self.subTest(name=name):
                response = self.client.get(reverse(name))
                self.assertEqual(response.status_code, 200)
                if own:
                    self.assertContains(response, own)
                self.assertNotContains(response, foreign)
        response = self.client.get(reverse("admin:activities_creationplan_change", args=[self.foreign.pk]))
        self.assertEqual(response.status_code, 302)

    def test_a_responsibility_saved_in_the_admin_is_checked_and_audited(self):
        self.client.force_login(self.staff)
        url = reverse("admin:activities_responsibility_add")
        data = {
            "indicator": str(self.indicator.pk),
            "lead_department": "社区党委",
            "progress": "0",
            "status": "not_started",
            "self_score": "8",
        }
        response = self.client.post(url, data)
        self.assertContains(response, "自评得分8超过了该指标的分值5")
        response = self.client.post(url, {**data, "self_score": "4"})
        self.assertEqual(response.status_code, 302)
        line = Responsibility.objects.get(lead_department="社区党委")
        self.assertEqual(AuditEntry.objects.for_object(line).get().jurisdiction, self.community)

    def test_an_evidence_title_changed_in_the_admin_goes_through_its_service(self):
        evidence = make_evidence(self.indicator, title="会议记录")
        self.client.force_login(self.staff)
        url = reverse("admin:activities_evidencefile_change", args=[evidence.pk])
        self.assertEqual(self.client.post(url, {"title": "第一次调度会会议记录"}).status_code, 302)
        self.assertEqual(EvidenceFile.objects.get(pk=evidence.pk).title, "第一次调度会会议记录")
        entry = AuditEntry.objects.for_object(evidence).get()
        self.assertEqual(
            (entry.action, entry.changes, entry.note, entry.jurisdiction, entry.user),
            ("change", {"title": ["会议记录", "第一次调度会会议记录"]}, "后台", self.community, self.staff),
        )

    def test_an_indicator_under_a_second_level_indicator_is_refused_on_the_form(self):
        child = make_indicator(self.plan, code="1.1.1", parent=self.indicator)
        self.client.force_login(self.staff)
        url = reverse("admin:activities_indicator_change", args=[self.indicator.pk])
        data = {"plan": str(self.plan.pk), "parent": str(child.pk), "code": "1.1", "title": "x", "points": "5"}
        data.update({"order": "0", "responsibilities-TOTAL_FORMS": "0", "responsibilities-INITIAL_FORMS": "0"})
        response = self.client.post(url, data)
        self.assertContains(response, "上级指标应为本方案的一级指标。")
        self.assertIsNone(Indicator.objects.get(pk=self.indicator.pk).parent)
        self.assertFalse(AuditEntry.objects.exists())

    def test_plan_saved_in_the_admin_is_audited(self):
        self.client.force_login(self.staff)
        url = reverse("admin:activities_creationplan_change", args=[self.plan.pk])
        data = {
            "jurisdiction": str(self.community.pk),
            "title": "甲社区方案（修订）",
            "target_title": "示范社区",
            "target_level": "city",
            "start_date": "2024-01-01",
            "end_date": "2026-12-31",
        }
        for prefix, rows in (("measures", "1"), ("leading_group", "0"), ("budgets", "0")):
            data.update({f"{prefix}-TOTAL_FORMS": rows, f"{prefix}-INITIAL_FORMS": "0"})
        data.update({"measures-0-order": "1", "measures-0-title": "后台举措"})
        response = self.client.post(url, data)
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context.get("errors")
        )
        self.assertEqual(CreationPlan.objects.get(pk=self.plan.pk).title, "甲社区方案（修订）")
        # One row, written whole: the plan's own fields and its inline lists together.
        entry = AuditEntry.objects.for_object(self.plan).get()
        self.assertEqual(entry.changes["title"][1], "甲社区方案（修订）")
        self.assertEqual(entry.changes["工作举措"], [None, "1. 后台举措"])

    def test_returns_are_approved_only_through_the_service(self):
        own = make_return(self.community, date(2024, 3, 1), status=ReturnStatus.SUBMITTED)
        street_return = make_return(self.street, date(2024, 3, 1), status=ReturnStatus.SUBMITTED)
        self.client.force_login(self.leader)
        url = reverse("admin:activities_monthlyreturn_changelist")
        response = self.client.post(
            url, {"action": "approve_selected", "_selected_action": [own.pk, street_return.pk]}, follow=True
        )
        self.assertContains(response, "已审核通过1份月报")
        self.assertContains(response, "本级人员不能审核本级月报")
        statuses = dict(MonthlyReturn.objects.values_list("pk", "status"))
        self.assertEqual(statuses, {own.pk: ReturnStatus.APPROVED, street_return.pk: ReturnStatus.SUBMITTED})
        self.assertEqual(
            self.client.get(reverse("admin:activities_monthlyreturn_delete", args=[own.pk])).status_code, 403
        )
