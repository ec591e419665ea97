"""The report's pages: the preview and the .docx download read the same content for the dashboard's period."""

from datetime import date
from io import BytesIO
from urllib.parse import unquote

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from activities.models import Activity, ActivityCategory
from base.periods import year_period
from communities.choices import JurisdictionLevel, Role
from communities.models import Jurisdiction
from reporting.report import work_report
from tests.factories import make_jurisdiction, make_member, make_population
from tests.reporting.test_report_world import YEAR, petitions, street_world


class ReportViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = street_world()
        cls.community = Jurisdiction.objects.get(code="520103001001")
        cls.leader = make_member(cls.street, Role.LEADER, "report-leader")
        cls.staff = make_member(cls.community, Role.STAFF, "report-staff")

    def setUp(self):
        self.client.force_login(self.leader)

    def test_preview_shows_the_content_with_download_buttons(self):
        response = self.client.get(reverse("work_report_preview", args=[self.street.code]), {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        content = response.context["content"]
        expected = work_report(jurisdiction=self.street, period=year_period(YEAR), today=timezone.localdate())
        self.assertEqual(content.text, expected.text)
        self.assertContains(response, "中华街道创建民族团结进步示范街道工作情况汇报")
        for heading in ("一、基本情况", "二、工作开展情况", "三、工作措施", "四、存在问题", "五、下一步工作打算"):
            self.assertContains(response, f'<h2 class="report-heading">{heading}</h2>', html=False)
        docx_url = reverse("work_report_docx", args=[self.street.code])
        self.assertContains(response, f'href="{docx_url}?year={YEAR}"')
        self.assertContains(response, reverse("evidence_ledger", args=[content.plan.pk]))
        self.assertContains(response, "css/report.css")

    def test_docx_download_is_the_same_text(self):
        response = self.client.get(reverse("work_report_docx", args=[self.street.code]), {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        disposition = unquote(response["Content-Disposition"])
        self.assertIn('filename="work-report-520103001000.docx"', disposition)
        self.assertIn("中华街道创建民族团结进步示范街道工作情况汇报（2026年）.docx", disposition)
        document = Document(BytesIO(response.content))
        expected = work_report(jurisdiction=self.street, period=year_period(YEAR), today=timezone.localdate())
        self.assertEqual([p.text for p in document.paragraphs[2:]], [b.text for b in expected.blocks])

    def test_period_comes_from_the_dashboards_parameters(self):
        response = self.client.get(
            reverse("work_report_docx", args=[self.street.code]), {"from": f"{YEAR}-01", "to": f"{YEAR}-06"}
        )
        text = "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)
        self.assertIn("现将中华街道2026年1月至2026年6月创建民族团结进步示范街道工作情况汇报如下", text)
        self.assertIn("开展宣传教育类活动1次（宣传教育1次）", text)  # the September performance is outside

    def test_bad_period_sends_the_download_back_to_the_preview_with_the_error(self):
        url = reverse("work_report_docx", args=[self.street.code])
        response = self.client.get(url, {"from": "2026-13"}, follow=True)
        self.assertRedirects(response, reverse("work_report_preview", args=[self.street.code]))
        self.assertContains(response, "参数 from 应为“年-月”格式")
        response = self.client.get(reverse("work_report_preview", args=[self.street.code]), {"year": "20x6"})
        self.assertContains(response, "参数 year 应为四位年份")

    def test_scope(self):
        self.client.force_login(self.staff)
        self.assertEqual(self.client.get(reverse("work_report_preview", args=[self.community.code])).status_code, 200)
        for name in ("work_report_preview", "work_report_docx"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name, args=[self.street.code])).status_code, 404)
                self.assertEqual(self.client.get(reverse(name, args=["999999999999"])).status_code, 404)
        # The community works under the street's plan but may not download the street's ledger.
        response = self.client.get(reverse("work_report_preview", args=[self.community.code]))
        self.assertNotContains(response, "下载台账")

    def test_dashboard_links_to_the_report_with_its_period(self):
        response = self.client.get(reverse("dashboard_jurisdiction", args=[self.street.code]), {"year": YEAR})
        self.assertContains(response, f"{reverse('work_report_docx', args=[self.street.code])}?year={YEAR}")
        self.assertContains(response, f"{reverse('work_report_preview', args=[self.street.code])}?year={YEAR}")
        self.assertContains(response, reverse("evidence_ledger", args=[response.context["board"].plan.pk]))
        response = self.client.get(reverse("dashboard_jurisdiction", args=[self.community.code]))
        self.assertNotContains(response, "下载台账")


class ReportQueryCountTests(TestCase):
    """The download's queries do not grow with the number of places, activities or cases."""

    def count(self, code):
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(reverse("work_report_docx", args=[code]), {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries)

    def test_constant_queries(self):
        street = street_world()
        self.client.force_login(make_member(street, Role.LEADER))
        small = self.count(street.code)
        category = ActivityCategory.objects.get(name="宣讲")
        for n in range(5):
            place = make_jurisdiction(f"新社区{n}", JurisdictionLevel.COMMUNITY, street, code=f"52010300110{n}")
            make_population(place, YEAR, {"汉族": 900, "彝族": 100}, residents=1000)
            Activity.objects.bulk_create(
                [
                    Activity(jurisdiction=place, category=category, title="宣讲", date=date(YEAR, 5, d))
                    for d in range(1, 8)
                ]
            )
            petitions(place, received=6, closed=4)
        self.assertEqual(self.count(street.code), small)
