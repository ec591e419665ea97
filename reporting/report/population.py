"""The report's sentences on students and teachers (篇2) and on the yearly standing facts (篇1), in the seeds' wording.

Every number comes from the Dashboard (population summaries of kind student and staff, the yearly figures): a
sentence is written only for what was recorded, a sex split only when recorded, and a minority total whose groups
nobody recorded is said to be 分民族不详, never split.
"""

from django.utils.translation import gettext as _

from communities.choices import PopulationKind

from .numbers import percent, quantity

PERSONS = "人"


def _nouns(kind):
    """The words the seeds use for the people of a kind: (people, men, women)."""
    if kind == PopulationKind.STUDENT:
        return _("学生"), _("男生"), _("女生")
    return _("教职工"), _("男教职工"), _("女教职工")


def _sexes(summary, men, women):
    parts = []
    if summary.male is not None:
        parts.append(_("%(who)s%(n)s") % {"who": men, "n": quantity(summary.male, PERSONS)})
    if summary.female is not None:
        parts.append(_("%(who)s%(n)s") % {"who": women, "n": quantity(summary.female, PERSONS)})
    return "、".join(parts)


def _minority(summary, people, women):
    """“瑶族学生518人，占57.6%，瑶族女生257人” (one group) or “少数民族学生…，占…，其中瑶族…” (several)."""
    if not summary.minority_total:
        return ""
    share = summary.minority_share
    groups = summary.minority_groups
    unspecified = summary.minority_unspecified
    if len(groups) == 1 and not unspecified:
        group = groups[0]
        text = _("%(group)s%(people)s%(n)s") % {
            "group": group.ethnic_group.name,
            "people": people,
            "n": quantity(group.count, PERSONS),
        }
        if share is not None:
            text += _("，占%(share)s") % {"share": percent(share)}
        if group.female is not None:
            text += _("，%(group)s%(women)s%(n)s") % {
                "group": group.ethnic_group.name,
                "women": women,
                "n": quantity(group.female, PERSONS),
            }
        return text
    text = _("少数民族%(people)s%(n)s") % {"people": people, "n": quantity(summary.minority_total, PERSONS)}
    if share is not None:
        text += _("，占%(share)s") % {"share": percent(share)}
    parts = []
    for group in groups:
        part = _("%(group)s%(n)s") % {"group": group.ethnic_group.name, "n": quantity(group.count, PERSONS)}
        if group.female is not None:
            part += _("（%(women)s%(n)s）") % {"women": women, "n": quantity(group.female, PERSONS)}
        parts.append(part)
    if unspecified:
        parts.append(_("分民族不详%(n)s") % {"n": quantity(unspecified, PERSONS)})
    if groups:
        text += _("，其中") + "、".join(parts)
    elif unspecified:
        text += _("（分民族不详）")
    return text


def _summary_sentence(summary, name="", *, total=False):
    """One clause for a section or a whole unit: “小学部学生899人，其中女生442人，瑶族学生518人，占57.6%…”."""
    people, men, women = _nouns(summary.kind)
    values = {"name": name, "people": people, "n": quantity(summary.population, PERSONS)}
    parts = [_("%(people)s合计%(n)s") % values if total else _("%(name)s%(people)s%(n)s") % values]
    sexes = _sexes(summary, men, women)
    if sexes:
        parts.append(_("其中%(sexes)s") % {"sexes": sexes})
    minority = _minority(summary, people, women)
    if minority:
        parts.append(minority)
    return "，".join(parts)


def school_population_sentences(board):
    """Return a paragraph per kind recorded (students, then teachers): each section, then the total, else the whole."""
    paragraphs = []
    for summary in (board.population_students, board.population_teachers):
        if summary is None or not summary.has_data:
            continue
        if summary.sections:
            clauses = [_summary_sentence(part, part.section_label) for part in summary.sections]
            clauses.append(_summary_sentence(summary, total=True))
            paragraphs.append("；".join(clauses) + "。")
        else:
            paragraphs.append(_summary_sentence(summary) + "。")
    return paragraphs


def yearly_fact_sentences(board):
    """Return a sentence per yearly figure entered for the period's year, in its definition's wording and unit."""
    return [
        row["figure"].report_text(quantity(row["total"], row["figure"].unit)) + "。"
        for row in board.yearly_figures
        if row["places"]
    ]
