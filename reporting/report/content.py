"""The text of the work report (工作情况汇报), built from one `Dashboard` and the text people wrote in the plan.

Two kinds of sentence, and nothing else:
- data sentences, each written only when its figures exist, in the seed reports' wording; every figure is read from
  the Dashboard that `reporting.selectors.jurisdiction_dashboard` returns, so the page, the JSON and this report show
  the same numbers, each in the unit its definition gives;
- narrative a person wrote: the plan's goal, theme, main line, measures and leading group, and the draft's 概述,
  主要做法, 工作亮点 (numbered 一是、二是…), 存在问题 and 下一步打算 (before any draft, the own plan's highlights,
  problems and next steps) — only the jurisdiction's own plan speaks for it; an ancestor's plan is named as the plan
  it executes. The report template chooses the sections and their order (reporting.outline).
No sentence states a mechanism, an event or a plan that is not in the records or in that text. A section with neither
is left out (基本情况 keeps one neutral line the office can delete). The result is a flat list of blocks (title,
headings, paragraphs) that both the .docx renderer and the HTML preview draw, so the two cannot say different things.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from activities.choices import LeadingRole, ReportSection
from communities.choices import JurisdictionLevel
from communities.figures import share
from reporting.outline import (
    BASIC,
    HIGHLIGHTS,
    LIST_NARRATIVES,
    MEASURES,
    NEXT_STEPS,
    OVERVIEW,
    PRACTICES,
    PROBLEMS,
    WORK,
    default_outline,
    narrative_from_plan,
    outline_entries,
)

from .numbers import (
    chinese_count,
    count,
    date_cn,
    heading_number,
    money,
    nth,
    percent,
    points,
    quantity,
    rate,
    subheading_number,
)
from .population import school_population_sentences, yearly_fact_sentences
from .projects import project_sentences

TITLE = "title"
HEADING = "heading"  # 一、 黑体
SUBHEADING = "subheading"  # （一） 楷体
BODY = "body"
SIGNATURE = "signature"
DATE = "date"
# Where a draft's page puts the inputs of one narrative (its key in `text`); only built for that page.
FIELD = "field"

DATA = "data"
NARRATIVE = "narrative"

# Monthly figures the report writes in the service window's sentence (codes of migration 0002); the safety ones are
# listed under 信访和矛盾纠纷, any other in the activity paragraph, each with its definition's name and unit.
WINDOW_CONSULTATIONS = "window_consultations"
WINDOW_RECEIVED = "window_cases_received"
WINDOW_HANDLED = "window_cases_handled"
HOTLINE = "hotline_calls"
SCREENING = "screening_person_times"
MEDIATION_CASES = "mediation_cases"
VOLUNTEERS = "volunteers"
KNOWN_FIGURES = {WINDOW_CONSULTATIONS, WINDOW_RECEIVED, WINDOW_HANDLED, HOTLINE}
SAFETY_FIGURES = (SCREENING, MEDIATION_CASES, VOLUNTEERS)

# The units of counts the records hold as persons (population) or attendances (activity participants).
PERSONS = "人"
PERSON_TIMES = "人次"

# How many groups the opening sentence names before “等19种”, as seed 003 does.
NAMED_GROUPS = 5


@dataclass(frozen=True)
class Block:
    """One paragraph of the report, how it is set (title, heading, body…) and where it comes from.

    `source` is DATA for sentences written from the records, NARRATIVE for text a person wrote in the plan, so a
    draft can lock the one and offer the other for editing.
    """

    kind: str
    text: str
    source: str = "data"


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

    def section(self, title, fill, ctx):
        """Write a heading and what `fill(self, ctx)` writes under it; neither when `fill` writes nothing."""
        self._only_if_filled(lambda: self.heading(title), fill, ctx)

    def subsection(self, title, fill, ctx):
        self._only_if_filled(lambda: self.subheading(title), fill, ctx)

    def _only_if_filled(self, open_, fill, ctx):
        mark, numbers = len(self.blocks), (self._heading, self._subheading)
        open_()
        fill(self, ctx)
        if len(self.blocks) == mark + 1:
            del self.blocks[mark:]
            self._heading, self._subheading = numbers

    def narrative(self, text):
        """Add a paragraph a person wrote (the plan's highlights, problems, next steps, measures)."""
        if text:
            self.blocks.append(Block(BODY, text, NARRATIVE))

    def own_words(self, ctx, key):
        """Add the narrative `key` people wrote (a list numbered 一是、二是…), or the draft page's inputs for it."""
        if ctx.editing:
            self.blocks.append(Block(FIELD, key, NARRATIVE))
            return
        value = ctx.narrative.get(key)
        if key in LIST_NARRATIVES:
            for i, item in enumerate(value or [], start=1):
                self.narrative(f"{nth(i)}{_sentence(item)}")
        else:
            for paragraph in _paragraphs(value):
                self.narrative(_sentence(paragraph))

    def add(self, kind, text):
        self.blocks.append(Block(kind, text))


def _fill_in(text, board):
    """Put the jurisdiction's name and the period into a template's text ({辖区}, {期间})."""
    values = {"辖区": board.jurisdiction.name, "期间": board.period.label}
    values |= {"name": values["辖区"], "period": values["期间"]}
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text.strip()


def report_title(board, template=None):
    if template is not None and template.title.strip():
        return _fill_in(template.title, board)
    plan = board.plan
    name = board.jurisdiction.name
    if plan is not None and plan.jurisdiction_id == board.jurisdiction.pk and plan.target_title.strip():
        return _("%(name)s创建%(target)s工作情况汇报") % {"name": name, "target": plan.target_title.strip()}
    return _("%(name)s民族团结进步创建工作情况汇报") % {"name": name}


def build_report(board, *, measures=None, leading_group=None, template=None, narrative=None, editing=False):
    """Return the ReportContent of `board` (a Dashboard); `measures` / `leading_group` default to the plan's.

    A jurisdiction's own plan gives its leading group and, without a saved draft, its narrative (亮点, 问题,
    下一步); an ancestor's plan is named as the plan it executes, and its leading group, budget and narrative stay
    out of this report. `template` (a ReportTemplate, else the shipped default) sets the title, the opening, the
    sections and their order, and the signature; `narrative` (a draft version's) replaces the plan's words.
    `editing` puts a FIELD block where each narrative goes, in every listed section, for the draft's page.
    """
    plan = board.plan
    own_plan = plan is not None and plan.jurisdiction_id == board.jurisdiction.pk
    if plan is None:
        measures = []
    elif measures is None:
        measures = list(plan.measures.all())
    if not own_plan:
        leading_group = []
    elif leading_group is None:
        leading_group = list(plan.leading_group.all())
    if narrative is None:
        narrative = narrative_from_plan(plan if own_plan else None)
    outline = template.outline if template is not None else default_outline()
    ctx = _Context(
        board=board,
        plan=plan,
        own_plan=own_plan,
        measures=list(measures),
        leading_group=list(leading_group),
        narrative=narrative,
        outline_keys=[key for key, _title in outline_entries(outline)],
        editing=editing,
    )

    w = _Writer()
    w.own_words(ctx, OVERVIEW)
    opening = _fill_in(template.opening, board) if template is not None and template.opening.strip() else ""
    w.body(opening or _opening(ctx))
    for key, title in outline_entries(outline):
        w.section(title, SECTIONS[key], ctx)
    signature = [line.strip() for line in (template.signature if template is not None else "").splitlines()]
    for line in [line for line in signature if line] or [board.jurisdiction.name]:
        w.add(SIGNATURE, _fill_in(line, board))
    w.add(DATE, date_cn(board.today))
    return ReportContent(
        title=report_title(board, template),
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
    narrative: dict = field(default_factory=dict)
    outline_keys: list = field(default_factory=list)
    editing: bool = False

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
        """The monthly figure's row ({"figure", "total"}) when a non-zero total was recorded, else None."""
        for row in self.board.monthly_figures:
            if row["figure"].code == code and row["total"]:
                return row
        return None


def _figure_text(row, template=None):
    """A monthly figure in its definition's unit: “热线接听2409人次”; `template` rewords the name, never the unit."""
    figure = row["figure"]
    amount = quantity(row["total"], figure.unit)
    if template is None:
        return f"{figure.name}{amount}"
    return template % {"n": amount}


def _opening(ctx):
    plan = ctx.plan
    values = {"name": ctx.name, "period": ctx.board.period.label}
    if plan is None:
        return _("现将%(name)s%(period)s民族团结进步创建工作情况汇报如下：") % values
    values |= {"plan": plan.title, "owner": plan.jurisdiction.name, "target": plan.target_title.strip()}
    if ctx.own_plan:
        return _("根据《%(plan)s》，现将%(name)s%(period)s创建%(target)s工作情况汇报如下：") % values
    return _("按照%(owner)s《%(plan)s》，现将%(name)s%(period)s民族团结进步创建工作情况汇报如下：") % values


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

    schools = school_population_sentences(board)
    if not population.has_data:
        if schools:
            w.body(first)
        else:
            # One neutral line the office deletes or replaces; it asserts nothing about the place.
            w.body(first, _("%(year)d年人口数据尚未录入。") % {"year": board.period.year})
        for paragraph in schools:
            w.body(paragraph)
        _yearly_facts(w, ctx)
        return

    people = quantity(population.population, PERSONS)
    if population.households:
        people = _("现有%(households)s户、%(people)s") % {"households": count(population.households), "people": people}
    else:
        people = _("现有常住人口%(people)s") % {"people": people}
    w.body(first, people + note + "。", _minority_sentence(population))
    groups = population.minority_groups
    if groups:
        parts = [
            _("%(group)s%(count)s，占少数民族人口的%(share)s")
            % {"group": g.ethnic_group.name, "count": quantity(g.count, PERSONS), "share": percent(g.share_of_minority)}
            for g in groups
        ]
        w.body(_("其中：%(groups)s。") % {"groups": "；".join(parts)})
    w.body(_floating_and_hardship(population))
    for paragraph in schools:
        w.body(paragraph)
    _yearly_facts(w, ctx)


def _yearly_facts(w, ctx):
    """The standing facts entered once a year (规划户数, 窗口, 文艺队伍, 图书 …), a sentence each in its own wording."""
    w.body(*yearly_fact_sentences(ctx.board))


def _minority_sentence(population):
    groups = population.minority_groups
    if not groups or not population.minority_total:
        return _("按人口统计数据，辖区暂无少数民族常住人口。")
    # Names in full (瑶族, not 瑶): a lone short name “有瑶1种” does not read as a people.
    names = _join(g.ethnic_group.name for g in groups[:NAMED_GROUPS])
    values = {
        "names": names,
        "kinds": population.minority_group_count,
        "total": quantity(population.minority_total, PERSONS),
        "share": percent(population.minority_share) if population.minority_share is not None else "",
    }
    if len(groups) > NAMED_GROUPS:
        text = _("有%(names)s等%(kinds)d种少数民族，少数民族常住人口共计%(total)s") % values
    else:
        text = _("有%(names)s%(kinds)d种少数民族，少数民族常住人口共计%(total)s") % values
    if population.minority_share is not None:
        text += _("，占常住人口总数的%(share)s") % values
    return text + "。"


def _floating_and_hardship(population):
    parts = []
    # A recorded zero is a figure too (暂无…); an unrecorded one (None) says nothing.
    if population.floating_minority is not None:
        if population.floating_minority:
            parts.append(_("有流动少数民族%(n)s") % {"n": quantity(population.floating_minority, PERSONS)})
        else:
            parts.append(_("暂无流动少数民族人口"))
    if population.hardship_households is not None:
        if population.hardship_households:
            text = _("少数民族困难户%(households)s户") % {"households": count(population.hardship_households)}
            if population.hardship_persons:
                text += quantity(population.hardship_persons, PERSONS)
            parts.append(text)
        else:
            parts.append(_("暂无少数民族困难户"))
    return "，".join(parts) + "。" if parts else ""


# 二、工作措施


def _measures(w, ctx):
    plan = ctx.plan
    if plan is None:
        return
    values = {"plan": plan.title, "owner": plan.jurisdiction.name, "name": ctx.name}
    goal, theme, main_line = _clean(plan.goal), _clean(plan.theme), _clean(plan.main_line)
    count_ = len(ctx.measures)
    titles = _join(_clean(m.title) for m in ctx.measures)
    if goal and theme and main_line:
        # The “一个目标、一个主题、一条主线” model is named only when the plan records all three.
        shape = _("一个目标、一个主题、一条主线")
        model = [
            _("明确一个目标：%(text)s") % {"text": goal},
            _("围绕一个主题：%(text)s") % {"text": theme},
            _("把握一条主线：%(text)s") % {"text": main_line},
        ]
        if count_:
            shape += _("、%(n)s项举措") % {"n": chinese_count(count_)}
            model.append(_("落实“%(n)s项举措”：%(titles)s") % {"n": chinese_count(count_), "titles": titles})
        values["shape"] = shape
        if ctx.own_plan:
            intro = _("《%(plan)s》提出“%(shape)s”的民族团结进步创建工作模式。即：") % values
        else:
            intro = (
                _("%(name)s按照%(owner)s《%(plan)s》提出的“%(shape)s”民族团结进步创建工作模式开展创建工作。即：")
                % values
            )
        w.narrative(intro + "；".join(model) + "。")
    else:
        items = []
        if goal:
            items.append(_("工作目标为%(text)s") % {"text": goal})
        if theme:
            items.append(_("工作主题为%(text)s") % {"text": theme})
        if main_line:
            items.append(_("工作主线为%(text)s") % {"text": main_line})
        if count_:
            items.append(_("工作举措为%(titles)s") % {"titles": titles})
        if items:
            intro = _("《%(plan)s》明确：") % values if ctx.own_plan else _("按照%(owner)s《%(plan)s》：") % values
            w.narrative(intro + "；".join(items) + "。")
    # What each measure involves is the plan owner's account of its own work: an ancestor's stays in its report.
    if ctx.own_plan and any(m.description.strip() for m in ctx.measures):
        w.narrative(
            "".join(
                f"{nth(i)}{_clean(m.title)}。{_sentence(m.description)}" for i, m in enumerate(ctx.measures, start=1)
            )
        )
    if ctx.own_plan:
        w.body(_leading_group_sentence(ctx))
        w.body(_budget_sentence(ctx))


def _member(m):
    return f"{m.post.strip()}{m.name}" if m.post.strip() else m.name


def _leading_group_sentence(ctx):
    """The jurisdiction's own leading group as recorded; nothing when none is."""
    if not ctx.leading_group:
        return ""
    members = {role: [_member(m) for m in ctx.leading_group if m.role == role] for role in LeadingRole.values}
    parts = []
    if members[LeadingRole.LEADER]:
        parts.append(_("以%(names)s为组长") % {"names": _join(members[LeadingRole.LEADER])})
    if members[LeadingRole.DEPUTY]:
        parts.append(_("%(names)s为副组长") % {"names": _join(members[LeadingRole.DEPUTY])})
    if members[LeadingRole.MEMBER]:
        parts.append(_("%(names)s为成员") % {"names": _join(members[LeadingRole.MEMBER])})
    return _("%(name)s成立%(parts)s的创建工作领导小组。") % {"name": ctx.name, "parts": "，".join(parts)}


def _budget_sentence(ctx):
    progress = ctx.board.plan_progress or {}
    years = range(ctx.board.period.start.year, ctx.board.period.end.year + 1)
    budgets = [b for b in progress.get("budgets", []) if b["year"] in years]
    if not budgets:
        return ""
    parts = []
    for b in budgets:
        text = _("%(year)d年安排创建工作经费%(amount)s") % {"year": b["year"], "amount": money(b["amount"])}
        if b["spent"]:
            text += _("，已使用%(spent)s") % {"spent": money(b["spent"])}
            if b["share"] is not None:
                text += _("，占%(share)s") % {"share": percent(b["share"])}
        parts.append(text)
    return "；".join(parts) + "。"


# 三、工作开展情况


def _category_counts(categories, verb=""):
    return _join(
        _("%(verb)s%(name)s%(count)s次") % {"verb": verb, "name": c.name, "count": count(c.count)} for c in categories
    )


def _work_done(w, ctx):
    board = ctx.board
    totals = board.activities
    if totals.count:
        values = {
            "when": ctx.when,
            "name": ctx.name,
            "count": count(totals.count),
            "participants": quantity(totals.participants, PERSON_TIMES),
            "minority": quantity(totals.minority_participants, PERSON_TIMES),
        }
        w.body(
            _("%(when)s，%(name)s共开展各类创建活动%(count)s次，参与群众%(participants)s") % values,
            _("，其中少数民族群众%(minority)s") % values if totals.minority_participants else "",
            _("。按类别分：%(categories)s。") % {"categories": _category_counts(board.activities_by_category)},
        )
    others = [
        _figure_text(row)
        for row in board.monthly_figures
        if row["figure"].code not in KNOWN_FIGURES and row["figure"].code not in SAFETY_FIGURES and row["total"]
    ]
    if others:
        w.body(_("月报统计：%(items)s。") % {"items": "，".join(others)})

    w.subsection(_("组织协调"), _organisation, ctx)
    w.subsection(_("宣传教育"), _publicity, ctx)
    w.subsection(_("服务群众"), _service, ctx)
    w.subsection(_("信访和矛盾纠纷"), _safety, ctx)
    w.subsection(_("学习考察"), _study, ctx)
    if HIGHLIGHTS not in ctx.outline_keys:
        w.subsection(_("工作亮点"), _highlights, ctx)


def _section_totals(categories):
    return (
        sum(c.count for c in categories),
        sum(c.participants for c in categories),
        sum(c.minority_participants for c in categories),
    )


def _activities_sentence(ctx, section, template):
    """One sentence for the recorded activities of a report section, or "" when there are none."""
    categories = ctx.sections(section)
    if not categories:
        return ""
    total, participants, minority = _section_totals(categories)
    text = template % {
        "when": ctx.when,
        "count": count(total),
        "items": _category_counts(categories),
        "participants": quantity(participants, PERSON_TIMES),
    }
    if minority:
        text += _("，其中少数民族群众%(n)s") % {"n": quantity(minority, PERSON_TIMES)}
    return text + "。"


def _organisation(w, ctx):
    template = _("%(when)s，组织召开%(items)s，参会%(participants)s")
    w.body(_activities_sentence(ctx, ReportSection.ORGANISATION, template))
    w.body(_plan_progress_sentence(ctx))


def _plan_progress_sentence(ctx):
    """The own plan's indicators and responsibility lines; an ancestor's plan's progress is not this level's."""
    progress = ctx.board.plan_progress
    if not ctx.own_plan or progress is None:
        return ""
    indicators = progress["indicators"]
    if not indicators["total"]:
        return ""
    status = {key: n for key, _label, n in indicators["by_status"]}
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
    text = _("《%(plan)s》共设测评指标%(total)d项") % values
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
    w.body(
        _activities_sentence(
            ctx,
            ReportSection.PUBLICITY,
            _("%(when)s，开展宣传教育类活动%(count)s次（%(items)s），参与群众%(participants)s"),
        )
    )
    totals = ctx.board.activities
    items = []
    if totals.posters:
        items.append(_("张贴宣传海报%(n)s份") % {"n": count(totals.posters)})
    if totals.handbooks:
        items.append(_("发放宣传手册%(n)s份") % {"n": count(totals.handbooks)})
    if totals.promo_items:
        items.append(_("发放宣传品%(n)s份") % {"n": count(totals.promo_items)})
    if totals.light_boxes:
        items.append(_("设置宣传灯箱%(n)s个") % {"n": count(totals.light_boxes)})
    if totals.online_posts:
        items.append(_("通过网络推送民族政策知识%(n)s条") % {"n": count(totals.online_posts)})
    if totals.people_reached:
        items.append(_("覆盖宣传对象%(n)s") % {"n": quantity(totals.people_reached, PERSON_TIMES)})
    if items:
        w.body(_("各类活动累计") + "，".join(items), "。")


def _service(w, ctx):
    w.body(_activities_sentence(ctx, ReportSection.SERVICE, _("%(when)s，开展%(items)s，参与%(participants)s")))
    w.body(_window_sentence(ctx))


def _window_sentence(ctx):
    consultations = ctx.figure(WINDOW_CONSULTATIONS)
    received = ctx.figure(WINDOW_RECEIVED)
    handled = ctx.figure(WINDOW_HANDLED)
    hotline = ctx.figure(HOTLINE)
    parts = []
    if consultations:
        parts.append(_figure_text(consultations, _("各类服务窗口累计接待咨询%(n)s")))
    if received:
        text = _figure_text(received, _("接件%(n)s"))
        if handled:
            text += "，" + _figure_text(handled, _("已办理%(n)s"))
            closure = share(handled["total"], received["total"], places=1)
            if closure is not None:
                text += _("，办结率%(rate)s") % {"rate": rate(closure)}
        parts.append(text)
    if hotline:
        parts.append(_figure_text(hotline, _("热线电话累计接听%(n)s")))
    return "，".join(parts) + "。" if parts else ""


def _safety(w, ctx):
    screening = _activities_sentence(ctx, ReportSection.SAFETY, _("%(when)s，开展%(items)s，参与%(participants)s"))
    w.body(screening)
    # The period opens the subsection once, not every sentence in it.
    w.body(_petition_sentence(ctx, with_period=not screening))
    w.body(_mediation_sentence(ctx))
    recorded = [_figure_text(row) for code in SAFETY_FIGURES if (row := ctx.figure(code))]
    if recorded:
        # The monthly returns' own counts, in their own sentence: never mixed with the case records' figures.
        w.body(_("月报统计：%(items)s。") % {"items": "，".join(recorded)})


def _petition_sentence(ctx, *, with_period=True):
    p = ctx.board.petitions
    if not p.get("received"):
        return ""
    values = {
        "when": ctx.when,
        "received": count(p["received"]),
        "accepted": count(p["accepted"]),
        "closed": count(p["closed"]),
        "rate": rate(p["closure_rate"]) if p["closure_rate"] is not None else "",
        "resolved": count(p["resolved"]),
        "replied": count(p["replied"]),
        "open": count(p["received"] - p["closed"] - p["rejected"]),
        "rejected": count(p["rejected"]),
        "group": count(p["group"]),
        "group_persons": quantity(p["group_persons"], PERSONS),
        "ethnic": count(p["ethnic_factor"]),
        "overdue": count(p["overdue"]),
    }
    channels = [
        _("%(channel)s%(count)s件") % {"channel": c["label"], "count": count(c["count"])}
        for c in p.get("by_channel", [])
        if c["count"]
    ]
    # Received cases are 登记; only the accepted ones are 受理.
    text = _("共登记群众来信来访及矛盾纠纷%(received)s件") % values
    if with_period:
        text = _("%(when)s，") % values + text
    if channels:
        text += _("（%(channels)s）") % {"channels": _join(channels)}
    if p["accepted"]:
        text += _("，受理%(accepted)s件") % values
    if p["rejected"]:
        text += _("，不予受理%(rejected)s件") % values
    text += _("；已办结%(closed)s件，办结率%(rate)s") % values
    outcomes = []
    if p["resolved"]:
        outcomes.append(_("化解%(resolved)s件") % values)
    if p["replied"]:
        outcomes.append(_("答复%(replied)s件") % values)
    if outcomes:
        text += _("，其中") + _join(outcomes)
    text += "。"
    if p["received"] - p["closed"] - p["rejected"] > 0:
        text += _("尚在办理%(open)s件") % values
        text += "。" if p["overdue"] else _("，均在办理时限内。")
    if p["overdue"]:
        # Overdue is a state today, counted over every case whenever received, as on the dashboard and the list.
        text += _("截至%(today)s，超过办理期限仍未办结的案件共%(overdue)s件。") % {
            **values,
            "today": date_cn(ctx.board.today),
        }
    if p["group"]:
        text += _("其中群体性信访%(group)s件、涉及%(group_persons)s。") % values
    if p["ethnic_factor"]:
        text += _("涉及民族因素的%(ethnic)s件。") % values
    return text


def _mediation_sentence(ctx):
    m = ctx.board.mediation
    if not m.get("cases"):
        return ""
    text = _("登记矛盾纠纷%(cases)s件，经人民调解达成调解协议%(agreements)s件") % {
        "cases": count(m["cases"]),
        "agreements": count(m["agreements"]),
    }
    if m.get("success_rate") is not None:
        text += _("，调解成功率%(rate)s") % {"rate": rate(m["success_rate"])}
    return text + "。"


def _study(w, ctx):
    w.body(_activities_sentence(ctx, ReportSection.STUDY, _("%(when)s，组织%(items)s，参与%(participants)s")))


def _highlights(w, ctx):
    board = ctx.board
    w.own_words(ctx, HIGHLIGHTS)
    events = [a for a in board.largest_activities if a.participants]
    if events:
        parts = []
        for a in events:
            where = _("在%(place)s") % {"place": a.place} if a.place.strip() else ""
            text = _("%(date)s，%(who)s%(where)s开展%(title)s，参与群众%(participants)s") % {
                "date": date_cn(a.date),
                "who": a.jurisdiction.name,
                "where": where,
                "title": _clean(a.title),
                "participants": quantity(a.participants, PERSONS),
            }
            if a.minority_participants:
                text += _("，其中少数民族群众%(n)s") % {"n": quantity(a.minority_participants, PERSONS)}
            parts.append(text)
        w.body(_("参与面最广的活动有：") + "；".join(parts) + "。")
    for text in project_sentences(board.projects):
        w.body(text)


# 四、存在问题 / 五、下一步工作打算


def _problems(w, ctx):
    w.own_words(ctx, PROBLEMS)
    found = []
    progress = ctx.board.plan_progress
    if ctx.own_plan and progress and progress["responsibilities"]["overdue"]:
        found.append(_("责任分解表中有%(n)d条工作逾期未完成") % {"n": progress["responsibilities"]["overdue"]})
    if ctx.board.petitions.get("overdue"):
        found.append(_("有%(n)d件信访和矛盾纠纷案件超过办理期限") % {"n": ctx.board.petitions["overdue"]})
    if found:
        w.body(_("从工作台账看，") + "，".join(found) + "。")


def _next_steps(w, ctx):
    w.own_words(ctx, NEXT_STEPS)


def _measures_and_practices(w, ctx):
    _measures(w, ctx)
    w.own_words(ctx, PRACTICES)


# The fill of each section an outline may list (reporting.outline.SECTION_TITLES).
SECTIONS = {
    BASIC: _basic_situation,
    MEASURES: _measures_and_practices,
    WORK: _work_done,
    HIGHLIGHTS: _highlights,
    PROBLEMS: _problems,
    NEXT_STEPS: _next_steps,
}
