"""The ancestor-plan rule (base.access), the same on the plan pages, the dashboard and the JSON summary.

A plan is read by every place below its jurisdiction (they carry it out) and written only by the roles that
reach its jurisdiction; its responsible persons are named only to those who may write it.
"""

import io
from datetime import date

from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_plans import make_evidence, make_indicator, make_plan, make_responsibility
from tests.factories import make_jurisdiction, make_member

PERSON = "王责任"
YEAR = date.today().year


def _cells(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row]


class AncestorPlanTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = make_jurisdiction("规则区", JurisdictionLevel.DISTRICT, code="529501000000")
        cls.street = make_jurisdiction("规则街道", JurisdictionLevel.STREET, cls.district, code="529501001000")
        cls.community = make_jurisdiction("规则社区", JurisdictionLevel.COMMUNITY, cls.street, code="529501001001")
        cls.other = make_jurisdiction("别区", JurisdictionLevel.DISTRICT, code="529502000000")
        cls.plan = make_plan(
            cls.district, title="规则区创建方案", start_date=date(YEAR - 1, 1, 1), end_date=date(YEAR + 1, 12, 31)
        )
        cls.indicator = make_indicator(cls.plan, code="1.1", title="组织领导", points=5)
        # Overdue, so the dashboard and the JSON list it with its responsible person.
        cls.line = make_responsibility(
            cls.indicator, lead_department="区民宗局", responsible_person=PERSON, deadline=date(YEAR - 1, 6, 30)
        )
        cls.community_staff = make_member(cls.community, Role.STAFF)
        cls.street_leader = make_member(cls.street, Role.LEADER)
        cls.district_staff = make_member(cls.district, Role.STAFF)
        cls.outsider = make_member(cls.other, Role.ADMIN)

    def setUp(self):
        # Per test: the media folder is per test too.
        self.evidence = make_evidence(self.indicator)

    def get(self, user, name, *args, **params):
        self.client.force_login(user)
        return self.client.get(reverse(name, args=args), params)

    def test_the_places_below_read_the_plan_its_indicators_and_evidence(self):
        for user in (self.community_staff, self.street_leader):
            for name, arg in (
                ("activities:plan_detail", self.plan.pk),
                ("activities:responsibility_list", self.plan.pk),
                ("activities:evidence_download", self.evidence.pk),
            ):
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.get(user, name, arg).status_code, 200)
        response = self.get(self.community_staff, "activities:plan_list")
        self.assertContains(response, "规则区创建方案")

    def test_another_subtree_still_gets_404(self):
        self.assertEqual(self.get(self.outsider, "activities:plan_detail", self.plan.pk).status_code, 404)

    def test_only_the_plans_own_roles_write_it(self):
        writes = [
            ("activities:plan_update", self.plan.pk),
            ("activities:plan_delete", self.plan.pk),
            ("activities:indicator_create", self.plan.pk),
            ("activities:indicator_update", self.indicator.pk),
            ("activities:responsibility_create", self.plan.pk),
            ("activities:responsibility_update", self.line.pk),
            ("activities:evidence_upload", self.indicator.pk),
            ("activities:evidence_delete", self.evidence.pk),
            ("evidence_ledger", self.plan.pk),
        ]
        for name, arg in writes:
            with self.subTest(page=name):
                self.assertEqual(self.get(self.community_staff, name, arg).status_code, 404)
                self.client.force_login(self.community_staff)
                self.assertEqual(self.client.post(reverse(name, args=[arg])).status_code, 404)
                self.assertEqual(self.get(self.district_staff, name, arg).status_code, 200)

    def test_readers_from_below_see_the_department_but_not_the_person(self):
        for name in ("activities:plan_detail", "activities:responsibility_list"):
            with self.subTest(page=name):
                reader = self.get(self.community_staff, name, self.plan.pk)
                self.assertContains(reader, "区民宗局")
                self.assertNotContains(reader, PERSON)
                self.assertNotContains(reader, reverse("activities:responsibility_update", args=[self.line.pk]))
                self.assertContains(self.get(self.district_staff, name, self.plan.pk), PERSON)

    def test_the_breakdown_export_and_search_leave_the_person_out_for_readers(self):
        response = self.get(self.community_staff, "activities:responsibility_list", self.plan.pk, format="xlsx")
        cells = _cells(response)
        self.assertIn("区民宗局", cells)
        self.assertNotIn(PERSON, cells)
        self.assertNotIn("责任人", cells)
        found = self.get(self.community_staff, "activities:responsibility_list", self.plan.pk, q=PERSON)
        self.assertContains(found, "没有符合条件的责任分解")
        writer = self.get(self.district_staff, "activities:responsibility_list", self.plan.pk, format="xlsx")
        cells = _cells(writer)
        self.assertIn(PERSON, cells)

    def test_the_dashboard_and_the_json_follow_the_same_rule(self):
        page = self.get(self.community_staff, "dashboard_jurisdiction", self.community.code, year=YEAR)
        self.assertContains(page, "规则区创建方案")
        self.assertContains(page, "区民宗局")
        self.assertNotContains(page, PERSON)
        data = self.get(self.community_staff, "api_summary", self.community.code, year=YEAR).json()
        [row] = data["creation"]["overdue"]
        self.assertEqual((row["lead_department"], row["responsible_person"]), ("区民宗局", None))
        data = self.get(self.district_staff, "api_summary", self.community.code, year=YEAR).json()
        self.assertEqual(data["creation"]["overdue"][0]["responsible_person"], PERSON)
        self.assertContains(self.get(self.district_staff, "dashboard_jurisdiction", self.community.code), PERSON)
