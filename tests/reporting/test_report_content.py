"""The work report's text: every figure is the dashboard's, written the way the seed reports write it."""

import re
from datetime import date
from decimal import Decimal

from django.test import SimpleTestCase, TestCase

from base.periods import Period, year_period
from communities.choices import JurisdictionLevel
from communities.figures import share
from communities.models import Jurisdiction
from reporting.report import build_report, work_report
from reporting.report.content import BODY, DATE, HEADING, SIGNATURE, SUBHEADING
from reporting.report.numbers import (
    chinese_numeral,
    count,
    date_cn,
    heading_number,
    money,
    nth,
    percent,
    points,
    rate,
    subheading_number,
)
from reporting.selectors import jurisdiction_dashboard
from tests.factories import make_jurisdiction
from tests.reporting.test_report_world import TODAY, YEAR, bihai_world, street_world

ALL_HEADINGS = ["一、基本情况", "二、工作开展情况", "三、工作措施", "四、存在问题", "五、下一步工作打算"]


def dashboard(jurisdiction, period=None):
    return jurisdiction_dashboard(jurisdiction=jurisdiction, period=period or year_period(YEAR), today=TODAY)


class NumberWritingTests(SimpleTestCase):
    def test_chinese_numerals(self):
        for n, text in [(1, "一"), (5, "五"), (10, "十"), (11, "十一"), (20, "二十"), (23, "二十三"), (99, "九十九")]:
            with self.subTest(n=n):
                self.assertEqual(chinese_numeral(n), text)
        self.assertEqual(heading_number(3), "三、")
        self.assertEqual(subheading_number(4), "（四）")
        self.assertEqual(nth(2), "二是")

    def test_shares_keep_their_decimals_and_rates_never_round_to_100(self):
        self.assertEqual(percent(share(1353, 49613)), "2.73%")
        self.assertEqual(percent(share(27, 1000)), "2.70%")
        self.assertEqual(rate(share(346, 356, places=1)), "97.2%")
        self.assertEqual(rate(share(25452, 25462, places=1)), "99.9%")
        self.assertEqual(rate(share(9, 9, places=1)), "100%")

    def test_money_points_and_dates(self):
        self.assertEqual(money(Decimal("1000000")), "100万元")
        self.assertEqual(money(Decimal("615000")), "61.5万元")
        self.assertEqual(money(Decimal("8000")), "8000元")
        self.assertEqual(points(Decimal("90.00")), "90")
        self.assertEqual(points(Decimal("4.50")), "4.5")
        self.assertEqual(date_cn(date(2026, 3, 5)), "2026年3月5日")


class SeedThreeReportTests(TestCase):
    """Seed 003's 碧海社区 figures, recorded, come back as the seed writes them."""

    @classmethod
    def setUpTestData(cls):
        cls.community = bihai_world()
        cls.board = dashboard(cls.community)
        cls.content = build_report(cls.board)
        cls.text = cls.content.text

    def test_population_as_the_seed_writes_it(self):
        for phrase in [
            "现有13017户、49613人。",
            "有土家族、苗族、布依族、侗族、满族等19种少数民族",
            "少数民族常住人口共计1353人，占常住人口总数的2.73%",
            "有流动少数民族119人",
            "少数民族困难户5户21人",
        ]:
            with self.subTest(phrase=phrase):
                self.assertIn(phrase, self.text)

    def test_groups_listed_largest_first_with_their_share_of_the_minority(self):
        self.assertIn("土家族312人，占少数民族人口的23.06%；苗族296人，占少数民族人口的21.88%", self.text)
        listed = re.findall(r"([\u4e00-\u9fff]+族)(\d+)人，占少数民族人口的", self.text)
        counts = [int(n) for _name, n in listed]
        self.assertEqual(len(listed), 19)
        self.assertEqual(counts, sorted(counts, reverse=True))
        self.assertEqual(sum(counts), 1353)

    def test_closure_rates_to_one_decimal_and_never_100_while_open(self):
        self.assertIn("共登记群众来信来访及矛盾纠纷356件", self.text)
        self.assertIn("已办结346件，办结率97.2%", self.text)
        self.assertIn("尚在办理10件", self.text)
        self.assertIn("接件25462人次，已办理25452人次，办结率99.9%", self.text)
        self.assertIn("接待咨询32895人次", self.text)
        self.assertIn("热线电话累计接听2409人次", self.text)
        self.assertNotIn("100.0%", self.text)
        self.assertNotIn("办结率100%", self.text)

    def test_figures_are_the_dashboards(self):
        summary = self.board.as_dict()
        self.assertEqual(summary["population"]["minority_share"], 2.73)
        self.assertEqual(summary["petitions"]["closure_rate"], 97.2)
        self.assertIn(f"{summary['population']['minority_total']}人", self.text)

    def test_structure_and_no_placeholders(self):
        # No plan, no activities: only the sections the records fill.
        self.assertEqual(self.content.of_kind(HEADING), ["一、基本情况", "二、工作开展情况"])
        self.assertEqual(self.content.title, "碧海社区民族团结进步创建工作情况汇报")
        self.assertEqual(self.content.blocks[-1], self.content.blocks[-1].__class__(DATE, "2026年11月23日"))
        self.assertEqual(self.content.blocks[-2].kind, SIGNATURE)
        self.assertNotIn("None", self.text)
        self.assertNotRegex(self.text, r"[Xx]")


def _numbers(text):
    return re.findall(r"\d+(?:\.\d+)?", text)


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        yield value


def _forms(value):
    value = Decimal(str(value))
    forms = {f"{value:.2f}", f"{value:.1f}", points(value)}
    if value == value.to_integral_value():
        forms.add(str(int(value)))
    if value >= 10000:
        forms.add(count(value).rstrip("万"))
    return forms


def allowed_numbers(board, content):
    """Every number the report may print: the dashboard's figures (and sums of them), dates, and plan text."""
    allowed = set()
    for value in _leaves(board.as_dict()):
        allowed |= _forms(value)
    for row in board.monthly_figures:
        allowed |= _forms(row["total"])
    for value in _leaves(board.projects.as_dict()):
        allowed |= _forms(value)
    for activity in board.largest_activities:
        allowed |= _forms(activity.participants) | _forms(activity.minority_participants)
    sections = {}
    for c in board.activities_by_category:
        totals = sections.setdefault(c.report_section, [0, 0, 0])
        totals[0] += c.count
        totals[1] += c.participants
        totals[2] += c.minority_participants
    for totals in sections.values():
        for value in totals:
            allowed |= _forms(value)
    p = board.petitions
    allowed |= _forms(p["received"] - p["closed"] - p["rejected"])
    figures = {row["figure"].code: row["total"] for row in board.monthly_figures}
    window = share(figures.get("window_cases_handled", 0), figures.get("window_cases_received", 0), places=1)
    if window is not None:
        allowed |= _forms(window)
    if board.plan_progress:
        for b in board.plan_progress["budgets"]:
            allowed |= _forms(b["year"]) | {money(b["amount"])[:-2], money(b["spent"])[:-2]} | _forms(b["share"])
        allowed |= _forms(board.plan_progress["self_score_share"] or 0)
    days = [board.today, board.period.start, board.period.end] + [a.date for a in board.largest_activities]
    for day in days:
        allowed |= {str(day.year), str(day.month), str(day.day)}
    if board.jurisdiction.area_km2:
        allowed |= _forms(board.jurisdiction.area_km2)
    allowed |= {str(n) for n in range(1, 10)}  # how many children of each level: “下辖2个社区”
    plan = board.plan
    if plan is not None:
        narrative = [plan.title, plan.goal, plan.theme, plan.main_line, plan.highlights, plan.problems, plan.next_steps]
        narrative += [f"{m.title}{m.description}" for m in plan.measures.all()]
        for text in narrative:
            allowed |= set(_numbers(text))
    return allowed


class StreetReportTests(TestCase):
    """A street office with its own plan: each figure in the text is the one its dashboard shows."""

    @classmethod
    def setUpTestData(cls):
        cls.street = street_world()
        cls.board = dashboard(cls.street)
        cls.content = build_report(cls.board)
        cls.text = cls.content.text

    def test_title_and_headings_follow_the_plan(self):
        self.assertEqual(self.content.title, "中华街道创建民族团结进步示范街道工作情况汇报")
        self.assertEqual(self.content.of_kind(HEADING), ALL_HEADINGS)
        self.assertEqual(
            self.content.of_kind(SUBHEADING),
            [
                "（一）组织协调",
                "（二）宣传教育",
                "（三）服务群众",
                "（四）信访和矛盾纠纷",
                "（五）学习考察",
                "（六）工作亮点",
            ],
        )
        self.assertEqual(
            self.content.blocks[0].text,
            "根据《中华街道创建民族团结进步示范街道工作方案》，"
            "现将中华街道2026年创建民族团结进步示范街道工作情况汇报如下：",
        )

    def test_population_figures(self):
        p = self.board.population
        self.assertEqual(p.population, 21000)
        for phrase in [
            "中华街道辖区面积3.25平方公里，下辖2个社区。",
            f"现有{p.households}户、{count(p.population)}人。",
            f"有苗族、布依族、土家族、侗族、回族{p.minority_group_count}种少数民族",
            f"少数民族常住人口共计{p.minority_total}人，占常住人口总数的{p.minority_share}%",
            f"有流动少数民族{p.floating_minority}人，少数民族困难户{p.hardship_households}户{p.hardship_persons}人",
        ]:
            with self.subTest(phrase=phrase):
                self.assertIn(phrase, self.text)
        for g in p.minority_groups:
            with self.subTest(group=g.ethnic_group.name):
                self.assertIn(f"{g.ethnic_group.name}{g.count}人，占少数民族人口的{g.share_of_minority}%", self.text)

    def test_measures_leading_group_and_budget(self):
        for phrase in [
            "《中华街道创建民族团结进步示范街道工作方案》提出“一个目标、一个主题、一条主线、两项举措”的民族团结进步创建工作模式",
            "明确一个目标：创建民族团结进步示范街道；围绕一个主题：团结共建邻里亲、同心紧系中华情；",
            "落实“两项举措”：党建引领奏响民族团结“主旋律”、平安建设筑牢民族团结“安全阀”。",
            "一是党建引领奏响民族团结“主旋律”。举措1的内容。二是",
            "中华街道成立以街道党工委书记张书记为组长，办事处主任李主任为副组长，社会事务科科长王科长为成员的创建工作领导小组。",
            "2026年安排创建工作经费25万元，已使用18万元，占72.00%。",
        ]:
            with self.subTest(phrase=phrase):
                self.assertIn(phrase, self.text)

    def test_activity_figures(self):
        a = self.board.activities
        self.assertEqual(a.count, 7)
        for phrase in [
            f"共开展各类创建活动{a.count}次，参与群众{a.participants}人次，"
            f"其中少数民族群众{a.minority_participants}人次",
            "组织召开调度会2次，参会40人次",
            "开展宣传教育类活动2次（宣传教育1次、文艺演出1次），参与群众670人次，其中少数民族群众240人次",
            f"张贴宣传海报{a.posters}份，发放宣传手册{a.handbooks}份，发放宣传品{a.promo_items}份",
            f"设置宣传灯箱{a.light_boxes}个，通过网络推送民族政策知识{a.online_posts}条",
            f"覆盖宣传对象{count(a.people_reached)}人次",
            "开展矛盾排查1次，参与35人次",
            "组织学习考察1次，参与12人次",
            "月报统计：五员队伍人数24人。",
        ]:
            with self.subTest(phrase=phrase):
                self.assertIn(phrase, self.text)

    def test_petition_and_mediation_figures(self):
        p, m = self.board.petitions, self.board.mediation
        self.assertEqual((p["received"], p["closed"]), (17, 13))
        for phrase in [
            f"共登记群众来信来访及矛盾纠纷{p['received']}件（来访16件、来信1件），受理{p['accepted']}件，"
            f"不予受理{p['rejected']}件；已办结{p['closed']}件，办结率{p['closure_rate']}%，其中化解{p['resolved']}件",
            "尚在办理3件",
            f"其中群体性信访{p['group']}件、涉及{p['group_persons']}人",
            f"登记矛盾纠纷{m['cases']}件，经人民调解达成调解协议{m['agreements']}件，"
            f"调解成功率{rate(m['success_rate'])}",
            "各类服务窗口累计接待咨询1600人次，接件1000人次，已办理960人次，办结率96.0%",
        ]:
            with self.subTest(phrase=phrase):
                self.assertIn(phrase, self.text)

    def test_plan_progress_highlights_problems_next_steps(self):
        progress = self.board.plan_progress
        for phrase in [
            f"共设测评指标{progress['indicators']['total']}项（一级指标1项、二级指标2项），计分指标2项，总分值10分",
            "已完成1项、推进中1项、未开始0项",
            "责任分解共2条，逾期未完成1条。各责任单位自评得分5.5分，占总分值的55.00%。",
            "打造“石榴籽”民族文化宣传阵地。",
            "2026年9月28日，西湖社区在西湖社区活动室开展文艺演出活动，参与群众410人，其中少数民族群众150人",
            "实施民生项目1个（已完工1个）：西湖社区就业服务站总投资36.5万元，惠及80户260人。",
            "一是辖区各族群众参与度不足。",
            "从工作台账看，责任分解表中有1条工作逾期未完成。",
            "聘请专业老师开展民族工作业务培训。",
        ]:
            with self.subTest(phrase=phrase):
                self.assertIn(phrase, self.text)
        problems = self.content.text.split("四、存在问题")[1].split("五、")[0]
        self.assertIn("二是创建力量分散、合力不强。", problems)

    def test_every_number_in_the_text_is_a_dashboard_figure(self):
        allowed = allowed_numbers(self.board, self.content)
        stray = [n for n in _numbers(self.content.title + self.text) if n not in allowed]
        self.assertEqual(stray, [])

    def test_last_years_activity_is_not_counted(self):
        self.assertNotIn("999", self.text)

    def test_only_the_plans_words_are_read_beyond_the_dashboard(self):
        board = dashboard(self.street)
        with self.assertNumQueries(2):  # measures and leading group
            build_report(board)

    def test_same_text_as_the_one_call_helper(self):
        again = work_report(jurisdiction=self.street, period=year_period(YEAR), today=TODAY)
        self.assertEqual(again.text, self.text)


class CommunityUnderStreetPlanTests(TestCase):
    """A community reports under its street's plan: it names the plan it executes, and nothing of the street's own."""

    def test_ancestor_plan_is_followed_not_claimed(self):
        street_world()
        community = Jurisdiction.objects.get(code="520103001001")
        content = build_report(dashboard(community))
        text = content.text
        self.assertEqual(content.title, "东风社区民族团结进步创建工作情况汇报")
        self.assertIn("按照中华街道《中华街道创建民族团结进步示范街道工作方案》，现将东风社区2026年", text)
        self.assertIn("东风社区按照中华街道《中华街道创建民族团结进步示范街道工作方案》提出的“一个目标", text)
        for street_own in ["张书记", "李主任", "领导小组", "创建工作经费", "共设测评指标", "石榴籽", "参与度不足"]:
            with self.subTest(street_own=street_own):
                self.assertNotIn(street_own, text)
        self.assertNotIn("四、存在问题", text)
        self.assertNotIn("下一步", text)


class EmptyJurisdictionReportTests(TestCase):
    """No records at all: the report still reads as sentences, never “None” or “X”."""

    def test_report_of_nothing(self):
        place = make_jurisdiction("新建社区", JurisdictionLevel.COMMUNITY, code="520199001001")
        board = dashboard(place)
        with self.assertNumQueries(0):
            content = build_report(board)
        self.assertEqual(content.of_kind(HEADING), ["一、基本情况"])
        self.assertEqual(
            [block.text for block in content.blocks],
            [
                "现将新建社区2026年民族团结进步创建工作情况汇报如下：",
                "一、基本情况",
                "2026年人口数据尚未录入。",
                "新建社区",
                "2026年11月23日",
            ],
        )
        self.assertIn(BODY, {block.kind for block in content.blocks})

    def test_last_years_population_stands_in_with_a_note(self):
        community = bihai_world()
        content = build_report(dashboard(community, year_period(YEAR + 1)))
        self.assertIn("现有13017户、49613人（人口为2026年统计数据）。", content.text)
        self.assertIn("2027年", content.text)

    def test_past_period_is_not_written_as_running(self):
        community = bihai_world()
        past = Period(date(YEAR, 1, 1), date(YEAR, 6, 30), "range")
        text = build_report(dashboard(community, past)).text
        self.assertIn("现将碧海社区2026年1月至2026年6月民族团结进步创建工作情况汇报如下", text)
        self.assertNotIn("以来", text)
