"""Seed 篇4's projects, entered as the village reports them, read back on the list, the export, the dashboard, the
JSON and in the work report: one selector's figures everywhere, the planned reservoir counted apart."""

from datetime import date
from decimal import Decimal
from io import BytesIO

from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from activities.choices import FundingSource, ProjectKind, ProjectStatus
from activities.models import Project
from activities.services.activities import project_create
from base.access import Role
from base.periods import year_period
from communities.choices import JurisdictionLevel
from reporting.report import work_report
from reporting.report.projects import project_sentences
from reporting.selectors import jurisdiction_dashboard
from tests.factories import make_jurisdiction, make_member

YEAR = 2024
TODAY = date(2024, 12, 20)
COMPANIES = "打厂沟煤矿、大炭沟煤矿、小河沟煤矿、打磨冲煤矿、xx省兴云煤矿"


def housing_form(village, **extra):
    """The entry form's POST for 篇4's housing project: 上级 1090, five companies 1600, residents' labour."""
    data = {
        "jurisdiction": village.pk,
        "name": "一期安居房工程",
        "kind": ProjectKind.HOUSING,
        "year": str(YEAR),
        "status": ProjectStatus.IN_PROGRESS,
        "total_investment": "2914.25",
        "amount_spent": "",
        "households_served": "313",
        "persons_served": "1321",
        "start_date": "",
        "end_date": "",
        "summary": "统筹解决3个自然村的房屋安居和地质灾害治理问题",
        "fundings-TOTAL_FORMS": "4",
        "fundings-INITIAL_FORMS": "0",
        "fundings-MIN_NUM_FORMS": "0",
        "fundings-MAX_NUM_FORMS": "1000",
        "fundings-0-source": FundingSource.SUPERIOR,
        "fundings-0-amount": "1090",
        "fundings-1-source": FundingSource.ENTERPRISE,
        "fundings-1-funder": COMPANIES,
        "fundings-1-amount": "1600",
        "fundings-2-source": FundingSource.SELF_RAISED,
        "fundings-2-funder": "村民",
        "fundings-2-in_kind": "on",
        "fundings-2-description": "投工投劳",
        "fundings-2-amount": "",
    }
    data.update(extra)
    return data


class SeedFourProjectsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        county = make_jurisdiction("xx县", JurisdictionLevel.DISTRICT, code="530000000000")
        cls.town = make_jurisdiction("xx镇", JurisdictionLevel.TOWNSHIP, county, code="530000001000")
        cls.village = make_jurisdiction("xx彝族村", JurisdictionLevel.VILLAGE, cls.town, code="530000001001")
        cls.other = make_jurisdiction("邻村", JurisdictionLevel.VILLAGE, cls.town, code="530000001002")
        cls.staff = make_member(cls.village, Role.STAFF)
        cls.neighbour = make_member(cls.other, Role.STAFF)
        cls.leader = make_member(cls.town, Role.LEADER)
        # 篇4: "计划投入1200万元建设桂花小(一)型水库……目前已投资30万元完成了地质勘探等前期工作"
        project_create(
            actor=cls.staff,
            jurisdiction=cls.village,
            name="桂花小(一)型水库",
            kind=ProjectKind.WATER,
            year=YEAR,
            status=ProjectStatus.PLANNED,
            total_investment=Decimal("1200"),
            amount_spent=Decimal("30"),
        )
        cls.elsewhere = project_create(
            actor=cls.neighbour,
            jurisdiction=cls.other,
            name="邻村道路",
            kind=ProjectKind.TRANSPORT,
            year=YEAR,
            status=ProjectStatus.COMPLETED,
            total_investment=Decimal("15"),
            fundings=[(FundingSource.FISCAL, "15")],
            persons_served=200,
        )

    def setUp(self):
        self.client.force_login(self.staff)
        response = self.client.post(reverse("activities:project_create"), housing_form(self.village))
        self.housing = Project.objects.get(name="一期安居房工程")
        self.assertRedirects(response, reverse("activities:project_detail", args=[self.housing.pk]))

    def board(self, jurisdiction=None):
        return jurisdiction_dashboard(jurisdiction=jurisdiction or self.village, period=year_period(YEAR), today=TODAY)

    def test_the_form_stores_the_rows_as_the_seed_gives_them(self):
        rows = list(self.housing.fundings.order_by("pk").values_list("source", "funder", "in_kind", "amount"))
        self.assertEqual(
            rows,
            [
                (FundingSource.SUPERIOR, "", False, Decimal("1090.00")),
                (FundingSource.ENTERPRISE, COMPANIES, False, Decimal("1600.00")),
                (FundingSource.SELF_RAISED, "村民", True, None),
            ],
        )
        detail = self.client.get(reverse("activities:project_detail", args=[self.housing.pk]))
        self.assertContains(detail, "投工投劳")
        self.assertContains(detail, "224.25")  # 未列明来源: 2914.25 − 1090 − 1600

    def test_list_totals_row_and_totals_by_source_and_status(self):
        response = self.client.get(reverse("activities:project_list"), {"year": YEAR})
        figures = response.context["figures"]
        self.assertEqual(figures.count, 2)
        self.assertEqual(figures.total_investment, Decimal("4114.25"))
        self.assertEqual(
            [(r.key, r.amount) for r in figures.by_source],
            [("superior", Decimal("1090")), ("enterprise", Decimal("1600")), ("unspecified", Decimal("1424.25"))],
        )
        self.assertEqual(figures.planned_projects.total_investment, Decimal("1200"))
        self.assertEqual(figures.under_way.total_investment, Decimal("2914.25"))
        self.assertContains(response, 'data-figure="total_investment">4114.25<')
        self.assertContains(response, '<tr data-source="unspecified"><td>未列明来源</td><td class="num">1424.25</td>')
        self.assertContains(response, "另有实物或投劳投入1项，不计入投资。")
        # The same filters narrow the totals: only what is under way.
        response = self.client.get(reverse("activities:project_list"), {"status": ProjectStatus.IN_PROGRESS})
        self.assertEqual(response.context["figures"].total_investment, Decimal("2914.25"))
        self.assertEqual(response.context["figures"].by_source[-1].amount, Decimal("224.25"))

    def test_export_has_the_totals_row_and_a_summary_sheet(self):
        response = self.client.get(reverse("activities:project_list"), {"year": YEAR, "format": "xlsx"})
        workbook = load_workbook(BytesIO(response.getvalue()))
        projects, summary = workbook.worksheets
        header, *rows, totals = [list(r) for r in projects.iter_rows(values_only=True)]
        housing = next(r for r in rows if r[header.index("项目名称")] == "一期安居房工程")
        self.assertEqual(housing[header.index("上级拨款（万元）")], 1090)
        self.assertEqual(housing[header.index("企业捐资（万元）")], 1600)
        self.assertEqual(housing[header.index("未列明来源（万元）")], 224.25)
        self.assertEqual(housing[header.index("出资方")], COMPANIES)
        self.assertEqual(housing[header.index("实物或投劳")], "群众自筹（村民） 投工投劳")
        self.assertTrue(totals[0].startswith("合计（2个项目"))
        self.assertEqual(totals[header.index("总投资（万元）")], 4114.25)
        self.assertEqual(totals[header.index("已完成投资（万元）")], 30)
        self.assertEqual(totals[header.index("未列明来源（万元）")], 1424.25)
        lines = {(r[0], r[1]): r[2:] for r in summary.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(lines[("按状态", "计划中")], (1, 1200, 30))
        self.assertEqual(lines[("按状态", "实施中")], (1, 2914.25, 0))
        self.assertEqual(lines[("按资金来源", "未列明来源")][1], 1424.25)

    def test_dashboard_and_json_show_the_same_figures(self):
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.village.code]), {"year": YEAR})
        self.assertContains(page, 'id="projects"')
        self.assertContains(page, '<tr data-status="planned"><td>计划中</td><td class="num">1</td>')
        self.assertContains(page, '<tr data-source="enterprise"><td>企业捐资</td><td class="num">1600</td>')
        data = self.client.get(reverse("api_summary", args=[self.village.code]), {"year": YEAR}).json()["projects"]
        self.assertEqual(data["count"], 2)
        self.assertEqual(data["by_status"]["planned"]["total_investment"], 1200)
        self.assertEqual(data["by_status"]["planned"]["amount_spent"], 30)
        self.assertEqual(data["by_status"]["in_progress"]["total_investment"], 2914.25)
        self.assertEqual(
            data["under_way"]["by_source"],
            [
                {"source": "superior", "label": "上级拨款", "amount": 1090},
                {"source": "enterprise", "label": "企业捐资", "amount": 1600},
                {"source": "unspecified", "label": "未列明来源", "amount": 224.25},
            ],
        )
        self.assertEqual(data["by_source"][-1], {"source": "unspecified", "label": "未列明来源", "amount": 1424.25})
        self.assertEqual(data["in_kind"], {"rows": 1, "valued_amount": 0})

    def test_the_investment_chart_draws_the_panels_rows(self):
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.village.code]), {"year": YEAR})
        self.assertContains(page, 'data-chart="investment"')
        summary = self.client.get(reverse("api_summary", args=[self.village.code]), {"year": YEAR}).json()
        chart = {row["source"]: row["amount"] for row in summary["charts"]["investment"]}
        self.assertEqual(chart, {row["source"]: row["amount"] for row in summary["projects"]["by_source"]})
        self.assertEqual(chart["enterprise"], 1600)
        self.assertEqual(chart["unspecified"], 1424.25)

    def test_report_sums_under_way_apart_from_planned(self):
        text = work_report(jurisdiction=self.village, period=year_period(YEAR), today=TODAY).text
        self.assertIn(
            "实施民生项目1个（实施中1个）：一期安居房工程总投资2914.25万元，其中上级拨款1090万元、"
            f"企业捐资1600万元（{COMPANIES}）、未列明来源224.25万元，另有村民投工投劳，惠及313户1321人。",
            text,
        )
        self.assertIn("计划实施项目1个，计划投资1200万元，目前已投资30万元。", text)
        self.assertNotIn("4114.25", text)  # the reservoir is never added to the works under way

    def test_persons_served_are_written_per_project_never_summed(self):
        project_create(
            actor=self.staff,
            jurisdiction=self.village,
            name="xx民族学校",
            kind=ProjectKind.EDUCATION,
            year=YEAR,
            status=ProjectStatus.IN_PROGRESS,
            total_investment=Decimal("3700"),
            fundings=[
                {"source": FundingSource.ENTERPRISE, "funder": "大炭沟煤矿", "amount": "413"},
                {"source": FundingSource.SELF_RAISED, "funder": "群众", "amount": "20"},
                {"source": FundingSource.ENTERPRISE, "funder": "兴云煤矿", "amount": "20"},
            ],
            persons_served=1321,
        )
        sentences = project_sentences(self.board().projects)
        text = "".join(sentences)
        self.assertIn("实施民生项目2个（实施中2个），总投资6614.25万元，其中上级拨款1090万元、企业捐资2033万元、", text)
        self.assertIn(
            "xx民族学校总投资3700万元，其中企业捐资433万元（大炭沟煤矿413万元、兴云煤矿20万元）、群众自筹20万元（群众）、"
            "未列明来源3247万元，惠及1321人。",
            text,
        )
        self.assertEqual(text.count("1321人"), 2)
        self.assertNotIn("2642", text)

    def test_a_later_year_has_none_of_these_projects(self):
        board = jurisdiction_dashboard(jurisdiction=self.village, period=year_period(YEAR + 1), today=TODAY)
        self.assertEqual(board.projects.count, 0)
        self.assertEqual(project_sentences(board.projects), [])

    def test_the_township_sums_its_villages_and_the_neighbour_sees_only_its_own(self):
        self.assertEqual(self.board(self.town).projects.total_investment, Decimal("4129.25"))
        self.client.force_login(self.neighbour)
        for name in ("activities:project_detail", "activities:project_update", "activities:project_delete"):
            with self.subTest(name):
                self.assertEqual(self.client.get(reverse(name, args=[self.housing.pk])).status_code, 404)
        response = self.client.get(reverse("activities:project_list"))
        self.assertEqual([p.name for p in response.context["object_list"]], ["邻村道路"])
        self.assertEqual(response.context["figures"].total_investment, Decimal("15"))
        self.assertEqual(self.client.get(reverse("api_summary", args=[self.village.code])).status_code, 404)
        edit = self.client.post(reverse("activities:project_update", args=[self.housing.pk]), housing_form(self.other))
        self.assertEqual(edit.status_code, 404)
