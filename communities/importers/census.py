"""Plan a census import against the database, then write it all or nothing.

For a record the file names, the file is authoritative: its group counts replace the stored ones (a group
missing from the file is removed from that record) and a total column present in the file replaces the stored
total, a blank cell clearing it. Totals whose column the file lacks, and the 男/女 split of a group when the
file has no 男/女 columns, are kept, unless the new total is smaller than the stored split, which is then
cleared because it cannot be right any more.

One import writes one audit row, on the lowest jurisdiction that holds every record it wrote (the record
itself when the file spans separate trees), with the numbers of new, changed and unchanged records: an
entry per record would bury the trail under thousands of rows per file.
"""

import os
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import Action, AuditAction, PopulationKind
from ..models import PATH_SEGMENT_WIDTH, GroupCount, Jurisdiction, PopulationRecord
from ..services import audit_record
from . import census_postgres
from .census_parsing import (
    RECORD_FIELDS,
    CensusImportPlan,
    CensusLayout,
    FieldChange,
    GroupChange,
    Surface,
    parse_census,
)

__all__ = [
    "CensusImportPlan",
    "CensusImportResult",
    "CensusLayout",
    "Surface",
    "census_import_apply",
    "census_import_plan",
]

# Below SQLite's 999 variables per statement even for __in lists, which Django does not split.
CHUNK = 900
BATCH = 1000
COUNT_FIELDS = ("record", "ethnic_group", "count", "male", "female")

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
    plan = parse_census(
        file=file,
        filename=filename,
        year=year,
        jurisdiction=jurisdiction,
        kind=kind,
        layout=layout,
        actor=actor,
        surface=surface,
    )
    if plan.is_valid:
        _compare(plan)
    return plan


def census_import_apply(*, plan, actor=None):
    """Write `plan` in one transaction and return what was done; refuse a plan with issues.

    The plan is compared with the database again inside the transaction, so what is written is what the
    database holds at that moment, whatever changed since the preview.
    """
    if not plan.is_valid:
        raise ValidationError(_("文件中有 %(n)s 处错误，未导入任何数据。") % {"n": len(plan.issues)})
    _check_scope(plan, actor)
    with transaction.atomic():
        _compare(plan)
        return _write(plan, actor)


def _check_scope(plan, actor):
    if actor is None or actor.is_superuser:
        return
    allowed = set(Jurisdiction.objects.for_user(actor, Action.MANAGE).values_list("pk", flat=True))
    if any(record.jurisdiction_id not in allowed for record in plan.records):
        raise PermissionDenied(_("文件中有您无权管理的辖区。"))


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Stored:
    pk: int
    totals: dict
    counts: dict
    # The stored counts are the file's, by the database's per-record digest (PostgreSQL): not fetched, not compared.
    same_counts: bool = False


def _stored_records(plan):
    """Return the stored records the plan touches, with their counts, keyed by (jurisdiction id, year, section)."""
    years = sorted({record.year for record in plan.records})
    ids = sorted({record.jurisdiction_id for record in plan.records})
    stored = {}
    for chunk in _chunks(ids):
        rows = PopulationRecord.objects.filter(kind=plan.kind, year__in=years, jurisdiction_id__in=chunk).values_list(
            "pk", "jurisdiction_id", "year", "section", *RECORD_FIELDS
        )
        for pk, jurisdiction_id, year, section, *totals in rows.order_by():
            stored[(jurisdiction_id, year, section)] = _Stored(pk, dict(zip(RECORD_FIELDS, totals, strict=True)), {})
    by_pk = {entry.pk: entry for entry in stored.values()}
    if census_postgres.available():
        digests = census_postgres.stored_digests(list(by_pk), sexes=plan.sexes_provided)
        for record in plan.records:
            entry = stored.get((record.jurisdiction_id, record.year, record.section))
            if entry is not None and entry.pk in digests:
                entry.same_counts = digests[entry.pk] == census_postgres.file_digest(
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


def _compare(plan):
    """Classify each planned record as new, changed or unchanged, and work out what writing it means."""
    stored = _stored_records(plan)
    labels = {name: str(PopulationRecord._meta.get_field(name).verbose_name) for name in RECORD_FIELDS}
    plan.counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0}
    for record in plan.records:
        old = stored.get((record.jurisdiction_id, record.year, record.section))
        record.field_changes, record.group_changes, record.stale_count_pks = [], [], []
        if old is None:
            record.status, record.existing_pk = NEW, None
            record.final_totals = dict(record.totals)
            record.written_counts = dict(record.counts)
        else:
            record.existing_pk = old.pk
            _compare_totals(record, old, labels)
            if old.same_counts:
                record.written_counts = {}
            else:
                _compare_counts(record, old, plan)
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


def _write(plan, actor):
    new = [record for record in plan.records if record.status == NEW]
    changed = [record for record in plan.records if record.status == CHANGED]
    result = CensusImportResult(**plan.counts)
    if not new and not changed:
        return result
    now = timezone.now()
    source = (_("导入：%(file)s") % {"file": plan.filename})[:200]

    stale = [pk for record in changed for pk in record.stale_count_pks]
    for chunk in _chunks(stale):
        GroupCount.objects.filter(pk__in=chunk).delete()
    result.counts_deleted = len(stale)

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

    created = [
        PopulationRecord(
            jurisdiction_id=record.jurisdiction_id,
            year=record.year,
            section=record.section,
            kind=plan.kind,
            source=source,
            **record.final_totals,
        )
        for record in new
    ]
    PopulationRecord.objects.bulk_create(created, batch_size=BATCH)
    _fill_missing_pks(created, plan.kind)
    for record, obj in zip(new, created, strict=True):
        record.existing_pk = obj.pk

    counts = (
        (record.existing_pk, group_id, count, male, female)
        for record in (*changed, *new)
        for group_id, (count, male, female) in record.written_counts.items()
    )
    if census_postgres.available():
        census_postgres.copy_counts(counts)
    else:
        _insert_counts(list(counts))
    result.counts_written = sum(len(record.written_counts) for record in (*changed, *new))
    result.anchor, result.audit_entry = _audit(plan, actor, [*new, *changed])
    return result


def _insert_counts(rows):
    """Insert (record id, group id, count, male, female) rows with multi-row INSERT statements.

    bulk_create would build a model instance per row and prepare each value through the field API, which
    for 100,000 counts costs more than reading, checking and comparing the whole file; the values here are
    already checked integers, and the constraints are still the database's.
    """
    fields = [GroupCount._meta.get_field(name) for name in COUNT_FIELDS]
    table = connection.ops.quote_name(GroupCount._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    per_statement = max(1, min(BATCH, connection.ops.bulk_batch_size(fields, rows)))
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            values = ", ".join([placeholders] * len(batch))
            # Only identifiers from the model's own metadata are formatted in; every value is a parameter.
            sql = f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608
            cursor.execute(sql, [value for row in batch for value in row])


def _fill_missing_pks(created, kind):
    """Fetch the ids of new records on databases whose bulk insert returns none (SQLite before 3.35)."""
    missing = [obj for obj in created if obj.pk is None]
    if not missing:
        return
    by_key = defaultdict(list)
    for obj in missing:
        by_key[obj.jurisdiction_id].append(obj)
    for chunk in _chunks(by_key):
        rows = PopulationRecord.objects.filter(kind=kind, jurisdiction_id__in=chunk).values_list(
            "pk", "jurisdiction_id", "year", "section"
        )
        for pk, jurisdiction_id, year, section in rows:
            for obj in by_key[jurisdiction_id]:
                if obj.year == year and obj.section == section:
                    obj.pk = pk


def _audit(plan, actor, written):
    paths = [record.jurisdiction_path for record in written]
    common = os.path.commonprefix(paths)
    common = common[: len(common) // PATH_SEGMENT_WIDTH * PATH_SEGMENT_WIDTH]
    anchor = Jurisdiction.objects.filter(path=common).first() if common else None
    obj = anchor or PopulationRecord.objects.select_related("jurisdiction").get(pk=written[0].existing_pk)
    entry = audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        obj=obj,
        jurisdiction=anchor,
        changes={
            **plan.counts,
            "file": plan.filename,
            "layout": plan.layout,
            "kind": plan.kind,
            "years": sorted({record.year for record in plan.records}),
            "group_counts_written": sum(len(record.written_counts) for record in written),
        },
        note=_("导入人口统计表：%(file)s") % {"file": plan.filename},
    )
    return anchor, entry
