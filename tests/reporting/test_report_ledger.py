"""The evidence ledger zip: a folder per indicator with its index, photos and documents; lost files listed."""

import shutil
import tempfile
import zipfile
from datetime import date
from io import BytesIO

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from activities.models import Activity, ActivityCategory, ActivityPhoto, CreationPlan, EvidenceFile, Indicator
from communities.choices import JurisdictionLevel, Role
from reporting.report.ledger import (
    ACTIVITY_COLUMNS,
    EVIDENCE_COLUMNS,
    SUMMARY_COLUMNS,
    build_ledger,
    ledger_indicators,
    safe_name,
)
from tests.factories import make_jurisdiction, make_member

MEDIA = tempfile.mkdtemp(prefix="ledger-media-")


def jpeg(color=(200, 30, 30)):
    buffer = BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return buffer.getvalue()


@override_settings(MEDIA_ROOT=MEDIA)
class LedgerTests(TestCase):
    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self):
        street = make_jurisdiction("中华街道", JurisdictionLevel.STREET, code="520103001000")
        self.community = make_jurisdiction("东风社区", JurisdictionLevel.COMMUNITY, street, code="520103001001")
        self.sibling = make_jurisdiction("西湖社区", JurisdictionLevel.COMMUNITY, street, code="520103001002")
        self.staff = make_member(self.community, Role.STAFF)
        self.plan = CreationPlan.objects.create(
            jurisdiction=self.community,
            title="东风社区创建方案",
            target_title="民族团结进步示范社区",
            target_level="district",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
        )
        first = Indicator.objects.create(plan=self.plan, code="1", title="组织领导", points=10, order=1)
        self.lead = Indicator.objects.create(
            plan=self.plan, parent=first, code="1.1", title="领导小组/健全?", points=6, order=2
        )
        self.empty = Indicator.objects.create(plan=self.plan, parent=first, code="1.2", title="专题部署", order=3)
        category = ActivityCategory.objects.get(name="调度会")
        self.meeting = Activity.objects.create(
            jurisdiction=self.community,
            category=category,
            date=date(2026, 3, 5),
            title="创建工作调度会",
            place="社区会议室",
            organiser="东风社区居委会",
            participants=20,
            minority_participants=6,
        )
        self.meeting.indicators.add(self.lead)
        self.kept = ActivityPhoto.objects.create(
            activity=self.meeting,
            image=ContentFile(jpeg(), name="a.jpg"),
            caption="2026年3月5日 社区会议室 全体委员 调度会",
        )
        self.lost = ActivityPhoto.objects.create(
            activity=self.meeting, image=ContentFile(jpeg((0, 0, 200)), name="b.jpg")
        )
        self.lost.image.storage.delete(self.lost.image.name)
        no_photo = Activity.objects.create(
            jurisdiction=self.community, category=category, date=date(2026, 4, 1), title="第二次调度会", participants=15
        )
        no_photo.indicators.add(self.lead)
        foreign = Activity.objects.create(
            jurisdiction=self.sibling, category=category, date=date(2026, 4, 2), title="别人的调度会", participants=9
        )
        foreign.indicators.add(self.lead)
        self.minutes = EvidenceFile.objects.create(
            indicator=self.lead, title="会议纪要：第1次", file=ContentFile(b"%PDF-1.4 minutes", name="minutes.pdf")
        )
        missing = EvidenceFile.objects.create(
            indicator=self.lead, title="领导小组文件", file=ContentFile(b"doc", name="group.docx")
        )
        missing.file.storage.delete(missing.file.name)

    def download(self, user=None):
        self.client.force_login(user or self.staff)
        response = self.client.get(reverse("evidence_ledger", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertIn("attachment", response["Content-Disposition"])
        return zipfile.ZipFile(BytesIO(b"".join(response.streaming_content)))

    def sheet_rows(self, archive, name, sheet):
        workbook = load_workbook(BytesIO(archive.read(name)))
        return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]

    def test_folder_per_indicator_with_index_photos_and_documents(self):
        archive = self.download()
        names = archive.namelist()
        folder = "1.1 领导小组_健全_"
        self.assertIn("总目录.xlsx", names)
        for code_folder in ("1 组织领导", folder, "1.2 专题部署"):
            with self.subTest(folder=code_folder):
                self.assertIn(f"{code_folder}/索引.xlsx", names)
        photo = f"{folder}/照片/20260305_{self.meeting.pk}_{self.kept.pk}.jpg"
        self.assertIn(photo, names)
        self.assertEqual(archive.read(photo)[:2], b"\xff\xd8")
        self.assertIn(f"{folder}/材料/01_会议纪要：第1次.pdf", names)
        self.assertEqual(archive.read(f"{folder}/材料/01_会议纪要：第1次.pdf"), b"%PDF-1.4 minutes")
        self.assertNotIn(f"{folder}/照片/20260305_{self.meeting.pk}_{self.lost.pk}.jpg", names)
        self.assertIsNone(archive.testzip())

    def test_index_lists_activities_with_captions_and_missing_files(self):
        archive = self.download()
        rows = self.sheet_rows(archive, "1.1 领导小组_健全_/索引.xlsx", "活动与照片")
        self.assertEqual(rows[0], [str(c) for c in ACTIVITY_COLUMNS])
        self.assertIn("照片说明（时间、地点、人物、主题）", rows[0])
        body = rows[1:]
        self.assertEqual(len(body), 3)  # two photos of the meeting, one row for the activity without a photo
        kept, lost, bare = body
        self.assertEqual(kept[2:9], ["东风社区", "社区会议室", "创建工作调度会", "调度会", "东风社区居委会", 20, 6])
        self.assertEqual(kept[9], "2026年3月5日 社区会议室 全体委员 调度会")
        self.assertEqual(kept[11], "已收入")
        self.assertEqual(lost[11], "文件缺失")
        self.assertEqual(
            lost[9],
            "时间：2026年3月5日；地点：社区会议室；"
            "人物：东风社区居委会组织，20人参加（其中少数民族6人）；主题：创建工作调度会",
        )
        self.assertEqual(bare[4], "第二次调度会")
        self.assertEqual(bare[11], "无照片")
        self.assertNotIn("别人的调度会", [row[4] for row in body])

        documents = self.sheet_rows(archive, "1.1 领导小组_健全_/索引.xlsx", "佐证材料")
        self.assertEqual(documents[0], [str(c) for c in EVIDENCE_COLUMNS])
        statuses = {row[1]: row[6] for row in documents[1:]}
        self.assertEqual(statuses, {"会议纪要：第1次": "已收入", "领导小组文件": "文件缺失"})

    def test_summary_counts_each_indicator(self):
        archive = self.download()
        rows = self.sheet_rows(archive, "总目录.xlsx", "总目录")
        self.assertEqual(rows[0], [str(c) for c in SUMMARY_COLUMNS])
        by_code = {row[0]: row for row in rows[1:]}
        self.assertEqual(list(by_code), ["1", "1.1", "1.2"])
        self.assertEqual(by_code["1.1"][1:], ["组织领导", "领导小组/健全?", 6, 2, 2, 2, 2, "1.1 领导小组_健全_"])
        self.assertEqual(by_code["1.2"][4:8], [0, 0, 0, 0])

    def test_sibling_staff_gets_404_and_leader_sees_every_activity(self):
        self.client.force_login(make_member(self.sibling, Role.STAFF))
        self.assertEqual(self.client.get(reverse("evidence_ledger", args=[self.plan.pk])).status_code, 404)
        leader = make_member(self.community.parent, Role.LEADER)
        rows = self.sheet_rows(self.download(leader), "1.1 领导小组_健全_/索引.xlsx", "活动与照片")
        self.assertIn("别人的调度会", [row[4] for row in rows[1:]])

    def test_queries_do_not_grow_with_the_evidence(self):
        # Five: the user's memberships, the indicators, their activities, the photos, the evidence files.
        user = User.objects.get(pk=self.staff.pk)
        with self.assertNumQueries(5):
            indicators = ledger_indicators(plan=self.plan, user=user)
            for indicator in indicators:
                for activity in indicator.activities.all():
                    list(activity.photos.all())
                list(indicator.evidence_files.all())
        extra = Activity.objects.create(
            jurisdiction=self.community,
            category=self.meeting.category,
            date=date(2026, 5, 1),
            title="又一次",
            participants=3,
        )
        extra.indicators.add(self.lead, self.empty)
        user = User.objects.get(pk=self.staff.pk)
        with self.assertNumQueries(5):
            ledger_indicators(plan=self.plan, user=user)

    def test_build_ledger_into_a_given_file(self):
        with tempfile.TemporaryFile() as target:
            build_ledger(plan=self.plan, user=self.staff, into=target)
            with zipfile.ZipFile(target) as archive:
                self.assertIn("总目录.xlsx", archive.namelist())


class SafeNameTests(TestCase):
    def test_unsafe_characters_and_length(self):
        self.assertEqual(safe_name('a/b\\c:d*e?f"g<h>i|j'), "a_b_c_d_e_f_g_h_i_j")
        self.assertEqual(safe_name("  ..隐藏.  "), "隐藏")
        self.assertEqual(safe_name(""), "_")
        self.assertEqual(len(safe_name("长" * 200)), 60)
