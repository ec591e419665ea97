"""Writes of creation plans: the plan with its measures, leading group and budget; indicators; the
responsibility breakdown; evidence files; the indicator import.

Plans carry no month of their own, so none of these writes is under the monthly lock. Every write checks
the actor may CHANGE the plan's jurisdiction (before, and after for a plan that moves) and is audited.
"""

import io
import uuid
import zipfile
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from communities.choices import Action, AuditAction
from communities.services import audit_record, model_changes, snapshot

from .. import importers
from ..models import CreationPlan, EvidenceFile, Indicator, Responsibility
from .common import delete_scoped, ensure_can, save_scoped

PLAN_FIELDS = (
    "jurisdiction_id",
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
INDICATOR_FIELDS = ("parent_id", "code", "title", "content", "points", "criteria", "evidence_requirements", "order")
RESPONSIBILITY_FIELDS = (
    "indicator_id",
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
    """Create or update `plan` and save its bound, valid inline formsets (measures, leading group, budgets)."""
    before = _plan_summary(CreationPlan.objects.get(pk=plan.pk)) if plan.pk else None
    save_scoped(obj=plan, actor=actor, fields=PLAN_FIELDS, date_field=None)
    for formset in inlines:
        formset.instance = plan
        formset.save()
    if inlines:
        after = _plan_summary(plan)
        changes = {
            label: [(before or {}).get(label) or None, text or None]
            for label, text in after.items()
            if text != (before or {}).get(label, "")
        }
        if changes:
            audit_record(
                actor=actor,
                action=AuditAction.CHANGE,
                obj=plan,
                jurisdiction=plan.jurisdiction,
                changes=changes,
                note=_("举措、领导小组、经费"),
            )
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


def _audit_child(*, obj, actor, plan, before, fields, creating, note=""):
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if creating else AuditAction.CHANGE,
        obj=obj,
        jurisdiction=plan.jurisdiction,
        changes=model_changes(before, snapshot(obj, fields), fields),
        note=note,
    )


@transaction.atomic
def indicator_save(*, indicator, actor):
    """Create or update an indicator; a parent must be a first-level indicator of the same plan."""
    plan = indicator.plan
    _ensure_plan_change(actor, plan)
    creating = indicator.pk is None
    before = {} if creating else snapshot(Indicator.objects.get(pk=indicator.pk), INDICATOR_FIELDS)
    if indicator.parent_id:
        parent = indicator.parent
        if parent.plan_id != plan.pk or parent.parent_id is not None or parent.pk == indicator.pk:
            raise ValidationError({"parent": _("上级指标应为本方案的一级指标。")})
        if not creating and indicator.children.exists():
            raise ValidationError({"parent": _("该指标下已有二级指标，不能再挂到其他一级指标下。")})
    indicator.full_clean()
    indicator.save()
    _audit_child(obj=indicator, actor=actor, plan=plan, before=before, fields=INDICATOR_FIELDS, creating=creating)
    return indicator


@transaction.atomic
def indicator_delete(*, indicator, actor):
    plan = indicator.plan
    _ensure_plan_change(actor, plan)
    paths = [(f.file.storage, f.file.name) for f in EvidenceFile.objects.filter(indicator__in=[indicator])]
    paths += [(f.file.storage, f.file.name) for f in EvidenceFile.objects.filter(indicator__parent=indicator)]
    audit_record(actor=actor, action=AuditAction.DELETE, obj=indicator, jurisdiction=plan.jurisdiction)
    indicator.delete()
    transaction.on_commit(lambda: _remove_files(paths))


def check_self_score(responsibility):
    """Keep self-assessed scores within the indicator's points, for this row and for all rows together."""
    score = responsibility.self_score
    if score is None:
        return
    points = responsibility.indicator.points
    if score > points:
        raise ValidationError(
            {
                "self_score": _("自评得分%(score)s超过了该指标的分值%(points)s，请填写0到%(points)s之间的分数。")
                % {"score": _number(score), "points": _number(points)}
            }
        )
    others = Responsibility.objects.filter(indicator=responsibility.indicator).exclude(pk=responsibility.pk).aggregate(
        total=Sum("self_score")
    )["total"] or Decimal(0)
    if others + score > points:
        raise ValidationError(
            {
                "self_score": _(
                    "该指标各责任行的自评得分合计%(total)s超过了指标分值%(points)s（其他责任行已自评%(others)s分），"
                    "本行最多可填%(left)s分。"
                )
                % {
                    "total": _number(others + score),
                    "points": _number(points),
                    "others": _number(others),
                    "left": _number(max(points - others, Decimal(0))),
                }
            }
        )


def _number(value):
    value = Decimal(value)
    return str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize())


@transaction.atomic
def responsibility_save(*, responsibility, actor):
    """Create or update a line of the breakdown; the self-assessed score stays within the indicator's points."""
    creating = responsibility.pk is None
    before = {}
    if not creating:
        old = Responsibility.objects.select_related("indicator__plan__jurisdiction").get(pk=responsibility.pk)
        _ensure_plan_change(actor, old.indicator.plan)
        before = snapshot(old, RESPONSIBILITY_FIELDS)
    plan = responsibility.indicator.plan
    _ensure_plan_change(actor, plan)
    responsibility.full_clean()
    check_self_score(responsibility)
    responsibility.save()
    if not Responsibility.objects.for_user(actor, Action.CHANGE).filter(pk=responsibility.pk).exists():
        raise PermissionDenied(_("您无权在该辖区录入或修改记录。"))
    _audit_child(
        obj=responsibility, actor=actor, plan=plan, before=before, fields=RESPONSIBILITY_FIELDS, creating=creating
    )
    return responsibility


@transaction.atomic
def responsibility_delete(*, responsibility, actor):
    plan = responsibility.indicator.plan
    _ensure_plan_change(actor, plan)
    audit_record(actor=actor, action=AuditAction.DELETE, obj=responsibility, jurisdiction=plan.jurisdiction)
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
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=evidence,
        jurisdiction=plan.jurisdiction,
        changes={"title": [None, evidence.title], "indicator": [None, str(indicator)]},
    )
    return evidence


@transaction.atomic
def evidence_delete(*, evidence, actor):
    plan = evidence.indicator.plan
    _ensure_plan_change(actor, plan)
    path = (evidence.file.storage, evidence.file.name)
    audit_record(actor=actor, action=AuditAction.DELETE, obj=evidence, jurisdiction=plan.jurisdiction)
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
