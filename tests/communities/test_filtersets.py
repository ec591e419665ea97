"""The jurisdiction filter every list declares, and the membership list's filters and pages."""

from io import BytesIO

from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from communities.choices import Role
from tests.factories import make_member, make_tree


class MembershipListFilterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.admin = make_member(cls.streets[0], Role.ADMIN, "street-admin")
        make_member(cls.communities[0], Role.STAFF, "wang")
        make_member(cls.communities[1], Role.LEADER, "zhao")
        make_member(cls.communities[2], Role.STAFF, "far-away")  # another street: not the admin's to manage
        cls.url = reverse("communities:membership_list")

    def setUp(self):
        self.client.force_login(self.admin)

    def usernames(self, **params):
        response = self.client.get(self.url, params)
        self.assertEqual(response.status_code, 200)
        return sorted(m.user.username for m in response.context["memberships"])

    def test_each_filter_narrows_and_another_subtree_gives_nothing(self):
        cases = {
            "none": ({}, ["street-admin", "wang", "zhao"]),
            "role": ({"role": Role.LEADER}, ["zhao"]),
            "user": ({"q": "wan"}, ["wang"]),
            "community code": ({"jurisdiction": self.communities[0].code}, ["wang"]),
            "other street's community": ({"jurisdiction": self.communities[2].code}, []),
            "other street": ({"jurisdiction": self.streets[1].code}, []),
        }
        for name, (params, expected) in cases.items():
            with self.subTest(name):
                self.assertEqual(self.usernames(**params), expected)

    def test_the_select_offers_only_what_the_user_may_see(self):
        response = self.client.get(self.url)
        self.assertContains(response, f'value="{self.communities[0].code}"')
        self.assertNotContains(response, f'value="{self.communities[2].code}"')
        # The filter's fields do not take the ids of the grant form's fields of the same names.
        self.assertContains(response, 'id="filter_jurisdiction"')
        self.assertContains(response, 'id="id_jurisdiction"')

    def test_pages_keep_the_filters(self):
        for n in range(55):
            make_member(self.communities[1], Role.STAFF, f"staff{n:02d}")
        response = self.client.get(self.url, {"role": Role.STAFF})
        self.assertEqual(len(response.context["memberships"]), 50)
        self.assertContains(response, "?role=staff&amp;page=2")
        second = self.client.get(self.url, {"role": Role.STAFF, "page": "2"})
        self.assertEqual(len(second.context["memberships"]), 6)  # 55 + wang

    def test_export_keeps_the_filters_and_the_scope(self):
        response = self.client.get(self.url, {"role": Role.STAFF, "format": "xlsx"})
        self.assertEqual(response.status_code, 200)
        rows = list(load_workbook(BytesIO(response.getvalue())).active.iter_rows(values_only=True))
        self.assertEqual(rows[0][:5], ("用户", "姓名", "辖区", "区划代码", "角色"))
        self.assertEqual([r[0] for r in rows[1:]], ["wang"])
        rows = list(load_workbook(BytesIO(self.client.get(self.url, {"format": "xlsx"}).getvalue())).active.values)
        self.assertNotIn("far-away", [r[0] for r in rows])
