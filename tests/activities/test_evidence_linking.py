"""Staff below a plan attach their activities to its indicators; the lines that name their place come first."""

from datetime import date

from django.test import TestCase
from django.urls import reverse

from activities.forms.activities import ActivityForm
from activities.models import Activity, ActivityCategory
from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_plans import make_indicator, make_plan, make_responsibility
from tests.factories import make_jurisdiction, make_member


class EvidenceLinkingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
        cls.street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, cls.district, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001001")
        cls.sibling = make_jurisdiction("金源社区", JurisdictionLevel.COMMUNITY, cls.street, code="520115001002")
        cls.plan = make_plan(cls.district, "观山湖区创建工作方案")
        cls.unnamed = make_indicator(cls.plan, "A1", "建立工作机制", order=1)
        make_responsibility(cls.unnamed, lead_department="区民宗局")
        cls.named = make_indicator(cls.plan, "B2", "开展宣传教育", order=2)
        make_responsibility(cls.named, lead_department="区委宣传部", cooperating_departments="碧海社区、区妇联")
        cls.by_street = make_indicator(cls.plan, "C3", "矛盾纠纷排查", order=3)
        make_responsibility(cls.by_street, lead_department="金华园街道")
        # The district's own name is in every line of its plan: it must not put every indicator first.
        cls.by_district = make_indicator(cls.plan, "D4", "观山湖区统筹", order=4)
        make_responsibility(cls.by_district, lead_department="观山湖区人民政府")
        cls.own_plan = make_plan(cls.community, "碧海社区创建方案")
        cls.own_indicator = make_indicator(cls.own_plan, "E5", "社区自定指标")
        cls.staff = make_member(cls.community, Role.STAFF)
        cls.sibling_staff = make_member(cls.sibling, Role.STAFF)
        cls.category = ActivityCategory.objects.filter(is_active=True).first()

    def choices(self, user):
        form = ActivityForm(user=user)
        return [
            (i.code, str(form.fields["indicators"].label_from_instance(i))) for i in form.fields["indicators"].queryset
        ]

    def test_lines_naming_the_place_or_its_street_come_first_and_say_so(self):
        codes = [code for code, _label in self.choices(self.staff)]
        self.assertEqual(codes[:2], ["B2", "C3"])
        self.assertEqual(set(codes), {"A1", "B2", "C3", "D4", "E5"})
        labels = dict(self.choices(self.staff))
        self.assertIn("责任分解涉及本辖区", labels["B2"])
        self.assertNotIn("责任分解涉及本辖区", labels["A1"])
        self.assertNotIn("责任分解涉及本辖区", labels["D4"])

    def test_a_sibling_sees_the_district_plan_but_only_its_streets_lines_first(self):
        choices = self.choices(self.sibling_staff)
        codes = [code for code, _label in choices]
        self.assertEqual(codes[0], "C3")  # named by the street, its ancestor
        self.assertNotIn("E5", codes)  # 碧海社区's own plan is not an ancestor's
        self.assertNotIn("责任分解涉及本辖区", dict(choices)["B2"])

    def test_staff_link_an_activity_to_the_district_indicator(self):
        self.client.force_login(self.staff)
        response = self.client.post(reverse("activities:activity_create"), self.form_data(self.community, self.named))
        self.assertEqual(response.status_code, 302)
        activity = Activity.objects.get()
        self.assertEqual(list(activity.indicators.all()), [self.named])
        self.assertContains(self.client.get(response["Location"]), "开展宣传教育")

    def test_a_sibling_cannot_link_to_a_plan_outside_its_ancestors(self):
        self.client.force_login(self.sibling_staff)
        self.assertEqual(self.client.get(reverse("activities:plan_detail", args=[self.own_plan.pk])).status_code, 404)
        response = self.client.post(
            reverse("activities:activity_create"), self.form_data(self.sibling, self.own_indicator)
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("indicators", response.context["form"].errors)
        self.assertFalse(Activity.objects.exists())

    def form_data(self, jurisdiction, indicator):
        return {
            "jurisdiction": jurisdiction.pk,
            "date": date(2026, 11, 20).isoformat(),
            "category": self.category.pk,
            "title": "民族团结进步宣传进小区",
            "place": "社区广场",
            "participants": 80,
            "minority_participants": 20,
            "indicators": [indicator.pk],
        }
