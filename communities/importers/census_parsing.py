"""Read a census or statistics spreadsheet into population records, checking every cell.

Three layouts are understood, detected from the header row:

* long: one row per jurisdiction and ethnic group (地区, 民族, 人数 …);
* wide: one row per jurisdiction, one column per ethnic group (地区, 常住人口, 汉族, 苗族 …);
* single: one row per ethnic group of one jurisdiction named when importing (民族, 人数, 男, 女).

Where a total word (合计/总计/小计) stands in the place column, the row is a checksum of the rows above it,
never a place: 小计 covers the rows since the previous total row of any kind, 合计/总计 those since the
previous 合计/总计, so sub-totals and a grand total can both be checked; consecutive total rows all check the same
rows above. In the long layout a total row that names a group in the 民族 column (合计, 苗族, 5) checks that
group's rows above. Where a total word stands in the 民族 column (long and single layouts), the row gives that
jurisdiction's total population.

Rows are read one at a time (base.spreadsheets.open_sheet) and records handed on in chunks as they are complete
(`_CensusReader.chunks`): in the wide layout a row is a whole record, so a province's file is never held; in the long
and single layouts the rows of one record may be anywhere in the file, so its records are complete only at its end
(such a file is at most the readers' row limit, 200,000 counts). What must be known across the whole file is kept
as keys only: the first row of each record (duplicates) and the sums of the total rows' checks.

This module only reads and checks; `census` compares with the database and writes.
"""

import operator
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base.spreadsheets import (
    HEADER_SEARCH_ROWS,
    ImportIssue,
    IssueList,
    SpreadsheetError,
    column_letter,
    compact,
    find_header,
    is_note_row,
    parse_whole_number,
    total_word,
)

from ..choices import PopulationKind
from ..ethnic_groups import EthnicGroupIndex
from .places import JurisdictionIndex

YEAR_MIN, YEAR_MAX = 1949, 2100
# Records handed on at a time to be compared and written: a few thousand keep the statements few and the memory small.
CHUNK_RECORDS = 2000
# Records of each status a plan keeps for the preview (which lists 500).
KEPT_RECORDS = 500
# PostgreSQL's integer column: a larger count is a typing slip, not a population.
COUNT_MAX = 2_000_000_000
# PopulationRecord.section's length.
SECTION_MAX = 40
# A year in a title row above the header: "碧海社区人口民族构成（2020年）", "2020年度".
_TITLE_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")


class CensusLayout(models.TextChoices):
    LONG = "long", gettext_lazy("长表：每行一个辖区的一个民族")
    WIDE = "wide", gettext_lazy("宽表：每行一个辖区，每列一个民族")
    SINGLE = "single", gettext_lazy("单一辖区：每行一个民族")


# Totals of a record, in the order the preview lists them.
RECORD_FIELDS = (
    "residents",
    "households",
    "floating_minority",
    "hardship_households",
    "hardship_persons",
    "male",
    "female",
    "minority_total",
)

_HEADER_WORDS = {
    "code": ("代码", "区划代码", "统计用区划代码", "行政区划代码", "辖区代码"),
    "name": ("地区", "辖区", "单位", "名称", "单位名称", "地区名称", "辖区名称"),
    "year": ("年份", "年度", "统计年份"),
    "section": ("学部", "学段", "分部"),
    "residents": ("合计", "总计", "总人口", "常住人口", "人口总数", "总人数"),
    "households": ("户数", "总户数", "常住户数"),
    "floating_minority": ("流动少数民族", "流动少数民族人口", "流动少数民族人数"),
    "hardship_households": ("少数民族困难户", "少数民族困难户(户)", "困难户户数", "少数民族困难户户数", "困难户(户)"),
    "hardship_persons": ("困难户人数", "少数民族困难户人数", "少数民族困难户(人)", "困难户(人)"),
    "minority_check": ("少数民族", "少数民族人口", "少数民族合计", "少数民族人数"),
    "group": ("民族", "民族名称"),
    "count": ("人口数", "人数", "人口"),
    "male": ("男", "男性"),
    "female": ("女", "女性"),
}
HEADER_KEYS = {word: key for key, words in _HEADER_WORDS.items() for word in words}
_UNIT_SUFFIX = re.compile(r"\((?:人|户|个|人数|户数)\)$")
# Columns people add for their own use; they carry no figures.
IGNORED_HEADERS = frozenset({"序号", "备注", "说明", "编号", "排序"})
PLACE_KEYS = ("code", "name")
# Record-level totals that several rows of one record may repeat (long layout) and must then agree on.
_RECORD_KEYS = (*RECORD_FIELDS, "minority_check")


class Surface(models.TextChoices):
    """Where an import is run from, so messages name the field the user sees there."""

    WEB = "web", gettext_lazy("网页")
    COMMAND = "command", gettext_lazy("命令行")


def _year_hint(surface):
    if surface == Surface.WEB:
        return _("在上传页填写“年份”")
    return _("用 --year 指定年份")


def _jurisdiction_hint(surface):
    if surface == Surface.WEB:
        return _("请在上传页填写“辖区代码”")
    return _("请用 --jurisdiction 指定辖区代码")


def header_key(text):
    """Return the field a header cell names, or None."""
    word = compact(text)
    return HEADER_KEYS.get(word) or HEADER_KEYS.get(_UNIT_SUFFIX.sub("", word))


@dataclass
class Column:
    index: int
    header: str
    key: str
    group: object = None

    @property
    def letter(self):
        return column_letter(self.index)


@dataclass
class GroupChange:
    group: str
    old: int | None
    new: int | None


@dataclass
class FieldChange:
    name: str
    label: str
    old: int | None
    new: int | None


@dataclass
class PlannedRecord:
    """One population record as the file gives it, and how it differs from the database."""

    jurisdiction_id: int
    jurisdiction_path: str
    label: str
    code: str | None
    year: int
    row: int
    # A school's section (小学部, 初中部); blank is the whole unit.
    section: str = ""
    # Record totals the file provides (a blank cell in a present column clears the value).
    totals: dict = field(default_factory=dict)
    # Ethnic group id → (count, male, female).
    counts: dict = field(default_factory=dict)
    minority_total: int = 0
    # Filled by comparing with the database: "new", "changed" or "unchanged", and what would be written. Until then
    # empty and shared (no list or dict made per record: a province's file is 20,000 records).
    status: str = ""
    existing_pk: int | None = None
    field_changes: list | tuple = ()
    group_changes: list | tuple = ()
    final_totals: dict | None = field(default=None, repr=False)
    written_counts: dict | None = field(default=None, repr=False)
    stale_count_pks: list | tuple = field(default=(), repr=False)
    # The file's counts checksums (census._checksums), and what writing the record's checksum needs.
    checksums: tuple | None = field(default=None, repr=False)
    checksum_row: int | None = field(default=None, repr=False)
    final_counts: dict | None = field(default=None, repr=False)
    # checksums.digests of the counts, when made beforehand (on PostgreSQL, by the reading thread).
    digests: tuple | None = field(default=None, repr=False)

    @property
    def residents(self):
        return self.totals.get("residents")

    @property
    def counted_total(self):
        return sum(map(_FIRST, self.counts.values()))


@dataclass
class CensusImportPlan:
    """What importing a file would do; nothing is written until `census_import_apply`.

    A plan counts every record of the file but keeps only the first `KEPT_RECORDS` of each status (in file order),
    enough for the preview: a province's file would not fit in memory as records. `source` is how to read the
    file again, which applying the plan does.
    """

    filename: str
    kind: str
    layout: str | None = None
    issues: IssueList = field(default_factory=IssueList)
    records: list = field(default_factory=list)
    # Whether the file has 男/女 columns for the groups; without them stored sexes are kept.
    sexes_provided: bool = False
    group_names: dict = field(default_factory=dict)
    counts: dict = field(default_factory=lambda: {"new": 0, "changed": 0, "unchanged": 0})
    record_total: int = 0
    group_count_total: int = 0
    source: object = field(default=None, repr=False)

    @property
    def is_valid(self):
        return not self.issues

    def keep(self, record):
        """Count `record` and keep it when fewer than KEPT_RECORDS of its status are kept."""
        self.record_total += 1
        self.group_count_total += len(record.counts)
        kept = self._kept.get(record.status, 0)
        if kept < KEPT_RECORDS:
            self._kept[record.status] = kept + 1
            self.records.append(record)

    def __post_init__(self):
        self._kept = {}

    def get_layout_display(self):
        return CensusLayout(self.layout).label if self.layout else ""

    def get_kind_display(self):
        return PopulationKind(self.kind).label


@dataclass
class _Draft:
    record: PlannedRecord
    value_rows: dict = field(default_factory=dict)
    group_rows: dict = field(default_factory=dict)
    minority_check: int | None = None


def census_reader(sheet, *, year=None, jurisdiction=None, layout=None, actor=None, surface=Surface.COMMAND):
    """Return a _CensusReader over the rows of `sheet` (an iterator, e.g. a base.spreadsheets.SheetStream)."""
    return _CensusReader(
        sheet,
        places=JurisdictionIndex.for_actor(actor),
        groups=EthnicGroupIndex(),
        year=year,
        jurisdiction=jurisdiction,
        layout=layout,
        surface=surface,
    )


def option_issues(*, kind, layout):
    """Return the issues of the options themselves (kind, layout), before any file is read."""
    if kind not in PopulationKind.values:
        return [ImportIssue(None, _("人口类别"), _("人口类别“%(kind)s”无效。") % {"kind": kind})]
    if layout and layout not in CensusLayout.values:
        return [
            ImportIssue(None, _("格式"), _("格式“%(layout)s”无效，应为 long、wide 或 single。") % {"layout": layout})
        ]
    return []


# A count without 男/女 figures, (count, None, None), made once per number below 10,000 and shared: a province's
# wide file holds 1.16 M such counts, and a tuple each cost 0.14 s more (and the garbage collector's walks over them).
_PLAIN_COUNTS = [(count, None, None) for count in range(10_000)]
# The numbers below 10,000 by their plain text ("0" to "9999"): a look-up instead of a test and a conversion per cell.
_NUMBER_OF_TEXT = {str(number): number for number in range(10_000)}
_FIRST = operator.itemgetter(0)


class _CensusReader:
    """Walk the rows once, collecting records and every issue."""

    def __init__(self, rows, *, places, groups, year, jurisdiction, layout, surface=Surface.COMMAND):
        self.stream = iter(rows)
        self.head = []
        self.places = places
        self.groups = groups
        # The few groups that are not minorities (汉族, and 其他/未识别 where kept): a record's minority total is its
        # count less theirs, one look-up each instead of a test per group.
        self.other_ids = [g.pk for g in groups.groups if not g.is_minority]
        self.year_arg = year
        self.jurisdiction_arg = jurisdiction
        self.layout = layout or None
        self.surface = surface
        self.issues = IssueList()
        # Records still open; in the wide layout only those of the current chunk.
        self.drafts = {}
        # (place id, year, section) → the row of its first line, for every record of the file.
        self.first_rows = {}
        self.columns = {}
        self.group_columns = []
        self.header_row = None
        self.sexes_provided = False
        self._group_cache = {}

    def issue(self, row, column, message):
        self.issues.append(ImportIssue(row, column.header if isinstance(column, Column) else column, message))

    # The header --------------------------------------------------------------------------------------------

    @property
    def group_names(self):
        return {g.pk: g.name for g in self.groups.groups}

    def chunks(self):
        """Yield lists of complete PlannedRecords, each checked as a whole, while collecting every issue.

        Issues found in a later chunk do not take back earlier chunks: the caller keeps reading to the end to
        collect them all, and writes nothing unless there are none.
        """
        yield from self._chunks()
        # A file refused for its header is still read to its end: a limit it breaks further down is said too.
        try:
            for _row in self.stream:
                pass
        except SpreadsheetError as exc:
            self._file_issue(exc)

    def _chunks(self):
        try:
            self.head = list(islice(self.stream, HEADER_SEARCH_ROWS))
        except SpreadsheetError as exc:
            self._file_issue(exc)
            return
        if not self._find_header() or not self._check_layout():
            return
        default_year = self._year_argument()
        single_place = self._single_place() if self.layout == CensusLayout.SINGLE else None
        if self.issues:
            return
        if default_year is None and "year" not in self.columns:
            default_year = self._title_year()
            if self.issues:
                return
        if default_year is None and "year" not in self.columns:
            self.issue(
                self.header_row,
                _("年份"),
                _("缺少年份：请在表中增加“年份”列、在表头上方的标题中写明年份（如“（2020年）”），或%(hint)s。")
                % {"hint": _year_hint(self.surface)},
            )
            return
        if self.layout == CensusLayout.WIDE:
            yield from self._read_wide(default_year)
        else:
            self._read_long(default_year, single_place)
        # The long layout's records (and the wide layout's last chunk) are complete only now.
        drafts = list(self.drafts.values())
        self.drafts = {}
        for start in range(0, len(drafts), CHUNK_RECORDS):
            yield self._finished(drafts[start : start + CHUNK_RECORDS])

    def _finished(self, drafts):
        self._check_records(drafts)
        return [draft.record for draft in drafts]

    def _file_issue(self, exc):
        self.issues.append(ImportIssue(exc.row, exc.column or _("文件"), str(exc)))

    def _title_year(self):
        """Return the year the title rows above the header give, or None; several different years are an issue."""
        found = {}
        for number, row in enumerate(self.head[: self.header_row - 1], start=1):
            for cell in row:
                for match in _TITLE_YEAR.finditer(compact(cell)):
                    year = _year_value(match.group(1))
                    if year is not None:
                        found.setdefault(year, number)
        if len(found) > 1:
            years = "、".join(str(year) for year in sorted(found))
            self.issue(
                min(found.values()),
                _("标题"),
                _("标题行中有多个年份（%(years)s），无法确定数据年份：请增加“年份”列，或%(hint)s。")
                % {"years": years, "hint": _year_hint(self.surface)},
            )
            return None
        return next(iter(found), None)

    def _is_header(self, row):
        keys = {header_key(cell) for cell in row if cell}
        has_place = bool(keys & set(PLACE_KEYS))
        has_figures = bool(keys & {"group", "count", "residents"}) or any(
            self._header_group(cell) for cell in row if cell and not header_key(cell)
        )
        return (has_place and has_figures) or {"group", "count"} <= keys

    def _find_header(self):
        index, _found = find_header(self.head, self._is_header)
        if index is not None:
            self.header_row = index + 1
            self._read_header(self.head[index])
            return not self.issues
        self.issue(
            None,
            _("表头"),
            _(
                "找不到表头：前%(n)s行中没有同时含有“区划代码/地区名称”和“民族/人数”（或各民族名称）的行。"
                "请参照导入模板填写表头。"
            )
            % {"n": HEADER_SEARCH_ROWS},
        )
        return False

    def _header_group(self, text):
        # A bare number is a code people would not use as a column title; reading "1" as 汉族 would surprise.
        word = _UNIT_SUFFIX.sub("", compact(text))
        return None if word.isdigit() else self.groups.resolve(word)

    def _read_header(self, row):
        seen_groups = {}
        for index, text in enumerate(row):
            if not text:
                continue
            key = header_key(text)
            if key:
                column = Column(index, text, key)
                if key in self.columns:
                    previous = self.columns[key]
                    self.issue(
                        self.header_row,
                        text,
                        _("“%(a)s”（%(la)s列）与“%(b)s”（%(lb)s列）是同一项，请删除其中一列。")
                        % {"a": previous.header, "la": previous.letter, "b": text, "lb": column.letter},
                    )
                    continue
                self.columns[key] = column
                continue
            group = self._header_group(text)
            if group is not None:
                column = Column(index, text, "group_count", group)
                if group.pk in seen_groups:
                    previous = seen_groups[group.pk]
                    self.issue(
                        self.header_row,
                        text,
                        _("“%(a)s”（%(la)s列）与“%(b)s”（%(lb)s列）是同一个民族，请合并为一列。")
                        % {"a": previous.header, "la": previous.letter, "b": text, "lb": column.letter},
                    )
                    continue
                seen_groups[group.pk] = column
                self.group_columns.append(column)
                continue
            if compact(text) in IGNORED_HEADERS:
                continue
            self.issue(
                self.header_row,
                text,
                _(
                    "无法识别的列“%(header)s”（%(letter)s列）：既不是已知的项目，也不是民族名称。"
                    "请改为标准名称（如“常住人口”“苗族”）或删除该列。"
                )
                % {"header": text, "letter": column_letter(index)},
            )

    def _check_layout(self):
        has_place = any(key in self.columns for key in PLACE_KEYS)
        if "group" in self.columns and self.group_columns:
            self.issue(
                self.header_row,
                self.columns["group"],
                _("表头同时有“民族”列和各民族名称列：长表请只用“民族”“人数”两列，宽表请删除“民族”列。"),
            )
            return False
        if "group" in self.columns:
            detected = CensusLayout.LONG if has_place else CensusLayout.SINGLE
        else:
            detected = CensusLayout.WIDE
        if self.layout and self.layout != detected:
            self.issue(
                self.header_row,
                _("表头"),
                _("表头看起来是“%(detected)s”格式，但导入时选择了“%(chosen)s”格式：请改选格式或参照对应模板修改表头。")
                % {"detected": CensusLayout(detected).label, "chosen": CensusLayout(self.layout).label},
            )
            return False
        self.layout = detected
        if detected != CensusLayout.WIDE and "count" not in self.columns:
            self.issue(self.header_row, self.columns["group"], _("有“民族”列但缺少“人数”列：请增加“人数”列。"))
            return False
        if detected == CensusLayout.WIDE and not has_place:
            self.issue(self.header_row, _("表头"), _("宽表需要“区划代码”或“地区名称”列，说明每一行是哪个辖区。"))
            return False
        # A minority total without a group split (“教职工70人，少数民族38人”) is a record too.
        if detected == CensusLayout.WIDE and not self.group_columns and "minority_check" not in self.columns:
            self.issue(self.header_row, _("表头"), _("表头中没有民族名称列（如“汉族”“苗族”）。"))
            return False
        self.sexes_provided = detected != CensusLayout.WIDE and bool({"male", "female"} & set(self.columns))
        return True

    def _year_argument(self):
        if self.year_arg in (None, ""):
            return None
        year = _year_value(str(self.year_arg))
        if year is None:
            self.issue(
                None,
                _("年份"),
                _("指定的年份“%(year)s”无效：应为%(min)s至%(max)s之间的四位数年份。")
                % {"year": self.year_arg, "min": YEAR_MIN, "max": YEAR_MAX},
            )
            return None
        return year

    def _single_place(self):
        arg = self.jurisdiction_arg
        if arg is not None and not isinstance(arg, str):
            arg = arg.code or arg.name
        if not arg:
            self.issue(
                self.header_row,
                _("辖区"),
                _("单一辖区格式的表中没有辖区列：%(hint)s。") % {"hint": _jurisdiction_hint(self.surface)},
            )
            return None
        place, message = self.places.resolve(arg)
        if place is None:
            self.issue(None, _("辖区"), message)
        return place

    # The rows ----------------------------------------------------------------------------------------------

    def _cell(self, row, column):
        return row[column.index] if column is not None and column.index < len(row) else ""

    def _numbers(self, row_number, row, columns):
        """Return [(value, ok)] for the count cells of `columns`; a bad cell becomes an issue and ok is False."""
        width = len(row)
        values = []
        for column in columns:
            text = row[column.index] if column.index < width else ""
            # Plain digits and blanks are nearly every cell of a large file; only the rest take the slow path.
            if text.isdecimal() and len(text) < 10:
                values.append((int(text), True))
            elif not text:
                values.append((None, True))
            else:
                values.append(self._number(row_number, text, column))
        return values

    def _number(self, row_number, text, column):
        try:
            value = parse_whole_number(text)
        except ValueError:
            self.issue(row_number, column, _bad_number_message(text))
            return None, False
        if value is not None and value > COUNT_MAX:
            self.issue(row_number, column, _("数字“%(value)s”过大，请核对。") % {"value": text})
            return None, False
        return value, True

    def _total_word(self, text):
        return total_word(text) if text else None

    def _place_text(self, row):
        code = self._cell(row, self.columns.get("code"))
        if code:
            return code, self.columns["code"]
        return self._cell(row, self.columns.get("name")), self.columns.get("name") or self.columns.get("code")

    def _resolve_place(self, row_number, text, column):
        if column is not None and column.key == "code":
            place, message = self.places.by_code_text(text)
        else:
            place, message = self.places.resolve(text)
        if place is None:
            self.issue(row_number, column, message)
        return place

    def _row_year(self, row_number, row, fallback):
        """Return the row's year; a blank year cell takes `fallback` (the year above, or the one given)."""
        column = self.columns.get("year")
        text = self._cell(row, column)
        if not text:
            if fallback is None:
                self.issue(row_number, column, _("年份为空：请填写年份，或导入时指定年份。"))
            return fallback
        year = _year_value(text)
        if year is None:
            self.issue(
                row_number,
                column,
                _("年份“%(year)s”无效：应为%(min)s至%(max)s之间的四位数年份。")
                % {"year": text, "min": YEAR_MIN, "max": YEAR_MAX},
            )
            return None
        return year

    def _section(self, row):
        return self._cell(row, self.columns.get("section")).strip()[:SECTION_MAX]

    def _draft(self, place, year, row_number, section=""):
        key = (place.pk, year, section)
        draft = self.drafts.get(key)
        if draft is None:
            label = self.places.label(place)
            record = PlannedRecord(
                jurisdiction_id=place.pk,
                jurisdiction_path=place.path,
                label=f"{label} {section}" if section else label,
                code=place.code,
                year=year,
                row=row_number,
                section=section,
            )
            for name in RECORD_FIELDS:
                if name in self.columns and not (name in ("male", "female") and self.layout != CensusLayout.WIDE):
                    record.totals[name] = None
            draft = self.drafts[key] = _Draft(record)
            self.first_rows.setdefault(key, row_number)
        return draft

    def _set_value(self, draft, name, value, row_number, column):
        """Set a record total, checking that rows repeating it agree."""
        if value is None:
            return
        current = draft.minority_check if name == "minority_check" else draft.record.totals.get(name)
        if current is not None and current != value:
            self.issue(
                row_number,
                column,
                _("与第%(row)s行不一致：同一辖区同一年份的“%(header)s”前面为 %(old)s，这里为 %(new)s。")
                % {"row": draft.value_rows[name], "header": column.header, "old": current, "new": value},
            )
            return
        draft.value_rows.setdefault(name, row_number)
        draft.value_rows.setdefault(f"{name}_column", column)
        if name == "minority_check":
            draft.minority_check = value
        else:
            draft.record.totals[name] = value

    def _summed_columns(self):
        if self.layout == CensusLayout.WIDE:
            return [self.columns[k] for k in _RECORD_KEYS if k in self.columns] + self.group_columns
        return [self.columns[k] for k in ("count", "male", "female") if k in self.columns]

    def _data_rows(self):
        rows = enumerate(self.head[self.header_row :], start=self.header_row + 1)
        try:
            for number, row in rows:
                if row and not is_note_row(row):
                    yield number, row
            for number, row in enumerate(self.stream, start=len(self.head) + 1):
                if row and not is_note_row(row):
                    yield number, row
        except SpreadsheetError as exc:
            # A limit broken further down (too many rows): said once, and the rows above it stay checked.
            self._file_issue(exc)

    def _read_wide(self, default_year):
        checksum = _Checksum(self._summed_columns())
        columns = checksum.columns
        indexes = [column.index for column in columns]
        width = max(indexes) + 1
        # Where each figure of a row goes: the groups' counts, and the record's totals.
        group_positions = [(position, column.group.id) for position, column in enumerate(columns) if column.group]
        total_positions = [(position, column) for position, column in enumerate(columns) if not column.group]
        name_column = self.columns.get("name")
        for row_number, row in self._data_rows():
            if len(self.drafts) >= CHUNK_RECORDS:
                # Each row is a whole record: hand these on and forget them.
                drafts = list(self.drafts.values())
                self.drafts = {}
                yield self._finished(drafts)
            place_text, place_column = self._place_text(row)
            total_word = self._total_word(place_text) or self._total_word(self._cell(row, name_column))
            if len(row) < width:
                row = row + [""] * (width - len(row))
            values, bad = self._row_numbers(row_number, row, indexes, columns)
            if total_word:
                read = [(value, position not in bad) for position, value in enumerate(values)]
                self.issues.extend(checksum.check(total_word, row_number, read))
                continue
            checksum.add_row(values, bad)
            if not place_text:
                self.issue(row_number, place_column, _("缺少辖区：请填写区划代码或地区名称。"))
                continue
            place = self._resolve_place(row_number, place_text, place_column)
            year = self._row_year(row_number, row, default_year)
            if place is None or year is None:
                continue
            section = self._section(row)
            if (place.pk, year, section) in self.first_rows:
                first = self.first_rows[(place.pk, year, section)]
                self.issue(
                    row_number,
                    place_column,
                    _("“%(place)s”%(year)s年的数据重复：第%(first)s行与第%(row)s行，请删除其中一行。")
                    % {"place": place_text, "year": year, "first": first, "row": row_number},
                )
                continue
            draft = self._draft(place, year, row_number, section)
            for position, column in total_positions:
                self._set_value(draft, column.key, values[position], row_number, column)
            draft.record.counts = {
                group_id: _PLAIN_COUNTS[value] if value < len(_PLAIN_COUNTS) else (value, None, None)
                for position, group_id in group_positions
                if (value := values[position]) is not None
            }

    def _row_numbers(self, row_number, row, indexes, columns):
        """Return (values, positions of unreadable cells) for the cells at `indexes` of a row at least that wide.

        The wide layout's version of _numbers, for the tens of figures of every row of a province's file: plain digits
        and blanks are read in one pass, and only other cells take the slow path (and name their issue).
        """
        texts = [row[index] for index in indexes]
        number = _NUMBER_OF_TEXT.get
        values = [number(text) for text in texts]
        bad = ()
        if None in values:
            for position, text in enumerate(texts):
                if text and values[position] is None:
                    if text.isdecimal() and len(text) < 10:
                        values[position] = int(text)
                        continue
                    value, ok = self._number(row_number, text, columns[position])
                    values[position] = value
                    if not ok:
                        bad = (*bad, position)
        return values, bad

    def _read_long(self, default_year, single_place):
        checksum = _Checksum(self._summed_columns())
        group_column, count_column = self.columns["group"], self.columns["count"]
        male_column, female_column = self.columns.get("male"), self.columns.get("female")
        record_columns = [self.columns[k] for k in _RECORD_KEYS if k in self.columns and k not in ("male", "female")]
        place, place_text, year = single_place, "", default_year
        for row_number, row in self._data_rows():
            values = self._numbers(row_number, row, checksum.columns)
            if single_place is None:
                text, column = self._place_text(row)
                word = self._total_word(text)
                if word:
                    group = None
                    group_text = self._cell(row, group_column)
                    if group_text and not self._total_word(group_text):
                        group = self._resolve_group(row_number, group_text, group_column)
                        if group is None:
                            continue
                    self.issues.extend(checksum.check(word, row_number, values, group))
                    continue
                # A place or year written once over merged cells applies to the rows below it.
                if text:
                    place_text = text
                    place = self._resolve_place(row_number, text, column)
                elif not place_text:
                    self.issue(row_number, column, _("缺少辖区：请填写区划代码或地区名称。"))
                    continue
            year = self._row_year(row_number, row, year if year is not None else default_year)
            # The summed columns are the count, then 男 and 女 when the file has them.
            count, count_ok = values[0]
            male = female = None
            for column, (value, _ok) in zip(checksum.columns[1:], values[1:], strict=True):
                if column.key == "male":
                    male = value
                else:
                    female = value
            record_values = ()
            if record_columns:
                numbers = self._numbers(row_number, row, record_columns)
                record_values = [(column, value) for column, (value, _ok) in zip(record_columns, numbers, strict=True)]
            group_text = self._cell(row, group_column)
            if self._total_word(group_text):
                if place is not None and year is not None:
                    draft = self._draft(place, year, row_number, self._section(row))
                    for name, value, column in (
                        ("residents", count, count_column),
                        ("male", male, male_column),
                        ("female", female, female_column),
                    ):
                        self._set_value(draft, name, value, row_number, column)
                    for column, value in record_values:
                        self._set_value(draft, column.key, value, row_number, column)
                continue
            group = self._resolve_group(row_number, group_text, group_column)
            checksum.add(values, group.id if group is not None else None)
            if count_ok and count is None and (male or female):
                self.issue(row_number, count_column, _("填写了男女人数但人数为空：请填写该民族的人数。"))
            if place is None or year is None or group is None or count is None:
                continue
            draft = self._draft(place, year, row_number, self._section(row))
            for column, value in record_values:
                self._set_value(draft, column.key, value, row_number, column)
            # .id, not .pk: the property lookup shows up when this runs 100,000 times.
            if group.id in draft.group_rows:
                self.issue(
                    row_number,
                    group_column,
                    _("“%(group)s”在同一辖区同一年份出现两次：第%(first)s行与第%(row)s行，请合并为一行。")
                    % {"group": group.name, "first": draft.group_rows[group.id], "row": row_number},
                )
                continue
            if male is not None and female is not None and male + female > count:
                self.issue(
                    row_number,
                    male_column,
                    _("男（%(male)s）与女（%(female)s）之和超过该民族人数（%(count)s），请核对。")
                    % {"male": male, "female": female, "count": count},
                )
                continue
            draft.record.counts[group.id] = (count, male, female)
            draft.group_rows[group.id] = row_number

    def _resolve_group(self, row_number, text, column):
        if not text:
            self.issue(row_number, column, _("民族为空：请填写民族名称，如“苗族”。"))
            return None
        if text not in self._group_cache:
            self._group_cache[text] = self.groups.resolve(text)
        group = self._group_cache[text]
        if group is None:
            self.issue(
                row_number,
                column,
                _("无法识别的民族“%(name)s”：请填写标准民族名称（如“苗族”“布依族”）或 GB/T 3304 代码。")
                % {"name": text},
            )
        return group

    # Whole records -----------------------------------------------------------------------------------------

    def _check_records(self, drafts):
        for draft in drafts:
            record = draft.record
            counted = record.counted_total
            counts = record.counts
            record.minority_total = counted - sum(counts[gid][0] for gid in self.other_ids if gid in counts)
            residents = record.totals.get("residents")
            if residents is not None and counted > residents:
                self.issue(
                    draft.value_rows.get("residents", record.row),
                    draft.value_rows.get("residents_column", _("常住人口")),
                    _("各民族人数之和（%(counted)s）超过常住人口（%(residents)s）：请核对常住人口或各民族人数。")
                    % {"counted": counted, "residents": residents},
                )
            male, female = record.totals.get("male"), record.totals.get("female")
            if None not in (male, female, residents) and male + female > residents:
                self.issue(
                    draft.value_rows.get("male", record.row),
                    draft.value_rows.get("male_column", _("男")),
                    _("男（%(male)s）与女（%(female)s）之和超过常住人口（%(residents)s），请核对。")
                    % {"male": male, "female": female, "residents": residents},
                )
            if draft.minority_check is not None and residents is not None and draft.minority_check > residents:
                self.issue(
                    draft.value_rows["minority_check"],
                    draft.value_rows["minority_check_column"],
                    _("少数民族人数（%(given)s）超过总人数（%(residents)s），请核对。")
                    % {"given": draft.minority_check, "residents": residents},
                )
            elif draft.minority_check is not None and not record.minority_total:
                # A minority total with no group split (“少数民族教师38人”): kept as the total, its groups unknown.
                record.totals["minority_total"] = draft.minority_check or None
            elif draft.minority_check is not None and draft.minority_check == record.minority_total:
                # The file's groups carry the whole minority total: no part of it is left without a group.
                record.totals["minority_total"] = None
            elif draft.minority_check is not None and draft.minority_check != record.minority_total:
                self.issue(
                    draft.value_rows["minority_check"],
                    draft.value_rows["minority_check_column"],
                    _("少数民族人数（%(given)s）与各少数民族人数之和（%(counted)s）不符，请核对。")
                    % {"given": draft.minority_check, "counted": record.minority_total},
                )


class _Checksum:
    """Sums of the figures above a total row, of all rows and per ethnic group (long layout).

    A 小计 row checks the rows since the previous total row of any kind, a 合计/总计 row those since the previous
    合计/总计. Sums run from the top of the file and each scope remembers where it starts, so a figure row only
    adds; a scope restarts at the first figure row after the total rows that closed it, so consecutive total
    rows (合计, 汉族 / 合计, 苗族) all check the same rows. Values come as lists in the order of `columns`; a cell
    that could not be read is counted in `bad` and spoils its column's check.
    """

    def __init__(self, columns):
        self.columns = columns
        width = len(columns)
        self.sums, self.bad = [0] * width, [0] * width
        self.group_sums, self.group_bad = {}, {}
        self.block_start = self.grand_start = self._mark()
        self.restart_block = self.restart_grand = False

    def _mark(self):
        return (
            list(self.sums),
            list(self.bad),
            {gid: list(v) for gid, v in self.group_sums.items()},
            {gid: list(v) for gid, v in self.group_bad.items()},
        )

    def add(self, values, group_id=None):
        if self.restart_block:
            self.block_start = self._mark()
            if self.restart_grand:
                self.grand_start = self.block_start
            self.restart_block = self.restart_grand = False
        _accumulate(self.sums, self.bad, values)
        if group_id is not None:
            if group_id not in self.group_sums:
                self.group_sums[group_id], self.group_bad[group_id] = [0] * len(values), [0] * len(values)
            _accumulate(self.group_sums[group_id], self.group_bad[group_id], values)

    def add_row(self, values, bad=()):
        """Add a row of values (None when blank) and the positions of its unreadable cells: the wide layout's add()."""
        if self.restart_block:
            self.block_start = self._mark()
            if self.restart_grand:
                self.grand_start = self.block_start
            self.restart_block = self.restart_grand = False
        self.sums = list(map(operator.add, self.sums, [value or 0 for value in values]))
        for position in bad:
            self.bad[position] += 1

    def check(self, word, row_number, values, group=None):
        """Return the issues of total row `row_number`: of all rows above, or of `group`'s rows above."""
        start_sums, start_bad, start_group_sums, start_group_bad = (
            self.block_start if word == "小计" else self.grand_start
        )
        if group is None:
            sums, bad = self.sums, self.bad
        else:
            zeros = [0] * len(self.columns)
            sums, bad = self.group_sums.get(group.id, zeros), self.group_bad.get(group.id, zeros)
            start_sums, start_bad = start_group_sums.get(group.id, zeros), start_group_bad.get(group.id, zeros)
        issues = []
        for position, (column, (given, _ok)) in enumerate(zip(self.columns, values, strict=True)):
            expected = sums[position] - start_sums[position]
            if given is None or bad[position] > start_bad[position] or given == expected:
                continue
            if group is None:
                message = _(
                    "%(word)s行与上方各行之和不符：表中为 %(given)s，上方各行相加为 %(expected)s。请核对此列。"
                ) % {"word": word, "given": given, "expected": expected}
            else:
                message = _(
                    "%(word)s行的%(group)s与上方各行%(group)s之和不符：表中为 %(given)s，上方各行相加为 "
                    "%(expected)s。请核对此列。"
                ) % {"word": word, "group": group.name, "given": given, "expected": expected}
            issues.append(ImportIssue(row_number, column.header, message))
        self.restart_block = True
        self.restart_grand = self.restart_grand or word != "小计"
        return issues


def _accumulate(sums, bad, values):
    for position, (value, ok) in enumerate(values):
        if value is not None:
            sums[position] += value
        elif not ok:
            bad[position] += 1


@lru_cache(maxsize=1024)
def _year_value(text):
    """Return the year a cell or argument gives ("2024", "2024年", 2024.0), or None when it is not one."""
    try:
        year = parse_whole_number(str(text).removesuffix("年"))
    except ValueError:
        return None
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None


def _bad_number_message(text):
    value = compact(text)
    if re.fullmatch(r"-\d+(\.\d+)?", value):
        return _("“%(value)s”是负数：人数不能小于0，请改为0或正整数。") % {"value": text}
    if re.fullmatch(r"\d+\.\d+", value):
        return _("“%(value)s”不是整数：人数应为整数，请去掉小数。") % {"value": text}
    return _("“%(value)s”不是数字：请填写整数人数，没有可留空或填0。") % {"value": text}
