"""What the activity and petition register imports share: columns, cells, natural keys, month locks, the plan.

An office's register (台账) is one sheet, a header row (title and note rows above it are passed over) and one
record per row. Reading goes through base.spreadsheets (formats, encodings, limits); this module turns cells into
model values, and every refusal into a RegisterIssue with the row, the column (header as written and its Excel
letter) and the field. A file is written whole or not at all, and each row is matched to a stored record by a
natural key (defined by each register), so importing the same file again changes nothing.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from base import audit
from base.access import user_can
from base.spreadsheets import (
    HEADER_SEARCH_ROWS,
    ImportIssue,
    IssueList,
    SpreadsheetError,
    column_letter,
    compact,
    current_limits,
    find_header,
    is_empty,
    is_note_row,
    parse_whole_number,
    read_sheet,
    total_word,
)
from communities.choices import Action, AuditAction
from communities.models import AuditEntry, Jurisdiction
from communities.services import audit_entry, audit_record

from ..services.common import ensure_month_open, month_is_locked

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
STATUS_ORDER = {NEW: 0, CHANGED: 1, UNCHANGED: 2}
# PositiveIntegerField's upper bound on every database Django supports.
MAX_COUNT = 2_147_483_647
TRUE_WORDS = frozenset({"是", "有", "y", "yes", "true", "√", "✓", "✔", "1", "涉及", "群体"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "×", "✗", "0", "不涉及", "非群体", "个体"})
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Excel keeps dates as day numbers from 1899-12-30; a date column saved without its format shows them.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EXCEL_SERIAL = re.compile(r"^\d{5}$")
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)
CODE_WORDS = ("辖区代码", "区划代码", "统计用区划代码", "行政区划代码", "社区代码")


@dataclass(frozen=True)
class RegisterIssue(ImportIssue):
    """A problem in a register file; `field` is the record's field the cell fills (its Chinese name)."""

    field: str = ""


@dataclass(frozen=True)
class RegisterColumn:
    """One column of a register: the field it fills, its header in the template, and the headers offices use."""

    key: str
    header: str
    synonyms: tuple = ()
    required: bool = False

    @property
    def words(self):
        return (self.header, *self.synonyms)


def header_word(text):
    """Return a header cell as compared: spaces, required-marks (*) and a trailing unit "（份）" removed."""
    word = compact(text).strip("*＊")
    return _UNIT_SUFFIX.sub("", word) or word


@dataclass
class RegisterRow:
    """One record read from the file and what writing it means."""

    row: int
    instance: object
    key: tuple
    status: str = ""
    existing: object = None
    # [(field name, old value, new value)] of a matched record that the file changes.
    changes: list = field(default_factory=list)
    # What the preview shows: the line's cells and the changes as (label, old, new) text, personal data masked.
    cells: list = field(default_factory=list)
    change_texts: list = field(default_factory=list)

    @property
    def jurisdiction(self):
        return self.instance.jurisdiction


@dataclass
class RegisterPlan:
    """What a register file holds and what importing it would do; nothing is written until it is applied."""

    kind: str
    filename: str
    target: Jurisdiction | None
    rows: list = field(default_factory=list)
    issues: IssueList = field(default_factory=lambda: IssueList(limit=current_limits().max_errors))
    # Header cells of the file that fill no field, shown on the preview so nobody wonders where a column went.
    ignored_headers: list = field(default_factory=list)
    columns: set = field(default_factory=set)
    preview_headers: list = field(default_factory=list)

    @property
    def is_valid(self):
        return not self.issues

    @property
    def counts(self):
        counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0}
        for row in self.rows:
            if row.status:
                counts[row.status] += 1
        return counts

    @property
    def will_write(self):
        counts = self.counts
        return self.is_valid and bool(counts[NEW] or counts[CHANGED])

    def rows_in_order(self):
        return sorted(self.rows, key=lambda r: (STATUS_ORDER.get(r.status, 3), r.row))


@dataclass
class RegisterResult:
    new: int
    changed: int
    unchanged: int
    audit_entry: object = None


def _zh(label):
    with translation.override("zh-hans"):
        return str(label)


def choice_lookup(choices, synonyms=None):
    """Return {compared word: value} for a TextChoices: its Chinese labels, codes, labels in the user's language."""
    lookup = {}
    for value, label in choices.choices:
        for word in (_zh(label), str(label), value):
            lookup.setdefault(compact(word).lower(), value)
    for word, value in (synonyms or {}).items():
        lookup.setdefault(compact(word).lower(), value)
    return lookup


class RegisterReader:
    """Read one register file against a target jurisdiction; subclasses say which model and which columns.

    Subclasses define `kind`, `model`, `columns`, `date_field` (the day a record belongs to, whose month may be
    locked), `parse_row()` (cells to an unsaved instance, or None after reporting issues), `natural_key()`,
    `stored()` (the stored records that could match), `compared_fields()` and the writes.
    """

    kind = ""
    model = None
    columns = ()
    date_field = "date"
    duplicate_message = ""

    def __init__(self, *, target, actor, filename):
        self.target = target
        self.actor = actor
        self.filename = filename
        self.plan = RegisterPlan(kind=self.kind, filename=filename, target=target)
        self.by_word = {compact(w).lower(): c for c in self.columns for w in c.words}
        self.positions = {}
        self.headers = []
        self._places = None
        self._locks = {}

    # Issues

    def column_text(self, key):
        if key in self.positions:
            index = self.positions[key]
            return _("%(header)s（%(letter)s列）") % {"header": self.headers[index], "letter": column_letter(index)}
        column = next((c for c in self.columns if c.key == key), None)
        return column.header if column else ""

    def field_label(self, key):
        try:
            return str(self.model._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:  # a column that fills no single field is named by its header
            column = next((c for c in self.columns if c.key == key), None)
            return column.header if column else ""

    def issue(self, row, key, message):
        self.plan.issues.append(
            RegisterIssue(row, self.column_text(key) if key else "", message, self.field_label(key) if key else "")
        )

    def cell(self, cells, key):
        index = self.positions.get(key)
        if index is None or index >= len(cells):
            return ""
        value = cells[index]
        return "" if is_empty(value) else value.strip()

    # Reading

    def read(self, file):
        """Return the plan of `file` (a path, bytes or a binary file): every row, every issue, compared with the DB."""
        if self.target is None or not user_can(self.actor, Action.CHANGE, self.target):
            self.issue(None, "", _("请选择您可以录入记录的辖区（辖区代码）。"))
            return self.plan
        try:
            sheet = read_sheet(file, self.filename)
        except SpreadsheetError as exc:
            self.plan.issues.append(RegisterIssue(exc.row, exc.column or "", str(exc)))
            return self.plan
        rows = sheet.filled_rows() if sheet.merged else sheet.rows
        start = self._find_header(rows)
        if start is None:
            return self.plan
        for index in range(start, len(rows)):
            cells = rows[index]
            if not any(not is_empty(c) for c in cells) or is_note_row(cells):
                continue
            first = next((c for c in cells if c), "")
            if total_word(first):
                continue  # a 合计 row sums the rows above; it is not a record
            instance = self.parse_row(index + 1, cells)
            if instance is not None:
                self.plan.rows.append(RegisterRow(index + 1, instance, self.natural_key(instance)))
        if not self.plan.rows and not self.plan.issues:
            self.plan.issues.append(RegisterIssue(start, "", _("文件中没有记录：表头下面是空的。")))
        self._check_duplicates()
        self.compare()
        self._check_locks()
        self.describe()
        return self.plan

    def _find_header(self, rows):
        def match(cells):
            found = {}
            for position, text in enumerate(cells):
                column = self.by_word.get(header_word(text).lower()) if text else None
                if column is not None and column.key not in found:
                    found[column.key] = position
            required = [c.key for c in self.columns if c.required]
            return found if sum(1 for key in required if key in found) >= 2 else None

        index, found = find_header(rows, match)
        required = [c for c in self.columns if c.required]
        if index is None:
            self.plan.issues.append(
                RegisterIssue(
                    None,
                    "",
                    _("找不到表头行：前%(n)s行中应有这些列：%(columns)s。请使用下载的模板。")
                    % {"n": HEADER_SEARCH_ROWS, "columns": "、".join(c.header for c in required)},
                )
            )
            return None
        self.positions, self.headers = found, list(rows[index])
        self.plan.columns = set(found)
        missing = [c.header for c in required if c.key not in found]
        if missing:
            self.plan.issues.append(
                RegisterIssue(index + 1, "", _("缺少必需的列：%(columns)s。") % {"columns": "、".join(missing)})
            )
            return None
        used = set(found.values())
        self.plan.ignored_headers = [
            text for position, text in enumerate(self.headers) if text and position not in used
        ]
        return index + 1

    # Cells

    def text(self, row, cells, key, *, required=False):
        value = self.cell(cells, key)
        if required and not value:
            self.issue(row, key, _("不能为空。"))
            return None
        limit = getattr(self.model._meta.get_field(key), "max_length", None)
        if value and limit and len(value) > limit:
            self.issue(row, key, _("内容过长（%(n)s字，最多%(max)s字）。") % {"n": len(value), "max": limit})
            return None
        return value

    def date(self, row, cells, key, *, required=False):
        text = self.cell(cells, key)
        if not text:
            if required:
                self.issue(row, key, _("日期不能为空。"))
            return None
        day = parse_date(text)
        if day is None:
            self.issue(row, key, _("日期“%(text)s”无法识别：请写成 2024-03-05 这样的日期。") % {"text": text})
            return None
        if day > timezone.localdate():
            self.issue(row, key, _("日期%(day)s晚于今天，请核对。") % {"day": day.isoformat()})
            return None
        return day

    def count(self, row, cells, key, *, default=0):
        text = self.cell(cells, key)
        try:
            value = parse_whole_number(text)
        except ValueError:
            self.issue(row, key, _("“%(text)s”不是人数或份数：请填写不小于0的整数。") % {"text": text})
            return None
        if value is None:
            return default
        if value > MAX_COUNT:
            self.issue(row, key, _("数字%(text)s过大，请核对。") % {"text": text})
            return None
        return value

    def flag(self, row, cells, key):
        text = self.cell(cells, key)
        if not text:
            return False
        word = compact(text).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.issue(row, key, _("“%(text)s”无法识别：请填写“是”或“否”。") % {"text": text})
        return None

    def choice(self, row, cells, key, lookup, choices, *, required=False, default=""):
        text = self.cell(cells, key)
        if not text:
            if required:
                self.issue(row, key, _("不能为空。"))
                return None
            return default
        value = lookup.get(compact(text).lower())
        if value is None:
            self.issue(
                row,
                key,
                _("“%(text)s”不是可选的值：应为%(choices)s之一。")
                % {"text": text, "choices": "、".join(_zh(label) for label in choices.labels)},
            )
        return value

    def place(self, row, cells):
        """Return the row's jurisdiction: the 辖区代码 cell within the target's subtree, else the target itself."""
        text = self.cell(cells, "jurisdiction")
        if not text:
            return self.target
        if self._places is None:
            self._places = {
                j.code: j
                for j in Jurisdiction.objects.filter(path__startswith=self.target.path)
                .exclude(code=None)
                .only("pk", "name", "code", "path", "depth", "level")
            }
        code = compact(text)
        code = code[:-2] if code.endswith(".0") else code
        if _SCIENTIFIC.match(code):
            self.issue(
                row,
                "jurisdiction",
                _("辖区代码“%(code)s”被 Excel 显示成了科学计数法，后几位已经丢失：请把该列设置为“文本”格式后重新填写。")
                % {"code": text},
            )
            return None
        place = self._places.get(code)
        if place is None:
            # The same words for a code that does not exist and one outside the subtree: nothing is revealed.
            self.issue(
                row,
                "jurisdiction",
                _("辖区代码“%(code)s”不是所选辖区“%(target)s”或其下级辖区的代码：请核对，或在上传页选择正确的辖区。")
                % {"code": text, "target": self.target.name},
            )
        return place

    # Foreign keys are resolved from the file by this reader (one query in all, not one per row).
    resolved_fields = ("jurisdiction", "created_by")

    def validate(self, row, instance, keys):
        """Run the model's field validation, each message on the column of its field."""
        try:
            instance.full_clean(exclude=self.resolved_fields, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                key = name if name in keys else ""
                for message in messages:
                    self.issue(row, key, message)
            return False
        return True

    # Keys, matching and locks

    def _check_duplicates(self):
        seen = {}
        kept = []
        for item in self.plan.rows:
            first = seen.get(item.key)
            if first is not None:
                self.issue(item.row, self.date_field, self.duplicate_message % {"row": first})
                continue
            seen[item.key] = item.row
            kept.append(item)
        self.plan.rows = kept

    def compare(self):
        """Match each row to a stored record by its natural key: new, changed (the file's columns differ) or same."""
        stored = self.stored(self.plan.rows)
        for item in self.plan.rows:
            matches = stored.get(item.key, [])
            if len(matches) > 1:
                self.issue(
                    item.row,
                    self.date_field,
                    _("系统中已有%(n)s条与这一行相同的记录，无法确定更新哪一条：请先在系统中合并或删除重复记录。")
                    % {"n": len(matches)},
                )
                item.status = ""
                continue
            if not matches:
                item.status, item.existing, item.changes = NEW, None, []
                continue
            item.existing = matches[0]
            item.changes = [
                (name, getattr(item.existing, name), getattr(item.instance, name))
                for name in self.compared_fields(item)
                if getattr(item.existing, name) != getattr(item.instance, name)
            ]
            item.status = CHANGED if item.changes else UNCHANGED

    def _check_locks(self):
        """Refuse rows that would write into a month whose return is approved, naming the month."""
        for item in self.plan.rows:
            if item.status not in (NEW, CHANGED):
                continue
            day = getattr(item.instance, self.date_field)
            key = (item.jurisdiction.pk, day.year, day.month)
            if key not in self._locks:
                message = None
                if month_is_locked(jurisdiction=item.jurisdiction, day=day):
                    try:
                        ensure_month_open(jurisdiction=item.jurisdiction, day=day, field=self.date_field)
                    except ValidationError as exc:
                        message = exc.message_dict[self.date_field][0]
                self._locks[key] = message
            if self._locks[key]:
                self.issue(
                    item.row,
                    self.date_field,
                    _("%(place)s：%(message)s") % {"place": item.jurisdiction.name, "message": self._locks[key]},
                )

    # Subclass hooks

    def parse_row(self, row, cells):
        raise NotImplementedError

    def natural_key(self, instance):
        raise NotImplementedError

    def stored(self, rows):
        raise NotImplementedError

    def compared_fields(self, item=None):
        """Return the fields a matched row may change: the file's columns that are not part of the key."""
        raise NotImplementedError

    def preview_headers(self):
        raise NotImplementedError

    def preview_cells(self, item):
        """Return the cells of `item`'s line on the preview; personal data only in masked form."""
        raise NotImplementedError

    def describe(self):
        for item in self.plan.rows:
            item.cells = self.preview_cells(item)
            item.change_texts = [
                (self.field_label(name), *self.shown_change(name, old, value)) for name, old, value in item.changes
            ]
        self.plan.preview_headers = self.preview_headers()

    def shown_change(self, name, old, new):
        shown = self.audit_change(name, old, new)
        return ["—" if v in (None, "") else str(v) for v in shown]

    def write_new(self, rows):
        raise NotImplementedError

    def write_changed(self, rows):
        raise NotImplementedError

    def audit_values(self, instance, names):
        """Return {field: value} for the audit row of `instance` (personal data masked by subclasses)."""
        return audit.snapshot(instance, names)

    def audit_fields(self):
        raise NotImplementedError

    def audit_change(self, name, old, new):
        """Return [old, new] of a changed field as the audit row keeps it (subclasses mask personal data)."""
        return [audit.as_text(old), audit.as_text(new)]

    # Writing

    def apply(self, plan):
        """Write a plan without issues in one transaction, comparing it with the database again first."""
        if not plan.is_valid:
            raise ValidationError(_("文件中有 %(n)s 处错误，未导入任何数据。") % {"n": len(plan.issues)})
        if not user_can(self.actor, Action.CHANGE, plan.target):
            raise PermissionDenied(_("您无权在该辖区录入或修改记录。"))
        self.plan = plan
        with transaction.atomic():
            # Two imports into one place wait for each other, so the second sees the first's rows as stored.
            list(Jurisdiction.objects.select_for_update().filter(pk=plan.target.pk).values_list("pk"))
            # What the database holds now decides: a record added or a month approved since the preview counts.
            self.compare()
            self._check_locks()
            if not plan.is_valid:
                raise ValidationError([str(issue) for issue in plan.issues])
            new = [item for item in plan.rows if item.status == NEW]
            changed = [item for item in plan.rows if item.status == CHANGED]
            if new:
                self.write_new(new)
            if changed:
                self.write_changed(changed)
            entries = self._row_entries(new, changed)
            AuditEntry.objects.bulk_create(entries, batch_size=500)
            counts = plan.counts
            summary = None
            if new or changed:
                summary = audit_record(
                    actor=self.actor,
                    action=AuditAction.IMPORT,
                    obj=plan.target,
                    jurisdiction=plan.target,
                    changes={**counts, "file": plan.filename, "register": self.kind},
                    note=self.summary_note() % {"file": plan.filename, **counts},
                )
        return RegisterResult(counts[NEW], counts[CHANGED], counts[UNCHANGED], summary)

    def summary_note(self):
        raise NotImplementedError

    def _row_entries(self, new, changed):
        names = self.audit_fields()
        entries = []
        for item in new:
            after = self.audit_values(item.instance, names)
            entries.append(
                audit_entry(
                    actor=self.actor,
                    action=AuditAction.IMPORT,
                    obj=item.instance,
                    jurisdiction=item.jurisdiction,
                    changes=audit.changes_between({}, after),
                    note=_("导入：%(file)s 第%(row)s行") % {"file": self.filename, "row": item.row},
                )
            )
        for item in changed:
            entries.append(
                audit_entry(
                    actor=self.actor,
                    action=AuditAction.IMPORT,
                    obj=item.existing,
                    jurisdiction=item.existing.jurisdiction,
                    changes={name: self.audit_change(name, old, value) for name, old, value in item.changes},
                    note=_("导入：%(file)s 第%(row)s行") % {"file": self.filename, "row": item.row},
                )
            )
        return entries


def parse_date(text):
    """Return the date a cell holds ("2024-03-05", "2024/3/5", "2024年3月5日", "20240305", an Excel day number)."""
    value = text.strip()
    if " " in value and ":" in value:
        value = value.split(" ", 1)[0]  # "2024-03-05 00:00:00" from a CSV written by another program
    value = compact(value).split("T", 1)[0]
    match = _DATE.match(value) or _DATE_DIGITS.match(value)
    try:
        if match:
            return datetime.date(*(int(part) for part in match.groups()))
        if _EXCEL_SERIAL.match(value):
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
    except (ValueError, OverflowError):
        return None
    return None


def key_text(value):
    """Return text as compared in a natural key: full-width folded, spaces removed."""
    return compact(value or "")
