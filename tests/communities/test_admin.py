from django.test import TestCase
from django.urls import reverse

from communities.choices import Role
from tests.factories import make_member, make_population, make_tree


class ScopedAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        make_population(cls.communities[0], 2024, {"苗族": 11})
        make_population(cls.communities[2], 2024, {"瑶族": 22})
        cls.admin = make_member(cls.streets[0], Role.ADMIN, "street-admin")
        cls.admin.is_staff = True
        cls.admin.save()
        from django.contrib.auth.models import Permission

        cls.admin.user_permissions.set(Permission.objects.filter(content_type__app_label="communities"))

    def test_changelists_show_only_the_admins_subtree(self):
        self.client.force_login(self.admin)
        cases = [
            ("admin:communities_populationrecord_changelist", "街道1社区1", "街道2社区1"),
            ("admin:communities_groupcount_changelist", "苗族", "瑶族"),
            ("admin:communities_jurisdiction_changelist", "街道1社区2", "街道2社区2"),
        ]
        for name, own, foreign in cases:
            with self.subTest(changelist=name):
                response = self.client.get(reverse(name))
                self.assertContains(response, own)
                self.assertNotContains(response, foreign)
