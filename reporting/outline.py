"""What a report template may list (its outline) and what a draft holds (the narrative people write).

The outline is a list of `{"key": section key, "title": heading or ""}`; an empty title means the section's own
heading. The narrative is `{key: text}`, with 工作亮点 a list of items the report numbers 一是、二是…. Both are plain
JSON, validated here, so the model, the forms and the services agree on one rule.
"""

import re

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# Sections of the report, by the key an outline stores.
BASIC = "basic"
MEASURES = "measures"
WORK = "work"
HIGHLIGHTS = "highlights"
PROBLEMS = "problems"
NEXT_STEPS = "next_steps"

SECTION_TITLES = {
    BASIC: _("基本情况"),
    WORK: _("工作开展情况"),
    MEASURES: _("工作措施"),
    HIGHLIGHTS: _("工作亮点"),
    PROBLEMS: _("存在问题"),
    NEXT_STEPS: _("下一步工作打算"),
}

# Seed 003 (篇1): 一、基本情况 二、（工作开展，一是…十是） 三、工作措施 四、存在问题; a 下一步 section with neither
# data nor text prints nothing, so listing it keeps 篇1's outline and lets an office add one.
DEFAULT_OUTLINE = [{"key": key, "title": ""} for key in (BASIC, WORK, MEASURES, PROBLEMS, NEXT_STEPS)]

# The narrative a draft holds, in the order the page shows it.
OVERVIEW = "overview"
PRACTICES = "practices"
NARRATIVE_LABELS = {
    OVERVIEW: _("概述"),
    PRACTICES: _("主要做法"),
    HIGHLIGHTS: _("工作亮点"),
    PROBLEMS: _("存在问题"),
    NEXT_STEPS: _("下一步打算"),
}
LIST_NARRATIVES = frozenset({HIGHLIGHTS})

MAX_TEXT = 10000
MAX_ITEMS = 30
MAX_TITLE = 100

# An item typed with its own number (“一是”, “1、”, “（一）”, “2.”) is numbered once, by the report.
_NUMERALS = "一二三四五六七八九十"
_ENUMERATOR = re.compile(rf"^\s*(?:[{_NUMERALS}]+是|[（(][{_NUMERALS}\d]+[）)]|\d+\s*[、.．]|[{_NUMERALS}]+、)\s*")


def default_outline():
    return [dict(entry) for entry in DEFAULT_OUTLINE]


def outline_entries(outline):
    """Return [(key, heading)] of an outline, each heading its own or the section's."""
    return [(entry["key"], entry.get("title") or str(SECTION_TITLES[entry["key"]])) for entry in outline or []]


def validate_outline(outline):
    """Refuse an outline that is not a non-empty list of known, distinct section keys."""
    if not isinstance(outline, list) or not outline:
        raise ValidationError(_("汇报提纲至少要有一个部分。"), code="empty")
    seen = set()
    for entry in outline:
        key = entry.get("key") if isinstance(entry, dict) else None
        if key not in SECTION_TITLES:
            raise ValidationError(
                _("汇报提纲中的“%(key)s”不是已知的部分，可用：%(known)s。"),
                code="unknown",
                params={"key": key, "known": known_sections()},
            )
        if key in seen:
            raise ValidationError(
                _("汇报提纲中的“%(title)s”重复了。"), code="duplicate", params={"title": SECTION_TITLES[key]}
            )
        seen.add(key)
        title = entry.get("title", "")
        if not isinstance(title, str) or len(title) > MAX_TITLE:
            raise ValidationError(_("标题不能超过%(n)d个字。"), code="title", params={"n": MAX_TITLE})


def known_sections():
    return "、".join(str(title) for title in SECTION_TITLES.values())


def _section_key(name):
    """The key of a section named by its key or its heading (in Chinese or the reader's language)."""
    name = name.strip()
    with translation.override("zh-hans"):
        chinese = {key: str(title) for key, title in SECTION_TITLES.items()}
    for key, title in SECTION_TITLES.items():
        if name in (key, str(title), chinese[key]):
            return key
    return None


def parse_outline(text):
    """Read an outline typed one section a line: “基本情况”, or “工作开展情况：扎实开展民族工作” for its own heading."""
    outline = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _sep, title = re.sub(r":", "：", line).partition("：")
        key = _section_key(name)
        outline.append({"key": key if key else name.strip(), "title": title.strip()})
    return outline


def outline_text(outline):
    """Write an outline as `parse_outline` reads it: one section a line, by its Chinese heading."""
    lines = []
    for entry in outline or []:
        name = str(SECTION_TITLES.get(entry["key"], entry["key"]))
        lines.append(f"{name}：{entry['title']}" if entry.get("title") else name)
    return "\n".join(lines)


def empty_narrative():
    return {key: [] if key in LIST_NARRATIVES else "" for key in NARRATIVE_LABELS}


def strip_enumerator(text):
    return _ENUMERATOR.sub("", text, count=1).strip()


def clean_narrative(narrative):
    """Return the narrative with every key present, texts stripped, empty list items dropped; refuse a bad one."""
    if not isinstance(narrative, dict):
        raise ValidationError(_("草稿内容格式不正确。"), code="invalid")
    unknown = sorted(set(narrative) - set(NARRATIVE_LABELS))
    if unknown:
        raise ValidationError(_("草稿中有未知的部分：%(keys)s。"), code="unknown", params={"keys": "、".join(unknown)})
    cleaned = empty_narrative()
    for key, value in narrative.items():
        label = NARRATIVE_LABELS[key]
        if key in LIST_NARRATIVES:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ValidationError(_("“%(label)s”应为若干条文字。"), code="invalid", params={"label": label})
            items = [strip_enumerator(item) for item in value]
            items = [item for item in items if item]
            if len(items) > MAX_ITEMS:
                raise ValidationError(
                    _("“%(label)s”最多%(n)d条。"), code="too_many", params={"label": label, "n": MAX_ITEMS}
                )
            texts = items
        else:
            if not isinstance(value, str):
                raise ValidationError(_("“%(label)s”应为文字。"), code="invalid", params={"label": label})
            texts = [value.strip()]
            value = texts[0]
        if any(len(text) > MAX_TEXT for text in texts):
            raise ValidationError(
                _("“%(label)s”每段不能超过%(n)d个字。"), code="too_long", params={"label": label, "n": MAX_TEXT}
            )
        cleaned[key] = texts if key in LIST_NARRATIVES else value
    return cleaned


def is_empty(narrative):
    return not any(narrative.get(key) for key in NARRATIVE_LABELS)


def narrative_from_plan(plan):
    """The words a jurisdiction's own plan holds, as a draft's narrative: the starting point before any draft."""
    narrative = empty_narrative()
    if plan is None:
        return narrative
    narrative[HIGHLIGHTS] = [line.strip() for line in re.split(r"[\r\n]+", plan.highlights or "") if line.strip()]
    narrative[PROBLEMS] = (plan.problems or "").strip()
    narrative[NEXT_STEPS] = (plan.next_steps or "").strip()
    return clean_narrative(narrative)
