"""Four eyes: whoever submitted a return cannot approve it; another leader or an administrator must."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from activities.choices import ReturnStatus
from activities.models import MonthlyFigure, MonthlyReturn
from activities.services.monthly import monthly_approve, monthly_save, monthly_submit
from communities.choices import JurisdictionLevel, Role
from communities.models import AuditEntry
from tests.activities.factories_plans import make_figure
from tests.factories import make_jurisdiction, make_member

MONTH = date(2024, 3, 1)


class FourEyesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        MonthlyFigure.objects.update(is_active=False)
        cls.figure = make_figure("接听热线", unit="个")
        cls.district = make_jurisdiction("区", JurisdictionLevel.DISTRICT, code="529601000000")
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, cls.district, code="529601001000")
        cls.community = make_jurisdiction("社区", JurisdictionLevel.COMMUNITY, cls.street, code="529601001001")
        cls.leader = make_member(cls.street, Role.LEADER)
        cls.other_leader = make_member(cls.street, Role.LEADER)
        cls.admin = make_member(cls.district, Role.ADMIN)

    def _submitted_by(self, user):
        monthly_return = monthly_save(jurisdiction=self.community, month=MONTH, values={self.figure: 3}, actor=user)
        return monthly_submit(monthly_return=monthly_return, actor=user)

    def test_a_leader_cannot_approve_what_they_submitted(self):
        monthly_return = self._submitted_by(self.leader)
        with self.assertRaisesMessage(PermissionDenied, "是您本人上报的，不能由您审核；请另一位领导或管理员审核"):
            monthly_approve(monthly_return=monthly_return, actor=self.leader)
        self.assertEqual(MonthlyReturn.objects.get().status, ReturnStatus.SUBMITTED)
        approved = monthly_approve(monthly_return=monthly_return, actor=self.other_leader)
        self.assertEqual((approved.submitted_by, approved.reviewed_by), (self.leader, self.other_leader))
        notes = [(e.user, e.note) for e in AuditEntry.objects.for_object(approved).order_by("pk")]
        self.assertIn((self.leader, "上报"), notes)
        self.assertIn((self.other_leader, "审核通过"), notes)

    def test_an_administrator_may_approve_a_leader_s_return_but_not_their_own(self):
        monthly_return = self._submitted_by(self.leader)
        self.assertEqual(monthly_approve(monthly_return=monthly_return, actor=self.admin).reviewed_by, self.admin)
        superuser = get_user_model().objects.create_superuser("root", password="x")
        second = monthly_save(
            jurisdiction=self.community, month=date(2024, 4, 1), values={self.figure: 1}, actor=superuser
        )
        monthly_submit(monthly_return=second, actor=superuser)
        with self.assertRaises(PermissionDenied):
            monthly_approve(monthly_return=second, actor=superuser)

    def test_the_pages_hide_the_approval_and_show_both_people(self):
        monthly_return = self._submitted_by(self.leader)
        edit = reverse("activities:monthly_edit", args=[self.community.code, "2024-03"])
        approve = reverse("activities:monthly_approve", args=[self.community.code, "2024-03"])
        self.client.force_login(self.leader)
        page = self.client.get(edit)
        self.assertContains(page, "这份月报是您本人上报的，需由另一位领导或管理员审核。")
        self.assertNotContains(page, approve)
        overview = self.client.get(reverse("activities:monthly_list"), {"month": "2024-03"})
        self.assertEqual(overview.context["queue"], [])
        response = self.client.post(approve, follow=True)
        self.assertContains(response, "不能由您审核")
        monthly_return.refresh_from_db()
        self.assertEqual(monthly_return.status, ReturnStatus.SUBMITTED)

        self.client.force_login(self.other_leader)
        overview = self.client.get(reverse("activities:monthly_list"), {"month": "2024-03"})
        self.assertEqual([r.pk for r in overview.context["queue"]], [monthly_return.pk])
        self.client.post(approve)
        page = self.client.get(edit)
        self.assertContains(page, self.leader.username)
        self.assertContains(page, self.other_leader.username)
