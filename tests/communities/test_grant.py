from io import StringIO

from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from communities.choices import Role
from communities.models import AuditEntry, Membership
from communities.services import ADMIN_GROUP_NAME
from tests.factories import make_tree, make_user


class GrantCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.user = make_user("wang")

    def test_grants_a_role_and_audits_it(self):
        out = StringIO()
        call_command("grant", "wang", self.communities[0].code, "staff", stdout=out)
        membership = Membership.objects.get(user=self.user)
        self.assertEqual((membership.jurisdiction, membership.role), (self.communities[0], Role.STAFF))
        self.assertIn("工作人员", out.getvalue())
        self.assertTrue(AuditEntry.objects.for_object(membership).exists())

    def test_granting_again_changes_the_role_without_a_second_membership(self):
        call_command("grant", "wang", self.streets[0].code, "staff", stdout=StringIO())
        call_command("grant", "wang", self.streets[0].code, "leader", stdout=StringIO())
        self.assertEqual(list(Membership.objects.filter(user=self.user).values_list("role", flat=True)), ["leader"])

    def test_unknown_user_is_refused(self):
        with self.assertRaisesMessage(CommandError, "用户“nobody”不存在"):
            call_command("grant", "nobody", self.district.code, "admin")
        self.assertFalse(Membership.objects.exists())

    def test_unknown_code_is_refused(self):
        with self.assertRaisesMessage(CommandError, "找不到区划代码为 999999999999 的辖区"):
            call_command("grant", "wang", "999999999999", "admin")

    def test_unknown_role_is_refused(self):
        with self.assertRaises(CommandError):
            call_command("grant", "wang", self.district.code, "boss")


class AdminSiteAccessTests(TestCase):
    """Granting the admin role opens the Django admin for the grantee's subtree; other roles do not."""

    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.user = make_user("zhao")

    def grant(self, code, role):
        out = StringIO()
        call_command("grant", "zhao", code, role, stdout=out)
        self.user.refresh_from_db()
        return out.getvalue()

    def test_an_administrator_enters_the_admin_and_sees_only_their_subtree(self):
        out = self.grant(self.streets[0].code, "admin")
        self.assertIn("管理后台", out)
        self.assertTrue(self.user.is_staff)
        self.assertEqual(list(self.user.groups.values_list("name", flat=True)), [ADMIN_GROUP_NAME])
        self.client.force_login(self.user)
        self.assertEqual(self.client.get(reverse("admin:index")).status_code, 200)
        response = self.client.get(reverse("admin:communities_jurisdiction_changelist"))
        self.assertContains(response, "街道1社区2")
        self.assertNotContains(response, "街道2社区2")
        shown = {j.name for j in response.context["cl"].result_list}
        self.assertEqual(shown, {"街道1", "街道1社区1", "街道1社区2"})
        response = self.client.get(reverse("admin:activities_activity_changelist"))
        self.assertEqual(response.status_code, 200)

    def test_administrators_keep_roles_and_the_tree_in_the_admin_but_not_auth(self):
        # The membership and jurisdiction admins save through the services, which check the subtree.
        self.grant(self.streets[0].code, "admin")
        self.client.force_login(self.user)
        for name in ("admin:communities_membership_add", "admin:communities_jurisdiction_add"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name)).status_code, 200)
        self.assertEqual(self.client.get(reverse("admin:auth_user_add")).status_code, 403)
        self.assertEqual(self.client.get(reverse("admin:auth_user_changelist")).status_code, 403)

    def test_staff_and_leaders_get_no_admin_access(self):
        for role in ("staff", "leader"):
            with self.subTest(role=role):
                self.grant(self.communities[0].code, role)
                self.assertFalse(self.user.is_staff)
                self.assertFalse(self.user.groups.exists())
                self.client.force_login(self.user)
                response = self.client.get(reverse("admin:index"))
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse("admin:login"), response["Location"])

    def test_granting_admin_twice_keeps_one_group_with_the_same_permissions(self):
        self.grant(self.streets[0].code, "admin")
        permissions = set(Group.objects.get(name=ADMIN_GROUP_NAME).permissions.values_list("pk", flat=True))
        self.assertTrue(permissions)
        self.grant(self.streets[1].code, "admin")
        self.assertEqual(Group.objects.filter(name=ADMIN_GROUP_NAME).count(), 1)
        self.assertEqual(set(Group.objects.get().permissions.values_list("pk", flat=True)), permissions)

    def test_changing_the_last_admin_role_to_leader_closes_the_admin(self):
        self.grant(self.streets[0].code, "admin")
        self.grant(self.district.code, "admin")
        self.grant(self.streets[0].code, "leader")
        self.assertTrue(self.user.is_staff)
        self.grant(self.district.code, "staff")
        self.assertFalse(self.user.is_staff)
        self.assertFalse(self.user.groups.exists())
        entry = AuditEntry.objects.for_object(self.user).latest("pk")
        self.assertEqual(entry.changes, {"groups": [ADMIN_GROUP_NAME, None], "is_staff": [True, False]})

    def test_a_superuser_keeps_the_admin_when_the_role_goes(self):
        self.user.is_superuser = True
        self.user.save()
        self.grant(self.streets[0].code, "admin")
        self.grant(self.streets[0].code, "staff")
        self.assertTrue(self.user.is_staff)
        self.assertFalse(self.user.groups.exists())
