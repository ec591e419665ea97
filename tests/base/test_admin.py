"""Tests of base/admin.py on the petition admin: no changelist lookup may probe personal fields."""

from django.test import TestCase
from django.urls import reverse

from communities.choices import JurisdictionLevel
from tests.activities.factories_petitions import ID_WITH_X, make_petition
from tests.factories import make_jurisdiction, make_user


class PersonalDataAdminLookupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, code="520115001001")
        cls.petition = make_petition(community, petitioner_id_number=ID_WITH_X)
        cls.superuser = make_user("v-admin", is_staff=True, is_superuser=True)

    def setUp(self):
        self.client.force_login(self.superuser)
        self.url = reverse("admin:activities_petition_changelist")

    def test_prefix_probes_are_refused_with_400(self):
        for query in (
            "petitioner_id_number__startswith=5",
            "petitioner_id_number__startswith=5201",
            "petitioner_id_number=" + ID_WITH_X,
            "petitioner_phone__startswith=138",
            "petitioner_id_number_hash__startswith=a",
            "petitioner_id_number_hash=" + "0" * 64,
            "petitioner_name__startswith=张",
        ):
            with self.subTest(query):
                response = self.client.get(f"{self.url}?{query}")
                self.assertEqual(response.status_code, 400)
                self.assertNotContains(response, "5201**********123X", status_code=400)

    def test_ordinary_filters_still_work(self):
        response = self.client.get(f"{self.url}?status__exact=registered")
        self.assertContains(response, "5201**********123X")

    def test_search_does_not_match_personal_fields(self):
        for term in (ID_WITH_X, "5201", "138", "张三丰"):
            with self.subTest(term):
                response = self.client.get(self.url, {"q": term})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.context["cl"].result_count, 0)
