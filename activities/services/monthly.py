"""Writes of the monthly returns: fill the grid, submit, approve, send back, reopen; and the figure list.

The life of a return is the table `TRANSITIONS`: draft → submitted → approved | returned; returned → submitted;
approved → (reopen) → draft. A month still running can be drafted, never submitted or approved. Only an
approved return of an ended month locks it (`common.month_is_locked`; grid cells and units without a return
follow the one above them), so a submitted month can still be corrected by the leader sending it back. Staff
fill and submit in their CHANGE scope; a leader approves, sends back and reopens only returns of jurisdictions
strictly below one where they may APPROVE, and never a return they submitted themselves (four eyes).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from base import access, audit, periods
from base.periods import first_of_month
from communities.choices import Action, AuditAction
from communities.services import audit_delete, audit_record, audit_save

from ..choices import ReturnStatus
from ..models import MonthlyFigure, MonthlyReturn, MonthlyValue, ValidationRule, YearlyValue
from ..selectors.monthly import month_has_ended, monthly_figures_for
from ..selectors.validation import broken_returns, return_violations
from .common import ensure_can

# Whole numbers only: PostgreSQL's numeric(14, 2) holds up to 12 digits before the point.
VALUE_MAX = 999_999_999_999


def month_label(month):
    return periods.month_label(month)


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


def _cleaned_values(values, errors=()):
    """Return {figure: whole number or None}; raise every bad value's message at once, after `errors`."""
    errors, cleaned = list(errors), {}
    for figure, raw in values.items():
        try:
            cleaned[figure] = clean_value(figure, raw)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _changed_values(cleaned, existing, changes):
    """Yield (figure, stored row or None, new value) for each value that differs; note [old, new] in `changes`."""
    for figure, value in cleaned.items():
        current = existing.get(figure.pk)
        old = int(current.value) if current is not None else None
        if old != value:
            changes[figure.name] = [old, value]
            yield figure, current, value


@transaction.atomic
def monthly_save(*, jurisdiction, month, values, actor, explanations=None):
    """Save the month's grid for `jurisdiction` in one go: {figure: whole number or None}; None clears a cell.

    `explanations` ({rule pk: one line}) explain broken warning rules; an empty line removes one. Create the
    return as a draft when it does not exist yet. A submitted or approved return is not editable.
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
    cleaned = _cleaned_values(values)
    existing = {v.figure_id: v for v in monthly_return.values.all()}
    changes, to_create, to_update, to_delete = {}, [], [], []
    for figure, current, value in _changed_values(cleaned, existing, changes):
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
    update_fields = ["updated_at"]
    if explanations is not None:
        kept = dict(monthly_return.explanations or {})
        for rule_pk, text in explanations.items():
            text = " ".join((text or "").split())[:200]
            if kept.get(str(rule_pk), "") != text:
                changes[_("说明：规则%(pk)s") % {"pk": rule_pk}] = [kept.get(str(rule_pk), ""), text]
            if text:
                kept[str(rule_pk)] = text
            else:
                kept.pop(str(rule_pk), None)
        if kept != (monthly_return.explanations or {}):
            monthly_return.explanations = kept
            update_fields.append("explanations")
    if created or changes:
        monthly_return.save(update_fields=update_fields)
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
    """Return the monthly figures the return's jurisdiction must file (not optional) that have no value yet."""
    filled = set(monthly_return.values.values_list("figure_id", flat=True))
    return [f for f in monthly_figures_for(monthly_return.jurisdiction) if not f.is_optional and f.pk not in filled]


def _ensure_month_ended(monthly_return, verb):
    """A month still running can be drafted, never submitted or approved: its records are still coming in."""
    if not month_has_ended(monthly_return.month):
        raise ValidationError(
            _("%(month)s还没有结束，可以先填写草稿，月末后才能%(verb)s。")
            % {"month": month_label(monthly_return.month), "verb": verb}
        )


def _ensure_complete(monthly_return):
    missing = missing_figures(monthly_return)
    if missing:
        raise ValidationError(
            _("还有%(count)s项指标未填写：%(names)s。没有发生的请填0，再上报。")
            % {"count": len(missing), "names": "、".join(f.name for f in missing)}
        )


def _ensure_rules_kept(monthly_return, *, warnings_too):
    """Refuse while an error rule is broken (naming the rule and both values), or, when `warnings_too`, while a
    broken warning rule has no explanation."""
    found = return_violations(monthly_return)
    errors = [v.message for v in found if v.is_error]
    if warnings_too:
        errors += [
            _("%(message)s这是提醒规则：请在月报中填写一句说明后再上报。") % {"message": v.message}
            for v in found
            if not v.is_error and not v.explanation.strip()
        ]
    if errors:
        raise ValidationError(errors)


def _ensure_other_person(monthly_return, actor):
    """Four eyes: whoever submitted a return cannot approve it; another leader or an administrator must."""
    if monthly_return.submitted_by_id is not None and monthly_return.submitted_by_id == actor.pk:
        raise PermissionDenied(
            _("%(name)s%(month)s的月报是您本人上报的，不能由您审核；请另一位领导或管理员审核。")
            % {"name": monthly_return.jurisdiction.name, "month": month_label(monthly_return.month)}
        )


@dataclass(frozen=True)
class Transition:
    """One step of a return's life: from which statuses, to which, who may take it and what it checks."""

    sources: tuple
    target: str
    title: str  # the verb, as in "不能%(title)s"
    note: str  # the audit note
    review: bool  # True: a leader above reviews; False: the jurisdiction's own staff act
    reason_field: str = ""  # the field a required reason goes to, if the step needs one
    checks: tuple = ()  # functions (monthly_return, actor) that raise to refuse the step
    refusal: str = ""  # what to say when the return is not in a source status, if not the generic sentence


TRANSITIONS = {
    "submit": Transition(
        sources=(ReturnStatus.DRAFT, ReturnStatus.RETURNED),
        target=ReturnStatus.SUBMITTED,
        title=gettext_lazy("上报"),
        note=gettext_lazy("上报"),
        review=False,
        checks=(
            lambda r, a: _ensure_month_ended(r, _("上报")),
            lambda r, a: _ensure_complete(r),
            lambda r, a: _ensure_rules_kept(r, warnings_too=True),
        ),
        refusal=gettext_lazy("%(month)s的月报%(status)s，无需重复上报。"),
    ),
    "approve": Transition(
        sources=(ReturnStatus.SUBMITTED,),
        target=ReturnStatus.APPROVED,
        title=gettext_lazy("审核"),
        note=gettext_lazy("审核通过"),
        review=True,
        checks=(
            lambda r, a: _ensure_month_ended(r, _("审核")),
            _ensure_other_person,
            lambda r, a: _ensure_rules_kept(r, warnings_too=False),
        ),
    ),
    "send_back": Transition(
        sources=(ReturnStatus.SUBMITTED,),
        target=ReturnStatus.RETURNED,
        title=gettext_lazy("退回"),
        note=gettext_lazy("退回"),
        review=True,
        reason_field="return_reason",
    ),
    "reopen": Transition(
        sources=(ReturnStatus.APPROVED,),
        target=ReturnStatus.DRAFT,
        title=gettext_lazy("重新开放"),
        note=gettext_lazy("重新开放"),
        review=True,
        reason_field="reopen_reason",
    ),
}
EDITABLE_STATUSES = (ReturnStatus.DRAFT, ReturnStatus.RETURNED)
SUBMITTABLE_STATUSES = TRANSITIONS["submit"].sources


def _required_reason(reason, what):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写%(what)s，说明需要修改什么。") % {"what": what}})
    return reason


REASON_NAMES = {"return_reason": gettext_lazy("退回理由"), "reopen_reason": gettext_lazy("重新开放理由")}


@transaction.atomic
def monthly_transition(*, monthly_return, step, actor, reason=None):
    """Move `monthly_return` through `step` (a key of TRANSITIONS), checking who may, from where and what holds.

    Writes the status, who and when, the reason if the step takes one, and one audit row.
    """
    transition = TRANSITIONS[step]
    if transition.reason_field:
        reason = _required_reason(reason, REASON_NAMES[transition.reason_field])
    monthly_return = _locked_return(monthly_return)
    if transition.review:
        _ensure_can_review(actor, monthly_return)
    else:
        ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=monthly_return.jurisdiction)
    if monthly_return.status not in transition.sources:
        allowed = "、".join(f"“{ReturnStatus(s).label}”" for s in transition.sources)
        raise ValidationError(
            (
                transition.refusal
                or _("只能%(title)s%(allowed)s的月报；%(month)s的月报当前为“%(status)s”，未作任何更改。")
            )
            % {
                "title": transition.title,
                "allowed": allowed,
                "month": month_label(monthly_return.month),
                "status": monthly_return.get_status_display(),
            }
        )
    for check in transition.checks:
        check(monthly_return, actor)
    old_status = monthly_return.status
    monthly_return.status = transition.target
    now = timezone.now()
    if transition.target == ReturnStatus.SUBMITTED:
        monthly_return.submitted_at, monthly_return.submitted_by = now, actor
    elif transition.target in (ReturnStatus.APPROVED, ReturnStatus.RETURNED):
        monthly_return.reviewed_at, monthly_return.reviewed_by = now, actor
    if transition.target == ReturnStatus.APPROVED:
        monthly_return.return_reason = ""
    note = str(transition.note)
    if transition.reason_field:
        setattr(monthly_return, transition.reason_field, reason)
        note = _("%(note)s：%(reason)s") % {"note": note, "reason": reason}
    monthly_return.full_clean()
    monthly_return.save()
    _record_step(actor=actor, monthly_return=monthly_return, old_status=old_status, note=note)
    return monthly_return


def monthly_submit(*, monthly_return, actor):
    """Submit a draft or returned return of an ended month; every figure it must file needs a value (0 counts)."""
    return monthly_transition(monthly_return=monthly_return, step="submit", actor=actor)


def monthly_approve(*, monthly_return, actor):
    """Approve a submitted return of an ended month, which locks that month; never the submitter's own."""
    return monthly_transition(monthly_return=monthly_return, step="approve", actor=actor)


def monthly_send_back(*, monthly_return, reason, actor):
    """Return a submitted return to its jurisdiction with a reason, so they can correct and resubmit it."""
    return monthly_transition(monthly_return=monthly_return, step="send_back", actor=actor, reason=reason)


def monthly_reopen(*, monthly_return, reason, actor):
    """Reopen an approved return as a draft with a reason; the month's records become editable again."""
    return monthly_transition(monthly_return=monthly_return, step="reopen", actor=actor, reason=reason)


FIGURE_FIELDS = (
    "name",
    "code",
    "unit",
    "aggregation",
    "frequency",
    "levels",
    "is_optional",
    "help_text",
    "order",
    "is_active",
)


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


RULE_FIELDS = ("name", "operator", "left_constant", "right_constant", "importance", "is_active")


@transaction.atomic
def rule_save(*, rule, actor, left_figures=None, right_figures=None):
    """Create or update a validation rule (its figures when given), write the audit row.

    Stored returns are not changed: call `rule_violators` after it to list those now in violation.
    """
    if not access.is_administrator(actor):
        raise PermissionDenied(_("只有管理员可以设置校验规则。"))
    before = audit.snapshot(ValidationRule.objects.get(pk=rule.pk), RULE_FIELDS) if rule.pk else None
    rule.full_clean()
    rule.save()
    if left_figures is not None:
        rule.left_figures.set(left_figures)
    if right_figures is not None:
        rule.right_figures.set(right_figures)
    audit_save(actor=actor, obj=rule, before=before, fields=RULE_FIELDS)
    return rule


def rule_violators(rule):
    """Re-check every stored return against `rule`: return [(return, left, right)] of those that break it."""
    rows = broken_returns(rule, MonthlyValue.objects.all())
    returns = MonthlyReturn.objects.select_related("jurisdiction").in_bulk([row["monthly_return"] for row in rows])
    found = [(returns[row["monthly_return"]], row["left"], row["right"]) for row in rows]
    return sorted(found, key=lambda item: (item[0].jurisdiction.path, item[0].month))


@transaction.atomic
def yearly_save(*, jurisdiction, year, values, actor):
    """Save a jurisdiction's yearly figures for `year`: {figure: whole number or None}; None clears one.

    Yearly figures are standing facts entered once a year; no monthly return demands them.
    """
    ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=jurisdiction)
    if year > timezone.localdate().year:
        raise ValidationError(_("%(year)d年还没有到，不能提前填报。") % {"year": year})
    cleaned = _cleaned_values(
        {figure: raw for figure, raw in values.items() if figure.is_yearly},
        errors=[_("“%(figure)s”是月报指标，请在月报中填写。") % {"figure": f.name} for f in values if not f.is_yearly],
    )
    existing = {
        v.figure_id: v for v in YearlyValue.objects.select_for_update().filter(jurisdiction=jurisdiction, year=year)
    }
    changes = {}
    for figure, current, value in _changed_values(cleaned, existing, changes):
        if value is None:
            current.delete()
        elif current is None:
            row = YearlyValue(jurisdiction=jurisdiction, year=year, figure=figure, value=value)
            row.full_clean()
            row.save()
        else:
            current.value = value
            current.save(update_fields=["value", "updated_at"])
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=jurisdiction,
            jurisdiction=jurisdiction,
            changes=changes,
            note=_("填报%(year)d年度指标") % {"year": year},
        )
