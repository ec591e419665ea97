from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase

from communities.choices import Role
from communities.models import AuditEntry, Membership
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
