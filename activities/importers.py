"""Read an indicator spreadsheet (测评指标) into a plan's two-level indicator tree, checking every cell.

The usual shape is 一级指标 | 二级指标 | 指标内容 | 分值 | 资料收集和归档 | 责任单位及责任人, with the header row
possibly below a title row. A blank (or merged) 一级指标 cell means "the same as above". Codes come from the
titles where written ("一、组织领导", "1.2 建立台账") or from an 编号 column, else from the position (1, 1.1 …).

Reading is all or nothing: `indicator_import_plan` returns every problem with its row and column, and
`indicator_import_apply` writes only a plan without problems. Re-importing updates indicators matched by
code, then by title, so the same file twice changes nothing; indicators missing from the file are kept.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from base.spreadsheets import (
    HEADER_SEARCH_ROWS,
    ImportIssue,
    IssueList,
    SpreadsheetError,
    column_letter,
    compact,
    find_header,
    is_empty,
    is_note_row,
    read_sheet,
)
from communities.choices import AuditAction
from communities.services import audit_record

from .models import Indicator, Responsibility

POINTS_MAX = Decimal("9999.99")
TITLE_MAX = Indicator._meta.get_field("title").max_length
CODE_MAX = Indicator._meta.get_field("code").max_length
DEPARTMENT_MAX = Responsibility._meta.get_field("lead_department").max_length
PERSON_MAX = Responsibility._meta.get_field("responsible_person").max_length

_HEADER_WORDS = {
    "code": ("编号", "指标编号", "序号编码"),
    "level1": ("一级指标", "一级指标名称", "测评项目", "一级"),
    "level2": ("二级指标", "二级指标名称", "二级"),
    "content": ("指标内容", "内容", "测评内容", "具体内容", "考核内容", "指标说明"),
    "points": ("分值", "分数", "标准分", "分值(分)", "满分"),
    "criteria": ("评分标准", "评分细则", "考核标准", "扣分标准"),
    "evidence": ("资料收集和归档", "资料收集与归档", "资料收集及归档", "佐证资料", "佐证材料", "台账资料", "资料收集"),
    "responsibility": (
        "责任单位及责任人",
        "责任单位和责任人",
        "责任单位与责任人",
        "责任单位/责任人",
        "责任部门及责任人",
        "责任单位",
        "责任部门",
    ),
}
HEADER_KEYS = {compact(word): key for key, words in _HEADER_WORDS.items() for word in words}
COLUMN_LABELS = {key: words[0] for key, words in _HEADER_WORDS.items()}
REQUIRED_COLUMNS = ("level1", "points")
# Columns whose merged cells mean "this value for every row of the merge"; points never do (they would repeat).
FILLED_WHEN_MERGED = ("level1", "level2", "criteria", "evidence", "responsibility", "content")
NOTE_PREFIXES = ("注", "说明", "备注", "填表", "制表")
TEMPLATE_HEADERS = ("一级指标", "二级指标", "指标内容", "分值", "资料收集和归档", "责任单位及责任人")

_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHINESE_CODE = re.compile(r"^[（(]?(?P<code>[一二三四五六七八九十]{1,3})[）)]?[、.．\s]\s*(?P<title>.+)$")
_CHINESE_CODE_PAREN = re.compile(r"^[（(](?P<code>[一二三四五六七八九十]{1,3})[）)]\s*(?P<title>.+)$")
_NUMBER_CODE = re.compile(r"^(?P<code>[A-Za-z]?\d{1,3}(?:[.．]\d{1,3})*)(?P<sep>[、.．:：\s]+)?(?P<title>.+)$")
_POINTS_IN_TITLE = re.compile(r"\s*[（(]\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")
_PERSON_IN_PARENS = re.compile(r"^(?P<dept>.+?)\s*[（(]\s*(?P<person>[^（）()]+?)\s*[)）]$")
_RESPONSIBILITY_SPLIT = re.compile(r"[\n；;]+")


def header_key(text):
    return HEADER_KEYS.get(compact(text).replace("（", "(").replace("）", ")"))


def chinese_number(text):
    """Return the value of a Chinese numeral up to 99 (一 → 1, 十二 → 12, 二十 → 20)."""
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return (_CHINESE_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CHINESE_DIGITS.get(ones, 0) if ones else 0)
    return _CHINESE_DIGITS.get(text, 0)


def split_code(text):
    """Return (code or None, title) from a cell like "一、组织领导", "（二）宣传教育" or "1.2 建立台账"."""
    for pattern in (_CHINESE_CODE_PAREN, _CHINESE_CODE):
        match = pattern.match(text)
        if match:
            return str(chinese_number(match.group("code"))), match.group("title").strip()
    match = _NUMBER_CODE.match(text)
    if match and (match.group("sep") or "." in match.group("code") or "．" in match.group("code")):
        return match.group("code").replace("．", "."), match.group("title").strip()
    return None, text


def split_points(title):
    """Return (title without a trailing "（10分）", the points written there or None)."""
    match = _POINTS_IN_TITLE.search(title)
    if not match:
        return title, None
    return title[: match.start()].strip(), Decimal(match.group("points"))


def parse_responsibilities(text):
    """Split "社区党委（张三）；居委会/李四" into [(department, person, note)]; keep unclear text as the department."""
    parts = []
    for raw in _RESPONSIBILITY_SPLIT.split(text or ""):
        raw = raw.strip().strip("，,、").strip()
        if is_empty(raw):
            continue
        department, person = raw, ""
        match = _PERSON_IN_PARENS.match(raw)
        if match:
            department, person = match.group("dept").strip(), match.group("person").strip()
        elif raw.count("/") + raw.count("／") == 1:
            department, _slash, person = raw.replace("／", "/").partition("/")
            department, person = department.strip(), person.strip()
        if not department or not person or len(department) > DEPARTMENT_MAX or len(person) > PERSON_MAX:
            department, person = raw, ""
        note = ""
        if len(department) > DEPARTMENT_MAX:
            department, note = department[:DEPARTMENT_MAX], raw
        parts.append((department, person, note))
    return parts


@dataclass
class ParsedIndicator:
    """An indicator read from the file, with where it came from and what writing it will do."""

    row: int
    level: int
    code: str
    title: str
    content: str = ""
    criteria: str = ""
    evidence_requirements: str = ""
    points: Decimal | None = None
    code_given: bool = False
    points_stated: bool = False
    order: int = 0
    # The cell as written, so rows below a blank 一级指标 cell attach to it; broken when it could not be read.
    source: str = ""
    broken: bool = False
    parent: "ParsedIndicator | None" = None
    children: list = field(default_factory=list)
    responsibilities: list = field(default_factory=list)
    # Filled when compared with the database.
    existing: Indicator | None = None
    status: str = ""
    changes: list = field(default_factory=list)
    new_responsibilities: list = field(default_factory=list)

    @property
    def key(self):
        return (self.level, self.parent.title if self.parent else "", self.title)


NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclass
class IndicatorImportPlan:
    """What a file holds and what importing it would do; `issues` empty means it may be applied."""

    filename: str
    indicators: list = field(default_factory=list)
    issues: IssueList = field(default_factory=IssueList)
    kept: list = field(default_factory=list)

    @property
    def is_valid(self):
        return not self.issues

    @property
    def counts(self):
        counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0}
        for item in self.indicators:
            if item.status:
                counts[item.status] += 1
        counts["responsibilities"] = sum(len(item.new_responsibilities) for item in self.indicators)
        return counts

    @property
    def points_total(self):
        return sum((i.points or 0) for i in self.indicators if not i.children)


class _Reader:
    def __init__(self, rows, filename):
        self.rows = rows
        self.plan = IndicatorImportPlan(filename=filename)
        self.columns = {}
        self.headers = []
        self.header_row = None

    def issue(self, row, key, message):
        column = ""
        if key in self.columns:
            index = self.columns[key]
            column = _("%(header)s（%(letter)s列）") % {"header": self.headers[index], "letter": column_letter(index)}
        elif key:
            column = COLUMN_LABELS.get(key, key)
        self.plan.issues.append(ImportIssue(row, column, message))

    def cell(self, row, key):
        index = self.columns.get(key)
        if index is None or index >= len(row):
            return ""
        value = row[index]
        return "" if is_empty(value) else value.strip()

    def read(self):
        if self.header_row is None:
            return self.plan
        level1 = None
        level1_count = 0
        seen_titles = {}
        for index in range(self.header_row + 1, len(self.rows)):
            row = self.rows[index]
            row_number = index + 1
            if not any(not is_empty(c) for c in row) or self._is_note(row):
                continue
            text1, text2 = self.cell(row, "level1"), self.cell(row, "level2")
            if text1 and (level1 is None or text1 != level1.source):
                level1_count += 1
                level1 = self._level1(row_number, text1, level1_count)
                if level1 is None:
                    continue
                previous = seen_titles.get(level1.key)
                if previous:
                    self.issue(
                        row_number,
                        "level1",
                        _("一级指标“%(title)s”与第%(row)s行重复，请合并。") % {"title": level1.title, "row": previous},
                    )
                seen_titles[level1.key] = row_number
            elif not text1 and level1 is None:
                self.issue(row_number, "level1", _("一级指标为空，且上方没有可沿用的一级指标。"))
                continue
            if text2:
                self._level2(row_number, row, level1, text2, seen_titles)
            elif text1:
                self._level1_details(row_number, row, level1)
            else:
                self.issue(
                    row_number,
                    "level2",
                    _("二级指标为空：每行应填写一个二级指标；如果这一行是上一行的续写，请合并到上一行。"),
                )
        self._finish()
        return self.plan

    def find_header(self):
        index, keys = find_header(self.rows, _header_columns)
        if index is not None:
            missing = [COLUMN_LABELS[k] for k in REQUIRED_COLUMNS if k not in keys]
            if missing:
                self.plan.issues.append(
                    ImportIssue(index + 1, "", _("缺少必需的列：%(columns)s。") % {"columns": "、".join(missing)})
                )
                return False
            self.header_row, self.columns, self.headers = index, keys, list(self.rows[index])
            return True
        self.plan.issues.append(
            ImportIssue(
                None,
                "",
                _("找不到表头行：前%(n)s行中应有“一级指标”和“分值”等列（%(columns)s）。")
                % {"n": HEADER_SEARCH_ROWS, "columns": " | ".join(TEMPLATE_HEADERS)},
            )
        )
        return False

    def _is_note(self, row):
        return is_note_row(row, NOTE_PREFIXES)

    def _title(self, row_number, key, text):
        code, title = split_code(text)
        title, stated_points = split_points(title)
        if not title:
            self.issue(row_number, key, _("“%(text)s”只有编号，没有指标名称。") % {"text": text})
            return None
        if len(title) > TITLE_MAX:
            self.issue(
                row_number,
                key,
                _("指标名称过长（%(n)s字，最多%(max)s字）：请把说明放到“指标内容”列。")
                % {"n": len(title), "max": TITLE_MAX},
            )
            return None
        return code, title, stated_points

    def _level1(self, row_number, text, position):
        parsed = self._title(row_number, "level1", text)
        if parsed is None:
            # Still remember the cell so the rows below it attach to it rather than to the previous one.
            return ParsedIndicator(row=row_number, level=1, code="", title=text, source=text, broken=True)
        code, title, stated_points = parsed
        item = ParsedIndicator(
            row=row_number,
            level=1,
            code=code or str(position),
            title=title,
            points=stated_points,
            code_given=code is not None,
            points_stated=stated_points is not None,
            source=text,
        )
        self.plan.indicators.append(item)
        return item

    def _level1_details(self, row_number, row, level1):
        if level1.broken:
            return
        level1.content = self.cell(row, "content") or level1.content
        level1.criteria = self.cell(row, "criteria") or level1.criteria
        level1.evidence_requirements = self.cell(row, "evidence") or level1.evidence_requirements
        points = self._points(row_number, row, required=False)
        if points is not None:
            level1.points, level1.points_stated = points, True
        level1.responsibilities.extend(self._responsibilities(row_number, row))

    def _level2(self, row_number, row, level1, text, seen_titles):
        parsed = self._title(row_number, "level2", text)
        points = self._points(row_number, row, required=True)
        responsibilities = self._responsibilities(row_number, row)
        if parsed is None or level1.broken:
            return
        code, title, _stated = parsed
        explicit = self.cell(row, "code")
        if explicit:
            code = explicit
        item = ParsedIndicator(
            row=row_number,
            level=2,
            code=code or f"{level1.code}.{len(level1.children) + 1}",
            title=title,
            content=self.cell(row, "content"),
            criteria=self.cell(row, "criteria"),
            evidence_requirements=self.cell(row, "evidence"),
            points=points,
            code_given=code is not None,
            parent=level1,
            responsibilities=responsibilities,
        )
        previous = seen_titles.get(item.key)
        if previous:
            self.issue(
                row_number,
                "level2",
                _("二级指标“%(title)s”在同一一级指标下与第%(row)s行重复。") % {"title": title, "row": previous},
            )
        seen_titles[item.key] = row_number
        level1.children.append(item)
        self.plan.indicators.append(item)

    def _points(self, row_number, row, required):
        text = self.cell(row, "points")
        if not text:
            if required:
                self.issue(
                    row_number,
                    "points",
                    _("分值不能为空；如果几行合用一个分值（合并单元格），请分别填写各行的分值。"),
                )
            return None
        value = compact(text).removesuffix("分")
        try:
            points = Decimal(value)
        except InvalidOperation:
            points = None
        if points is None or not points.is_finite():
            self.issue(row_number, "points", _("分值“%(text)s”不是数字，请填写如 5 或 2.5。") % {"text": text})
            return None
        if points < 0 or points > POINTS_MAX:
            self.issue(
                row_number,
                "points",
                _("分值%(text)s超出范围：应在0到%(max)s之间。") % {"text": text, "max": POINTS_MAX},
            )
            return None
        if points != points.quantize(Decimal("0.01")):
            self.issue(row_number, "points", _("分值“%(text)s”最多保留两位小数。") % {"text": text})
            return None
        return points

    def _responsibilities(self, row_number, row):
        parts = parse_responsibilities(self.cell(row, "responsibility"))
        return [(department, person, note, row_number) for department, person, note in parts]

    def _finish(self):
        codes = {}
        for item in self.plan.indicators:
            if len(item.code) > CODE_MAX:
                self.issue(
                    item.row,
                    "code" if "code" in self.columns else ("level1" if item.level == 1 else "level2"),
                    _("编号“%(code)s”过长（最多%(max)s个字符）。") % {"code": item.code, "max": CODE_MAX},
                )
            if item.code in codes:
                self.issue(
                    item.row,
                    "code" if "code" in self.columns else ("level1" if item.level == 1 else "level2"),
                    _("编号“%(code)s”与第%(row)s行重复，同一方案中指标编号不能重复。")
                    % {"code": item.code, "row": codes[item.code]},
                )
            codes.setdefault(item.code, item.row)
            if item.level == 1 and not item.children:
                if item.points is None:
                    self.issue(
                        item.row,
                        "points",
                        _("一级指标“%(title)s”下没有二级指标，也没有填写分值。") % {"title": item.title},
                    )
            elif item.level == 1 and not item.points_stated:
                item.points = sum((child.points or 0) for child in item.children)
        if not self.plan.indicators and not self.plan.issues:
            self.plan.issues.append(ImportIssue(None, "", _("文件中没有指标行：表头下面是空的。")))


def _header_columns(row):
    """Return {key: position} when `row` is the header (一级指标 with 二级指标 or 分值), else None."""
    keys = {}
    for position, text in enumerate(row):
        key = header_key(text)
        if key and key not in keys:
            keys[key] = position
    return keys if "level1" in keys and ("level2" in keys or "points" in keys) else None


def indicator_import_plan(*, plan, file, filename):
    """Read `file` (a path, bytes or a binary file) and compare it with `plan`'s indicators; nothing is written."""
    try:
        sheet = read_sheet(file, filename)
    except SpreadsheetError as exc:
        result = IndicatorImportPlan(filename=filename)
        result.issues.append(ImportIssue(exc.row, exc.column or "", str(exc)))
        return result
    reader = _Reader(sheet.rows, filename)
    if reader.find_header() and sheet.merged:
        # Merged cells read as the value repeated below, except 分值: one shared score must not count per row.
        points = reader.columns.get("points")
        reader.rows = sheet.filled_rows(skip_columns=() if points is None else (points,))
    result = reader.read()
    if result.is_valid:
        _compare(plan, result)
    return result


_COMPARED_FIELDS = ("code", "title", "content", "criteria", "evidence_requirements", "points", "order", "parent_id")


def _compare(plan, result):
    """Match each row to a stored indicator and work out what writing it changes.

    A code written in the file is trusted first; a code made up from the position is not (a row inserted
    above shifts it), so those rows match by title first. Only what is left falls back to the other key.
    First-level rows are matched before second-level ones, whose titles count only under the same parent.
    """
    existing = list(Indicator.objects.filter(plan=plan).prefetch_related("responsibilities"))
    by_code = {i.code: i for i in existing}
    by_title = {}
    for i in existing:
        by_title.setdefault((i.parent_id, i.title), i)
    matched = set()

    def by_title_of(item):
        if item.parent is None:
            return by_title.get((None, item.title))
        if item.parent.existing is None:
            return None
        return by_title.get((item.parent.existing.pk, item.title))

    for level in (1, 2):
        items = [item for item in result.indicators if item.level == level]
        for item in items:
            item.existing = None
        for first_pass in (True, False):
            for item in items:
                if item.existing is not None:
                    continue
                by_code_first = item.code_given == first_pass
                candidate = by_code.get(item.code) if by_code_first else by_title_of(item)
                if candidate is not None and candidate.pk not in matched:
                    item.existing = candidate
                    matched.add(candidate.pk)
    labels = {name: str(Indicator._meta.get_field(name.removesuffix("_id")).verbose_name) for name in _COMPARED_FIELDS}
    for item in result.indicators:
        item.order = item.row
        candidate = item.existing
        if candidate is None:
            item.status = NEW
        else:
            item.changes = [
                (labels[name], _text(getattr(candidate, name)), _text(value))
                for name, value in _wanted(item).items()
                if getattr(candidate, name) != value
            ]
            item.status = CHANGED if item.changes else UNCHANGED
        known = set()
        if candidate is not None:
            known = {(r.lead_department, r.responsible_person) for r in candidate.responsibilities.all()}
        for department, person, note, row in item.responsibilities:
            if (department, person) not in known:
                known.add((department, person))
                item.new_responsibilities.append((department, person, note, row))
    result.kept = [i for i in existing if i.pk not in matched]


def _wanted(item):
    parent_existing = item.parent.existing if item.parent else None
    return {
        "code": item.code,
        "title": item.title,
        "content": item.content,
        "criteria": item.criteria,
        "evidence_requirements": item.evidence_requirements,
        "points": item.points if item.points is not None else Decimal(0),
        "order": item.order,
        # A new parent has no pk yet: it is always a change, set when writing.
        "parent_id": parent_existing.pk if parent_existing else (None if item.parent is None else -1),
    }


def _text(value):
    if value is None or value == -1:
        return None
    return str(value)


@transaction.atomic
def indicator_import_apply(*, plan, result, actor):
    """Write a valid import plan; every indicator and responsibility created or changed gets an audit row."""
    if not result.is_valid:
        raise ValidationError(_("文件中有错误，未导入任何数据。"))
    # Codes may move between indicators (a row inserted above): park changed codes first so no two collide.
    moving = [i.existing for i in result.indicators if i.existing is not None and i.existing.code != i.code]
    for indicator in moving:
        Indicator.objects.filter(pk=indicator.pk).update(code=f"~{indicator.pk}")
    jurisdiction = plan.jurisdiction
    for item in result.indicators:
        wanted = _wanted(item)
        wanted["parent_id"] = item.parent.existing.pk if item.parent else None
        indicator = item.existing or Indicator(plan=plan)
        if item.status == UNCHANGED and indicator.code == item.code:
            _write_responsibilities(item, indicator, actor, jurisdiction)
            continue
        for name, value in wanted.items():
            setattr(indicator, name, value)
        try:
            indicator.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(
                _("第%(row)s行：%(errors)s") % {"row": item.row, "errors": "；".join(exc.messages)}
            ) from exc
        indicator.save()
        item.existing = indicator
        if item.status != UNCHANGED:
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                obj=indicator,
                jurisdiction=jurisdiction,
                changes={label: [old, new] for label, old, new in item.changes}
                if item.status == CHANGED
                else {
                    _("编号"): [None, indicator.code],
                    _("指标"): [None, indicator.title],
                    _("分值"): [None, str(indicator.points)],
                },
                note=_("导入：%(file)s 第%(row)s行") % {"file": result.filename, "row": item.row},
            )
        _write_responsibilities(item, indicator, actor, jurisdiction)
    counts = result.counts
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        obj=plan,
        jurisdiction=jurisdiction,
        changes={},
        note=_("导入测评指标“%(file)s”：新增%(new)s项，更新%(changed)s项，未变%(same)s项，新增责任%(resp)s条")
        % {
            "file": result.filename,
            "new": counts[NEW],
            "changed": counts[CHANGED],
            "same": counts[UNCHANGED],
            "resp": counts["responsibilities"],
        },
    )
    return counts


def _write_responsibilities(item, indicator, actor, jurisdiction):
    for department, person, note, row in item.new_responsibilities:
        responsibility = Responsibility(
            indicator=indicator, lead_department=department, responsible_person=person, note=note
        )
        responsibility.full_clean()
        responsibility.save()
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=responsibility,
            jurisdiction=jurisdiction,
            changes={"lead_department": [None, department], "responsible_person": [None, person or None]},
            note=_("导入第%(row)s行") % {"row": row},
        )


def template_rows():
    """Return the rows of the downloadable template: a title, the header and two example rows."""
    return [
        [_("民族团结进步创建测评指标（请从第3行起填写，第2行为表头）")],
        list(TEMPLATE_HEADERS),
        [
            _("一、组织领导"),
            _("1.1 成立创建工作领导小组"),
            _("成立由主要负责人任组长的领导小组，明确职责分工。"),
            5,
            _("领导小组成立文件、会议记录"),
            _("社区党委（张三）"),
        ],
        [
            "",
            _("1.2 制定创建工作方案"),
            _("制定年度创建工作方案和责任分解表。"),
            5,
            _("工作方案、责任分解表"),
            "社区居委会/李四",
        ],
    ]
