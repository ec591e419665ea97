"""The text of the work report (工作情况汇报), built from one `Dashboard` and the plan's narrative fields.

Every figure is read from the Dashboard that `reporting.selectors.jurisdiction_dashboard` returns — the page, the
JSON and this report show the same numbers. The only reads made here are the plan's measures and leading
group, which are words, not figures. The result is a flat list of blocks (title, headings, paragraphs) that
both the .docx renderer and the HTML preview draw, so the two cannot say different things.

The text is a draft: narrative the records cannot produce comes from the plan's text fields, and where a
figure is missing or zero the sentence says so plainly, so staff can finish it in Word.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from activities.choices import LeadingRole, ReportSection
from communities.choices import JurisdictionLevel
from communities.figures import share

from .numbers import (
    chinese_count,
    date_cn,
    heading_number,
    in_wan,
    money,
    nth,
    percent,
    points,
    rate,
    subheading_number,
)

TITLE = "title"
HEADING = "heading"  # 一、 黑体
SUBHEADING = "subheading"  # （一） 楷体
BODY = "body"
SIGNATURE = "signature"
DATE = "date"

# Monthly figures the report writes in their own sentences (codes of migration 0002); others are listed.
WINDOW_CONSULTATIONS = "window_consultations"
WINDOW_RECEIVED = "window_cases_received"
WINDOW_HANDLED = "window_cases_handled"
HOTLINE = "hotline_calls"
SCREENING = "screening_person_times"
MEDIATION_CASES = "mediation_cases"
VOLUNTEERS = "volunteers"
KNOWN_FIGURES = {
    WINDOW_CONSULTATIONS,
    WINDOW_RECEIVED,
    WINDOW_HANDLED,
    HOTLINE,
    SCREENING,
    MEDIATION_CASES,
    VOLUNTEERS,
}

# How many groups the opening sentence names before “等19种”, as seed 003 does.
NAMED_GROUPS = 5


@dataclass(frozen=True)
class Block:
    """One paragraph of the report and how it is set: title, heading, subheading, body, signature or date."""

    kind: str
    text: str


@dataclass
class ReportContent:
    """The whole report: its title, its blocks in reading order, and what it was made from."""

    title: str
    blocks: list = field(default_factory=list)
    jurisdiction: object = None
    period: object = None
    plan: object = None
    today: object = None

    @property
    def text(self):
        return "\n".join(block.text for block in self.blocks)

    def of_kind(self, kind):
        return [block.text for block in self.blocks if block.kind == kind]

    @property
    def title_lines(self):
        return title_lines(self.title)

    @property
    def filename(self):
        return _("%(title)s（%(period)s）.docx") % {"title": self.title, "period": self.period.label}


# A line of 二号 title text holds 20 characters (156 mm of text width at 22 pt ≈ 7.76 mm a character).
TITLE_CHARS_PER_LINE = 20
TITLE_BREAK_BEFORE = ("工作情况汇报", "情况汇报")


def title_lines(text):
    """Break a title too long for one line before “工作情况汇报”, not wherever the line happens to fill."""
    for suffix in TITLE_BREAK_BEFORE:
        if len(text) > TITLE_CHARS_PER_LINE and text.endswith(suffix) and len(text) > len(suffix):
            return [text[: -len(suffix)], suffix]
    return [text]


def _clean(text):
    """Strip the end punctuation of a plan field so it can sit inside a sentence."""
    return (text or "").strip().rstrip("。；;，,.")


def _sentence(text):
    text = (text or "").strip()
    if text and text[-1] not in "。！？；…”":
        text += "。"
    return text


def _paragraphs(text):
    """Split a plan text field into paragraphs at its line breaks."""
    return [line.strip() for line in re.split(r"[\r\n]+", text or "") if line.strip()]


def _join(items):
    return "、".join(items)


def _in_progress(period, today):
    return period.start <= today <= period.end


class _Writer:
    """Collect blocks, numbering headings and subheadings as it goes."""

    def __init__(self):
        self.blocks = []
        self._heading = 0
        self._subheading = 0

    def heading(self, text):
        self._heading += 1
        self._subheading = 0
        self.blocks.append(Block(HEADING, f"{heading_number(self._heading)}{text}"))

    def subheading(self, text):
        self._subheading += 1
        self.blocks.append(Block(SUBHEADING, f"{subheading_number(self._subheading)}{text}"))

    def body(self, *sentences):
        text = "".join(s for s in sentences if s)
        if text:
            self.blocks.append(Block(BODY, text))

    def add(self, kind, text):
        self.blocks.append(Block(kind, text))


def report_title(board):
    plan = board.plan
    name = board.jurisdiction.name
    if plan is not None and plan.jurisdiction_id == board.jurisdiction.pk and plan.target_title.strip():
        return _("%(name)s创建%(target)s工作情况汇报") % {"name": name, "target": plan.target_title.strip()}
    return _("%(name)s民族团结进步创建工作情况汇报") % {"name": name}


def build_report(board, *, measures=None, leading_group=None):
    """Return the ReportContent of `board` (a Dashboard); `measures` / `leading_group` default to the plan's."""
    plan = board.plan
    if plan is not None:
        measures = list(plan.measures.all()) if measures is None else list(measures)
        leading_group = list(plan.leading_group.all()) if leading_group is None else list(leading_group)
    else:
        measures, leading_group = [], []
    own_plan = plan is not None and plan.jurisdiction_id == board.jurisdiction.pk
    ctx = _Context(board=board, plan=plan, own_plan=own_plan, measures=measures, leading_group=leading_group)

    w = _Writer()
    w.body(_opening(ctx))
    w.heading(_("基本情况"))
    _basic_situation(w, ctx)
    w.heading(_("工作措施"))
    _measures(w, ctx)
    w.heading(_("工作开展情况"))
    _work_done(w, ctx)
    w.heading(_("存在问题"))
    _problems(w, ctx)
    w.heading(_("下一步工作打算"))
    _next_steps(w, ctx)
    w.add(SIGNATURE, board.jurisdiction.name)
    w.add(DATE, date_cn(board.today))
    return ReportContent(
        title=report_title(board),
        blocks=w.blocks,
        jurisdiction=board.jurisdiction,
        period=board.period,
        plan=plan,
        today=board.today,
    )


@dataclass
class _Context:
    board: object
    plan: object
    own_plan: bool
    measures: list
    leading_group: list

    @property
    def name(self):
        return self.board.jurisdiction.name

    @property
    def when(self):
        """The period as the sentences open with it: “2026年以来” while it runs, “2025年” once over."""
        label = self.board.period.label
        return _("%(label)s以来") % {"label": label} if _in_progress(self.board.period, self.board.today) else label

    def sections(self, section):
        return [c for c in self.board.activities_by_category if c.report_section == section]

    def figure(self, code):
        for row in self.board.monthly_figures:
            if row["figure"].code == code:
                return row["total"] or 0
        return 0


def _opening(ctx):
    plan = ctx.plan
    values = {"name": ctx.name, "period": ctx.board.period.label}
    if plan is None:
        return (
            _(
                "根据上级关于民族团结进步创建工作的部署要求，结合辖区实际，现将%(name)s%(period)s"
                "民族团结进步创建工作情况汇报如下："
            )
            % values
        )
    values |= {"plan": plan.title, "owner": plan.jurisdiction.name, "target": plan.target_title.strip()}
    if ctx.own_plan:
        return (
            _(
                "根据《%(plan)s》及上级有关文件要求，结合辖区实际，现将%(name)s%(period)s"
                "创建%(target)s工作情况汇报如下："
            )
            % values
        )
    return (
        _("根据%(owner)s《%(plan)s》的部署要求，结合辖区实际，现将%(name)s%(period)s民族团结进步创建工作情况汇报如下：")
        % values
    )


# 一、基本情况


def _children_phrase(board):
    counts = Counter(row.jurisdiction.level for row in board.ranking)
    if not counts:
        return ""
    parts = [
        _("%(n)d个%(level)s") % {"n": counts[level], "level": label}
        for level, label in JurisdictionLevel.choices
        if counts.get(level)
    ]
    return _("下辖%(parts)s") % {"parts": _join(parts)}


def _basic_situation(w, ctx):
    board = ctx.board
    population = board.population
    note = ""
    if not population.has_data and board.population_previous.has_data:
        population = board.population_previous
        note = _("（人口为%(year)d年统计数据）") % {"year": population.year}
    place = []
    area = board.jurisdiction.area_km2
    if area:
        place.append(_("辖区面积%(area)s平方公里") % {"area": points(area)})
    children = _children_phrase(board)
    if children:
        place.append(children)
    first = ctx.name + "，".join(place) + "。" if place else ""

    if not population.has_data:
        w.body(
            first,
            _("%(year)d年人口数据尚未录入，辖区常住人口及民族构成情况待补充。") % {"year": board.period.year},
        )
        _yearly_facts(w, ctx)
        return

    people = [_("现有常住人口%(residents)s人") % {"residents": in_wan(population.population)}]
    if population.households:
        people.append(_("%(households)d户") % {"households": population.households})
    second = "、".join(people) + note + "。"
    w.body(first, second, _minority_sentence(population))
    groups = population.minority_groups
    if groups:
        parts = [
            _("%(group)s%(count)d人，占少数民族人口的%(share)s")
            % {"group": g.ethnic_group.name, "count": g.count, "share": percent(g.share_of_minority)}
            for g in groups
        ]
        w.body(_("其中：%(groups)s。") % {"groups": "；".join(parts)})
    w.body(_floating_and_hardship(population))
    _yearly_facts(w, ctx)


def _yearly_facts(w, ctx):
    """The standing facts entered once a year (rooms, teams, books …), as recorded for the period's year."""
    facts = [
        _("%(name)s%(total)s%(unit)s")
        % {"name": row["figure"].name, "total": points(row["total"]), "unit": row["figure"].unit}
        for row in ctx.board.yearly_figures
        if row["places"]
    ]
    if facts:
        w.body(_("%(year)d年度：%(facts)s。") % {"year": ctx.board.period.year, "facts": "，".join(facts)})


def _short_name(name):
    """Drop the trailing 族 as the seeds list groups: 土家、苗、布依、侗、满."""
    return name[:-1] if name.endswith("族") and len(name) > 1 else name


def _minority_sentence(population):
    groups = population.minority_groups
    if not groups or not population.minority_total:
        return _("按人口统计数据，辖区暂无少数民族常住人口记录。")
    names = _join(_short_name(g.ethnic_group.name) for g in groups[:NAMED_GROUPS])
    values = {
        "names": names,
        "kinds": population.minority_group_count,
        "total": population.minority_total,
        "share": percent(population.minority_share) if population.minority_share is not None else "",
    }
    if len(groups) > NAMED_GROUPS:
        text = _("有%(names)s等%(kinds)d种少数民族，少数民族常住人口共计%(total)d人") % values
    else:
        text = _("有%(names)s%(kinds)d种少数民族，少数民族常住人口共计%(total)d人") % values
    if population.minority_share is not None:
        text += _("，占常住人口总数的%(share)s") % values
    return text + "。"


def _floating_and_hardship(population):
    parts = []
    if population.floating_minority is not None:
        if population.floating_minority:
            parts.append(_("有流动少数民族%(n)d人") % {"n": population.floating_minority})
        else:
            parts.append(_("暂无流动少数民族人口"))
    if population.hardship_households is not None:
        if population.hardship_households:
            text = _("少数民族困难户%(households)d户") % {"households": population.hardship_households}
            if population.hardship_persons:
                text += _("、%(persons)d人") % {"persons": population.hardship_persons}
            parts.append(text)
        else:
            parts.append(_("暂无少数民族困难户"))
    return "，".join(parts) + "。" if parts else ""


# 二、工作措施


def _measures(w, ctx):
    plan = ctx.plan
    if plan is None:
        w.body(_("%(name)s尚未录入创建工作方案，工作目标、主题、主线和工作举措待补充。") % {"name": ctx.name})
        return
    model = []
    if _clean(plan.goal):
        model.append(_("明确一个目标：%(text)s") % {"text": _clean(plan.goal)})
    if _clean(plan.theme):
        model.append(_("围绕一个主题：%(text)s") % {"text": _clean(plan.theme)})
    if _clean(plan.main_line):
        model.append(_("把握一条主线：%(text)s") % {"text": _clean(plan.main_line)})
    count = len(ctx.measures)
    if ctx.measures:
        model.append(
            _("落实“%(n)s项举措”：%(titles)s")
            % {"n": chinese_count(count), "titles": _join(_clean(m.title) for m in ctx.measures)}
        )
    if model:
        shape = _("一个目标、一个主题、一条主线、%(n)s项举措") % {"n": chinese_count(count)} if count else ""
        values = {"name": ctx.name, "owner": plan.jurisdiction.name, "shape": shape}
        intro = _("%(name)s始终坚持党对民族工作的领导，牢牢把握铸牢中华民族共同体意识这条主线，") % values
        if ctx.own_plan and shape:
            intro += _("提出“%(shape)s”的民族团结进步创建工作模式。即：") % values
        elif shape:
            intro += _("落实%(owner)s提出的“%(shape)s”民族团结进步创建工作模式。即：") % values
        else:
            intro += _("明确创建工作思路。即：")
        w.body(intro, "；".join(model), "。")
    else:
        w.body(_("创建工作方案的目标、主题、主线和工作举措尚未填写，待补充。"))
    if any(m.description.strip() for m in ctx.measures):
        w.body(
            "".join(
                f"{nth(i)}{_clean(m.title)}。{_sentence(m.description)}" for i, m in enumerate(ctx.measures, start=1)
            )
        )
    w.body(_leading_group_sentence(ctx))
    if ctx.own_plan:
        w.body(_budget_sentence(ctx))


def _member(m):
    return f"{m.post.strip()}{m.name}" if m.post.strip() else m.name


def _leading_group_sentence(ctx):
    members = {role: [_member(m) for m in ctx.leading_group if m.role == role] for role in LeadingRole.values}
    if not ctx.leading_group:
        return _("创建工作领导小组成员名单尚未录入，待补充。")
    parts = []
    if members[LeadingRole.LEADER]:
        parts.append(_("以%(names)s为组长") % {"names": _join(members[LeadingRole.LEADER])})
    if members[LeadingRole.DEPUTY]:
        parts.append(_("%(names)s为副组长") % {"names": _join(members[LeadingRole.DEPUTY])})
    if members[LeadingRole.MEMBER]:
        parts.append(_("%(names)s为成员") % {"names": _join(members[LeadingRole.MEMBER])})
    owner = ctx.name if ctx.own_plan else ctx.plan.jurisdiction.name
    return _(
        "%(owner)s成立%(parts)s的创建工作领导小组，把创建工作列入重要议事日程，"
        "专题研究部署，及时解决创建过程中的问题和困难。"
    ) % {"owner": owner, "parts": "，".join(parts)}


def _budget_sentence(ctx):
    progress = ctx.board.plan_progress or {}
    years = range(ctx.board.period.start.year, ctx.board.period.end.year + 1)
    budgets = [b for b in progress.get("budgets", []) if b["year"] in years]
    if not budgets:
        return _("创建工作经费安排尚未录入，待补充。")
    parts = []
    for b in budgets:
        text = _("将创建工作经费纳入%(year)d年财政预算，安排经费%(amount)s") % {
            "year": b["year"],
            "amount": money(b["amount"]),
        }
        if b["spent"]:
            text += _("，已使用%(spent)s") % {"spent": money(b["spent"])}
            if b["share"] is not None:
                text += _("，占%(share)s") % {"share": percent(b["share"])}
        parts.append(text)
    return _("落实经费保障，") + "；".join(parts) + _("，用于创建工作的宣传、服务、活动等。")


# 三、工作开展情况


def _category_counts(categories, verb=""):
    return _join(
        _("%(verb)s%(name)s%(count)d次") % {"verb": verb, "name": c.name, "count": c.count} for c in categories
    )


def _work_done(w, ctx):
    board = ctx.board
    totals = board.activities
    values = {
        "when": ctx.when,
        "name": ctx.name,
        "count": totals.count,
        "participants": totals.participants,
        "minority": totals.minority_participants,
    }
    if totals.count:
        w.body(
            _("%(when)s，%(name)s共开展各类创建活动%(count)d次，参与群众%(participants)d人次") % values,
            _("，其中少数民族群众%(minority)d人次") % values if totals.minority_participants else "",
            _("。按类别分：%(categories)s。") % {"categories": _category_counts(board.activities_by_category)},
        )
    else:
        w.body(_("%(when)s，%(name)s暂无创建活动记录。") % values)

    w.subheading(_("加强组织领导，统筹协调推进"))
    _organisation(w, ctx)
    w.subheading(_("深化宣传教育，铸牢中华民族共同体意识"))
    _publicity(w, ctx)
    w.subheading(_("筑牢安全稳定防线，做好矛盾纠纷调处"))
    _safety(w, ctx)
    w.subheading(_("学习先进经验，推动创建工作"))
    _study(w, ctx)
    w.subheading(_("工作亮点"))
    _highlights(w, ctx)


def _section_totals(categories):
    return (
        sum(c.count for c in categories),
        sum(c.participants for c in categories),
        sum(c.minority_participants for c in categories),
    )


def _organisation(w, ctx):
    meetings = ctx.sections(ReportSection.ORGANISATION)
    if meetings:
        count, participants, _minority = _section_totals(meetings)
        w.body(
            _("%(when)s，组织召开%(items)s，参会%(participants)d人次，建立月调度机制，专题研究部署创建工作。")
            % {
                "when": ctx.when,
                "items": _category_counts(meetings),
                "participants": participants,
            }
        )
    else:
        w.body(_("%(when)s暂无调度会等组织协调活动记录。") % {"when": ctx.when})
    w.body(_plan_progress_sentence(ctx))


def _plan_progress_sentence(ctx):
    progress = ctx.board.plan_progress
    if ctx.plan is None or progress is None:
        return _("创建工作测评指标和责任分解尚未录入。")
    if not ctx.own_plan:
        # The indicators are the whole plan's, not this jurisdiction's share of them.
        return _("对照%(owner)s《%(plan)s》的测评指标和责任分解表，认真落实本辖区承担的各项创建任务。") % {
            "owner": ctx.plan.jurisdiction.name,
            "plan": ctx.plan.title,
        }
    indicators = progress["indicators"]
    if not indicators["total"]:
        return _("《%(plan)s》的测评指标尚未录入。") % {"plan": ctx.plan.title}
    status = {key: count for key, _label, count in indicators["by_status"]}
    values = {
        "plan": ctx.plan.title,
        "total": indicators["total"],
        "first": indicators["first_level"],
        "second": indicators["second_level"],
        "scored": indicators["scored"],
        "points": points(progress["points_total"]),
        "done": status.get("done", 0),
        "in_progress": status.get("in_progress", 0),
        "not_started": status.get("not_started", 0),
        "unassigned": status.get("unassigned", 0),
        "lines": progress["responsibilities"]["total"],
        "overdue": progress["responsibilities"]["overdue"],
        "self": points(progress["self_score_total"]),
    }
    text = _("对照《%(plan)s》测评指标，制定责任分解表，明确牵头部门和责任人。共设测评指标%(total)d项") % values
    if indicators["second_level"]:
        text += _("（一级指标%(first)d项、二级指标%(second)d项）") % values
    text += (
        _(
            "，计分指标%(scored)d项，总分值%(points)s分；"
            "其中已完成%(done)d项、推进中%(in_progress)d项、未开始%(not_started)d项"
        )
        % values
    )
    if values["unassigned"]:
        text += _("、未分解%(unassigned)d项") % values
    text += "。"
    if values["lines"]:
        text += _("责任分解共%(lines)d条") % values
        text += _("，逾期未完成%(overdue)d条。") % values if values["overdue"] else _("，无逾期未完成事项。")
    if progress["self_score_total"]:
        text += _("各责任单位自评得分%(self)s分") % values
        if progress.get("self_score_share") is not None:
            text += _("，占总分值的%(share)s") % {"share": percent(progress["self_score_share"])}
        text += "。"
    return text


def _publicity(w, ctx):
    board = ctx.board
    categories = ctx.sections(ReportSection.PUBLICITY)
    if categories:
        count, participants, minority = _section_totals(categories)
        values = {
            "when": ctx.when,
            "count": count,
            "items": _category_counts(categories),
            "participants": participants,
            "minority": minority,
        }
        text = (
            _(
                "%(when)s，利用“民族团结进步宣传月”、传统节日等契机，"
                "开展宣传教育类活动%(count)d次（%(items)s），参与群众%(participants)d人次"
            )
            % values
        )
        if minority:
            text += _("，其中少数民族群众%(minority)d人次") % values
        w.body(text, "。")
    else:
        w.body(_("%(when)s暂无宣传教育类活动记录。") % {"when": ctx.when})
    totals = board.activities
    items = []
    if totals.posters:
        items.append(_("张贴宣传海报%(n)d份") % {"n": totals.posters})
    if totals.handbooks:
        items.append(_("发放宣传手册%(n)d份") % {"n": totals.handbooks})
    if totals.promo_items:
        items.append(_("发放宣传品%(n)d份") % {"n": totals.promo_items})
    if totals.light_boxes:
        items.append(_("设置宣传灯箱%(n)d个") % {"n": totals.light_boxes})
    if totals.online_posts:
        items.append(_("运用新媒体推送民族政策知识%(n)d条") % {"n": totals.online_posts})
    if items:
        text = _("通过宣传栏、宣传册、公众号等形式“线上线下”推广民族团结政策，累计") + "，".join(items)
        if totals.people_reached:
            text += _("，覆盖宣传对象%(n)s人次") % {"n": in_wan(totals.people_reached)}
        w.body(text, "。")
    elif totals.people_reached:
        w.body(_("各类活动累计覆盖宣传对象%(n)s人次。") % {"n": in_wan(totals.people_reached)})


def _safety(w, ctx):
    board = ctx.board
    screening = ctx.sections(ReportSection.SAFETY)
    parts = []
    volunteers = ctx.figure(VOLUNTEERS)
    if volunteers:
        parts.append(_("组建宣传员、组织员、信息员、联络员、调处员“五员”队伍%(n)s人") % {"n": points(volunteers)})
    if screening:
        count, participants, _minority = _section_totals(screening)
        parts.append(
            _("开展%(items)s，参与%(participants)d人次")
            % {"items": _category_counts(screening), "participants": participants}
        )
    person_times = ctx.figure(SCREENING)
    if person_times:
        parts.append(_("实行“一日一报”工作模式，累计投入排查力量%(n)s人次") % {"n": points(person_times)})
    if parts:
        w.body(_("%(when)s，") % {"when": ctx.when}, "，".join(parts), _("，排查影响民族团结的不稳定因素和矛盾纠纷。"))
    else:
        w.body(_("%(when)s暂无矛盾纠纷排查活动记录。") % {"when": ctx.when})
    w.body(_petition_sentence(ctx))
    w.body(_mediation_sentence(ctx))
    w.body(_window_sentence(ctx))
    others = [
        _("%(name)s%(total)s%(unit)s")
        % {"name": row["figure"].name, "total": points(row["total"]), "unit": row["figure"].unit}
        for row in board.monthly_figures
        if row["figure"].code not in KNOWN_FIGURES and row["total"]
    ]
    if others:
        w.body(_("此外，月报统计：%(items)s。") % {"items": "，".join(others)})


def _petition_sentence(ctx):
    p = ctx.board.petitions
    if not p.get("received"):
        return _("%(when)s暂无信访和矛盾纠纷案件登记。") % {"when": ctx.when}
    values = {
        "received": p["received"],
        "closed": p["closed"],
        "rate": rate(p["closure_rate"]) if p["closure_rate"] is not None else "",
        "resolved": p["resolved"],
        "replied": p["replied"],
        "open": p["received"] - p["closed"] - p["rejected"],
        "rejected": p["rejected"],
        "group": p["group"],
        "group_persons": p["group_persons"],
        "ethnic": p["ethnic_factor"],
        "overdue": p["overdue"],
    }
    channels = [
        _("%(channel)s%(count)d件") % {"channel": c["label"], "count": c["count"]}
        for c in p.get("by_channel", [])
        if c["count"]
    ]
    text = _("高度重视群众来信来访工作，%(when)s共受理群众信访及矛盾纠纷%(received)d件") % {
        **values,
        "when": ctx.when,
    }
    if channels:
        text += _("（%(channels)s）") % {"channels": _join(channels)}
    text += _("，已办结%(closed)d件，办结率%(rate)s") % values
    outcomes = []
    if values["resolved"]:
        outcomes.append(_("化解%(resolved)d件") % values)
    if values["replied"]:
        outcomes.append(_("答复%(replied)d件") % values)
    if outcomes:
        text += _("，其中") + _join(outcomes)
    text += "。"
    if values["open"] > 0:
        text += _("尚在办理%(open)d件") % values
        text += "。" if values["overdue"] else _("，均在办理时限内。")
    if values["overdue"]:
        # Overdue is a state today, counted over every case whenever received, as on the dashboard and the list.
        text += _("截至%(today)s，超过办理期限仍未办结的案件共%(overdue)d件，正在督办。") % {
            **values,
            "today": date_cn(ctx.board.today),
        }
    if values["rejected"]:
        text += _("不予受理%(rejected)d件，已告知信访人。") % values
    if values["group"]:
        text += _("处理群体性信访%(group)d件、涉及%(group_persons)d人。") % values
    if values["ethnic"]:
        text += _("涉及民族因素的%(ethnic)d件，均按政策妥善处理。") % values
    return text


def _mediation_sentence(ctx):
    m = ctx.board.mediation
    monthly = ctx.figure(MEDIATION_CASES)
    parts = []
    if m.get("cases"):
        text = _("通过人民调解受理矛盾纠纷%(cases)d件，达成调解协议%(agreements)d件") % m
        if m.get("success_rate") is not None:
            text += _("，调解成功率%(rate)s") % {"rate": rate(m["success_rate"])}
        parts.append(text)
    if monthly:
        parts.append(_("各月报累计统计人民调解案件%(n)s件") % {"n": points(monthly)})
    return "；".join(parts) + "。" if parts else ""


def _window_sentence(ctx):
    consultations = ctx.figure(WINDOW_CONSULTATIONS)
    received = ctx.figure(WINDOW_RECEIVED)
    handled = ctx.figure(WINDOW_HANDLED)
    hotline = ctx.figure(HOTLINE)
    parts = []
    if consultations:
        parts.append(_("各类服务窗口累计接待咨询%(n)s人次") % {"n": points(consultations)})
    if received:
        text = _("接件%(received)s件，已办理%(handled)s件") % {"received": points(received), "handled": points(handled)}
        closure = share(handled, received, places=1)
        if closure is not None:
            text += _("，办结率%(rate)s") % {"rate": rate(closure)}
        parts.append(text)
    if hotline:
        unit = next(r["figure"].unit for r in ctx.board.monthly_figures if r["figure"].code == HOTLINE)
        parts.append(_("热线电话累计接听%(n)s%(unit)s") % {"n": points(hotline), "unit": unit})
    return "，".join(parts) + "。" if parts else ""


def _study(w, ctx):
    study = ctx.sections(ReportSection.STUDY)
    if not study:
        w.body(_("%(when)s暂无学习考察活动记录。") % {"when": ctx.when})
        return
    count, participants, _minority = _section_totals(study)
    w.body(
        _(
            "%(when)s，组织%(items)s，参与%(participants)d人次，"
            "学习借鉴先进地区创建民族团结进步示范的经验，结合辖区实际完善创建工作方案。"
        )
        % {"when": ctx.when, "items": _category_counts(study), "participants": participants}
    )


def _highlights(w, ctx):
    board = ctx.board
    wrote = False
    if ctx.plan is not None and ctx.plan.highlights.strip():
        for paragraph in _paragraphs(ctx.plan.highlights):
            w.body(_sentence(paragraph))
        wrote = True
    events = [a for a in board.largest_activities if a.participants]
    if events:
        parts = []
        for a in events:
            where = _("在%(place)s") % {"place": a.place} if a.place.strip() else ""
            text = _("%(date)s，%(who)s%(where)s开展%(title)s，参与群众%(participants)d人") % {
                "date": date_cn(a.date),
                "who": a.jurisdiction.name,
                "where": where,
                "title": _clean(a.title),
                "participants": a.participants,
            }
            if a.minority_participants:
                text += _("，其中少数民族群众%(n)d人") % {"n": a.minority_participants}
            parts.append(text)
        w.body(_("参与面最广的活动有：") + "；".join(parts) + "。")
        wrote = True
    projects = board.projects
    if projects is not None and projects.count:
        text = _("实施民生项目%(count)d个") % {"count": projects.count}
        states = []
        if projects.completed:
            states.append(_("已完工%(n)d个") % {"n": projects.completed})
        if projects.in_progress:
            states.append(_("实施中%(n)d个") % {"n": projects.in_progress})
        if projects.planned:
            states.append(_("计划中%(n)d个") % {"n": projects.planned})
        if states:
            text += "（" + _join(states) + "）"
        if projects.total_investment:
            text += _("，总投资%(n)s万元") % {"n": points(projects.total_investment)}
        served = []
        if projects.households_served:
            served.append(_("%(n)d户") % {"n": projects.households_served})
        if projects.persons_served:
            served.append(_("%(n)d人") % {"n": projects.persons_served})
        if served:
            text += _("，惠及各族群众") + "、".join(served)
        w.body(text, "。")
        wrote = True
    if not wrote:
        w.body(_("工作亮点待补充：可在创建工作方案的“工作亮点”中填写，或在本文中直接修改。"))


# 四、存在问题 / 五、下一步工作打算


def _problems(w, ctx):
    if ctx.plan is not None and ctx.plan.problems.strip():
        for paragraph in _paragraphs(ctx.plan.problems):
            w.body(_sentence(paragraph))
    else:
        w.body(_("存在问题待补充：可在创建工作方案的“存在问题”中填写，或在本文中直接修改。"))
    found = []
    progress = ctx.board.plan_progress
    if ctx.own_plan and progress and progress["responsibilities"]["overdue"]:
        found.append(_("责任分解表中有%(n)d条工作逾期未完成") % {"n": progress["responsibilities"]["overdue"]})
    if ctx.board.petitions.get("overdue"):
        found.append(_("有%(n)d件信访和矛盾纠纷案件超过办理期限") % {"n": ctx.board.petitions["overdue"]})
    if found:
        w.body(_("从工作台账看，") + "，".join(found) + _("，需加快推进。"))


def _next_steps(w, ctx):
    if ctx.plan is not None and ctx.plan.next_steps.strip():
        for paragraph in _paragraphs(ctx.plan.next_steps):
            w.body(_sentence(paragraph))
        return
    goal = _clean(ctx.plan.goal) if ctx.plan is not None else ""
    w.body(
        _(
            "下一步，%(name)s将始终坚持党对民族工作的领导，以铸牢中华民族共同体意识为主线，"
            "%(goal)s深入开展民族团结进步宣传教育，做好各族群众服务管理，及时排查化解矛盾纠纷，"
            "推动创建工作提质增效。"
        )
        % {"name": ctx.name, "goal": _("围绕“%(goal)s”的目标，") % {"goal": goal} if goal else ""}
    )
