"""Plan a census import against the database, then write it all or nothing.

For a record the file names, the file is authoritative: its group counts replace the stored ones (a group
missing from the file is removed from that record) and a total column present in the file replaces the stored
total, a blank cell clearing it. Totals whose column the file lacks, and the 男/女 split of a group when the
file has no 男/女 columns, are kept, unless the new total is smaller than the stored split, which is then
cleared because it cannot be right any more.

One import writes one audit row, on the lowest jurisdiction that holds every record it wrote (the record
itself when the file spans separate trees), with the numbers of new, changed and unchanged records: an
entry per record would bury the trail under thousands of rows per file.

The file is read once per pass, as a stream: each chunk of complete records (census_parsing) is compared with the
database and, when applying, written before the next is read, so memory stays bounded whatever the file's size. The
whole pass is one transaction: an issue anywhere, even in the last row, rolls back every chunk written before it.
On SQLite the import takes the write lock before its first read (`_lock_for_writing`), so another connection
committing meanwhile waits for the import instead of making the import's first write fail ("database is locked":
a transaction that read before another committed may not write after it).
"""

import os
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base.bulk import analyze_if_grown, bulk_insert
from base.collection import older_objects_set_aside
from base.provinces import province_code
from base.read_ahead import read_ahead
from base.spreadsheets import ImportIssue, SpreadsheetError, current_limits, open_sheet

from .. import checksums
from ..choices import Action, AuditAction, PopulationKind
from ..models import PATH_SEGMENT_WIDTH, GroupCount, Jurisdiction, PopulationRecord
from ..services import audit_record
from . import census_digests, census_postgres
from .census_parsing import (
    RECORD_FIELDS,
    CensusImportPlan,
    CensusLayout,
    FieldChange,
    GroupChange,
    Surface,
    census_reader,
    option_issues,
)

__all__ = [
    "CensusImportPlan",
    "CensusImportResult",
    "CensusLayout",
    "Surface",
    "census_import",
    "census_import_apply",
    "census_import_plan",
]

# Below SQLite's 999 variables per statement even for __in lists, which Django does not split.
CHUNK = 900
BATCH = 1000
# Counts per INSERT statement: 900 parameters, within SQLite's oldest limit (999).
COUNT_ROWS = 150
COUNT_FIELDS = ("record", "ethnic_group", "count", "male", "female", "province_code")

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclass
class CensusImportResult:
    new: int
    changed: int
    unchanged: int
    counts_written: int = 0
    counts_deleted: int = 0
    audit_entry: object = None
    anchor: Jurisdiction | None = None

    @property
    def message(self):
        return _("已导入：新增 %(new)s 条、修改 %(changed)s 条、无变化 %(unchanged)s 条") % {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }


@dataclass
class _Source:
    """How to read an import file again: its bytes or path, and the options it was read with."""

    file: object
    filename: str
    options: dict = field(default_factory=dict)


class _Refused(Exception):
    """The file has issues: leave the transaction, rolling back whatever was written."""


def census_import_plan(
    *,
    file,
    filename,
    year=None,
    jurisdiction=None,
    kind=PopulationKind.RESIDENT,
    layout=None,
    actor=None,
    surface=Surface.COMMAND,
):
    """Return what importing `file` would do, with every issue found; write nothing.

    `jurisdiction` (a code or a Jurisdiction) names the place of a single-jurisdiction file. With `actor`,
    only jurisdictions the actor may manage can be named; others read as unknown. `surface` (web or command)
    picks the words messages use for the year and the jurisdiction.
    """
    source = _source(file, filename, year, jurisdiction, kind, layout, actor, surface)
    plan, _result = _run(source, write=False)
    return plan


def census_import_apply(*, plan, actor=None):
    """Write `plan`'s file in one transaction and return what was done; refuse a plan with issues.

    The file is read and compared with the database again inside the transaction, so what is written is what the
    database holds at that moment, whatever changed since the preview.
    """
    if not plan.is_valid:
        raise ValidationError(_("文件中有 %(n)s 处错误，未导入任何数据。") % {"n": len(plan.issues)})
    try:
        with transaction.atomic():
            again, result = _run(plan.source, write=True, scope_actor=actor)
            if again.issues:
                raise _Refused
    except _Refused:
        raise ValidationError(_("文件中有 %(n)s 处错误，未导入任何数据。") % {"n": len(again.issues)}) from None
    plan.counts, plan.records = again.counts, again.records
    return result


def census_import(
    *,
    file,
    filename,
    year=None,
    jurisdiction=None,
    kind=PopulationKind.RESIDENT,
    layout=None,
    actor=None,
    surface=Surface.COMMAND,
    dry_run=False,
):
    """Check and import `file` in a single reading; return (plan, result), result None when nothing was written.

    What `census_import_plan` then `census_import_apply` do, reading the file once (the command's way): with any
    issue the plan lists them all and nothing is written; with `dry_run` nothing is written either.
    """
    source = _source(file, filename, year, jurisdiction, kind, layout, actor, surface)
    if dry_run:
        return _run(source, write=False)
    try:
        with transaction.atomic():
            plan, result = _run(source, write=True, scope_actor=actor)
            if plan.issues:
                raise _Refused
    except _Refused:
        return plan, None
    return plan, result


def _source(file, filename, year, jurisdiction, kind, layout, actor, surface):
    if not isinstance(file, str | os.PathLike | bytes | bytearray | memoryview):
        # An upload: read again from where Django spooled it, else keep its bytes (the size limit still applies).
        temporary = getattr(file, "temporary_file_path", None)
        file = Path(temporary()) if temporary is not None else file.read(current_limits().max_file_bytes + 1)
    options = {
        "year": year,
        "jurisdiction": jurisdiction,
        "kind": kind,
        "layout": layout,
        "actor": actor,
        "surface": surface,
    }
    return _Source(file, filename, options)


def _run(source, *, write, scope_actor=None):
    """Read `source` once, comparing each chunk of records and, with `write`, writing it; return (plan, result).

    With `write` this must run inside a transaction, and the caller rolls it back when the plan has issues.
    """
    with older_objects_set_aside():  # collections traverse the pass's own objects, not the site's (base.collection)
        return _pass(source, write=write, scope_actor=scope_actor)


def _pass(source, *, write, scope_actor):
    options = source.options
    plan = CensusImportPlan(filename=source.filename, kind=options["kind"], source=source)
    plan.issues.extend(option_issues(kind=options["kind"], layout=options["layout"]))
    if plan.issues:
        return plan, None
    try:
        sheet = open_sheet(source.file, source.filename)
    except SpreadsheetError as exc:
        plan.issues.append(ImportIssue(exc.row, exc.column or _("文件"), str(exc)))
        return plan, None
    writer = None
    if write:
        _lock_for_writing()
        writer = _Writer(plan, scope_actor)
    with sheet:
        reader = census_reader(
            sheet,
            year=options["year"],
            jurisdiction=options["jurisdiction"],
            layout=options["layout"],
            actor=options["actor"],
            surface=options["surface"],
        )
        plan.issues = reader.issues
        plan.group_names = reader.group_names
        chunks = reader.chunks()
        if connection.vendor == "postgresql":
            # The next chunk is read and checked while the server writes this one (base.read_ahead). Not on SQLite,
            # whose writes run in this process: the two threads only took turns (province census, stop 22: 11.1 s
            # from .csv and 14.6 s from .xlsx with it, a chunk's more memory, 204 MB).
            chunks = read_ahead(_with_digests(chunks))
        for records in chunks:
            plan.layout, plan.sexes_provided = reader.layout, reader.sexes_provided
            if not reader.issues:
                _compare(plan, records)
                if writer is not None:
                    writer.write(records)
            for record in records:
                plan.keep(record)
        plan.layout, plan.sexes_provided = reader.layout, reader.sexes_provided
    if writer is None or plan.issues:
        return plan, None
    return plan, writer.finish()


def _with_digests(chunks):
    """Yield the chunks, each record given its counts' checksums (`digests`) beforehand: in the reading thread, while
    the server writes the chunk before, instead of in the writing thread between its statements (a province's first
    import on PostgreSQL: 40-140 ms a chunk in which the server had nothing to do)."""
    for records in chunks:
        for record in records:
            record.digests = checksums.digests(record.counts)
        yield records


def _lock_for_writing():
    """On SQLite, take the database's write lock now, waiting for a writer that holds it, before anything is read.

    The site begins every transaction IMMEDIATE (settings), which already does this, so nothing is done then; a
    deployment configured otherwise would begin DEFERRED, read, and then fail at its first write if another
    connection had committed in between. A write statement that matches no row takes the lock (and fires no trigger).
    """
    if connection.vendor != "sqlite" or connection.settings_dict["OPTIONS"].get("transaction_mode") == "IMMEDIATE":
        return
    table = connection.ops.quote_name(PopulationRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id WHERE 0")  # noqa: S608 (the model's own table name)


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Stored:
    pk: int
    totals: dict
    counts: dict
    # The stored counts are the file's, by the record's checksum (communities.checksums) or the database's digest of
    # its counts (census_digests): not fetched or compared.
    same_counts: bool = False
    # (counts checksum, split checksum, version) of the record's checksum row, None without one.
    checksum: tuple | None = None
    # The checksum row says what the file says (nothing to write there).
    checksum_current: bool = False


def _stored_records(plan, records):
    """Return the stored records `records` name, with their counts, keyed by (jurisdiction id, year, section)."""
    stored = {}
    for pk, jurisdiction_id, year, section, *totals, counts, split, version in _stored_rows(plan.kind, records):
        entry = _Stored(pk, dict(zip(RECORD_FIELDS, totals, strict=True)), {})
        if version is not None:
            entry.checksum = (counts, split, version)
        stored[(jurisdiction_id, year, section)] = entry
    by_pk = {entry.pk: entry for entry in stored.values()}
    for record in records:
        entry = stored.get((record.jurisdiction_id, record.year, record.section))
        if entry is None or entry.checksum is None:
            continue
        kept = entry.checksum[1] if plan.sexes_provided else entry.checksum[0]
        if kept is not None and kept == _checksums(record, plan)[1 if plan.sexes_provided else 0]:
            entry.same_counts = entry.checksum_current = True
    by_pk = {pk: entry for pk, entry in by_pk.items() if not entry.same_counts}
    if census_digests.available() and by_pk:
        digests = census_digests.stored_digests(list(by_pk), sexes=plan.sexes_provided)
        for record in records:
            entry = stored.get((record.jurisdiction_id, record.year, record.section))
            if entry is not None and entry.pk in digests:
                entry.same_counts = digests[entry.pk] == census_digests.file_digest(
                    record.counts, sexes=plan.sexes_provided
                )
        by_pk = {pk: entry for pk, entry in by_pk.items() if not entry.same_counts}
    for chunk in _chunks(by_pk):
        rows = GroupCount.objects.filter(record_id__in=chunk).values_list(
            "pk", "record_id", "ethnic_group_id", "count", "male", "female"
        )
        for pk, record_id, group_id, count, male, female in rows.order_by():
            by_pk[record_id].counts[group_id] = (pk, count, male, female)
    return stored


_STORED_ROWS = (
    "SELECT r.id, r.jurisdiction_id, r.year, r.section, {totals}, c.counts, c.split, c.version "  # noqa: S608
    "FROM {records} r LEFT JOIN {checksums} c ON c.record_id = r.id WHERE r.kind = %s AND {years} AND {places}"
)


def _stored_rows(kind, records):
    """Yield the stored records of `records`' places and years, each with its totals and its checksum row (None
    for a record without one): one statement per chunk of places, raw, since the ORM's lookups (each id checked in
    Python) and a second statement for the checksums took 0.9 s of a province's unchanged re-import."""
    years = sorted({record.year for record in records})
    ids = sorted({record.jurisdiction_id for record in records})
    sql = _STORED_ROWS.format(
        totals=", ".join(f"r.{name}" for name in RECORD_FIELDS),
        records=PopulationRecord._meta.db_table,
        checksums=checksums.TABLE,
        years=f"r.year IN ({', '.join(['%s'] * len(years))})",
        places="r.jurisdiction_id IN ({marks})",
    )
    # Lists of values, as the ORM writes them: PostgreSQL planned `= ANY(array)` of the places by the (year, kind)
    # index while a first import's statistics still said the table was empty (0.7-0.8 s of a province's import).
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            cursor.execute(sql.format(marks=", ".join(["%s"] * len(chunk))), [kind, *years, *chunk])
            yield from cursor.fetchall()


def _checksums(record, plan):
    """Return (counts checksum, split checksum or None) of the file's record; the split only when the file has one."""
    if record.checksums is None:
        if record.digests is not None:
            record.checksums = (record.digests[0], record.digests[1] if plan.sexes_provided else None)
        else:
            record.checksums = (
                checksums.digest(record.counts, split=False),
                checksums.digest(record.counts, split=True) if plan.sexes_provided else None,
            )
    return record.checksums


def _checksum_rows(plan, records):
    """Return the checksum rows to write for a written chunk: each record's counts as they now stand, unless its row
    says so already (an unchanged re-import writes none)."""
    rows = []
    for record in records:
        if record.checksum_row is None:
            continue
        if record.final_counts is record.counts and record.checksums is None:
            # A new record, its counts as the file gives them: both checksums from one text.
            counts, split = record.digests or checksums.digests(record.counts)
            rows.append((record.existing_pk, counts, split, record.checksum_row))
            continue
        counts, split = _checksums(record, plan)
        if record.final_counts is not None:
            split = checksums.digest(record.final_counts, split=True)
        rows.append((record.existing_pk, counts, split, record.checksum_row))
    return rows


def _compare(plan, records):
    """Classify each record of a chunk as new, changed or unchanged, and work out what writing it means."""
    stored = _stored_records(plan, records)
    labels = {name: str(PopulationRecord._meta.get_field(name).verbose_name) for name in RECORD_FIELDS}
    for record in records:
        old = stored.get((record.jurisdiction_id, record.year, record.section))
        record.field_changes, record.group_changes, record.stale_count_pks = [], [], []
        # The version its checksum is written over (None: nothing to write), and its counts' final 男/女 when known.
        record.checksum_row, record.final_counts = None, None
        if old is None:
            record.status, record.existing_pk = NEW, None
            record.final_totals = dict(record.totals)
            record.written_counts = dict(record.counts)
            record.checksum_row, record.final_counts = 0, record.counts
        else:
            record.existing_pk = old.pk
            _compare_totals(record, old, labels)
            if old.same_counts:
                record.written_counts = {}
            else:
                _compare_counts(record, old, plan)
                record.final_counts = {
                    group_id: record.written_counts.get(group_id) or old.counts[group_id][1:]
                    for group_id in record.counts
                }
            if not old.checksum_current:
                record.checksum_row = old.checksum[2] if old.checksum else 0
            record.status = CHANGED if record.field_changes or record.group_changes else UNCHANGED
        plan.counts[record.status] += 1


def _compare_totals(record, old, labels):
    final = dict(old.totals)
    final.update(record.totals)
    residents = final["residents"]
    split = (final["male"], final["female"])
    if residents is not None and None not in split and sum(split) > residents:
        final["male"] = final["female"] = None
    minority = final["minority_total"]
    if minority is not None and (record.minority_total > minority or (residents is not None and minority > residents)):
        # A stored minority total the new figures exceed (or that exceeds the new total) cannot be right any more.
        final["minority_total"] = None
    record.final_totals = final
    record.field_changes = [
        FieldChange(name, labels[name], old.totals[name], final[name])
        for name in RECORD_FIELDS
        if final[name] != old.totals[name]
    ]


def _compare_counts(record, old, plan):
    written = {}
    for group_id, (count, male, female) in record.counts.items():
        before = old.counts.get(group_id)
        if before is not None and not plan.sexes_provided:
            male, female = before[2], before[3]
            if male is not None and female is not None and male + female > count:
                male = female = None
        if before is None or before[1:] != (count, male, female):
            written[group_id] = (count, male, female)
            record.group_changes.append(GroupChange(plan.group_names[group_id], before[1] if before else None, count))
            if before is not None:
                record.stale_count_pks.append(before[0])
    for group_id, before in old.counts.items():
        if group_id not in record.counts:
            record.group_changes.append(GroupChange(plan.group_names[group_id], before[1], None))
            record.stale_count_pks.append(before[0])
    record.group_changes.sort(key=lambda change: change.group)
    record.written_counts = written


class _Writer:
    """Write the chunks of one import, then its one audit row; every chunk inside the caller's transaction."""

    def __init__(self, plan, actor):
        self.plan, self.actor = plan, actor
        self.allowed = None
        if actor is not None and not actor.is_superuser:
            self.allowed = set(Jurisdiction.objects.for_user(actor, Action.MANAGE).values_list("pk", flat=True))
        self.now = timezone.now()
        self.source = (_("导入：%(file)s") % {"file": plan.filename})[:200]
        self.result = CensusImportResult(new=0, changed=0, unchanged=0)
        # What the audit row needs of the written records, not the records.
        self.common_path, self.first_pk, self.years = None, None, set()
        self.checksums_written = 0

    def write(self, records):
        if self.allowed is not None and any(record.jurisdiction_id not in self.allowed for record in records):
            raise PermissionDenied(_("文件中有您无权管理的辖区。"))
        self.years.update(record.year for record in records)
        written = _write(self.plan, records, now=self.now, source=self.source, result=self.result)
        checksum_rows = _checksum_rows(self.plan, records)
        checksums.save(checksum_rows)
        self.checksums_written += len(checksum_rows)
        if written:
            paths = [record.jurisdiction_path for record in written]
            if self.common_path is not None:
                paths.append(self.common_path)
            self.common_path = os.path.commonprefix(paths)
            if self.first_pk is None:
                self.first_pk = written[0].existing_pk

    def finish(self):
        # The next import's comparison joins the records to their checksum rows: planned as if there were none, it
        # reads every checksum row once per record.
        analyze_if_grown(checksums.TABLE, self.checksums_written)
        result = self.result
        result.new, result.changed, result.unchanged = (self.plan.counts[key] for key in (NEW, CHANGED, UNCHANGED))
        if self.first_pk is not None:
            result.anchor, result.audit_entry = _audit(self, result.counts_written)
        return result


def _write(plan, records, *, now, source, result):
    """Write the new and changed records of one chunk and their counts; return them."""
    new = [record for record in records if record.status == NEW]
    changed = [record for record in records if record.status == CHANGED]
    if not new and not changed:
        return []

    with checksums.writing_counts():  # the writer writes the records' checksums after the chunk
        _write_chunk(plan, new, changed, now=now, source=source, result=result)
    return [*new, *changed]


def _write_chunk(plan, new, changed, *, now, source, result):
    """Delete the changed records' stale counts, update the changed records, insert the new ones and all counts."""
    stale = [pk for record in changed for pk in record.stale_count_pks]
    for chunk in _chunks(stale):
        GroupCount.objects.filter(pk__in=chunk).delete()
    result.counts_deleted += len(stale)

    if changed:
        fields = {"source", "updated_at"}
        fields.update(change.name for record in changed for change in record.field_changes)
        PopulationRecord.objects.bulk_update(
            [
                PopulationRecord(pk=record.existing_pk, source=source, updated_at=now, **record.final_totals)
                for record in changed
            ],
            sorted(fields),
            batch_size=BATCH,
        )

    with bulk_insert(PopulationRecord._meta.db_table):
        _insert_records(new, kind=plan.kind, source=source)

    counts = (
        (record.existing_pk, group_id, count, male, female, code)
        for record, code in ((r, province_code(r.jurisdiction_path)) for r in (*changed, *new))  # one str a record
        for group_id, (count, male, female) in record.written_counts.items()
    )
    # The apps keeping data by trigger (summaries, change log) catch up on all of a chunk's counts at once.
    with bulk_insert(GroupCount._meta.db_table):
        if census_postgres.available():
            census_postgres.copy_counts(counts)
        else:
            _insert_counts(counts)
    result.counts_written += sum(len(record.written_counts) for record in (*changed, *new))


def _insert_counts(rows):
    """Insert (record id, group id, count, male, female, province code) rows (an iterable) with multi-row INSERT
    statements.

    bulk_create would build a model instance per row and prepare each value through the field API, which
    for 100,000 counts costs more than reading, checking and comparing the whole file; the values here are
    already checked integers, and the constraints are still the database's. One statement of COUNT_ROWS rows is
    given every full batch at once (executemany: SQLite prepares it once, and Django rewrites its %s placeholders
    once instead of once per statement); the rest goes in one shorter statement. Measured on a province's 1.16 M
    counts (stop 23): statements of SQLite's 32,766 parameters each spent 1.0 s in Django's rewriting; per 232,000
    counts, 0.62-1.08 s that way against 0.37-0.74 s given in batches of 100-200 rows at once. executemany of one
    row a statement was 5 times slower.
    """
    values = list(chain.from_iterable(rows))
    if not values:
        return
    fields = [GroupCount._meta.get_field(name) for name in COUNT_FIELDS]
    table = connection.ops.quote_name(GroupCount._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"

    def statement(n):
        # Only identifiers from the model's own metadata are formatted in; every value is a parameter.
        return f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * n)}"  # noqa: S608

    per = COUNT_ROWS * len(fields)
    full = len(values) // per * per
    with connection.cursor() as cursor:
        if full:
            cursor.executemany(statement(COUNT_ROWS), [values[start : start + per] for start in range(0, full, per)])
        if full < len(values):
            cursor.execute(statement((len(values) - full) // len(fields)), values[full:])


def _insert_records(records, *, kind, source):
    """Insert the new records with multi-row INSERT statements and set each one's `existing_pk`.

    As for the counts, bulk_create's model instances and per-field preparation cost more than the rest of the
    write for a province's 20,000 records. Every column the file does not give (kind, source, the time stamps,
    created_by) is prepared once, from one unsaved instance, the way bulk_create would prepare it.
    """
    if not records:
        return
    model = PopulationRecord
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    template = model(jurisdiction_id=0, year=0, kind=kind, source=source)
    constant = {f.attname: f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fields}
    per_record = ("jurisdiction_id", "year", "section", "province_code", *RECORD_FIELDS)
    positions = [(index, f.attname) for index, f in enumerate(fields) if f.attname in per_record]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = connection.features.can_return_rows_from_bulk_insert
    key_columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column)
        for name in ("id", "jurisdiction", "year", "section")
    )
    per_statement = max(1, min(BATCH, connection.ops.bulk_batch_size(fields, records)))
    base = [constant[f.attname] for f in fields]
    by_key = {}
    with connection.cursor() as cursor:
        for start in range(0, len(records), per_statement):
            batch = records[start : start + per_statement]
            params = []
            for record in batch:
                values = list(base)
                own = {"jurisdiction_id": record.jurisdiction_id, "year": record.year, "section": record.section}
                own["province_code"] = province_code(record.jurisdiction_path)
                own.update(record.final_totals)
                for index, name in positions:
                    values[index] = own.get(name)
                params.extend(values)
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(batch))}"  # noqa: S608
            if returning:
                # Matched by their natural key: the order RETURNING gives rows in is not promised.
                cursor.execute(f"{sql} RETURNING {key_columns}", params)
                by_key.update(((j, y, s), pk) for pk, j, y, s in cursor.fetchall())
            else:
                cursor.execute(sql, params)
    if not returning:
        by_key = _stored_keys(records, kind)
    for record in records:
        record.existing_pk = by_key[(record.jurisdiction_id, record.year, record.section)]


def _stored_keys(records, kind):
    """Return {(jurisdiction id, year, section): pk} of the stored records of `kind` in the places of `records`."""
    by_key = {}
    for chunk in _chunks(sorted({record.jurisdiction_id for record in records})):
        rows = PopulationRecord.objects.filter(kind=kind, jurisdiction_id__in=chunk).values_list(
            "pk", "jurisdiction_id", "year", "section"
        )
        by_key.update(((j, y, s), pk) for pk, j, y, s in rows.order_by())
    return by_key


def _audit(writer, counts_written):
    plan = writer.plan
    common = writer.common_path
    common = common[: len(common) // PATH_SEGMENT_WIDTH * PATH_SEGMENT_WIDTH]
    anchor = Jurisdiction.objects.filter(path=common).first() if common else None
    obj = anchor or PopulationRecord.objects.select_related("jurisdiction").get(pk=writer.first_pk)
    entry = audit_record(
        actor=writer.actor,
        action=AuditAction.IMPORT,
        obj=obj,
        jurisdiction=anchor,
        changes={
            **plan.counts,
            "file": plan.filename,
            "layout": plan.layout,
            "kind": plan.kind,
            "years": sorted(writer.years),
            "group_counts_written": counts_written,
        },
        note=_("导入人口统计表：%(file)s") % {"file": plan.filename},
    )
    return anchor, entry
