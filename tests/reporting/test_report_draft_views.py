"""The draft page, its versions and the report template page, with their sad paths; the command uses them too."""

import tempfile
from io import BytesIO, StringIO
from pathlib import Path
from urllib.parse import unquote

from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from docx import Document

from base.periods import year_period
from communities.choices import Role
from communities.models import AuditEntry, Jurisdiction
from reporting.models import ReportDraftVersion, ReportTemplate
from reporting.outline import empty_narrative
from reporting.services import report_draft_save
from tests.factories import make_member
from tests.reporting.test_report_world import YEAR, street_world


def docx_texts(response):
    return [p.text for p in Document(BytesIO(response.content)).paragraphs]


class DraftPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = street_world()
        cls.community = Jurisdiction.objects.get(code="520103001001")
        cls.sibling = Jurisdiction.objects.get(code="520103001002")
        cls.leader = make_member(cls.street, Role.LEADER, "draft-leader")
        cls.staff = make_member(cls.community, Role.STAFF, "draft-staff")
        cls.auditor = make_member(cls.street, Role.AUDITOR, "draft-auditor")
        cls.url = reverse("work_report_preview", args=[cls.street.code])

    def setUp(self):
        self.client.force_login(self.leader)

    def post(self, url=None, follow=False, **data):
        values = {"base_number": "0", **data}
        return self.client.post(f"{url or self.url}?year={YEAR}", values, follow=follow)

    def test_page_shows_locked_sentences_and_inputs_starting_from_the_plan(self):
        response = self.client.get(self.url, {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        for name in ("overview", "practices", "highlights", "problems", "next_steps"):
            self.assertContains(response, f'name="{name}"')
        # Before any draft the plan's words are offered, each highlight numbered.
        self.assertContains(response, "取自创建工作方案")
        self.assertContains(response, '<span class="draft-item-number" data-item-number>一是</span>', html=False)
        self.assertContains(response, "打造“石榴籽”民族文化宣传阵地。</textarea>", html=False)
        self.assertContains(response, "js/report_draft.js")
        self.assertContains(response, "保存草稿")
        self.assertContains(response, "本期尚未保存草稿")
        self.assertNotContains(response, "<script>")
        # The figures are text of the page, never an input.
        self.assertContains(response, '<p class="report-body" data-source="data">', html=False)
        self.assertNotContains(response, 'name="population"')

    def test_save_makes_a_version_the_history_and_downloads_show(self):
        response = self.post(highlights=["建立月调度机制", "开展结对活动", ""], problems="经验不足")
        self.assertRedirects(response, f"{self.url}?year={YEAR}#history", fetch_redirect_response=False)
        version = ReportDraftVersion.objects.get()
        self.assertEqual(version.number, 1)
        self.assertEqual(version.narrative["highlights"], ["建立月调度机制", "开展结对活动"])
        self.assertEqual(version.draft.period, year_period(YEAR))
        self.assertTrue(AuditEntry.objects.for_object(version).exists())

        page = self.client.get(self.url, {"year": YEAR})
        self.assertContains(page, "正在编辑第1版")
        self.assertContains(page, '<input type="hidden" name="base_number" value="1">', html=False)
        self.assertContains(page, reverse("report_draft_version_docx", args=[version.pk]))
        self.assertContains(page, "draft-leader")

        # The report's download now uses the saved words, numbered.
        texts = docx_texts(self.client.get(reverse("work_report_docx", args=[self.street.code]), {"year": YEAR}))
        self.assertIn("一是建立月调度机制。", texts)
        self.assertIn("二是开展结对活动。", texts)
        self.assertNotIn("一是打造“石榴籽”民族文化宣传阵地。", texts)

        self.post(highlights=["改过的亮点"], base_number="1")
        second = ReportDraftVersion.objects.get(number=2)
        first = self.client.get(reverse("report_draft_version_docx", args=[version.pk]))
        self.assertIn("（第1版）.docx", unquote(first["Content-Disposition"]))
        self.assertIn("二是开展结对活动。", docx_texts(first))
        self.assertIn(
            "一是改过的亮点。", docx_texts(self.client.get(reverse("report_draft_version_docx", args=[second.pk])))
        )
        shown = self.client.get(reverse("report_draft_version", args=[version.pk]))
        self.assertContains(shown, "一是建立月调度机制。")
        self.assertContains(shown, "占常住人口总数的")

    def test_saving_unchanged_text_adds_no_version(self):
        self.post(highlights=["同一条"])
        response = self.post(highlights=["同一条"], base_number="1", follow=True)
        self.assertContains(response, "内容没有改动，未新建版本。")
        self.assertEqual(ReportDraftVersion.objects.count(), 1)

    def test_a_save_over_a_newer_version_is_refused_and_keeps_the_text(self):
        self.post(highlights=["第一版"])
        response = self.post(highlights=["我的修改"], base_number="0")
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "已保存了第1版", status_code=409)
        self.assertContains(response, "我的修改</textarea>", status_code=409, html=False)
        self.assertEqual(ReportDraftVersion.objects.count(), 1)
        # Shown the newer number, a second save is deliberate and goes through.
        self.assertContains(response, 'name="base_number" value="1"', status_code=409, html=False)

    def test_too_long_text_is_refused_with_the_text_kept(self):
        response = self.post(problems="很" * 10001)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(ReportDraftVersion.objects.exists())
        self.assertContains(response, 'role="alert"')

    def test_last_years_draft_is_offered_and_said_so(self):
        report_draft_save(
            jurisdiction=self.street,
            period=year_period(YEAR - 1),
            narrative=empty_narrative() | {"next_steps": "去年写的下一步"},
            actor=self.leader,
        )
        response = self.client.get(self.url, {"year": YEAR})
        self.assertContains(response, "取自上一年度（2025年）已保存的第1版")
        self.assertContains(response, "去年写的下一步</textarea>", html=False)
        # Offered, not saved: the download keeps printing the plan's words until someone saves.
        self.assertFalse(ReportDraftVersion.objects.filter(draft__period_start__year=YEAR).exists())

    def test_staff_below_saves_their_own_and_not_the_sibling(self):
        self.client.force_login(self.staff)
        own = reverse("work_report_preview", args=[self.community.code])
        self.assertEqual(self.post(own, overview="东风社区概述").status_code, 302)
        sibling = reverse("work_report_preview", args=[self.sibling.code])
        self.assertEqual(self.post(sibling, overview="越权").status_code, 404)
        self.assertEqual(self.client.get(sibling).status_code, 404)
        # The street's draft lies above the staff's community: out of scope, answered as missing.
        self.assertEqual(self.post(overview="越权").status_code, 404)
        version = ReportDraftVersion.objects.get()
        self.assertEqual(version.draft.jurisdiction, self.community)
        sibling_version = report_draft_save(
            jurisdiction=self.sibling,
            period=year_period(YEAR),
            narrative=empty_narrative(),
            actor=self.leader,
        )
        for name in ("report_draft_version", "report_draft_version_docx"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name, args=[sibling_version.pk])).status_code, 404)
                self.assertEqual(self.client.get(reverse(name, args=[sibling_version.pk + 99])).status_code, 404)

    def test_auditor_cannot_read_or_save(self):
        self.client.force_login(self.auditor)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.post(overview="x").status_code, 404)
        self.assertFalse(ReportDraftVersion.objects.exists())

    def test_expired_session_goes_to_login_and_saves_nothing(self):
        Session.objects.all().delete()
        response = self.post(overview="会话过期后提交")
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])
        self.assertFalse(ReportDraftVersion.objects.exists())
        self.client.logout()
        response = self.client.get(reverse("report_draft_version_docx", args=[1]))
        self.assertIn(reverse("login"), response["Location"])

    def test_dashboard_links_the_preview(self):
        response = self.client.get(reverse("dashboard_jurisdiction", args=[self.street.code]), {"year": YEAR})
        self.assertContains(response, "预览工作汇报")
        self.assertContains(response, f"{self.url}?year={YEAR}")


class TemplatePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = street_world()
        cls.district = cls.street.parent
        cls.community = Jurisdiction.objects.get(code="520103001001")
        cls.admin = make_member(cls.street, Role.ADMIN, "template-admin")
        cls.leader = make_member(cls.street, Role.LEADER, "template-leader")
        cls.url = reverse("report_template_edit", args=[cls.street.code])

    def setUp(self):
        self.client.force_login(self.admin)

    def post(self, **data):
        values = {"title": "", "opening": "", "outline": "基本情况\n工作开展情况\n工作措施", "signature": ""} | data
        return self.client.post(self.url, values)

    def test_shows_the_default_and_saves_the_template_the_subtree_inherits(self):
        response = self.client.get(self.url)
        self.assertContains(response, "系统默认模板")
        self.assertContains(response, "基本情况\n工作开展情况\n工作措施\n存在问题\n下一步工作打算")
        response = self.post(title="{辖区}{期间}创建工作总结", signature="中华街道办事处")
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        template = ReportTemplate.objects.get(jurisdiction=self.street)
        self.assertEqual([e["key"] for e in template.outline], ["basic", "work", "measures"])
        self.assertTrue(AuditEntry.objects.for_object(template).exists())
        # The community below uses it: its report's title and headings follow.
        page = self.client.get(reverse("work_report_preview", args=[self.community.code]), {"year": YEAR})
        self.assertContains(page, "东风社区2026年创建工作总结")
        self.assertContains(page, "本汇报使用中华街道的汇报模板")
        self.assertNotContains(page, "存在问题</h2>")
        community_page = self.client.get(reverse("report_template_edit", args=[self.community.code]))
        self.assertContains(community_page, "目前沿用中华街道的模板")

    def test_bad_outline_key_is_refused_and_nothing_saved(self):
        response = self.post(outline="基本情况\n工作成效")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "“工作成效”不是已知的部分")
        response = self.post(outline="基本情况\n基本情况")
        self.assertContains(response, "“基本情况”重复了")
        self.assertFalse(ReportTemplate.objects.exists())

    def test_reset_returns_to_the_inherited_template(self):
        self.post(title="本级")
        self.client.post(self.url, {"reset": "1"})
        self.assertFalse(ReportTemplate.objects.exists())

    def test_only_administrators_edit_it(self):
        self.client.force_login(self.leader)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.post(title="领导改").status_code, 403)
        self.assertFalse(ReportTemplate.objects.exists())
        # The preview offers the template page to administrators only.
        preview = reverse("work_report_preview", args=[self.street.code])
        self.assertNotContains(self.client.get(preview), self.url)
        self.client.force_login(self.admin)
        self.assertContains(self.client.get(preview), self.url)

    def test_another_subtree_is_missing(self):
        other = make_member(self.community, Role.ADMIN, "community-admin")
        self.client.force_login(other)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.post(title="越权").status_code, 404)
        self.assertFalse(ReportTemplate.objects.exists())


class CommandUsesTheDraftTests(TestCase):
    def test_work_report_command_uses_template_and_latest_version(self):
        street = street_world()
        leader = make_member(street, Role.LEADER)
        ReportTemplate.objects.create(jurisdiction=street, title="{辖区}{期间}工作总结")
        for text in (["旧的亮点"], ["新的亮点", "第二条"]):
            report_draft_save(
                jurisdiction=street,
                period=year_period(YEAR),
                narrative=empty_narrative() | {"highlights": text},
                actor=leader,
            )
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "report.docx"
            out = StringIO()
            call_command(
                "work_report", "--jurisdiction", street.code, "--year", str(YEAR), "--output", str(target), stdout=out
            )
            texts = [p.text for p in Document(BytesIO(target.read_bytes())).paragraphs]
        self.assertIn("中华街道2026年工作总结", out.getvalue())
        self.assertIn("一是新的亮点。", texts)
        self.assertIn("二是第二条。", texts)
        self.assertNotIn("一是旧的亮点。", texts)


class BadPeriodTests(TestCase):
    def test_a_save_under_a_malformed_period_is_refused(self):
        street = street_world()
        leader = make_member(street, Role.LEADER)
        self.client.force_login(leader)
        url = reverse("work_report_preview", args=[street.code])
        response = self.client.post(f"{url}?year=20x6", {"base_number": "0", "overview": "文字"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "参数 year 应为四位年份")
        self.assertContains(response, "文字</textarea>", html=False)
        self.assertFalse(ReportDraftVersion.objects.exists())
