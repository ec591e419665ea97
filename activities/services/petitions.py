"""Writes of petitions (信访) and disputes (矛盾纠纷): register, edit details, move through the statutory lifecycle.

The lifecycle follows PETITION_TRANSITIONS and the 2022 信访工作条例: decide on acceptance (第二十二、二十三条),
handle within 60 days with one extension of at most 30 (第三十四条), a review requested within 30 days of the
reply (第三十五条), a recheck within 30 days of the review opinion (第三十六条), after which the matter is final.

Month lock: a petition's details belong to the month it was received, so an approved month freezes them
(register, edit, delete check `received_on`). Each lifecycle step belongs to the month it happens in, so a
step dated in an approved month is refused, while a petition received in an approved month can still be
accepted and handled later — its handling always runs past the end of the month.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from base.access import user_can
from communities.choices import Action, AuditAction
from communities.models import AuditEntry, Jurisdiction
from communities.services import audit_entry

from ..choices import PETITION_TRANSITIONS, PetitionOutcome, PetitionStatus
from ..models import Petition, PetitionStatusChange
from ..models.petitions import MAX_EXTENSION_DAYS, REVIEW_DAYS
from .common import delete_scoped, ensure_can, ensure_month_open, save_scoped

# What a person records about the case itself; the status and its dates change only through transitions.
DETAIL_FIELDS = (
    "jurisdiction",
    "kind",
    "received_on",
    "channel",
    "is_group",
    "persons",
    "ethnic_factor",
    "category",
    "summary",
    "petitioner_name",
    "petitioner_phone",
    "petitioner_id_number",
    "assigned_department",
    "mediator",
    "mediated_on",
    "agreement_reached",
    "agreement_summary",
)

# The audit trail is shown on the record's page, so it keeps only masked forms of the phone and the ID number.
_PERSONAL_FIELDS = {
    "petitioner_phone": "petitioner_phone_masked",
    "petitioner_id_number": "petitioner_id_number_masked",
}
DETAIL_AUDIT_FIELDS = tuple(_PERSONAL_FIELDS.get(name, name) for name in DETAIL_FIELDS)

STATUS_AUDIT_FIELDS = (
    "status",
    "decided_on",
    "rejection_reason",
    "assigned_department",
    "extension_days",
    "extension_reason",
    "closed_on",
    "outcome",
    "outcome_text",
    "review_requested_on",
    "review_replied_on",
    "recheck_requested_on",
    "mediator",
    "mediated_on",
    "agreement_reached",
    "agreement_summary",
)
# What a delete entry keeps: the details and the lifecycle, personal numbers masked.
DELETE_AUDIT_FIELDS = tuple(dict.fromkeys((*DETAIL_AUDIT_FIELDS, *STATUS_AUDIT_FIELDS)))

# The extra fields each step may set (beyond its date and note).
TRANSITION_FIELDS = {
    PetitionStatus.ACCEPTED: {"assigned_department"},
    PetitionStatus.REJECTED: {"rejection_reason"},
    PetitionStatus.HANDLING: {"assigned_department"},
    PetitionStatus.EXTENDED: {"extension_days", "extension_reason"},
    PetitionStatus.CLOSED: {
        "outcome",
        "outcome_text",
        "mediator",
        "mediated_on",
        "agreement_reached",
        "agreement_summary",
    },
    PetitionStatus.REVIEW: set(),
    PetitionStatus.RECHECK: {"review_replied_on"},
}

MIN_GROUP_PERSONS = 2


def _label(status):
    return str(PetitionStatus(status).label) if status in PetitionStatus.values else str(status)


def _normalise_personal(data):
    data = dict(data)
    for name in ("petitioner_name", "petitioner_phone"):
        if name in data and data[name] is not None:
            data[name] = data[name].strip()
    if data.get("petitioner_id_number"):
        data["petitioner_id_number"] = data["petitioner_id_number"].strip().upper()
    return data


def _check_fields(data, allowed):
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"fields not allowed here: {sorted(unknown)}")


def _detail_errors(petition, today):
    errors = {}
    if petition.received_on and petition.received_on > today:
        errors["received_on"] = _("登记日期%(day)s晚于今天，请核对。") % {"day": f"{petition.received_on:%Y-%m-%d}"}
    if petition.is_group and (petition.persons or 0) < MIN_GROUP_PERSONS:
        errors["persons"] = _("群体性事项的人数应至少为%(n)d人。") % {"n": MIN_GROUP_PERSONS}
    if petition.agreement_reached and not (petition.agreement_summary or "").strip():
        # 人民调解法第二十八条: even an oral agreement has its content recorded by the mediator.
        errors["agreement_summary"] = _("已达成调解协议的，请填写调解协议内容（人民调解法第二十八条）。")
    if petition.mediated_on and petition.received_on and petition.mediated_on < petition.received_on:
        errors["mediated_on"] = _("调解日期不能早于登记日期。")
    return errors


def _validate(petition, errors):
    """Run the model's own validation and merge it with `errors`, so a form shows every problem at once."""
    try:
        petition.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field not in errors:
                errors[field] = messages
    if errors:
        raise ValidationError(errors)


def petition_check(*, petition, actor):
    """Return {field: message} for what saving `petition`'s details would refuse beyond the model's own rules.

    For forms that validate before they save (the admin); the services apply the same rules themselves.
    """
    errors = _detail_errors(petition, timezone.localdate())
    if petition.jurisdiction_id and not user_can(actor, Action.CHANGE, petition.jurisdiction):
        errors["jurisdiction"] = _("您无权在该辖区录入或修改记录。")
    places = [(petition.jurisdiction if petition.jurisdiction_id else None, petition.received_on)]
    if petition.pk:
        old = Petition.objects.select_related("jurisdiction").get(pk=petition.pk)
        places.append((old.jurisdiction, old.received_on))
    for jurisdiction, day in places:
        if jurisdiction and day and "received_on" not in errors:
            try:
                ensure_month_open(jurisdiction=jurisdiction, day=day, field="received_on")
            except ValidationError as exc:
                errors.update({field: messages[0] for field, messages in exc.message_dict.items()})
    return errors


@transaction.atomic
def petition_register(*, data, actor):
    """Register a new petition or dispute case in status 登记 and write its first history step."""
    data = _normalise_personal(data)
    _check_fields(data, DETAIL_FIELDS)
    petition = Petition(**data)
    petition.status = PetitionStatus.REGISTERED
    petition.created_by = actor if actor is not None and actor.is_authenticated else None
    if petition.jurisdiction_id:
        ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=petition.jurisdiction)
    _validate(petition, _detail_errors(petition, timezone.localdate()))
    save_scoped(obj=petition, actor=actor, fields=DETAIL_AUDIT_FIELDS, date_field="received_on")
    PetitionStatusChange.objects.create(
        petition=petition,
        from_status="",
        to_status=PetitionStatus.REGISTERED,
        changed_on=petition.received_on,
        changed_by=petition.created_by,
    )
    return petition


@transaction.atomic
def petition_update(*, petition, data, actor):
    """Change the details of a case (not its status: that is `petition_transition`)."""
    data = _normalise_personal(data)
    _check_fields(data, DETAIL_FIELDS)
    petition = Petition.objects.select_for_update(of=("self",)).select_related("jurisdiction").get(pk=petition.pk)
    ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=petition.jurisdiction)
    id_before = petition.petitioner_id_number
    for name, value in data.items():
        setattr(petition, name, value)
    errors = _detail_errors(petition, timezone.localdate())
    if petition.decided_on and petition.received_on and petition.received_on > petition.decided_on:
        errors["received_on"] = _("登记日期不能晚于已记录的受理（不予受理）日期%(day)s。") % {
            "day": f"{petition.decided_on:%Y-%m-%d}"
        }
    _validate(petition, errors)
    # The masked form may not change when a middle digit is corrected; the note still tells that it did.
    note = _("身份证号码已更正") if petition.petitioner_id_number != id_before else ""
    return save_scoped(obj=petition, actor=actor, fields=DETAIL_AUDIT_FIELDS, date_field="received_on", note=note)


@transaction.atomic
def petition_delete(*, petition, actor):
    """Delete a case with its history; refused in a locked month or outside the actor's subtree."""
    petition = Petition.objects.select_related("jurisdiction").get(pk=petition.pk)
    delete_scoped(obj=petition, actor=actor, date_field="received_on", fields=DELETE_AUDIT_FIELDS)


def allowed_transitions(petition):
    """Return the statuses the case may move to next, in lifecycle order."""
    allowed = PETITION_TRANSITIONS.get(petition.status, set())
    return [status for status in PetitionStatus.values if status in allowed]


@transaction.atomic
def petition_transition(*, petition, to_status, on_date, actor, note="", **fields):
    """Move a case to `to_status` on `on_date`, with the step's extra `fields`; write the history and audit rows.

    Refuse a move PETITION_TRANSITIONS does not allow, and any step the 信访工作条例 does not allow:
    a rejection without reason, a second or over-long extension, a review or recheck requested too late.
    """
    petition = Petition.objects.select_for_update(of=("self",)).select_related("jurisdiction").get(pk=petition.pk)
    ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=petition.jurisdiction)
    from_status = petition.status
    if to_status not in PetitionStatus.values:
        raise ValidationError(_("“%(status)s”不是有效的办理状态。") % {"status": to_status})
    if to_status not in PETITION_TRANSITIONS.get(from_status, set()):
        allowed = "、".join(_label(s) for s in allowed_transitions(petition)) or _("无（已终结）")
        raise ValidationError(
            _("处于“%(from)s”状态的事项不能转为“%(to)s”；可转为：%(allowed)s。")
            % {"from": _label(from_status), "to": _label(to_status), "allowed": allowed}
        )
    _check_fields(fields, TRANSITION_FIELDS[to_status])
    # A blank extra field means "not given": it must not erase what the case already records.
    fields = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    fields = {name: value for name, value in fields.items() if value not in (None, "")}

    errors = _date_errors(petition, on_date)
    if not errors:
        ensure_month_open(jurisdiction=petition.jurisdiction, day=on_date, field="on_date")
        errors = _STEP_RULES[to_status](petition, on_date, fields)
    if errors:
        raise ValidationError(errors)

    for name, value in fields.items():
        setattr(petition, name, value)
    petition.status = to_status
    step_note = _label(to_status) + (f"：{note.strip()}" if note and note.strip() else "")
    _validate(petition, _detail_errors(petition, timezone.localdate()) if to_status == PetitionStatus.CLOSED else {})
    save_scoped(obj=petition, actor=actor, fields=STATUS_AUDIT_FIELDS, date_field=None, note=step_note)
    PetitionStatusChange.objects.create(
        petition=petition,
        from_status=from_status,
        to_status=to_status,
        changed_on=on_date,
        changed_by=actor if actor is not None and actor.is_authenticated else None,
        note=(note or "").strip(),
    )
    return petition


def _day(value):
    return f"{value:%Y-%m-%d}"


def _date_errors(petition, on_date):
    if on_date is None:
        return {"on_date": _("请填写办理日期。")}
    if on_date > timezone.localdate():
        return {"on_date": _("办理日期%(day)s晚于今天，不能预先登记。") % {"day": _day(on_date)}}
    if on_date < petition.received_on:
        return {
            "on_date": _("办理日期%(day)s不能早于登记日期%(received)s。")
            % {"day": _day(on_date), "received": _day(petition.received_on)}
        }
    last = petition.status_changes.order_by("-changed_on").values_list("changed_on", flat=True).first()
    if last and on_date < last:
        return {
            "on_date": _("办理日期%(day)s不能早于上一办理环节的日期%(last)s。")
            % {"day": _day(on_date), "last": _day(last)}
        }
    return {}


def _accept(petition, on_date, fields):
    petition.decided_on = on_date
    return {}


def _reject(petition, on_date, fields):
    if not fields.get("rejection_reason"):
        return {"rejection_reason": _("不予受理须写明理由，并书面告知信访人。")}
    petition.decided_on = on_date
    return {}


def _handle(petition, on_date, fields):
    if not (fields.get("assigned_department") or petition.assigned_department):
        return {"assigned_department": _("转入办理须填写承办部门。")}
    return {}


def _extend(petition, on_date, fields):
    errors = {}
    if petition.extension_days:
        errors["extension_days"] = _("该事项已延期%(n)d日，办理期限只能延长一次（信访工作条例第三十四条）。") % {
            "n": petition.extension_days
        }
        return errors
    days = fields.get("extension_days")
    if not days or days < 1 or days > MAX_EXTENSION_DAYS:
        errors["extension_days"] = _("延期天数应为1至%(max)d日（信访工作条例第三十四条）。") % {
            "max": MAX_EXTENSION_DAYS
        }
    if not fields.get("extension_reason"):
        errors["extension_reason"] = _("延期须写明理由并告知信访人（信访工作条例第三十四条）。")
    if petition.due_on and on_date > petition.due_on:
        errors["on_date"] = _("办理期限已于%(due)s届满，届满后不能再延期；请尽快办结。") % {
            "due": _day(petition.due_on)
        }
    return errors


def _close(petition, on_date, fields):
    errors = {}
    if fields.get("outcome") not in PetitionOutcome.values:
        errors["outcome"] = _("请选择办结方式：化解或答复。")
    if not fields.get("outcome_text"):
        errors["outcome_text"] = _("请填写办理结果（处理意见或化解情况）。")
    if petition.decided_on and on_date < petition.decided_on:
        errors["on_date"] = _("办结日期不能早于受理日期%(day)s。") % {"day": _day(petition.decided_on)}
    if not errors:
        if petition.status == PetitionStatus.REVIEW:
            # Closing a review is answering it: the recheck window of 第三十六条 runs from this date.
            petition.review_replied_on = on_date
        petition.closed_on = on_date
    return errors


def _review(petition, on_date, fields):
    if petition.recheck_requested_on:
        return {"on_date": _("该事项已经复核，复核意见为终结意见，不再受理复查请求（信访工作条例第三十六条）。")}
    if petition.review_requested_on:
        return {"on_date": _("该事项已复查过一次，不能再次申请复查（信访工作条例第三十五条）。")}
    last_day = petition.closed_on + timedelta(days=REVIEW_DAYS)
    if on_date > last_day:
        return {
            "on_date": _(
                "申请复查应自收到书面答复之日起30日内提出（信访工作条例第三十五条）：答复日期为%(reply)s，"
                "最迟应于%(last)s前申请，%(day)s已超过期限，不予受理。"
            )
            % {"reply": _day(petition.closed_on), "last": _day(last_day), "day": _day(on_date)}
        }
    if on_date < petition.closed_on:
        return {"on_date": _("申请复查日期不能早于答复日期%(reply)s。") % {"reply": _day(petition.closed_on)}}
    petition.review_requested_on = on_date
    return {}


def _recheck(petition, on_date, fields):
    replied = fields.get("review_replied_on")
    if not replied:
        return {"review_replied_on": _("请填写复查意见的书面答复日期，复核期限从该日起算（信访工作条例第三十六条）。")}
    if replied < petition.review_requested_on:
        return {
            "review_replied_on": _("复查意见答复日期不能早于申请复查日期%(day)s。")
            % {"day": _day(petition.review_requested_on)}
        }
    if replied > on_date:
        return {"review_replied_on": _("复查意见答复日期不能晚于申请复核日期。")}
    last_day = replied + timedelta(days=REVIEW_DAYS)
    if on_date > last_day:
        return {
            "on_date": _(
                "申请复核应自收到复查意见书面答复之日起30日内提出（信访工作条例第三十六条）：答复日期为%(reply)s，"
                "最迟应于%(last)s前申请，%(day)s已超过期限，不予受理。"
            )
            % {"reply": _day(replied), "last": _day(last_day), "day": _day(on_date)}
        }
    petition.recheck_requested_on = on_date
    return {}


_STEP_RULES = {
    PetitionStatus.ACCEPTED: _accept,
    PetitionStatus.REJECTED: _reject,
    PetitionStatus.HANDLING: _handle,
    PetitionStatus.EXTENDED: _extend,
    PetitionStatus.CLOSED: _close,
    PetitionStatus.REVIEW: _review,
    PetitionStatus.RECHECK: _recheck,
}


@transaction.atomic
def petition_reveal(*, petition, actor):
    """Return the petitioner's full phone and ID number to a leader or administrator, and log who saw them."""
    if not user_can(actor, Action.APPROVE, petition.jurisdiction):
        raise PermissionDenied(_("只有本辖区的领导或管理员可以查看完整的个人信息。"))
    audit_record_reveal(actor=actor, petitions=[petition], note=_("查看完整联系电话、身份证号码"))
    return {
        "petitioner_name": petition.petitioner_name,
        "petitioner_phone": petition.petitioner_phone,
        "petitioner_id_number": petition.petitioner_id_number,
    }


@transaction.atomic
def petition_lookup_by_id_number(*, id_number, actor):
    """Return the cases of one ID number within the actor's APPROVE scope; each one found is logged as a reveal."""
    if not Jurisdiction.objects.for_user(actor, Action.APPROVE).exists():
        raise PermissionDenied(_("只有领导或管理员可以按身份证号码查询。"))
    number = (id_number or "").strip().upper()
    petitions = list(
        Petition.objects.for_user(actor, Action.APPROVE)
        .filter(petitioner_id_number=number)
        .select_related("jurisdiction")
        .by_urgency()
    )
    if petitions:
        audit_record_reveal(actor=actor, petitions=petitions, note=_("按身份证号码查询"))
    return petitions


def audit_record_reveal(*, actor, petitions, note):
    """Log that `actor` saw the full personal data of `petitions`: one row each, written in one statement."""
    AuditEntry.objects.bulk_create(
        audit_entry(actor=actor, action=AuditAction.REVEAL, obj=p, jurisdiction=p.jurisdiction, note=note)
        for p in petitions
    )
