"""Writes of the monthly returns: fill the grid, submit, approve, send back, reopen; and the figure list.

The life of a return: draft → submitted → approved | returned; returned → submitted; approved → (reopen) → draft.
Only an approved return locks its month (`common.month_is_locked` looks for APPROVED; grid cells and units
without a return follow the one above them), so a submitted month can still be corrected by the leader
sending it back. Staff fill and submit in their CHANGE scope; a leader approves, sends back and reopens only
returns of jurisdictions strictly below one where they may APPROVE, so nobody approves their own return.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base import access, audit
from communities.choices import Action, AuditAction
from communities.services import audit_delete, audit_record, audit_save

from ..choices import ReturnStatus
from ..models import MonthlyFigure, MonthlyReturn, MonthlyValue
from .common import ensure_can, first_of_month

EDITABLE_STATUSES = (ReturnStatus.DRAFT, ReturnStatus.RETURNED)
SUBMITTABLE_STATUSES = (ReturnStatus.DRAFT, ReturnStatus.RETURNED)
# Whole numbers only: PostgreSQL's numeric(14, 2) holds up to 12 digits before the point.
VALUE_MAX = 999_999_999_999


def month_label(month):
    return f"{month:%Y年%m月}"


def can_review(user, monthly_return):
    """Tell whether `user` may approve, send back or reopen `monthly_return`: APPROVE on a strict ancestor."""
    return access.user_can_below(user, Action.APPROVE, monthly_return.jurisdiction)


def _ensure_can_review(actor, monthly_return):
    if not can_review(actor, monthly_return):
        raise PermissionDenied(
            _("只有上级辖区的领导可以审核%(name)s的月报，本级人员不能审核本级月报。")
            % {"name": monthly_return.jurisdiction.name}
        )


def _locked_return(monthly_return):
    """Re-read the return under a row lock so two clicks cannot both move it."""
    return (
        MonthlyReturn.objects.select_for_update(of=("self",))
        .select_related("jurisdiction__parent")
        .get(pk=monthly_return.pk)
    )


def _record_step(*, actor, monthly_return, old_status, note, extra=None):
    changes = {"status": [str(ReturnStatus(old_status).label), str(monthly_return.get_status_display())]}
    changes.update(extra or {})
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=monthly_return,
        jurisdiction=monthly_return.jurisdiction,
        changes=changes,
        note=note,
    )


def clean_value(figure, raw):
    """Return `raw` as a whole number ≥ 0 (None when empty), or raise ValidationError naming the figure."""
    if raw is None or raw == "":
        return None
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or value < 0 or value > VALUE_MAX:
        raise ValidationError(
            _("“%(figure)s”应填写不小于0的整数（单位：%(unit)s），现为“%(raw)s”。")
            % {"figure": figure.name, "unit": figure.unit, "raw": raw}
        )
    return value


@transaction.atomic
def monthly_save(*, jurisdiction, month, values, actor):
    """Save the month's grid for `jurisdiction` in one go: {figure: whole number or None}; None clears a cell.

    Create the return as a draft when it does not exist yet. A submitted or approved return is not editable.
    """
    ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=jurisdiction)
    month = first_of_month(month)
    if month > first_of_month(timezone.localdate()):
        raise ValidationError(_("%(month)s还没有到，不能提前填报。") % {"month": month_label(month)})
    monthly_return, created = MonthlyReturn.objects.select_for_update().get_or_create(
        jurisdiction=jurisdiction, month=month
    )
    if monthly_return.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("%(month)s的月报%(status)s，不能再修改；如需修改，请上级领导退回或重新开放。")
            % {"month": month_label(month), "status": monthly_return.get_status_display()}
        )
    errors = []
    cleaned = {}
    for figure, raw in values.items():
        try:
            cleaned[figure] = clean_value(figure, raw)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    existing = {v.figure_id: v for v in monthly_return.values.all()}
    changes, to_create, to_update, to_delete = {}, [], [], []
    for figure, value in cleaned.items():
        current = existing.get(figure.pk)
        old = int(current.value) if current is not None else None
        if old == value:
            continue
        changes[figure.name] = [old, value]
        if value is None:
            to_delete.append(current.pk)
        elif current is None:
            to_create.append(MonthlyValue(monthly_return=monthly_return, figure=figure, value=value))
        else:
            current.value = value
            to_update.append(current)
    MonthlyValue.objects.filter(pk__in=to_delete).delete()
    MonthlyValue.objects.bulk_create(to_create)
    MonthlyValue.objects.bulk_update(to_update, ["value"])
    if created or changes:
        monthly_return.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.CHANGE,
            obj=monthly_return,
            jurisdiction=jurisdiction,
            changes=changes,
            note=_("填报数据"),
        )
    return monthly_return


def missing_figures(monthly_return):
    """Return the active figures that have no value in `monthly_return`."""
    return list(MonthlyFigure.objects.filter(is_active=True).exclude(values__monthly_return=monthly_return))


@transaction.atomic
def monthly_submit(*, monthly_return, actor):
    """Submit a draft or returned return for review; every active figure must have a value (0 counts)."""
    monthly_return = _locked_return(monthly_return)
    ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=monthly_return.jurisdiction)
    if monthly_return.status not in SUBMITTABLE_STATUSES:
        raise ValidationError(
            _("%(month)s的月报%(status)s，无需重复上报。")
            % {"month": month_label(monthly_return.month), "status": monthly_return.get_status_display()}
        )
    missing = missing_figures(monthly_return)
    if missing:
        raise ValidationError(
            _("还有%(count)s项指标未填写：%(names)s。没有发生的请填0，再上报。")
            % {"count": len(missing), "names": "、".join(f.name for f in missing)}
        )
    old_status = monthly_return.status
    monthly_return.status = ReturnStatus.SUBMITTED
    monthly_return.submitted_at = timezone.now()
    monthly_return.submitted_by = actor
    monthly_return.full_clean()
    monthly_return.save()
    _record_step(actor=actor, monthly_return=monthly_return, old_status=old_status, note=_("上报"))
    return monthly_return


@transaction.atomic
def monthly_approve(*, monthly_return, actor):
    """Approve a submitted return, which locks its month."""
    monthly_return = _locked_return(monthly_return)
    _ensure_can_review(actor, monthly_return)
    if monthly_return.status != ReturnStatus.SUBMITTED:
        raise ValidationError(
            _("只能审核“已上报”的月报；%(month)s的月报当前为“%(status)s”，未作任何更改。")
            % {"month": month_label(monthly_return.month), "status": monthly_return.get_status_display()}
        )
    old_status = monthly_return.status
    monthly_return.status = ReturnStatus.APPROVED
    monthly_return.reviewed_at = timezone.now()
    monthly_return.reviewed_by = actor
    monthly_return.return_reason = ""
    monthly_return.full_clean()
    monthly_return.save()
    _record_step(actor=actor, monthly_return=monthly_return, old_status=old_status, note=_("审核通过"))
    return monthly_return


def _required_reason(reason, what):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写%(what)s，说明需要修改什么。") % {"what": what}})
    return reason


@transaction.atomic
def monthly_send_back(*, monthly_return, reason, actor):
    """Return a submitted return to its jurisdiction with a reason, so they can correct and resubmit it."""
    reason = _required_reason(reason, _("退回理由"))
    monthly_return = _locked_return(monthly_return)
    _ensure_can_review(actor, monthly_return)
    if monthly_return.status != ReturnStatus.SUBMITTED:
        raise ValidationError(
            _("只能退回“已上报”的月报；%(month)s的月报当前为“%(status)s”，未作任何更改。")
            % {"month": month_label(monthly_return.month), "status": monthly_return.get_status_display()}
        )
    old_status = monthly_return.status
    monthly_return.status = ReturnStatus.RETURNED
    monthly_return.reviewed_at = timezone.now()
    monthly_return.reviewed_by = actor
    monthly_return.return_reason = reason
    monthly_return.full_clean()
    monthly_return.save()
    _record_step(
        actor=actor,
        monthly_return=monthly_return,
        old_status=old_status,
        note=_("退回：%(reason)s") % {"reason": reason},
    )
    return monthly_return


@transaction.atomic
def monthly_reopen(*, monthly_return, reason, actor):
    """Reopen an approved return as a draft with a reason; the month's records become editable again."""
    reason = _required_reason(reason, _("重新开放理由"))
    monthly_return = _locked_return(monthly_return)
    _ensure_can_review(actor, monthly_return)
    if monthly_return.status != ReturnStatus.APPROVED:
        raise ValidationError(
            _("只能重新开放“已审核”的月报；%(month)s的月报当前为“%(status)s”，未作任何更改。")
            % {"month": month_label(monthly_return.month), "status": monthly_return.get_status_display()}
        )
    old_status = monthly_return.status
    monthly_return.status = ReturnStatus.DRAFT
    monthly_return.reopen_reason = reason
    monthly_return.full_clean()
    monthly_return.save()
    _record_step(
        actor=actor,
        monthly_return=monthly_return,
        old_status=old_status,
        note=_("重新开放：%(reason)s") % {"reason": reason},
    )
    return monthly_return


FIGURE_FIELDS = ("name", "code", "unit", "aggregation", "help_text", "order", "is_active")


@transaction.atomic
def figure_save(*, figure, actor):
    """Create or update a monthly figure definition."""
    # Figures are global: any administrator (MANAGE somewhere) or a superuser may define them.
    if not access.is_administrator(actor):
        raise PermissionDenied(_("只有管理员可以设置月报指标。"))
    before = audit.snapshot(MonthlyFigure.objects.get(pk=figure.pk), FIGURE_FIELDS) if figure.pk else None
    figure.full_clean()
    figure.save()
    audit_save(actor=actor, obj=figure, before=before, fields=FIGURE_FIELDS)
    return figure


@transaction.atomic
def figure_delete(*, figure, actor):
    """Delete a figure no return has a value for yet; refuse one with values (it can be switched off instead)."""
    if not access.is_administrator(actor):
        raise PermissionDenied(_("只有管理员可以设置月报指标。"))
    if figure.values.exists():
        raise ValidationError(
            _("月报指标“%(name)s”已有填报数据，不能删除；如不再填报，请改为不启用。") % {"name": figure.name}
        )
    audit_delete(actor=actor, obj=figure, fields=FIGURE_FIELDS)
    figure.delete()
