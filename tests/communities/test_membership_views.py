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


class AdminSiteAccessPagesTests(TestCase):
    """Granting and revoking the admin role on the pages opens and closes the Django admin."""

    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.admin = make_member(cls.district, Role.ADMIN, "district-admin")
        cls.zhou = make_member(cls.communities[0], Role.STAFF, "zhou")

    def grant(self, jurisdiction, role):
        self.client.force_login(self.admin)
        response = self.client.post(
            reverse("communities:membership_list"),
            {"username": "zhou", "jurisdiction": jurisdiction.pk, "role": role},
        )
        self.assertRedirects(response, reverse("communities:membership_list"))

    def revoke(self, jurisdiction):
        self.client.force_login(self.admin)
        membership = Membership.objects.get(user=self.zhou, jurisdiction=jurisdiction)
        self.client.post(reverse("communities:membership_revoke", args=[membership.pk]))

    def admin_index_status(self):
        self.client.force_login(get_user_model().objects.get(pk=self.zhou.pk))
        return self.client.get(reverse("admin:index")).status_code

    def test_a_staff_role_gives_no_admin_access(self):
        self.assertEqual(self.admin_index_status(), 302)

    def test_granted_admin_enters_the_admin_scoped_to_their_street(self):
        self.grant(self.streets[1], Role.ADMIN)
        self.assertEqual(self.admin_index_status(), 200)
        response = self.client.get(reverse("admin:communities_jurisdiction_changelist"))
        shown = {j.name for j in response.context["cl"].result_list}
        self.assertEqual(shown, {"街道2", "街道2社区1", "街道2社区2", "街道1社区1"})
        entry = AuditEntry.objects.for_object(self.zhou).get()
        self.assertEqual((entry.user, entry.changes["is_staff"]), (self.admin, [False, True]))

    def test_revoking_the_last_admin_role_closes_the_admin(self):
        self.grant(self.streets[0], Role.ADMIN)
        self.grant(self.streets[1], Role.ADMIN)
        self.revoke(self.streets[0])
        self.assertEqual(self.admin_index_status(), 200)
        self.revoke(self.streets[1])
        self.assertEqual(self.admin_index_status(), 302)
        zhou = get_user_model().objects.get(pk=self.zhou.pk)
        self.assertFalse(zhou.is_staff)
        self.assertFalse(zhou.groups.exists())
        # The staff role in the community is untouched.
        self.assertEqual(list(zhou.memberships.values_list("role", flat=True)), [Role.STAFF])
