"""Students and teachers (篇2) on the dashboard, in the JSON and in the report; yearly facts in 基本情况 (篇1)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from activities.choices import FigureFrequency
from activities.models import MonthlyFigure, YearlyValue
from base.periods import year_period
from communities.choices import JurisdictionLevel, PopulationKind, Role
from reporting.report import work_report
from reporting.report.population import school_population_sentences
from reporting.selectors import jurisdiction_dashboard
from tests.factories import make_jurisdiction, make_member, make_population
from tests.population_seeds import YEAR, make_record, make_township_schools

TODAY = date(2025, 3, 1)

PRIMARY = "小学部学生899人，其中男生457人、女生442人，瑶族学生518人，占57.6%，瑶族女生257人"
JUNIOR = "初中部学生304人，其中男生164人、女生140人，瑶族学生111人，占36.5%，瑶族女生48人"
TEACHERS = "教职工66人，其中男教职工42人、女教职工24人，瑶族教职工22人，占33.3%，瑶族女教职工6人。"


class SchoolFiguresTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = make_jurisdiction("隆回县", JurisdictionLevel.DISTRICT, code="431124000000")
        cls.township, cls.school = make_township_schools(cls.district)
        cls.leader = make_member(cls.township, Role.LEADER, "school-leader")
        # Another township's unsplit teachers: never in this township's figures.
        cls.sibling = make_jurisdiction("另一乡", JurisdictionLevel.TOWNSHIP, cls.district, code="431124211000")
        other = make_jurisdiction("另一乡学校", JurisdictionLevel.UNIT, cls.sibling, code="431124211001")
        make_record(other, {}, kind=PopulationKind.STAFF, residents=70, minority_total=38)

    def setUp(self):
        self.client.force_login(self.leader)

    def summary(self, jurisdiction):
        response = self.client.get(reverse("api_summary", args=[jurisdiction.code]), {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_the_json_has_students_and_teachers_shaped_like_population(self):
        data = self.summary(self.school)
        students, teachers = data["population_students"], data["population_teachers"]
        self.assertLessEqual(set(data["population"]), set(students))
        self.assertEqual((students["population"], students["male"], students["female"]), (1203, 621, 582))
        self.assertEqual((students["minority_total"], students["minority_share"]), (629, 52.3))
        primary = students["sections"][0]
        self.assertEqual(primary["section"], "小学部")
        self.assertEqual((primary["population"], primary["female"], primary["minority_share"]), (899, 442, 57.6))
        yao = primary["groups"][0]
        self.assertEqual((yao["name"], yao["count"], yao["male"], yao["female"]), ("瑶族", 518, 261, 257))
        self.assertEqual(yao["share_of_residents"], 57.6)
        self.assertEqual([s["section"] for s in students["sections"]], ["小学部", "初中部"])
        self.assertEqual(students["sections"][1]["minority_share"], 36.5)
        self.assertEqual((teachers["population"], teachers["minority_share"], teachers["sections"]), (66, 33.3, []))
        self.assertEqual(teachers["minority_unspecified"], 0)
        self.assertEqual(data["population"]["records"], 0)

    def test_the_json_flags_an_unsplit_minority_total(self):
        self.client.force_login(make_member(self.district, Role.LEADER, "district-leader"))
        data = self.summary(self.district)
        teachers = data["population_teachers"]
        self.assertEqual((teachers["population"], teachers["minority_total"]), (136, 60))
        self.assertEqual(teachers["minority_unspecified"], 38)
        self.assertEqual([g["name"] for g in teachers["groups"] if g["name"] != "汉族"], ["瑶族"])

    def test_another_jurisdictions_records_stay_out(self):
        teachers = self.summary(self.township)["population_teachers"]
        self.assertEqual((teachers["population"], teachers["minority_unspecified"]), (66, 0))
        response = self.client.get(reverse("api_summary", args=[self.sibling.code]), {"year": YEAR})
        self.assertEqual(response.status_code, 404)

    def test_the_dashboard_shows_the_sections_and_the_share(self):
        response = self.client.get(reverse("dashboard_jurisdiction", args=[self.school.code]), {"year": YEAR})
        self.assertContains(response, 'id="population-schools"')
        self.assertContains(response, '<dd data-figure="student-population">1203</dd>', html=True)
        self.assertContains(response, '<dd data-figure="staff-minority_share">33.3%</dd>', html=True)
        body = response.content.decode()
        primary = body[body.index('data-section="student-小学部"') :]
        self.assertIn("57.6%", primary[: primary.index("</tr>")])
        self.assertIn('data-section="student-total"', body)

    def test_the_dashboard_without_schools_has_no_panel(self):
        community = make_jurisdiction("社区", JurisdictionLevel.COMMUNITY, self.township, code="431124210101")
        make_population(community, YEAR, {"汉族": 90, "瑶族": 10}, residents=100, male=52, female=48)
        self.client.force_login(make_member(community, Role.STAFF, "community-staff"))
        response = self.client.get(reverse("dashboard_jurisdiction", args=[community.code]), {"year": YEAR})
        self.assertNotContains(response, 'id="population-schools"')
        self.assertContains(response, '<dd data-figure="sexes">52 / 48</dd>', html=True)

    def test_the_report_writes_each_section_the_total_and_the_teachers(self):
        text = work_report(jurisdiction=self.school, period=year_period(YEAR), today=TODAY).text
        self.assertIn(
            f"{PRIMARY}；{JUNIOR}；学生合计1203人，其中男生621人、女生582人，瑶族学生629人，占52.3%，瑶族女生305人。",
            text,
        )
        self.assertIn(TEACHERS, text)
        # A school with no resident records gets no “人口数据尚未录入” line.
        self.assertNotIn("人口数据尚未录入", text)

    def test_the_report_says_unsplit_totals_are_unsplit(self):
        text = work_report(jurisdiction=self.sibling, period=year_period(YEAR), today=TODAY).text
        self.assertIn("教职工70人，少数民族教职工38人，占54.3%（分民族不详）。", text)
        self.assertNotIn("学生", text)

    def test_the_report_lists_several_groups_and_the_unsplit_rest(self):
        unit = make_jurisdiction("民族中学", JurisdictionLevel.UNIT, self.township, code="431124210002")
        make_record(
            unit,
            {"瑶族": (22, None, 6), "回族": (1, None, 1), "汉族": (30, None, None)},
            kind=PopulationKind.STAFF,
            residents=60,
            minority_total=30,
        )
        text = work_report(jurisdiction=unit, period=year_period(YEAR), today=TODAY).text
        self.assertIn(
            "教职工60人，少数民族教职工30人，占50.0%，其中瑶族22人（女教职工6人）、回族1人（女教职工1人）、分民族不详7人。",
            text,
        )

    def test_the_report_mentions_no_students_where_none_are_recorded(self):
        community = make_jurisdiction("社区", JurisdictionLevel.COMMUNITY, self.township, code="431124210102")
        make_population(community, YEAR, {"汉族": 90, "瑶族": 10}, residents=100)
        board = jurisdiction_dashboard(jurisdiction=community, period=year_period(YEAR), today=TODAY)
        self.assertEqual(school_population_sentences(board), [])
        text = work_report(jurisdiction=community, period=year_period(YEAR), today=TODAY).text
        self.assertNotIn("学生", text)
        self.assertNotIn("教职工", text)


class YearlyFactsTests(TestCase):
    """篇1's standing facts: 规划入住20705户, 13个窗口, 四支文艺队伍, 少数民族书籍近300册, 总面积5000余平方米."""

    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, code="520115001001")
        make_population(cls.community, YEAR, {"汉族": 48260, "土家族": 1353}, residents=49613, households=13017)

        def figure(code, name, unit, phrase="", value=None):
            made = MonthlyFigure.objects.create(
                code=code, name=name, unit=unit, report_phrase=phrase, frequency=FigureFrequency.YEARLY
            )
            if value is not None:
                YearlyValue.objects.create(jurisdiction=cls.community, year=YEAR, figure=made, value=value)
            return made

        figure("planned_households", "规划入住户数", "户", "规划入住{数值}", 20705)
        figure("service_windows", "便民服务窗口", "个", "便民服务大厅设置{数值}窗口", 13)
        figure("art_teams", "文艺队伍", "支", "组建社区{数值}文艺队伍", 4)
        figure("minority_books", "少数民族书籍", "册", "图书室收集少数民族书籍{数值}", 300)
        figure("centre_area", "服务中心总面积", "平方米", value=5000)
        figure("activity_rooms", "活动室", "个", "设有{数值}活动室")  # nothing entered

    def basic_situation(self):
        text = work_report(jurisdiction=self.community, period=year_period(YEAR), today=TODAY).text
        return text[text.index("基本情况") : text.index("二、") if "二、" in text else len(text)]

    def test_each_fact_is_a_sentence_in_its_own_wording_and_unit(self):
        section = self.basic_situation()
        for sentence in (
            "规划入住20705户。",
            "便民服务大厅设置13个窗口。",
            "组建社区4支文艺队伍。",
            "图书室收集少数民族书籍300册。",
            "服务中心总面积5000平方米。",  # no wording given: the name and the value
        ):
            self.assertIn(sentence, section)
        self.assertIn("现有13017户、49613人", section)

    def test_a_fact_nobody_entered_is_not_written(self):
        self.assertNotIn("活动室", self.basic_situation())

    def test_a_wording_without_exactly_one_value_is_refused(self):
        for phrase in ("规划入住", "{数值}和{数值}"):
            with self.subTest(phrase=phrase):
                figure = MonthlyFigure(code="x", name="某项", unit="个", report_phrase=phrase)
                with self.assertRaisesMessage(ValidationError, "汇报中的写法须含且只含一处“{数值}”"):
                    figure.full_clean()
