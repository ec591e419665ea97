"""The work report states only what was recorded or written: no stock mechanism, plan or phrase of its own.

Each stock phrase the report used to add is checked twice: absent when only its trigger is recorded (a meeting, a
publicity activity, a screening figure, an empty plan), and present when a person recorded or wrote it.
"""

import re
from datetime import date
from decimal import Decimal

from django.test import SimpleTestCase, TestCase

from activities import choices
from activities.models import Activity, CreationPlan, LeadingGroupMember, MonthlyFigure, Petition, PlanMeasure
from base.periods import year_period
from communities.choices import JurisdictionLevel
from reporting.report import build_report
from reporting.report.content import BODY, DATA, HEADING, NARRATIVE
from reporting.report.numbers import count, quantity
from reporting.selectors import jurisdiction_dashboard
from tests.factories import make_jurisdiction, make_population
from tests.reporting.test_report_world import TODAY, YEAR, approved_return, bihai_world, category, petitions

STOCK_PHRASES = ["调度机制", "宣传月", "公众号", "一日一报", "一个目标", "五员", "下一步"]


def report_text(jurisdiction):
    board = jurisdiction_dashboard(jurisdiction=jurisdiction, period=year_period(YEAR), today=TODAY)
    return build_report(board)


def sentences(text):
    return [s for s in re.split(r"[。\n]", text) if s]


def community(name="和平社区", code="520199002001", parent=None):
    return make_jurisdiction(name, JurisdictionLevel.COMMUNITY, parent, code=code)


def plan_for(place, **fields):
    values = {
        "title": f"{place.name}创建民族团结进步示范社区工作方案",
        "target_title": "民族团结进步示范社区",
        "target_level": choices.PlanLevel.CITY,
        "start_date": date(YEAR, 1, 1),
        "end_date": date(YEAR, 12, 31),
    }
    return CreationPlan.objects.create(jurisdiction=place, **(values | fields))


def activity(place, name, **extra):
    return Activity.objects.create(
        jurisdiction=place,
        category=category(name),
        date=date(YEAR, 5, 20),
        title=extra.pop("title", f"{name}活动"),
        participants=extra.pop("participants", 30),
        minority_participants=extra.pop("minority_participants", 5),
        **extra,
    )


class CountWritingTests(SimpleTestCase):
    """Counts as the seeds write them: in full under 10万, in 万 when exact or larger."""

    def test_counts(self):
        for value, text in [
            (49613, "49613人"),
            (50000, "5万人"),
            (164523, "16.5万人"),
            (35248000, "3524.8万人"),
            (164000, "16.4万人"),
            (9999, "9999人"),
            (10000, "1万人"),
            (99999, "99999人"),
            (200040, "20.0万人"),
            (0, "0人"),
        ]:
            with self.subTest(value=value):
                self.assertEqual(quantity(value, "人"), text)

    def test_monthly_totals_keep_their_unit_and_lose_only_trailing_zeros(self):
        self.assertEqual(quantity(Decimal("32895.00"), "人次"), "32895人次")
        self.assertEqual(quantity(Decimal("4.50"), "册"), "4.5册")
        self.assertEqual(count(None), "")


class PopulationOnlyTests(TestCase):
    """A jurisdiction with nothing but its population: the report is the population sentences and nothing else."""

    @classmethod
    def setUpTestData(cls):
        cls.place = community()
        make_population(
            cls.place,
            YEAR,
            {"汉族": 4700, "苗族": 200, "布依族": 100},
            residents=5000,
            households=1600,
            floating_minority=12,
            hardship_households=2,
            hardship_persons=6,
        )
        cls.content = report_text(cls.place)
        cls.text = cls.content.text

    def test_population_sentences(self):
        for phrase in [
            "现有1600户、5000人。",
            "有苗族、布依族2种少数民族，少数民族常住人口共计300人，占常住人口总数的6.00%。",
            "其中：苗族200人，占少数民族人口的66.67%；布依族100人，占少数民族人口的33.33%。",
            "有流动少数民族12人，少数民族困难户2户6人。",
        ]:
            with self.subTest(phrase=phrase):
                self.assertIn(phrase, self.text)

    def test_no_stock_phrase(self):
        for phrase in STOCK_PHRASES + ["领导小组", "存在问题", "工作措施", "部署要求", "待补充", "暂无"]:
            with self.subTest(phrase=phrase):
                self.assertNotIn(phrase, self.text)

    def test_only_the_basic_situation_section(self):
        self.assertEqual(self.content.of_kind(HEADING), ["一、基本情况"])
        self.assertEqual(self.content.blocks[0].text, "现将和平社区2026年民族团结进步创建工作情况汇报如下：")

    def test_a_single_group_is_named_in_full(self):
        place = community("瑶山社区", "520199002002")
        make_population(place, YEAR, {"汉族": 900, "瑶族": 100}, residents=1000)
        self.assertIn("有瑶族1种少数民族", report_text(place).text)


class StockPhraseTests(TestCase):
    """Each phrase the report used to add on its own: absent from its trigger, present when recorded or written."""

    def setUp(self):
        self.place = community()
        make_population(self.place, YEAR, {"汉族": 950, "苗族": 50}, residents=1000)

    def test_a_meeting_does_not_make_a_monthly_dispatch_mechanism(self):
        activity(self.place, "调度会", participants=18)
        text = report_text(self.place).text
        self.assertIn("组织召开调度会1次，参会18人次", text)
        self.assertNotIn("调度机制", text)

    def test_a_dispatch_mechanism_a_plan_records_is_reported(self):
        plan_for(self.place, highlights="建立月调度机制，每月研究一次创建工作。")
        self.assertIn("建立月调度机制，每月研究一次创建工作。", report_text(self.place).text)

    def test_publicity_does_not_make_a_publicity_month_or_an_official_account(self):
        activity(self.place, "宣传教育", posters=20, online_posts=3)
        text = report_text(self.place).text
        self.assertIn("开展宣传教育类活动1次（宣传教育1次）", text)
        self.assertIn("张贴宣传海报20份，通过网络推送民族政策知识3条", text)
        for phrase in ["宣传月", "传统节日", "公众号", "宣传栏", "线上线下"]:
            with self.subTest(phrase=phrase):
                self.assertNotIn(phrase, text)

    def test_a_publicity_month_and_an_account_recorded_are_reported(self):
        activity(self.place, "宣传教育", title="民族团结进步宣传月启动仪式", participants=300)
        plan_for(self.place, highlights="开通社区公众号，发布民族政策知识。")
        text = report_text(self.place).text
        self.assertIn("开展民族团结进步宣传月启动仪式，参与群众300人", text)
        self.assertIn("开通社区公众号", text)

    def test_a_screening_figure_does_not_make_a_daily_report_mode(self):
        approved_return(self.place, date(YEAR, 3, 1), {"screening_person_times": 120})
        text = report_text(self.place).text
        self.assertIn("月报统计：排查投入120人次。", text)
        self.assertNotIn("一日一报", text)

    def test_a_daily_report_mode_a_person_wrote_is_reported(self):
        plan_for(self.place, highlights="排查期间实行“一日一报”。")
        self.assertIn("实行“一日一报”", report_text(self.place).text)

    def test_an_empty_plan_does_not_make_a_111x_model(self):
        plan = plan_for(self.place)
        PlanMeasure.objects.create(plan=plan, order=1, title="党建引领")
        text = report_text(self.place).text
        self.assertNotIn("一个目标", text)
        self.assertNotIn("工作模式", text)
        self.assertIn("《和平社区创建民族团结进步示范社区工作方案》明确：工作举措为党建引领。", text)

    def test_the_111x_model_is_built_from_the_recorded_goal_theme_and_main_line(self):
        plan = plan_for(self.place, goal="建成示范社区", theme="同心共建", main_line="铸牢中华民族共同体意识")
        PlanMeasure.objects.create(plan=plan, order=1, title="党建引领")
        text = report_text(self.place).text
        self.assertIn("提出“一个目标、一个主题、一条主线、一项举措”的民族团结进步创建工作模式", text)
        self.assertIn("明确一个目标：建成示范社区；围绕一个主题：同心共建；把握一条主线：铸牢中华民族共同体意识", text)

    def test_a_goal_alone_is_not_a_model(self):
        plan_for(self.place, goal="建成示范社区")
        text = report_text(self.place).text
        self.assertIn("明确：工作目标为建成示范社区。", text)
        self.assertNotIn("一个目标", text)

    def test_five_teams_only_from_the_recorded_figure(self):
        self.assertNotIn("五员", report_text(self.place).text)
        approved_return(self.place, date(YEAR, 3, 1), {"volunteers": 15})
        text = report_text(self.place).text
        self.assertIn("五员队伍人数15人", text)
        self.assertNotIn("宣传员、组织员", text)

    def test_next_steps_only_from_the_plans_text(self):
        plan = plan_for(self.place, goal="建成示范社区")
        text = report_text(self.place).text
        self.assertNotIn("下一步", text)
        self.assertNotIn("存在问题", text)
        plan.next_steps = "完善创建工作台账。"
        plan.save()
        text = report_text(self.place).text
        self.assertIn("下一步工作打算", text)
        self.assertIn("完善创建工作台账。", text)


class FiguresAndUnitsTests(TestCase):
    """Units come from each figure's definition; 受理 is only the accepted cases; one source per sentence."""

    def setUp(self):
        self.place = community()

    def test_the_unit_is_the_figures(self):
        approved_return(self.place, date(YEAR, 6, 1), {"hotline_calls": 2409, "window_cases_received": 12})
        self.assertIn("热线电话累计接听2409人次", report_text(self.place).text)
        MonthlyFigure.objects.filter(code="hotline_calls").update(unit="个")
        MonthlyFigure.objects.filter(code="window_cases_received").update(unit="件")
        text = report_text(self.place).text
        self.assertIn("热线电话累计接听2409个", text)
        self.assertIn("接件12件", text)

    def test_received_is_registered_and_only_accepted_is_accepted(self):
        petitions(self.place, received=3, closed=1)
        Petition.objects.create(
            jurisdiction=self.place,
            received_on=date(YEAR, 3, 1),
            channel="letter",
            category="other",
            summary="不属于受理范围",
            petitioner_name="某某",
            decided_on=date(YEAR, 3, 3),
            status=choices.PetitionStatus.REJECTED,
        )
        Petition.objects.create(
            jurisdiction=self.place,
            received_on=date(YEAR, 11, 20),
            channel="visit",
            category="other",
            summary="刚登记",
            petitioner_name="某某",
            status=choices.PetitionStatus.REGISTERED,
        )
        text = report_text(self.place).text
        self.assertIn("共登记群众来信来访及矛盾纠纷5件（来访4件、来信1件），受理3件，不予受理1件；已办结1件", text)
        self.assertNotIn("受理5件", text)

    def test_one_source_for_each_number_in_a_sentence(self):
        petitions(self.place, received=8, closed=8, kind=choices.PetitionKind.DISPUTE, agreement_reached=True)
        approved_return(self.place, date(YEAR, 3, 1), {"mediation_cases": 44})
        text = report_text(self.place).text
        self.assertIn("登记矛盾纠纷8件，经人民调解达成调解协议8件，调解成功率100%。", text)
        self.assertIn("月报统计：调解案件44件。", text)
        for sentence in sentences(text):
            with self.subTest(sentence=sentence):
                self.assertFalse("44件" in sentence and "8件" in sentence)


class SeedOneFiguresTests(TestCase):
    """篇1 碧海社区's recorded figures and narrative: every figure the seed gives comes back as the seed writes it."""

    @classmethod
    def setUpTestData(cls):
        cls.community = bihai_world()
        plan = plan_for(
            cls.community,
            title="碧海社区创建民族团结进步示范社区工作方案",
            problems="一是社区成立的时间不长，在做好民族工作上经验不足。\n二是外来少数民族人员流动性大，管理和服务比较困难。",
        )
        LeadingGroupMember.objects.create(
            plan=plan, role=choices.LeadingRole.LEADER, name="王书记", post="社区党委书记"
        )
        LeadingGroupMember.objects.create(
            plan=plan, role=choices.LeadingRole.DEPUTY, name="朱主任", post="社区服务中心主任", order=2
        )
        cls.content = report_text(cls.community)
        cls.text = cls.content.text

    def test_the_seeds_figures(self):
        for figure in [
            "49613人",
            "13017户",
            "1353人",
            "2.73%",
            "119人",
            "5户21人",
            "32895人次",
            "25462人次",
            "25452人次",
            "99.9%",
            "356件",
            "346件",
            "97.2%",
            "2409人次",
        ]:
            with self.subTest(figure=figure):
                self.assertIn(figure, self.text)

    def test_the_seeds_sentences(self):
        for phrase in [
            "现有13017户、49613人。",
            "少数民族常住人口共计1353人，占常住人口总数的2.73%",
            "有流动少数民族119人，少数民族困难户5户21人。",
            "各类服务窗口累计接待咨询32895人次，接件25462人次，已办理25452人次，办结率99.9%",
            "热线电话累计接听2409人次",
            "已办结346件，办结率97.2%",
            "碧海社区成立以社区党委书记王书记为组长，社区服务中心主任朱主任为副组长的创建工作领导小组。",
            "一是社区成立的时间不长，在做好民族工作上经验不足。",
        ]:
            with self.subTest(phrase=phrase):
                self.assertIn(phrase, self.text)
        self.assertNotIn("4.96万", self.text)
        for phrase in STOCK_PHRASES:
            with self.subTest(phrase=phrase):
                self.assertNotIn(phrase, self.text)


class EachLevelReportsItsOwnWorkTests(TestCase):
    """A community under its district's plan names that plan; the district's leading group and problems stay out."""

    @classmethod
    def setUpTestData(cls):
        cls.community = bihai_world()
        district = cls.community.parent.parent
        cls.district_plan = plan_for(
            district,
            title="观山湖区创建全国民族团结进步示范区工作方案",
            target_title="全国民族团结进步示范区",
            goal="创建全国民族团结进步示范区",
            theme="石榴籽一家亲",
            main_line="铸牢中华民族共同体意识",
            problems="部分社区创建工作台账不够规范。",
            next_steps="完善创建工作台账。",
            highlights="打造“石榴籽”宣传阵地。",
        )
        LeadingGroupMember.objects.create(
            plan=cls.district_plan, role=choices.LeadingRole.LEADER, name="陈区长", post="区人民政府区长"
        )

    def test_community_says_it_executes_the_district_plan(self):
        text = report_text(self.community).text
        self.assertRegex(text, r"按照观山湖区《观山湖区创建[^》]*方案》")
        self.assertIn("碧海社区按照观山湖区《观山湖区创建全国民族团结进步示范区工作方案》提出的“一个目标", text)
        for district_own in ["陈区长", "区人民政府区长", "领导小组", "部分社区", "完善创建工作台账", "石榴籽”宣传阵地"]:
            with self.subTest(district_own=district_own):
                self.assertNotIn(district_own, text)
        self.assertNotIn("下一步", text)
        self.assertNotIn("存在问题", text)

    def test_the_district_measures_contents_stay_in_the_districts_report(self):
        PlanMeasure.objects.create(
            plan=self.district_plan, order=1, title="健全工作机制", description="建立专题调度和督查通报制度。"
        )
        community_text = report_text(self.community).text
        self.assertIn("落实“一项举措”：健全工作机制", community_text)
        self.assertNotIn("督查通报制度", community_text)
        self.assertIn(
            "一是健全工作机制。建立专题调度和督查通报制度。", report_text(self.district_plan.jurisdiction).text
        )

    def test_the_district_reports_its_own_leading_group_and_problems(self):
        text = report_text(self.district_plan.jurisdiction).text
        self.assertIn("观山湖区成立以区人民政府区长陈区长为组长的创建工作领导小组。", text)
        self.assertIn("部分社区创建工作台账不够规范。", text)
        self.assertIn("完善创建工作台账。", text)

    def test_a_community_with_its_own_plan_uses_its_own_group_and_problems(self):
        own = plan_for(
            self.community, start_date=date(YEAR, 3, 1), problems="创建资金紧缺。", next_steps="争取上级资金支持。"
        )
        LeadingGroupMember.objects.create(plan=own, role=choices.LeadingRole.LEADER, name="王书记", post="社区党委书记")
        text = report_text(self.community).text
        self.assertIn("碧海社区成立以社区党委书记王书记为组长的创建工作领导小组。", text)
        self.assertIn("创建资金紧缺。", text)
        self.assertIn("争取上级资金支持。", text)
        self.assertNotIn("陈区长", text)
        self.assertNotIn("部分社区", text)

    def test_an_older_own_plan_still_speaks_for_the_community(self):
        own = plan_for(self.community, start_date=date(YEAR - 1, 1, 1), problems="创建资金紧缺。")
        LeadingGroupMember.objects.create(plan=own, role=choices.LeadingRole.LEADER, name="王书记", post="社区党委书记")
        text = report_text(self.community).text
        self.assertIn("根据《碧海社区创建民族团结进步示范社区工作方案》", text)
        self.assertIn("碧海社区成立以社区党委书记王书记为组长的创建工作领导小组。", text)
        self.assertNotIn("陈区长", text)


class SourceOfEachParagraphTests(TestCase):
    """Each body paragraph says whether the records or a person wrote it; a person's words are the plan's own."""

    def test_narrative_paragraphs_are_the_plans_text_and_the_rest_is_data(self):
        place = community()
        make_population(place, YEAR, {"汉族": 950, "苗族": 50}, residents=1000)
        plan = plan_for(place, highlights="开通社区公众号。", problems="经验不足。", next_steps="完善台账。")
        PlanMeasure.objects.create(plan=plan, order=1, title="党建引领", description="支部共建。")
        content = report_text(place)
        narrative = [b.text for b in content.blocks if b.source == NARRATIVE]
        self.assertEqual(
            narrative,
            [
                # The default outline is 篇1's: the work done (with its numbered highlights) before the measures.
                "一是开通社区公众号。",
                "《和平社区创建民族团结进步示范社区工作方案》明确：工作举措为党建引领。",
                "一是党建引领。支部共建。",
                "经验不足。",
                "完善台账。",
            ],
        )
        self.assertTrue(all(b.kind == BODY for b in content.blocks if b.source == NARRATIVE))
        data = [b.text for b in content.blocks if b.kind == BODY and b.source == DATA]
        self.assertIn("现有常住人口1000人。有苗族1种少数民族，少数民族常住人口共计50人，占常住人口总数的5.00%。", data)
