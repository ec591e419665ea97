"""Plan pages end to end: forms, the breakdown table and its export, evidence, the import, query counts."""

import io
from contextlib import contextmanager
from datetime import date, timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities.models import CreationPlan, EvidenceFile, Indicator
from base.staging import staged_path
from communities.choices import JurisdictionLevel, Role
from tests.activities.factories_plans import (
    PDF_BYTES,
    make_activity,
    make_budget,
    make_evidence,
    make_indicator,
    make_measure,
    make_member_of_group,
    make_plan,
    make_responsibility,
)
from tests.activities.test_plans_import import HEADER, ROWS, xlsx_bytes
from tests.activities.test_plans_services import formset_data
from tests.base.hostile_cases import HostileUploadCases
from tests.factories import make_jurisdiction, make_member


@contextmanager
def page_queries(test, limit):
    """Capture a page's queries and keep them under `limit`: this page's own, plus some for site-wide
    parts (session, user, navigation) that other areas own and may change."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    test.assertLessEqual(len(captured.captured_queries), limit, [q["sql"][:120] for q in captured.captured_queries])


def xlsx_rows(response_or_bytes):
    """Return the rows of the first sheet; a download streams, so pass its bytes when they are needed twice."""
    data = response_or_bytes if isinstance(response_or_bytes, bytes) else response_or_bytes.getvalue()
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


class PlanPagesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, code="529401001000")
        cls.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, cls.street, code="529401001001")
        cls.sibling = make_jurisdiction("乙社区", JurisdictionLevel.COMMUNITY, cls.street, code="529401001002")
        cls.staff = make_member(cls.community, Role.STAFF)
        cls.plan = make_plan(cls.community, title="甲社区创建方案")

    def setUp(self):
        self.client.force_login(self.staff)


class PlanFormPageTests(PlanPagesTestCase):
    def _data(self, **overrides):
        data = {
            "jurisdiction": str(self.community.pk),
            "title": "新方案",
            "target_title": "民族团结进步示范社区",
            "target_level": "district",
            "start_date": "2024-01-01",
            "end_date": "2024-12-31",
            "goal": "创成区级示范社区",
            "highlights": "石榴籽家园",
            **formset_data("measures", [{"order": "1", "title": "强化组织领导"}, {"order": "", "title": ""}]),
            **formset_data("members", [{"order": "1", "role": "leader", "name": "王书记", "post": "书记"}]),
            **formset_data("budgets", [{"year": "2024", "amount": "10000", "spent": "2500"}]),
        }
        data.update(overrides)
        return data

    def test_create_with_inline_lists(self):
        response = self.client.post(reverse("activities:plan_create"), self._data())
        plan = CreationPlan.objects.get(title="新方案")
        self.assertRedirects(response, reverse("activities:plan_detail", args=[plan.pk]))
        self.assertEqual([m.title for m in plan.measures.all()], ["强化组织领导"])
        response = self.client.get(reverse("activities:plan_detail", args=[plan.pk]))
        for text in ("强化组织领导", "王书记", "石榴籽家园", "25.00%", "变更记录"):
            self.assertContains(response, text)

    def test_only_jurisdictions_in_the_change_scope_are_offered_and_accepted(self):
        response = self.client.get(reverse("activities:plan_create"))
        self.assertContains(response, "甲社区")
        self.assertNotContains(response, "乙社区")
        response = self.client.post(reverse("activities:plan_create"), self._data(jurisdiction=str(self.sibling.pk)))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "选择一个有效的选项")
        self.assertFalse(CreationPlan.objects.filter(title="新方案").exists())

    def test_errors_are_shown_in_chinese_and_nothing_is_saved(self):
        data = self._data(end_date="2023-01-01")
        data["budgets-0-amount"] = "-5"
        response = self.client.post(reverse("activities:plan_create"), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "请按提示修改标红的内容")
        self.assertContains(response, "结束日期不能早于开始日期")
        self.assertContains(response, "确保该值大于或等于0")
        self.assertFalse(CreationPlan.objects.filter(title="新方案").exists())

    def test_update_and_delete(self):
        make_measure(self.plan, "旧举措")
        measure = self.plan.measures.get()
        data = self._data(title="改名方案")
        data.update(
            formset_data(
                "measures", [{"id": str(measure.pk), "order": "1", "title": "旧举措", "DELETE": "on"}], initial=1
            )
        )
        response = self.client.post(reverse("activities:plan_update", args=[self.plan.pk]), data)
        self.assertRedirects(response, reverse("activities:plan_detail", args=[self.plan.pk]))
        self.plan.refresh_from_db()
        self.assertEqual((self.plan.title, self.plan.measures.count()), ("改名方案", 0))
        response = self.client.get(reverse("activities:plan_delete", args=[self.plan.pk]))
        self.assertContains(response, "确认删除")
        response = self.client.post(reverse("activities:plan_delete", args=[self.plan.pk]))
        self.assertRedirects(response, reverse("activities:plan_list"))
        self.assertFalse(CreationPlan.objects.filter(pk=self.plan.pk).exists())


class PlanListPageTests(PlanPagesTestCase):
    def _plans(self, n):
        for i in range(n):
            plan = make_plan(self.community, title=f"方案{i}")
            make_responsibility(make_indicator(plan, points=3), deadline=date(2020, 1, 1))
            make_budget(plan, 2024, 100, 10)

    def test_query_count_does_not_grow_with_rows(self):
        url = reverse("activities:plan_list")
        self._plans(2)
        with page_queries(self, 9) as few:  # 6 when measured
            self.client.get(url)
        self._plans(6)
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(url)
        self.assertContains(response, "方案5")

    def test_export(self):
        self._plans(2)
        rows = xlsx_rows(self.client.get(reverse("activities:plan_list"), {"q": "方案1", "format": "xlsx"}))
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][0], "方案1")
        self.assertEqual(rows[1][6:9], [1, 1, 1])


class PlanDetailPageTests(PlanPagesTestCase):
    def _grow(self, n, start=0):
        for i in range(start, start + n):
            first = make_indicator(self.plan, points=0)
            leaf = make_indicator(self.plan, parent=first, points=2)
            make_responsibility(leaf, deadline=date(2020, 1, 1))
            make_evidence(leaf)
            make_activity(self.community, date(2024, 1, 1)).indicators.add(leaf)
            make_member_of_group(self.plan, f"成员{i}")
            make_measure(self.plan, f"举措{i}", order=i)
            make_budget(self.plan, 2000 + i, 100, 50)

    def test_query_count_does_not_grow_with_the_plan(self):
        url = reverse("activities:plan_detail", args=[self.plan.pk])
        self._grow(1)
        # Warm the process-wide content-type cache (the history looks up the plan's), so the count below does
        # not depend on which tests this process ran before.
        self.client.get(url)
        with page_queries(self, 23) as few:  # 20 when measured
            self.client.get(url)
        self._grow(4, start=1)
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(url)
        self.assertContains(response, "举措4")
        self.assertContains(response, 'class="overdue-row"', count=10)  # five in the tree, five in the overdue list


class ResponsibilityPageTests(PlanPagesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.indicator = make_indicator(cls.plan, code="1.1", title="成立领导小组", points=5)
        today = timezone.localdate()
        cls.overdue = make_responsibility(
            cls.indicator, lead_department="社区党委", status="in_progress", deadline=today - timedelta(days=3)
        )
        cls.done = make_responsibility(
            cls.indicator, lead_department="社区党委", status="done", deadline=today - timedelta(days=3)
        )
        cls.later = make_responsibility(
            cls.indicator,
            lead_department="居委会",
            cooperating_departments="社区党委",
            deadline=today + timedelta(days=9),
        )
        cls.url = reverse("activities:responsibility_list", args=[cls.plan.pk])

    def _ids(self, response):
        return sorted(r.pk for r in response.context["responsibilities"])

    def test_filters_and_export_of_exactly_the_filtered_rows(self):
        cases = [
            ({}, [self.overdue.pk, self.done.pk, self.later.pk]),
            ({"overdue": "1"}, [self.overdue.pk]),
            ({"status": "done"}, [self.done.pk]),
            ({"department": "居委会"}, [self.later.pk]),
            ({"department": "社区党委"}, [self.overdue.pk, self.done.pk, self.later.pk]),
            ({"department": "社区党委", "status": "not_started"}, [self.later.pk]),
        ]
        for params, expected in cases:
            with self.subTest(params=params):
                response = self.client.get(self.url, params)
                self.assertEqual(self._ids(response), sorted(expected))
                rows = xlsx_rows(self.client.get(self.url, {**params, "format": "xlsx"}))
                self.assertEqual(rows[0][:3], ["指标编号", "一级指标", "二级指标"])
                self.assertEqual(len(rows) - 1, len(expected))
        rows = xlsx_rows(self.client.get(self.url, {"overdue": "1", "format": "xlsx"}))
        self.assertEqual(rows[1][11], "逾期")

    def test_overdue_rows_are_red(self):
        response = self.client.get(self.url)
        self.assertContains(response, f'class="overdue-row" data-responsibility="{self.overdue.pk}"')
        self.assertContains(response, 'class="overdue-row"', count=1)

    def test_query_count_does_not_grow_with_rows(self):
        with page_queries(self, 10) as few:  # 7 when measured
            self.client.get(self.url)
        for _ in range(6):
            make_evidence(self.indicator, responsibility=make_responsibility(self.indicator))
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(self.url)

    def test_update_with_too_high_a_score_shows_the_error_on_the_field(self):
        url = reverse("activities:responsibility_update", args=[self.later.pk])
        data = {
            "indicator": str(self.indicator.pk),
            "lead_department": "居委会",
            "responsible_person": "李四",
            "progress": "40",
            "status": "in_progress",
            "self_score": "7",
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "自评得分7超过了该指标的分值5")
        response = self.client.post(url, {**data, "self_score": "4"})
        self.assertRedirects(response, self.url)
        self.later.refresh_from_db()
        self.assertEqual((self.later.progress, self.later.responsible_person), (40, "李四"))

    def test_create_for_an_indicator_and_delete(self):
        url = reverse("activities:responsibility_create", args=[self.plan.pk]) + f"?indicator={self.indicator.pk}"
        response = self.client.get(url)
        self.assertContains(response, "成立领导小组")
        response = self.client.post(
            url,
            {"indicator": str(self.indicator.pk), "lead_department": "团委", "progress": "0", "status": "not_started"},
        )
        self.assertRedirects(response, self.url)
        created = self.indicator.responsibilities.get(lead_department="团委")
        self.client.post(reverse("activities:responsibility_delete", args=[created.pk]))
        self.assertFalse(self.indicator.responsibilities.filter(lead_department="团委").exists())

    def test_indicators_of_another_plan_are_not_offered(self):
        other = make_indicator(make_plan(self.community), title="别的方案的指标")
        response = self.client.get(reverse("activities:responsibility_create", args=[self.plan.pk]))
        self.assertNotContains(response, "别的方案的指标")
        response = self.client.post(
            reverse("activities:responsibility_create", args=[self.plan.pk]),
            {"indicator": str(other.pk), "lead_department": "团委", "progress": "0", "status": "not_started"},
        )
        self.assertContains(response, "选择一个有效的选项")


class EvidencePageTests(PlanPagesTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.indicator = make_indicator(cls.plan, points=5)

    def test_upload_download_delete(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        url = reverse("activities:evidence_upload", args=[self.indicator.pk])
        response = self.client.post(url, {"file": SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00")})
        self.assertContains(response, "文件“病毒.pdf”的内容不是.pdf格式")
        response = self.client.post(url, {"file": SimpleUploadedFile("会议纪要.pdf", PDF_BYTES), "title": ""})
        evidence = EvidenceFile.objects.get()
        self.assertEqual(evidence.title, "会议纪要")
        response = self.client.get(reverse("activities:evidence_download", args=[evidence.pk]))
        self.assertEqual(b"".join(response.streaming_content), PDF_BYTES)
        self.assertIn("attachment", response["Content-Disposition"])
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("activities:evidence_delete", args=[evidence.pk]))
        self.assertFalse(EvidenceFile.objects.exists())


class IndicatorImportPageTests(PlanPagesTestCase):
    def url(self):
        return reverse("activities:indicator_import", args=[self.plan.pk])

    def upload(self, data, name="指标.xlsx"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(self.url(), {"step": "upload", "file": SimpleUploadedFile(name, data)})

    def test_upload_preview_confirm(self):
        response = self.upload(xlsx_bytes([HEADER, *ROWS]))
        self.assertContains(response, "确认导入")
        self.assertEqual(response.context["result"].counts["new"], 6)
        self.assertFalse(Indicator.objects.exists())
        staged = self.client.session["indicator_import"]
        path = staged_path(staged["token"], staged["ext"])
        self.assertTrue(path.is_file())
        self.assertNotIn(str(path.name), response.content.decode())  # only the token travels to the browser
        response = self.client.post(self.url(), {"step": "confirm", "token": staged["token"]})
        self.assertRedirects(response, reverse("activities:plan_detail", args=[self.plan.pk]))
        self.assertEqual(Indicator.objects.filter(plan=self.plan).count(), 6)
        self.assertFalse(path.exists())
        self.assertNotIn("indicator_import", self.client.session)
        response = self.client.post(self.url(), {"step": "confirm", "token": staged["token"]}, follow=True)
        self.assertContains(response, "找不到待导入的文件")

    def test_a_bad_file_lists_every_error_and_stages_nothing(self):
        rows = [HEADER, ["一、组织领导", "甲", "", "x", "", ""], ["", "乙", "", "", "", ""]]
        response = self.upload(xlsx_bytes(rows))
        self.assertContains(response, "文件有 2 处错误，未导入任何数据")
        self.assertContains(response, "第3行 [分值（D列）]：分值“x”不是数字")
        self.assertContains(response, "第4行 [分值（D列）]：分值不能为空")
        self.assertNotContains(response, "确认导入")
        self.assertNotIn("indicator_import", self.client.session)

    def test_cancel_removes_the_staged_file(self):
        self.upload(xlsx_bytes([HEADER, *ROWS]))
        staged = self.client.session["indicator_import"]
        path = staged_path(staged["token"], staged["ext"])
        self.client.post(self.url(), {"step": "cancel"})
        self.assertFalse(path.exists())
        self.assertFalse(Indicator.objects.exists())

    def test_a_staged_file_of_another_plan_is_not_used(self):
        self.upload(xlsx_bytes([HEADER, *ROWS]))
        token = self.client.session["indicator_import"]["token"]
        other = make_plan(self.community)
        response = self.client.post(
            reverse("activities:indicator_import", args=[other.pk]), {"step": "confirm", "token": token}
        )
        self.assertRedirects(response, reverse("activities:indicator_import", args=[other.pk]))
        self.assertFalse(Indicator.objects.exists())

    def test_the_template_downloads_and_imports_cleanly(self):
        response = self.client.get(reverse("activities:indicator_template"))
        self.assertEqual(response["Content-Type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        data = response.getvalue()
        rows = xlsx_rows(data)
        self.assertEqual(rows[1], HEADER)
        self.upload(data, name="模板.xlsx")
        self.client.post(self.url(), {"step": "confirm", "token": self.client.session["indicator_import"]["token"]})
        self.assertEqual(
            list(Indicator.objects.order_by("order").values_list("code", "title")),
            [("1", "组织领导"), ("1.1", "成立创建工作领导小组"), ("1.2", "制定创建工作方案")],
        )


class IndicatorHostileUploadTests(HostileUploadCases, PlanPagesTestCase):
    session_key = "indicator_import"
    million_row_header = ("一级指标", "分值")

    def upload(self, file):
        return self.client.post(
            reverse("activities:indicator_import", args=[self.plan.pk]), {"step": "upload", "file": file}
        )

    def written(self):
        return Indicator.objects.count()
