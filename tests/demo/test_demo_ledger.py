"""The demo's 台账 has evidence in every indicator with responsibilities, recorded by community staff.

And the rule it relies on: community staff link their activities to the plan of an ancestor (the district's),
never to the plan of a jurisdiction outside their ancestors.
"""

import shutil
import tempfile
import zipfile
from datetime import date
from io import BytesIO

from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from activities.models import Activity, ActivityCategory, CreationPlan, Indicator
from communities.models import Jurisdiction
from demo.demo import load_demo
from reporting.report.ledger import ACTIVITY_COLUMNS, indicator_folder

TODAY = date(2026, 12, 2)
MEDIA = tempfile.mkdtemp(prefix="demo-ledger-media-")
DISTRICT_PLAN = "观山湖区创建全国民族团结进步示范区工作方案"
STAFF_NAMES = {"李干事", "张干事"}  # staff of 碧海社区 and 金源社区


@override_settings(MEDIA_ROOT=MEDIA)
class DemoLedgerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo(today=TODAY)
        cls.plan = CreationPlan.objects.get(title=DISTRICT_PLAN)
        User = get_user_model()
        cls.leader, cls.staff, cls.staff2 = (User.objects.get(username=n) for n in ("leader", "staff", "staff2"))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def ledger(self):
        self.client.force_login(self.leader)
        # The photos were written in setUpTestData, before the per-test MEDIA_ROOT of tests/conftest.py applied.
        with self.settings(MEDIA_ROOT=MEDIA):
            response = self.client.get(reverse("evidence_ledger", args=[self.plan.pk]))
            content = b"".join(response.streaming_content)
        self.assertEqual(response.status_code, 200)
        return zipfile.ZipFile(BytesIO(content))

    def test_every_indicator_with_responsibilities_has_a_photographed_activity_recorded_by_community_staff(self):
        indicators = Indicator.objects.filter(plan=self.plan, responsibilities__isnull=False).distinct()
        self.assertEqual(indicators.count(), 12)
        headers = [str(c) for c in ACTIVITY_COLUMNS]
        recorder, file_column, status = headers.index("录入人"), headers.index("照片文件"), headers.index("状态")
        with self.ledger() as archive:
            names = set(archive.namelist())
            for indicator in indicators:
                with self.subTest(indicator=indicator.code):
                    folder = indicator_folder(indicator)
                    sheet = load_workbook(BytesIO(archive.read(f"{folder}/索引.xlsx")))["活动与照片"]
                    rows = list(sheet.iter_rows(values_only=True))
                    self.assertEqual(list(rows[0]), headers)
                    filed = [
                        row
                        for row in rows[1:]
                        if row[recorder] in STAFF_NAMES and row[status] == "已收入" and row[file_column]
                    ]
                    self.assertGreaterEqual(len(filed), 1)
                    for row in filed:
                        photo = archive.read(f"{folder}/{row[file_column]}")
                        self.assertEqual(Image.open(BytesIO(photo)).format, "JPEG")
                    self.assertTrue(all(f"{folder}/{row[file_column]}" in names for row in filed))

    def test_a_share_not_all_of_the_community_activities_is_linked(self):
        community = Activity.objects.filter(jurisdiction__code__in=["520115001001", "520115001002"])
        linked = community.filter(indicators__plan=self.plan).distinct().count()
        self.assertGreater(linked, 12)
        self.assertLess(linked, community.count())
        self.assertFalse(Activity.objects.filter(indicators__plan=self.plan).exclude(photos__isnull=False).exists())

    def test_loading_again_adds_no_links_or_photos(self):
        through = Activity.indicators.through.objects
        before = (through.count(), Activity.objects.filter(photos__isnull=False).count())
        load_demo(today=TODAY)
        self.assertEqual((through.count(), Activity.objects.filter(photos__isnull=False).count()), before)

    def activity_data(self, jurisdiction, indicator):
        return {
            "jurisdiction": jurisdiction.pk,
            "date": TODAY.isoformat(),  # the demo locked November: the month open is today's
            "category": ActivityCategory.objects.get(name="宣讲").pk,
            "title": "民族政策宣讲进楼栋",
            "place": "碧海社区新时代文明实践站",
            "organiser": "碧海社区",
            "participants": "60",
            "minority_participants": "12",
            "posters": "0",
            "handbooks": "0",
            "promo_items": "0",
            "light_boxes": "0",
            "online_posts": "0",
            "people_reached": "60",
            "summary": "",
            "indicators": [indicator.pk],
        }

    def test_bihai_staff_link_an_activity_to_a_district_plan_indicator(self):
        bihai = Jurisdiction.objects.get(code="520115001001")
        indicator = Indicator.objects.get(plan=self.plan, code="2.3")
        self.client.force_login(self.staff)
        form = self.client.get(reverse("activities:activity_create")).context["form"]
        self.assertIn(indicator, form.fields["indicators"].queryset)
        response = self.client.post(reverse("activities:activity_create"), self.activity_data(bihai, indicator))
        activity = Activity.objects.get(title="民族政策宣讲进楼栋")
        self.assertRedirects(response, reverse("activities:activity_detail", args=[activity.pk]))
        self.assertEqual((list(activity.indicators.all()), activity.created_by), ([indicator], self.staff))

    def test_sibling_staff_cannot_link_to_a_plan_outside_their_ancestors(self):
        bihai = Jurisdiction.objects.get(code="520115001001")
        jinyuan = Jurisdiction.objects.get(code="520115001002")
        bihai_plan = CreationPlan.objects.create(
            jurisdiction=bihai,
            title="碧海社区创建方案",
            target_title="示范社区",
            target_level="district",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
        )
        foreign = Indicator.objects.create(plan=bihai_plan, code="1.1", title="碧海社区指标")
        self.client.force_login(self.staff2)
        form = self.client.get(reverse("activities:activity_create")).context["form"]
        self.assertNotIn(foreign, form.fields["indicators"].queryset)
        self.assertIn(Indicator.objects.get(plan=self.plan, code="2.3"), form.fields["indicators"].queryset)
        response = self.client.post(reverse("activities:activity_create"), self.activity_data(jinyuan, foreign))
        self.assertEqual(response.status_code, 200)
        self.assertIn("indicators", response.context["form"].errors)
        self.assertFalse(Activity.objects.filter(title="民族政策宣讲进楼栋").exists())
        # Nor can they open the other community's plan and its ledger: "not yours" is "missing".
        self.assertEqual(self.client.get(reverse("evidence_ledger", args=[bihai_plan.pk])).status_code, 404)
