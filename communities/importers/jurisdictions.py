"""Import the jurisdiction tree from a division-code list: 代码, 名称, 级别, 上级代码.

Where 上级代码 is empty and the code is a 12-digit statistical division code, the parent is the nearest
ancestor code, in the file or the database, found by zeroing the code's trailing parts (village → township
→ district → city → province): 520115001001 lies under 520115001000, 520115000000 under 520100000000. When
no parent is given or implied, a new jurisdiction becomes a root and an existing one stays where it is.

With an actor who is not a superuser (the web page), every row must lie in the subtree the actor manages:
a new place under a place they manage (or under another new row), a changed place one they manage.

Rows may come in any order. Re-importing updates names and levels and moves only what the file moves.
New jurisdictions are inserted in bulk, level by level, with their paths computed here; moves go through
Jurisdiction.save(), which carries the moved subtree's paths along.
"""

import os
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from base.spreadsheets import (
    HEADER_SEARCH_ROWS,
    ImportIssue,
    IssueList,
    SpreadsheetError,
    compact,
    find_header,
    is_note_row,
    read_sheet,
)

from ..choices import LEVEL_ALIASES, Action, AuditAction, JurisdictionLevel
from ..models import PATH_SEGMENT_WIDTH, Jurisdiction, path_segment
from ..services import audit_record

NAME_MAX = Jurisdiction._meta.get_field("name").max_length
BATCH = 500
_CODE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")
# Where a 12-digit code's parts end: province, city, district, township/street; nearest ancestor first.
_ANCESTOR_PREFIXES = (9, 6, 4, 2)

_HEADER_WORDS = {
    "code": ("代码", "区划代码", "统计用区划代码", "行政区划代码", "辖区代码"),
    "name": ("名称", "单位名称", "地区名称", "辖区名称", "地区", "辖区"),
    "level": ("级别", "层级", "类型"),
    "parent": ("上级代码", "上级区划代码", "父级代码", "上级辖区代码"),
}
HEADER_KEYS = {word: key for key, words in _HEADER_WORDS.items() for word in words}

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


def _level_words():
    words = dict(LEVEL_ALIASES)
    for value, label in JurisdictionLevel.choices:
        words[value] = value
        words[str(label)] = value
    return words


@dataclass
class JurisdictionRow:
    """One row of the file, and what importing it does."""

    row: int
    code: str
    name: str
    level: str
    parent_code: str | None
    # The parent code given or implied; None when the file leaves the parent open.
    resolved_parent: str | None = None
    depth: int = 0
    status: str = ""
    pk: int | None = None
    moved: bool = False
    changes: list = field(default_factory=list)

    @property
    def level_display(self):
        return JurisdictionLevel(self.level).label


@dataclass
class JurisdictionImportPlan:
    filename: str
    issues: IssueList = field(default_factory=IssueList)
    rows: list = field(default_factory=list)
    counts: dict = field(default_factory=lambda: {NEW: 0, CHANGED: 0, UNCHANGED: 0})

    @property
    def is_valid(self):
        return not self.issues


@dataclass
class _Stored:
    pk: int
    code: str | None
    name: str
    level: str
    parent_id: int | None
    path: str


def jurisdiction_import_plan(*, file, filename, actor=None):
    """Return what importing the division-code list `file` would do, with every issue; write nothing.

    `file` is a path, bytes or a binary file. With `actor`, rows outside the subtree they manage are issues.
    """
    plan = JurisdictionImportPlan(filename=filename)
    try:
        sheet = read_sheet(file, filename)
    except SpreadsheetError as exc:
        plan.issues.append(ImportIssue(exc.row, exc.column or _("文件"), str(exc)))
        return plan
    rows = sheet.filled_rows()
    index, columns = find_header(rows, _header_columns)
    header_row = None if index is None else index + 1
    if columns is None:
        plan.issues.append(
            ImportIssue(
                None,
                _("表头"),
                _("找不到表头：前%(n)s行中没有同时含有“代码”和“名称”的行。表头应为：代码、名称、级别、上级代码。")
                % {"n": HEADER_SEARCH_ROWS},
            )
        )
        return plan
    if "level" not in columns:
        plan.issues.append(ImportIssue(header_row, _("级别"), _("缺少“级别”列：请增加“级别”列（如 街道、社区、村）。")))
        return plan
    plan.rows = _parse_rows(rows, header_row, columns, plan.issues)
    stored = [
        _Stored(*values)
        for values in Jurisdiction.objects.order_by().values_list("pk", "code", "name", "level", "parent_id", "path")
    ]
    stored_by_code = {s.code: s for s in stored if s.code}
    _resolve_parents(plan, stored_by_code, {s.pk: s for s in stored}, _managed_ids(actor))
    return plan


def _managed_ids(actor):
    """Return the ids of the places `actor` may manage, or None when every place may be written."""
    if actor is None or actor.is_superuser:
        return None
    return set(Jurisdiction.objects.for_user(actor, Action.MANAGE).values_list("pk", flat=True))


def _header_columns(row):
    """Return {key: (position, header text)} when `row` is the header (it has 代码 and 名称), else None."""
    columns = {}
    for position, cell in enumerate(row):
        key = HEADER_KEYS.get(compact(cell))
        if key and key not in columns:
            columns[key] = (position, cell)
    return columns if "code" in columns and "name" in columns else None


def _cell(row, columns, key):
    if key not in columns:
        return ""
    position = columns[key][0]
    return row[position] if position < len(row) else ""


def _code(text):
    code = compact(text)
    return code[:-2] if code.endswith(".0") else code


def _parse_rows(rows, header_row, columns, issues):
    levels = _level_words()
    parsed, first_row = [], {}
    for index in range(header_row, len(rows)):
        row, number = rows[index], index + 1
        if not any(row) or is_note_row(row):
            continue
        header = {key: columns[key][1] for key in columns}
        code, name = _code(_cell(row, columns, "code")), _cell(row, columns, "name")
        level_text, parent_code = _cell(row, columns, "level"), _code(_cell(row, columns, "parent"))
        ok = True
        if not _CODE.match(code):
            issues.append(
                ImportIssue(
                    number,
                    header["code"],
                    _("代码“%(code)s”格式不对：应为6位、9位或12位数字。") % {"code": code}
                    if code
                    else _("代码为空：每一行都需要区划代码。"),
                )
            )
            ok = False
        if not name:
            issues.append(ImportIssue(number, header["name"], _("名称为空：请填写辖区名称。")))
            ok = False
        elif len(name) > NAME_MAX:
            issues.append(ImportIssue(number, header["name"], _("名称过长：不能超过%(n)s个字。") % {"n": NAME_MAX}))
            ok = False
        level = levels.get(compact(level_text))
        if level is None:
            issues.append(
                ImportIssue(
                    number,
                    header["level"],
                    _("级别“%(level)s”无法识别：应为 省、市、区县、街道、乡镇、社区、村、网格、单位 之一。")
                    % {"level": level_text},
                )
            )
            ok = False
        if parent_code and not _CODE.match(parent_code):
            issues.append(
                ImportIssue(
                    number,
                    header["parent"],
                    _("上级代码“%(code)s”格式不对：应为6位、9位或12位数字。") % {"code": parent_code},
                )
            )
            ok = False
        if code and code in first_row:
            issues.append(
                ImportIssue(
                    number,
                    header["code"],
                    _("代码“%(code)s”重复：第%(first)s行与第%(row)s行，请删除其中一行。")
                    % {"code": code, "first": first_row[code], "row": number},
                )
            )
            continue
        first_row.setdefault(code, number)
        if ok:
            parsed.append(JurisdictionRow(number, code, name, level, parent_code or None))
    return parsed


def _implied_parent(code, known):
    if len(code) != 12:
        return None
    for prefix in _ANCESTOR_PREFIXES:
        candidate = code[:prefix].ljust(12, "0")
        if candidate != code and candidate in known:
            return candidate
    return None


def _resolve_parents(plan, stored_by_code, stored_by_pk, managed=None):
    in_file = {row.code: row for row in plan.rows}
    known = in_file.keys() | stored_by_code.keys()
    for row in plan.rows:
        if row.parent_code == row.code:
            plan.issues.append(ImportIssue(row.row, _("上级代码"), _("上级代码不能是本辖区自己的代码。")))
        elif row.parent_code and row.parent_code not in known:
            plan.issues.append(
                ImportIssue(
                    row.row,
                    _("上级代码"),
                    _("上级代码“%(code)s”不存在：它既不在文件中，也不在系统中。请先导入上级辖区或核对代码。")
                    % {"code": row.parent_code},
                )
            )
        else:
            row.resolved_parent = row.parent_code or _implied_parent(row.code, known)
    if managed is not None and not plan.issues:
        _check_scope(plan, stored_by_code, managed)
    if plan.issues:
        return

    def parent_key(key):
        """Return the node above `key` once the file is applied: a code for a row of the file, else a stored pk."""
        if isinstance(key, str) and key in in_file:
            row = in_file[key]
            if row.resolved_parent is not None:
                return row.resolved_parent
            stored = stored_by_code.get(key)
            parent_id = stored.parent_id if stored else None
        else:
            parent_id = stored_by_pk[key if isinstance(key, int) else stored_by_code[key].pk].parent_id
        if parent_id is None:
            return None
        parent = stored_by_pk[parent_id]
        return parent.code if parent.code in in_file else parent.pk

    depths = {}
    for row in plan.rows:
        chain, key = [], row.code
        while key is not None and key not in depths:
            if key in chain:
                cycle = " → ".join(str(k) for k in chain[chain.index(key) :] + [key])
                plan.issues.append(
                    ImportIssue(
                        row.row, _("上级代码"), _("上级关系形成循环：%(cycle)s。请核对上级代码。") % {"cycle": cycle}
                    )
                )
                return
            chain.append(key)
            key = parent_key(key)
        depth = -1 if key is None else depths[key]
        for node in reversed(chain):
            depth += 1
            depths[node] = depth
    for row in plan.rows:
        row.depth = depths[row.code]
        _classify(row, stored_by_code.get(row.code), stored_by_pk)
        plan.counts[row.status] += 1
    plan.rows.sort(key=lambda row: (row.depth, row.code))


def _check_scope(plan, stored_by_code, managed):
    """Refuse rows that would write outside the subtree the actor manages."""
    in_file = {row.code for row in plan.rows}
    for row in plan.rows:
        stored = stored_by_code.get(row.code)
        if stored is not None and stored.pk not in managed:
            plan.issues.append(
                ImportIssue(
                    row.row,
                    _("代码"),
                    _("代码“%(code)s”属于您无权管理的辖区：只能导入您所管理辖区及其下级。") % {"code": row.code},
                )
            )
            continue
        parent = row.resolved_parent
        if parent is None:
            if stored is None:
                plan.issues.append(
                    ImportIssue(
                        row.row,
                        _("上级代码"),
                        _("新辖区“%(code)s”没有上级：只能在您管理的辖区之下新增，请填写上级代码。")
                        % {"code": row.code},
                    )
                )
            continue
        if parent not in in_file and stored_by_code[parent].pk not in managed:
            plan.issues.append(
                ImportIssue(
                    row.row,
                    _("上级代码"),
                    _("上级辖区“%(code)s”不在您管理的范围内：只能在您管理的辖区之下新增或移动辖区。")
                    % {"code": parent},
                )
            )


def _classify(row, stored, stored_by_pk):
    if stored is None:
        row.status = NEW
        return
    row.pk = stored.pk
    if stored.name != row.name:
        row.changes.append((_("名称"), stored.name, row.name))
    if stored.level != row.level:
        row.changes.append((_("级别"), JurisdictionLevel(stored.level).label, JurisdictionLevel(row.level).label))
    old_parent = stored_by_pk[stored.parent_id].code if stored.parent_id else None
    if row.resolved_parent is not None and row.resolved_parent != old_parent:
        row.moved = True
        row.changes.append((_("上级"), old_parent, row.resolved_parent))
    row.status = CHANGED if row.changes else UNCHANGED


def jurisdiction_import_apply(*, plan, actor=None):
    """Write `plan` in one transaction: new jurisdictions in bulk, renames in bulk, moves one by one."""
    if not plan.is_valid:
        raise ValidationError(_("文件中有 %(n)s 处错误，未导入任何数据。") % {"n": len(plan.issues)})
    with transaction.atomic():
        written = [row for row in plan.rows if row.status != UNCHANGED]
        if not written:
            return None
        stored = {code: (pk, path) for pk, code, path in Jurisdiction.objects.values_list("pk", "code", "path")}
        _create_new(plan, stored)
        renamed = [
            Jurisdiction(pk=row.pk, name=row.name, level=row.level)
            for row in plan.rows
            if row.status == CHANGED and not row.moved
        ]
        Jurisdiction.objects.bulk_update(renamed, ["name", "level"], batch_size=BATCH)
        for row in plan.rows:
            if row.moved:
                jurisdiction = Jurisdiction.objects.get(pk=row.pk)
                jurisdiction.name, jurisdiction.level = row.name, row.level
                jurisdiction.parent = Jurisdiction.objects.get(code=row.resolved_parent)
                jurisdiction.save()
        return _audit(plan, actor, [row.pk for row in written])


def _create_new(plan, stored):
    """Insert new rows a tree level at a time, so each parent has its id and path before its children."""
    new_rows = [row for row in plan.rows if row.status == NEW]
    for depth in sorted({row.depth for row in new_rows}):
        level_rows = [row for row in new_rows if row.depth == depth]
        objects = [
            Jurisdiction(
                code=row.code,
                name=row.name,
                level=row.level,
                parent_id=stored[row.resolved_parent][0] if row.resolved_parent else None,
            )
            for row in level_rows
        ]
        Jurisdiction.objects.bulk_create(objects, batch_size=BATCH)
        if any(obj.pk is None for obj in objects):
            ids = dict(Jurisdiction.objects.filter(code__in=[row.code for row in level_rows]).values_list("code", "pk"))
            for obj in objects:
                obj.pk = ids[obj.code]
        for row, obj in zip(level_rows, objects, strict=True):
            parent_path = stored[row.resolved_parent][1] if row.resolved_parent else ""
            obj.path = parent_path + path_segment(obj.pk)
            obj.depth = len(obj.path) // PATH_SEGMENT_WIDTH - 1
            row.pk = obj.pk
            stored[row.code] = (obj.pk, obj.path)
        Jurisdiction.objects.bulk_update(objects, ["path", "depth"], batch_size=BATCH)


def _audit(plan, actor, pks):
    """Write one audit row, on the lowest jurisdiction above everything written (the first row's when none)."""
    paths = [path for start in range(0, len(pks), BATCH) for path in _paths(pks[start : start + BATCH])]
    common = os.path.commonprefix(paths)
    common = common[: len(common) // PATH_SEGMENT_WIDTH * PATH_SEGMENT_WIDTH]
    anchor = Jurisdiction.objects.filter(path=common).first() if common else None
    return audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        obj=anchor or Jurisdiction.objects.get(pk=pks[0]),
        jurisdiction=anchor,
        changes={**plan.counts, "file": plan.filename},
        note=_("导入辖区：%(file)s") % {"file": plan.filename},
    )


def _paths(pks):
    return Jurisdiction.objects.filter(pk__in=pks).values_list("path", flat=True)
