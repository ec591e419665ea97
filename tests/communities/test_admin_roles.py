"""The membership and jurisdiction admins save and delete through the services, as `grant` and the pages do."""

from django.test import TestCase
from django.urls import reverse

from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry, Jurisdiction, Membership
from communities.services import ADMIN_GROUP_NAME, membership_grant
from tests.factories import make_tree, make_user


class AdminThroughServicesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.street_admin = make_user("street-admin")
        membership_grant(username="street-admin", jurisdiction=cls.streets[0], role=Role.ADMIN)
        cls.newcomer = make_user("newcomer")

    def setUp(self):
        self.client.force_login(self.street_admin)

    def add_membership(self, jurisdiction, role):
        return self.client.post(
            reverse("admin:communities_membership_add"),
            {"username": "newcomer", "jurisdiction": jurisdiction.pk, "role": role},
        )

    def test_granting_the_admin_role_in_the_admin_opens_the_admin_site_as_grant_does(self):
        response = self.add_membership(self.communities[0], Role.ADMIN)
        self.assertEqual(response.status_code, 302)
        self.newcomer.refresh_from_db()
        self.assertTrue(self.newcomer.is_staff)
        self.assertEqual(list(self.newcomer.groups.values_list("name", flat=True)), [ADMIN_GROUP_NAME])
        membership = Membership.objects.get(user=self.newcomer)
        entry = AuditEntry.objects.for_object(membership).get()
        self.assertEqual((entry.action, entry.user), (AuditAction.CREATE, self.street_admin))

    def test_revoking_it_in_the_admin_closes_the_admin_site(self):
        self.add_membership(self.communities[0], Role.ADMIN)
        membership = Membership.objects.get(user=self.newcomer)
        response = self.client.post(
            reverse("admin:communities_membership_delete", args=[membership.pk]), {"post": "yes"}
        )
        self.assertEqual(response.status_code, 302)
        self.newcomer.refresh_from_db()
        self.assertFalse(self.newcomer.is_staff)
        self.assertFalse(self.newcomer.groups.exists())
        self.assertEqual(AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=str(membership.pk)).count(), 1)

    def test_changing_the_role_away_from_admin_closes_the_admin_site(self):
        self.add_membership(self.communities[0], Role.ADMIN)
        membership = Membership.objects.get(user=self.newcomer)
        response = self.client.post(
            reverse("admin:communities_membership_change", args=[membership.pk]), {"role": Role.STAFF}
        )
        self.assertEqual(response.status_code, 302)
        self.newcomer.refresh_from_db()
        self.assertEqual(Membership.objects.get(pk=membership.pk).role, Role.STAFF)
        self.assertFalse(self.newcomer.is_staff)

    def test_a_role_outside_the_administrators_subtree_is_refused_on_the_form(self):
        response = self.add_membership(self.communities[2], Role.STAFF)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["adminform"].form.errors["jurisdiction"])
        self.assertFalse(Membership.objects.filter(user=self.newcomer).exists())

    def test_an_unknown_user_is_refused_on_the_form(self):
        response = self.client.post(
            reverse("admin:communities_membership_add"),
            {"username": "nobody", "jurisdiction": self.communities[0].pk, "role": Role.STAFF},
        )
        self.assertContains(response, "用户“nobody”不存在")

    def test_jurisdictions_are_added_and_deleted_through_the_services_and_audited(self):
        response = self.client.post(
            reverse("admin:communities_jurisdiction_add"),
            {
                "name": "新社区",
                "level": JurisdictionLevel.COMMUNITY,
                "parent": self.streets[0].pk,
                "code": "520115001009",
            },
        )
        self.assertEqual(response.status_code, 302)
        created = Jurisdiction.objects.get(code="520115001009")
        self.assertEqual(AuditEntry.objects.for_object(created).get().action, AuditAction.CREATE)
        membership_grant(username="newcomer", jurisdiction=created, role=Role.ADMIN)
        response = self.client.post(
            reverse("admin:communities_jurisdiction_delete", args=[created.pk]), {"post": "yes"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Jurisdiction.objects.filter(pk=created.pk).exists())
        self.newcomer.refresh_from_db()
        self.assertFalse(self.newcomer.is_staff, "the deleted place's roles are revoked through the service")

    def test_a_jurisdiction_under_another_subtree_or_at_the_top_is_refused(self):
        for parent in (self.streets[1].pk, ""):
            with self.subTest(parent=parent):
                response = self.client.post(
                    reverse("admin:communities_jurisdiction_add"),
                    {"name": "越权社区", "level": JurisdictionLevel.COMMUNITY, "parent": parent},
                )
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["adminform"].form.errors["parent"])
        self.assertFalse(Jurisdiction.objects.filter(name="越权社区").exists())

    def test_the_administrators_own_top_cannot_be_changed_or_deleted_from_below(self):
        # A street administrator manages below the street's parent only through the district's administrator.
        self.assertEqual(
            self.client.get(reverse("admin:communities_jurisdiction_change", args=[self.district.pk])).status_code,
            302,
        )
