"""The report's sentences on people's-livelihood projects, from the dashboard's ProjectFigures.

Projects under way (实施中, 已完工) are summed apart from planned ones: a planned reservoir is an intention, not
investment made. Persons served are written per project, as seed 篇4 writes them ("313户1321人"): two projects of one
village may serve the same people, so their sum would count someone twice, and no sum of persons is written.
Funding follows the seed's order and words: the sources with their amounts, the funders named, what no row names
as 未列明来源, and in-kind contributions (投工投劳, 土地) after the money, never added to it.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from activities.choices import FundingSource, ProjectStatus
from activities.selectors.projects import UNSPECIFIED

from .numbers import count, points


def _wan(amount):
    return _("%(n)s万元") % {"n": points(amount)}


def _sources(by_source):
    """Return “上级拨款1090万元、企业捐资1600万元、未列明来源224.25万元” from SourceTotal rows."""
    return "、".join(f"{row.label}{_wan(row.amount)}" for row in by_source)


def _served(project):
    parts = []
    if project.households_served:
        parts.append(_("%(n)s户") % {"n": count(project.households_served)})
    if project.persons_served:
        parts.append(_("%(n)s人") % {"n": count(project.persons_served)})
    return _("惠及%(who)s") % {"who": "".join(parts)} if parts else ""


def _project_funding(project):
    """Return the funding of one project in the seed's manner, funders named after their source's amount."""
    cash, in_kind = {}, []
    for row in project.fundings.all():
        if row.in_kind:
            in_kind.append(row)
        else:
            cash.setdefault(row.source, []).append(row)
    parts = []
    for source in FundingSource:
        rows = cash.get(source.value)
        if not rows:
            continue
        text = f"{source.label}{_wan(sum((r.amount for r in rows), Decimal(0)))}"
        named = [r for r in rows if r.funder]
        if len(rows) == 1 and named:
            text += f"（{named[0].funder}）"
        elif named:
            text += "（" + "、".join(f"{r.funder}{_wan(r.amount)}" for r in named) + "）"
        parts.append(text)
    if parts and project.unspecified_amount:
        parts.append(f"{_('未列明来源')}{_wan(project.unspecified_amount)}")
    text = _("其中") + "、".join(parts) if parts else ""
    if in_kind:
        given = []
        for row in in_kind:
            item = (row.funder or row.get_source_display()) + (row.description or _("实物或投劳"))
            if row.amount is not None:
                item += _("（折价%(n)s）") % {"n": _wan(row.amount)}
            given.append(item)
        text += ("，" if text else "") + _("另有%(items)s") % {"items": "、".join(given)}
    return text


def _project_sentence(project):
    text = _("%(name)s总投资%(total)s") % {"name": project.name, "total": _wan(project.total_investment)}
    for part in (_project_funding(project), _served(project)):
        if part:
            text += "，" + part
    return text + "。"


def project_sentences(figures):
    """Return the report's sentences on the projects of the period (an empty list when there are none)."""
    if figures is None or not figures.count:
        return []
    sentences = []
    active = figures.under_way
    if active.count:
        states = []
        for status in (ProjectStatus.COMPLETED, ProjectStatus.IN_PROGRESS):
            n = figures.by_status[status].count
            if n:
                states.append(_("%(label)s%(n)d个") % {"label": status.label, "n": n})
        text = _("实施民生项目%(n)d个（%(states)s），总投资%(total)s") % {
            "n": active.count,
            "states": "、".join(states),
            "total": _wan(active.total_investment),
        }
        if active.cash and active.by_source:
            text += _("，其中%(sources)s") % {"sources": _sources(active.by_source)}
        if active.amount_spent:
            text += _("；已完成投资%(spent)s") % {"spent": _wan(active.amount_spent)}
        projects = figures.largest
        if len(projects) == active.count == 1:
            # One project: its own sentence says it all, once.
            states = "、".join(states)
            text = _("实施民生项目1个（%(states)s）：") % {"states": states} + _project_sentence(projects[0])
            sentences.append(text)
        else:
            sentences.append(text + "。")
            if projects:
                lead = _("其中投资较大的项目：") if active.count > len(projects) else ""
                sentences.append(lead + "".join(_project_sentence(p) for p in projects))
    planned = figures.planned_projects
    if planned.count:
        text = _("计划实施项目%(n)d个，计划投资%(total)s") % {
            "n": planned.count,
            "total": _wan(planned.total_investment),
        }
        if planned.cash and planned.by_source:
            sources = [row for row in planned.by_source if row.key != UNSPECIFIED]
            if sources:
                text += _("，其中%(sources)s") % {"sources": _sources(sources)}
        if planned.amount_spent:
            text += _("，目前已投资%(spent)s") % {"spent": _wan(planned.amount_spent)}
        sentences.append(text + "。")
    return sentences
