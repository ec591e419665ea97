from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from communities.choices import Role
from communities.models import AuditEntry, Membership
from tests.factories import make_member, make_tree


class MembershipViewsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.admin = make_member(cls.streets[0], Role.ADMIN, "street-admin")
        cls.staff = make_member(cls.communities[0], Role.STAFF, "community-staff")

    def test_staff_cannot_manage_roles(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(reverse("communities:membership_list")).status_code, 403)

    def test_admin_creates_a_user_and_grants_a_role_in_their_subtree(self):
        self.client.force_login(self.admin)
        response = self.client.post(
            reverse("communities:membership_list"),
            {
                "username": "li",
                "full_name": "李四",
                "password": "Strong-pass-2024",
                "jurisdiction": self.communities[1].pk,
                "role": Role.STAFF,
            },
        )
        self.assertRedirects(response, reverse("communities:membership_list"))
        li = get_user_model().objects.get(username="li")
        self.assertTrue(li.check_password("Strong-pass-2024"))
        self.assertEqual(li.memberships.get().jurisdiction, self.communities[1])
        self.assertEqual(AuditEntry.objects.filter(user=self.admin).count(), 2)

    def test_admin_cannot_grant_outside_their_subtree(self):
        self.client.force_login(self.admin)
        response = self.client.post(
            reverse("communities:membership_list"),
            {"username": "community-staff", "jurisdiction": self.communities[2].pk, "role": Role.LEADER},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "选择一个有效的选项")
        self.assertFalse(Membership.objects.filter(jurisdiction=self.communities[2]).exists())

    def test_new_user_without_password_is_a_clear_error_and_nothing_is_written(self):
        self.client.force_login(self.admin)
        response = self.client.post(
            reverse("communities:membership_list"),
            {"username": "nopass", "jurisdiction": self.communities[1].pk, "role": Role.STAFF},
        )
        self.assertContains(response, "新建用户请填写初始密码")
        self.assertFalse(get_user_model().objects.filter(username="nopass").exists())

    def test_revoke_asks_for_confirmation_then_removes(self):
        membership = self.staff.memberships.get()
        self.client.force_login(self.admin)
        url = reverse("communities:membership_revoke", args=[membership.pk])
        self.assertContains(self.client.get(url), "确定撤销")
        self.assertTrue(Membership.objects.filter(pk=membership.pk).exists())
        self.client.post(url)
        self.assertFalse(Membership.objects.filter(pk=membership.pk).exists())
