"""Writes of plans: the plan with its inline lists, indicators, responsibility lines and evidence files."""

import io
import zipfile
from datetime import date
from decimal import Decimal
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from activities.forms.plans import BudgetFormSet, LeadingGroupFormSet, MeasureFormSet
from activities.models import CreationPlan, EvidenceFile, Indicator, Responsibility
from activities.services import plans as services
from communities.choices import JurisdictionLevel, Role
from communities.models import AuditEntry
from tests.activities.factories_plans import PDF_BYTES, make_evidence, make_indicator, make_plan, make_responsibility
from tests.factories import make_jurisdiction, make_member

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\0" * 64
OLE_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64
EXE_BYTES = b"MZ\x90\x00" + b"\0" * 64


def ooxml(part):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


class PlanWorld:
    @staticmethod
    def build(target):
        target.street = make_jurisdiction("街道", JurisdictionLevel.STREET, code="529601001000")
        target.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, target.street, code="529601001001")
        target.sibling = make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, target.street, code="529601001002")
        target.staff = make_member(target.community, Role.STAFF)
        target.sibling_staff = make_member(target.sibling, Role.STAFF)


def formset_data(prefix, rows, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


class PlanSaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        PlanWorld.build(cls)

    def _inlines(self, plan, data):
        return [
            MeasureFormSet(data, instance=plan, prefix="measures"),
            LeadingGroupFormSet(data, instance=plan, prefix="members"),
            BudgetFormSet(data, instance=plan, prefix="budgets"),
        ]

    def test_create_with_measures_leading_group_and_budget(self):
        plan = CreationPlan(
            jurisdiction=self.community,
            title="碧海社区创建方案",
            target_title="民族团结进步示范社区",
            target_level="city",
            start_date=date(2024, 1, 1),
            end_date=date(2025, 12, 31),
        )
        data = {
            **formset_data(
                "measures", [{"order": "1", "title": "强化组织领导"}, {"order": "2", "title": "深化宣传教育"}]
            ),
            **formset_data("members", [{"order": "1", "role": "leader", "name": "王书记", "post": "社区党委书记"}]),
            **formset_data("budgets", [{"year": "2024", "amount": "50000", "spent": "12000"}]),
        }
        inlines = self._inlines(plan, data)
        self.assertTrue(all(f.is_valid() for f in inlines), [f.errors for f in inlines])
        services.plan_save(plan=plan, actor=self.staff, inlines=inlines)
        self.assertEqual([m.title for m in plan.measures.all()], ["强化组织领导", "深化宣传教育"])
        self.assertEqual(plan.leading_group.get().name, "王书记")
        self.assertEqual(plan.budgets.get().spent, Decimal("12000"))
        # One row, written whole: the plan's fields and its inline lists.
        create = AuditEntry.objects.for_object(plan).get()
        self.assertEqual(create.action, "create")
        self.assertEqual(create.changes["title"], [None, "碧海社区创建方案"])
        self.assertEqual(create.changes["领导小组"], [None, "组长 王书记（社区党委书记）"])

    def test_a_plan_cannot_be_put_in_another_jurisdiction(self):
        plan = make_plan(self.community, title="甲方案")
        plan.jurisdiction = self.sibling
        with self.assertRaises(PermissionDenied):
            services.plan_save(plan=plan, actor=self.staff)
        self.assertEqual(CreationPlan.objects.get(pk=plan.pk).jurisdiction, self.community)
        with self.assertRaises(PermissionDenied):
            services.plan_save(plan=make_plan(self.community), actor=self.sibling_staff)

    def test_end_before_start_is_refused_in_chinese(self):
        plan = make_plan(self.community)
        plan.end_date = date(2020, 1, 1)
        with self.assertRaisesMessage(ValidationError, "结束日期不能早于开始日期"):
            services.plan_save(plan=plan, actor=self.staff)

    def test_delete_removes_indicators_and_evidence_files(self):
        plan = make_plan(self.community)
        evidence = make_evidence(make_indicator(plan))
        name = evidence.file.name
        self.assertTrue(default_storage.exists(name))
        with self.captureOnCommitCallbacks(execute=True):
            services.plan_delete(plan=plan, actor=self.staff)
        self.assertFalse(Indicator.objects.filter(plan_id=plan.pk).exists())
        self.assertFalse(default_storage.exists(name))
        self.assertEqual(AuditEntry.objects.filter(action="delete").count(), 1)


class IndicatorSaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        PlanWorld.build(cls)
        cls.plan = make_plan(cls.community)
        cls.first = make_indicator(cls.plan, code="1")
        cls.second = make_indicator(cls.plan, code="1.1", parent=cls.first)

    def test_parent_must_be_a_first_level_indicator_of_the_plan(self):
        other = make_indicator(make_plan(self.community), code="9")
        for parent in (self.second, other):
            with self.subTest(parent=parent.code):
                indicator = Indicator(plan=self.plan, code="x", title="新", parent=parent)
                with self.assertRaisesMessage(ValidationError, "上级指标应为本方案的一级指标"):
                    services.indicator_save(indicator=indicator, actor=self.staff)

    def test_duplicate_code_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "同一方案中指标编号不能重复"):
            services.indicator_save(indicator=Indicator(plan=self.plan, code="1", title="重复"), actor=self.staff)

    def test_out_of_scope(self):
        with self.assertRaises(PermissionDenied):
            services.indicator_save(indicator=Indicator(plan=self.plan, code="2", title="乙"), actor=self.sibling_staff)


class ResponsibilitySaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        PlanWorld.build(cls)
        cls.plan = make_plan(cls.community)
        cls.indicator = make_indicator(cls.plan, code="1.1", points=5)

    def test_self_score_above_the_points_is_a_clear_error(self):
        line = Responsibility(indicator=self.indicator, lead_department="社区党委", self_score=Decimal("6"))
        with self.assertRaises(ValidationError) as caught:
            services.responsibility_save(responsibility=line, actor=self.staff)
        self.assertEqual(
            caught.exception.message_dict["self_score"],
            ["自评得分6超过了该指标的分值5，请填写0到5之间的分数。"],
        )

    def test_all_lines_together_stay_within_the_points(self):
        make_responsibility(self.indicator, self_score=Decimal("3"))
        line = Responsibility(indicator=self.indicator, lead_department="居委会", self_score=Decimal("2.5"))
        with self.assertRaisesMessage(ValidationError, "本行最多可填2分"):
            services.responsibility_save(responsibility=line, actor=self.staff)
        line.self_score = Decimal("2")
        services.responsibility_save(responsibility=line, actor=self.staff)
        # Editing a line does not count its own old score twice.
        line.self_score = Decimal("2")
        line.note = "已完成台账"
        services.responsibility_save(responsibility=line, actor=self.staff)
        entries = AuditEntry.objects.for_object(line).order_by("pk")
        self.assertEqual([e.action for e in entries], ["create", "change"])
        self.assertEqual(entries[1].changes, {"note": ["", "已完成台账"]})

    def test_done_needs_full_progress(self):
        line = Responsibility(indicator=self.indicator, lead_department="党委", status="done", progress=80)
        with self.assertRaisesMessage(ValidationError, "状态为“已完成”时进度应为100%"):
            services.responsibility_save(responsibility=line, actor=self.staff)

    def test_out_of_scope(self):
        line = make_responsibility(self.indicator)
        line.progress = 10
        with self.assertRaises(PermissionDenied):
            services.responsibility_save(responsibility=line, actor=self.sibling_staff)
        with self.assertRaises(PermissionDenied):
            services.responsibility_delete(responsibility=line, actor=self.sibling_staff)

    def test_overdue_is_derived(self):
        today = date(2024, 6, 1)
        cases = [
            (date(2024, 5, 31), "in_progress", True),
            (date(2024, 5, 31), "done", False),
            (date(2024, 6, 1), "not_started", False),
            (None, "not_started", False),
        ]
        for deadline, status, overdue in cases:
            with self.subTest(deadline=deadline, status=status):
                line = make_responsibility(self.indicator, deadline=deadline, status=status)
                self.assertEqual(line.is_overdue(today), overdue)
                self.assertEqual(Responsibility.objects.overdue(today).filter(pk=line.pk).exists(), overdue)


class EvidenceUploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        PlanWorld.build(cls)
        cls.plan = make_plan(cls.community)
        cls.indicator = make_indicator(cls.plan, points=5)

    def upload(self, name, content, **kwargs):
        return services.evidence_upload(
            indicator=self.indicator,
            upload=SimpleUploadedFile(name, content),
            title=kwargs.pop("title", ""),
            actor=kwargs.pop("actor", self.staff),
            **kwargs,
        )

    def test_allowed_types_by_content(self):
        cases = {
            "会议纪要.pdf": PDF_BYTES,
            "照片.png": PNG_BYTES,
            "照片.JPG": JPEG_BYTES,
            "照片.jpeg": JPEG_BYTES,
            "方案.doc": OLE_BYTES,
            "台账.xls": OLE_BYTES,
            "方案.docx": ooxml("word/document.xml"),
            "台账.xlsx": ooxml("xl/workbook.xml"),
        }
        for name, content in cases.items():
            with self.subTest(name=name):
                evidence = self.upload(name, content)
                self.assertEqual(evidence.title, name.rsplit(".", 1)[0])
                self.assertTrue(evidence.file.name.endswith(name.rsplit(".", 1)[1].lower()))
                self.assertNotIn(name.rsplit(".", 1)[0], evidence.file.name)
                with evidence.file.open("rb") as handle:
                    self.assertEqual(handle.read(), content)

    def test_refused_files(self):
        cases = {
            "病毒.exe": (EXE_BYTES, "不支持的文件类型“.exe”"),
            "改名.pdf": (EXE_BYTES, "文件“改名.pdf”的内容不是.pdf格式"),
            "改名.png": (JPEG_BYTES, "文件“改名.png”的内容不是.png格式"),
            "压缩包.docx": (ooxml("other.txt"), "文件“压缩包.docx”的内容不是.docx格式"),
            "表格.docx": (ooxml("xl/workbook.xml"), "的内容不是.docx格式"),
            "无扩展名": (PDF_BYTES, "不支持的文件类型“无扩展名”"),
        }
        for name, (content, message) in cases.items():
            with self.subTest(name=name), self.assertRaisesMessage(ValidationError, message):
                self.upload(name, content)
        self.assertFalse(EvidenceFile.objects.exists())

    def test_oversize_file(self):
        with (
            mock.patch.object(services, "EVIDENCE_MAX_BYTES", 1024 * 1024),
            self.assertRaisesMessage(ValidationError, "文件过大（1.0 MB），单个文件不能超过1 MB。"),
        ):
            self.upload("大.pdf", PDF_BYTES + b"\0" * 1024 * 1024)

    def test_responsibility_must_belong_to_the_indicator(self):
        other = make_responsibility(make_indicator(self.plan))
        with self.assertRaisesMessage(ValidationError, "所选责任分解不属于该指标"):
            self.upload("a.pdf", PDF_BYTES, responsibility=other)

    def test_out_of_scope_and_delete(self):
        with self.assertRaises(PermissionDenied):
            self.upload("a.pdf", PDF_BYTES, actor=self.sibling_staff)
        evidence = self.upload("a.pdf", PDF_BYTES)
        name = evidence.file.name
        with self.assertRaises(PermissionDenied):
            services.evidence_delete(evidence=evidence, actor=self.sibling_staff)
        with self.captureOnCommitCallbacks(execute=True):
            services.evidence_delete(evidence=evidence, actor=self.staff)
        self.assertFalse(default_storage.exists(name))
        self.assertEqual([e.action for e in AuditEntry.objects.order_by("pk")], ["create", "delete"])
