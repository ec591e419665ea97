"""Writes of creation plans: the plan with its measures, leading group and budget; indicators; the
responsibility breakdown; evidence files; the indicator import.

Plans carry no month of their own, so none of these writes is under the monthly lock. Every write checks
the actor may CHANGE the plan's jurisdiction (before, and after for a plan that moves) and is audited.
"""

import io
import uuid
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from base import audit
from communities.choices import Action
from communities.services import audit_delete, audit_save

from .. import importers
from ..models import CreationPlan, EvidenceFile, Indicator, Responsibility
from .common import delete_scoped, ensure_can, save_scoped

# The fields a person edits: the forms, the admin forms and the audit rows all use these lists.
PLAN_FIELDS = (
    "jurisdiction",
    "title",
    "target_title",
    "target_level",
    "start_date",
    "end_date",
    "goal",
    "theme",
    "main_line",
    "highlights",
    "problems",
    "next_steps",
)
INDICATOR_FIELDS = ("parent", "code", "title", "content", "points", "criteria", "evidence_requirements", "order")
RESPONSIBILITY_FIELDS = (
    "indicator",
    "lead_department",
    "cooperating_departments",
    "responsible_person",
    "deadline",
    "target",
    "progress",
    "status",
    "self_score",
    "note",
)
EVIDENCE_FIELDS = ("title", "indicator", "responsibility")

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
# What each allowed extension must really contain, judged from the file's first bytes (and, for the
# Office Open XML formats, the part that names the document type).
EVIDENCE_KINDS = {
    ".pdf": "pdf",
    ".doc": "ole",
    ".xls": "ole",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
}
_MAGIC = {
    "pdf": (b"%PDF-",),
    "ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def _plan_summary(plan):
    """Return the plan's measures, leading group and budgets as text a person can read in the history."""
    measures = "；".join(f"{m.order}. {m.title}" for m in plan.measures.all())
    group = "；".join(
        f"{m.get_role_display()} {m.name}" + (f"（{m.post}）" if m.post else "") for m in plan.leading_group.all()
    )
    budgets = "；".join(f"{b.year}年 {b.amount}/{b.spent}" for b in plan.budgets.all())
    return {_("工作举措"): measures, _("领导小组"): group, _("年度经费（预算/已用）"): budgets}


@transaction.atomic
def plan_save(*, plan, actor, inlines=()):
    """Create or update `plan` and save its bound, valid inline formsets (measures, leading group, budgets).

    One audit row says both what changed on the plan and in its inline lists.
    """
    before = _plan_summary(CreationPlan.objects.get(pk=plan.pk)) if plan.pk and inlines else {}

    def save_inlines():
        for formset in inlines:
            formset.instance = plan
            formset.save()
        if not inlines:
            return {}
        return {
            label: [before.get(label) or None, text or None]
            for label, text in _plan_summary(plan).items()
            if text != before.get(label, "")
        }

    save_scoped(obj=plan, actor=actor, fields=PLAN_FIELDS, date_field=None, related=save_inlines)
    return plan


def plan_delete(*, plan, actor):
    """Delete `plan` with its indicators, responsibilities and evidence; the evidence files go after commit."""
    paths = [(f.file.storage, f.file.name) for f in EvidenceFile.objects.filter(indicator__plan=plan)]
    with transaction.atomic():
        delete_scoped(obj=plan, actor=actor, date_field=None)
        transaction.on_commit(lambda: _remove_files(paths))


def _remove_files(paths):
    for storage, name in paths:
        if name:
            storage.delete(name)


def _ensure_plan_change(actor, plan):
    ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=plan.jurisdiction)


@transaction.atomic
def indicator_save(*, indicator, actor):
    """Create or update an indicator (its rules, e.g. what may be its parent, are in `Indicator.clean`)."""
    plan = indicator.plan
    _ensure_plan_change(actor, plan)
    before = audit.snapshot(Indicator.objects.get(pk=indicator.pk), INDICATOR_FIELDS) if indicator.pk else None
    indicator.full_clean()
    indicator.save()
    audit_save(actor=actor, obj=indicator, before=before, fields=INDICATOR_FIELDS, jurisdiction=plan.jurisdiction)
    return indicator


@transaction.atomic
def indicator_delete(*, indicator, actor):
    plan = indicator.plan
    _ensure_plan_change(actor, plan)
    paths = [(f.file.storage, f.file.name) for f in EvidenceFile.objects.filter(indicator__in=[indicator])]
    paths += [(f.file.storage, f.file.name) for f in EvidenceFile.objects.filter(indicator__parent=indicator)]
    audit_delete(actor=actor, obj=indicator, jurisdiction=plan.jurisdiction)
    indicator.delete()
    transaction.on_commit(lambda: _remove_files(paths))


@transaction.atomic
def responsibility_save(*, responsibility, actor):
    """Create or update a line of the breakdown (the self-assessed score is checked by `Responsibility.clean`)."""
    before = None
    if responsibility.pk:
        old = Responsibility.objects.select_related("indicator__plan__jurisdiction").get(pk=responsibility.pk)
        _ensure_plan_change(actor, old.indicator.plan)
        before = audit.snapshot(old, RESPONSIBILITY_FIELDS)
    elif actor is not None and actor.is_authenticated:
        responsibility.created_by = actor
    plan = responsibility.indicator.plan
    _ensure_plan_change(actor, plan)
    responsibility.full_clean()
    responsibility.save()
    if not Responsibility.objects.for_user(actor, Action.CHANGE).filter(pk=responsibility.pk).exists():
        raise PermissionDenied(_("您无权在该辖区录入或修改记录。"))
    audit_save(
        actor=actor, obj=responsibility, before=before, fields=RESPONSIBILITY_FIELDS, jurisdiction=plan.jurisdiction
    )
    return responsibility


@transaction.atomic
def responsibility_delete(*, responsibility, actor):
    plan = responsibility.indicator.plan
    _ensure_plan_change(actor, plan)
    audit_delete(actor=actor, obj=responsibility, jurisdiction=plan.jurisdiction)
    responsibility.delete()


def evidence_kind_error(*, name, head, data_reader=None):
    """Return a Chinese message when the file is not what its extension says (None when it is)."""
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = EVIDENCE_KINDS.get(ext)
    allowed = "、".join(sorted({e.lstrip(".") for e in EVIDENCE_KINDS}))
    if kind is None:
        return _("不支持的文件类型“%(ext)s”：只能上传 %(allowed)s 文件。") % {
            "ext": ext or _("无扩展名"),
            "allowed": allowed,
        }
    if not any(head.startswith(magic) for magic in _MAGIC[kind]):
        return _("文件“%(name)s”的内容不是%(ext)s格式（可能是改了扩展名），请上传原始文件。") % {
            "name": name,
            "ext": ext,
        }
    if kind in _OOXML_PART and data_reader is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data_reader())) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            names = set()
        if _OOXML_PART[kind] not in names:
            return _("文件“%(name)s”的内容不是%(ext)s格式（可能是改了扩展名），请上传原始文件。") % {
                "name": name,
                "ext": ext,
            }
    return None


@transaction.atomic
def evidence_upload(*, indicator, upload, title, actor, responsibility=None):
    """File `upload` as evidence for `indicator`, after checking its real type and size."""
    plan = indicator.plan
    _ensure_plan_change(actor, plan)
    if responsibility is not None and responsibility.indicator_id != indicator.pk:
        raise ValidationError({"responsibility": _("所选责任分解不属于该指标。")})
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("文件过大（%(size).1f MB），单个文件不能超过%(max)s MB。")
                % {"size": upload.size / 1024 / 1024, "max": EVIDENCE_MAX_BYTES // 1024 // 1024}
            }
        )
    upload.seek(0)
    head = upload.read(16)

    def read_all():
        upload.seek(0)
        return upload.read()

    error = evidence_kind_error(name=upload.name, head=head, data_reader=read_all)
    if error:
        raise ValidationError({"file": error})
    upload.seek(0)
    ext = "." + upload.name.rsplit(".", 1)[-1].lower()
    evidence = EvidenceFile(
        indicator=indicator,
        responsibility=responsibility,
        title=(title or upload.name.rsplit(".", 1)[0])[:200],
        uploaded_by=actor,
    )
    # A generated name: the person's file name stays in the title and never becomes a path on disk.
    evidence.file.save(f"{uuid.uuid4().hex}{ext}", upload, save=False)
    try:
        evidence.full_clean()
    except ValidationError:
        evidence.file.delete(save=False)
        raise
    evidence.save()
    audit_save(actor=actor, obj=evidence, before=None, fields=EVIDENCE_FIELDS, jurisdiction=plan.jurisdiction)
    return evidence


@transaction.atomic
def evidence_update(*, evidence, actor, title, note=""):
    """Rename an evidence file (its title: the file itself is replaced by uploading another)."""
    plan = evidence.indicator.plan
    _ensure_plan_change(actor, plan)
    before = audit.snapshot(EvidenceFile.objects.get(pk=evidence.pk), EVIDENCE_FIELDS)
    evidence.title = title
    evidence.full_clean()
    evidence.save(update_fields=["title"])
    audit_save(
        actor=actor, obj=evidence, before=before, fields=EVIDENCE_FIELDS, jurisdiction=plan.jurisdiction, note=note
    )
    return evidence


@transaction.atomic
def evidence_delete(*, evidence, actor):
    plan = evidence.indicator.plan
    _ensure_plan_change(actor, plan)
    path = (evidence.file.storage, evidence.file.name)
    audit_delete(actor=actor, obj=evidence, jurisdiction=plan.jurisdiction, fields=EVIDENCE_FIELDS)
    evidence.delete()
    transaction.on_commit(lambda: _remove_files([path]))


def indicators_import(*, plan, file, filename, actor, dry_run=False):
    """Read an indicator spreadsheet for `plan` and, unless `dry_run` or it has errors, write all of it.

    Return the import plan: its `issues` list every bad cell; `counts` say what was (or would be) written.
    """
    if actor is not None:
        _ensure_plan_change(actor, plan)
    result = importers.indicator_import_plan(plan=plan, file=file, filename=filename)
    if result.is_valid and not dry_run:
        indicators_import_apply(plan=plan, result=result, actor=actor)
    return result


def indicators_import_apply(*, plan, result, actor):
    """Write a previewed, valid indicator import `result` into `plan`; return its counts."""
    if actor is not None:
        _ensure_plan_change(actor, plan)
    counts = importers.indicator_import_apply(plan=plan, result=result, actor=actor)
    result.applied = True
    return counts
