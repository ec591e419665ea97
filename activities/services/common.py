"""What every write of a work record goes through: the scope check, the month lock and the audit row."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from base import audit
from base.access import user_can
from base.periods import first_of_month, month_label
from communities.choices import Action, JurisdictionLevel
from communities.models import PATH_SEGMENT_WIDTH, Jurisdiction
from communities.services import audit_delete, audit_save

from ..choices import ReturnStatus
from ..models import MonthlyReturn

# Grid cells and units seldom file a return of their own: their records are part of the return above them.
LOCK_INHERITING_LEVELS = (JurisdictionLevel.GRID, JurisdictionLevel.UNIT)


def month_is_locked(*, jurisdiction, day):
    """Tell whether an approved return freezes `jurisdiction`'s records of the month of `day` (one query).

    A month that has not ended is never locked. Otherwise the jurisdiction's own return decides. A grid cell
    or unit without one follows the nearest jurisdiction above it that has one, looking no higher than the
    first level that is neither (a community, a village …): a community's approved return locks the cells and
    units below it that file no return, not its siblings'.
    """
    if first_of_month(day) >= first_of_month(timezone.localdate()):
        return False  # a month still running is never locked, whatever a return of it says
    path = jurisdiction.path
    chain = [path[:end] for end in range(PATH_SEGMENT_WIDTH, len(path) + 1, PATH_SEGMENT_WIDTH)]
    own_return = MonthlyReturn.objects.filter(jurisdiction=OuterRef("pk"), month=first_of_month(day))
    rows = (
        Jurisdiction.objects.filter(path__in=chain)
        .annotate(return_status=Subquery(own_return.values("status")[:1]))
        .order_by("-depth")
        .values_list("level", "return_status")
    )
    for level, status in rows:
        if status is not None:
            return status == ReturnStatus.APPROVED
        if level not in LOCK_INHERITING_LEVELS:
            return False
    return False


def ensure_month_open(*, jurisdiction, day, field="date"):
    if day and jurisdiction and month_is_locked(jurisdiction=jurisdiction, day=day):
        raise ValidationError(
            {
                field: _("%(month)s的月报已审核锁定，不能再新增或修改该月记录；如需修改，请领导先重新开放该月。")
                % {"month": month_label(day)}
            }
        )


def ensure_can(*, actor, action, jurisdiction):
    """Refuse a write into a jurisdiction outside the actor's subtree for `action`."""
    if jurisdiction is None or not user_can(actor, action, jurisdiction):
        raise PermissionDenied(_("您无权在该辖区录入或修改记录。"))


def save_scoped(*, obj, actor, fields, action=Action.CHANGE, date_field="date", note="", related=None):
    """Validate and save `obj`, check it is still within the actor's scope, and write the audit row.

    `related` (optional) saves the record's related rows once it is saved, and returns their changes
    ({label: [old, new]}), so the one audit row says everything the write changed.
    Call inside `transaction.atomic()`: a record that ends up outside the actor's subtree rolls back.
    """
    creating = obj.pk is None
    before = None
    if creating:
        if hasattr(obj, "created_by_id") and obj.created_by_id is None and actor is not None and actor.is_authenticated:
            obj.created_by = actor
    else:
        # The record's old place and month must be editable too: moving a record out of a locked month
        # or out of another's jurisdiction is a change to that month and that jurisdiction.
        old = type(obj).objects.select_related("jurisdiction").get(pk=obj.pk)
        before = audit.snapshot(old, fields)
        ensure_can(actor=actor, action=action, jurisdiction=old.jurisdiction)
        if date_field:
            ensure_month_open(jurisdiction=old.jurisdiction, day=getattr(old, date_field), field=date_field)
    obj.full_clean()
    if date_field:
        ensure_month_open(jurisdiction=obj.jurisdiction, day=getattr(obj, date_field), field=date_field)
    obj.save()
    if not type(obj).objects.for_user(actor, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("您无权在该辖区录入或修改记录。"))
    extra = related() if related else None
    audit_save(
        actor=actor, obj=obj, before=before, fields=fields, jurisdiction=obj.jurisdiction, extra=extra, note=note
    )
    return obj


@transaction.atomic
def delete_scoped(*, obj, actor, date_field="date", fields=None):
    """Delete `obj` within the actor's scope and open month; the audit row keeps its values (`fields`)."""
    ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=obj.jurisdiction)
    if date_field:
        ensure_month_open(jurisdiction=obj.jurisdiction, day=getattr(obj, date_field), field=date_field)
    audit_delete(actor=actor, obj=obj, jurisdiction=obj.jurisdiction, fields=fields)
    obj.delete()
