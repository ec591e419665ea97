"""Writes of the communities app: each atomic, validated, and written to the audit trail."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from base import access, audit
from base.access import user_can

from .choices import Action, AuditAction, Role
from .models import AuditEntry, Jurisdiction, Membership, PendingPasswordChange


def audit_entry(*, actor, action, obj, jurisdiction=None, changes=None, note=""):
    """Build the whole audit row for `obj`, unsaved: who (by login and by name), what, where, and the changes."""
    return AuditEntry(
        user=actor if actor is not None and actor.is_authenticated else None,
        actor_name=audit.actor_name(actor),
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        jurisdiction=jurisdiction,
        changes=changes or {},
        note=str(note)[:300],
    )


def audit_record(**entry):
    """Write one audit row (the arguments of `audit_entry`); call it inside the transaction that made the change."""
    row = audit_entry(**entry)
    row.save()
    return row


def audit_save(*, actor, obj, before, fields, jurisdiction=None, extra=None, note=""):
    """Write the row of a create (`before` None) or change of `obj`: the fields that differ, plus `extra`."""
    after = audit.snapshot(obj, fields)
    return audit_record(
        actor=actor,
        action=AuditAction.CHANGE if before is not None else AuditAction.CREATE,
        obj=obj,
        jurisdiction=jurisdiction,
        changes={**audit.changes_between(before or {}, after), **(extra or {})},
        note=note,
    )


def audit_delete(*, actor, obj, jurisdiction=None, fields=None, note=""):
    """Write the row of a delete of `obj`, keeping its values (`fields`, else every field a person edits)."""
    return audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=obj,
        jurisdiction=jurisdiction,
        changes=audit.deleted_values(obj, fields),
        note=note,
    )


@transaction.atomic
def membership_grant(*, username, jurisdiction, role, actor=None):
    """Give `username` the `role` in `jurisdiction`, replacing any role they had there."""
    if role not in Role.values:
        raise ValidationError(
            _("角色“%(role)s”无效，应为：%(roles)s。") % {"role": role, "roles": "、".join(Role.values)}
        )
    User = get_user_model()
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist:
        raise ValidationError(_("用户“%(username)s”不存在，请先创建该用户。") % {"username": username}) from None
    if actor is not None and not user_can(actor, Action.MANAGE, jurisdiction):
        raise PermissionDenied(_("您无权在该辖区授予角色。"))
    membership, created = Membership.objects.get_or_create(
        user=user, jurisdiction=jurisdiction, defaults={"role": role}
    )
    old_role = None if created else membership.role
    if not created and membership.role != role:
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
    if created or old_role != role:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.CHANGE,
            obj=membership,
            jurisdiction=jurisdiction,
            changes={"role": [old_role, role]},
        )
        if Role.ADMIN in (old_role, role):
            _sync_admin_site_access(user=user, actor=actor, jurisdiction=jurisdiction)
        access.forget(user)
    return membership


# The auth group that lets administrators into the Django admin. Its name is stored data, looked up by this
# exact text, so it is not translated.
ADMIN_GROUP_NAME = "管理员"


def _admin_group_permissions():
    # The activities admin and the communities admin of jurisdictions and memberships save through the
    # services, which check the subtree. Population records are only viewed there (they are imported); auth's
    # own models stay with the superuser. Audit rows are never added, changed or deleted by anyone.
    return Permission.objects.filter(
        Q(content_type__app_label="activities")
        | Q(content_type__app_label="communities", codename__startswith="view_")
        | Q(content_type__app_label="communities", content_type__model__in=["jurisdiction", "membership"])
        # Group robots of their subtree (reminders/admin.py saves through its services, which check it).
        | Q(content_type__app_label="reminders", content_type__model="grouprobot")
    )


def admin_group():
    """Return the 管理员 group, creating it when missing, with the permissions administrators need in the admin."""
    group, _created = Group.objects.get_or_create(name=ADMIN_GROUP_NAME)
    group.permissions.set(_admin_group_permissions())
    return group


def _sync_admin_site_access(*, user, actor, jurisdiction):
    """Let `user` into the Django admin exactly while they hold the admin role somewhere; audit any change.

    The admin's changelists are scoped to the user's subtree (communities.admin.ScopedAdminMixin); the
    site-wide lists there (figures, categories) are open to every administrator on the pages as well.
    """
    is_admin = Membership.objects.filter(user=user, role=Role.ADMIN).exists()
    in_group = user.groups.filter(name=ADMIN_GROUP_NAME).exists()
    changes = {}
    if is_admin and not in_group:
        user.groups.add(admin_group())
        changes["groups"] = [None, ADMIN_GROUP_NAME]
    elif in_group and not is_admin:
        user.groups.remove(*Group.objects.filter(name=ADMIN_GROUP_NAME))
        changes["groups"] = [ADMIN_GROUP_NAME, None]
    is_staff = is_admin or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
        changes["is_staff"] = [not is_staff, is_staff]
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=user,
            jurisdiction=jurisdiction,
            changes=changes,
            note=_("管理后台权限"),
        )


@transaction.atomic
def user_create(*, username, password, full_name="", actor=None):
    """Create a login for a person; the administrator tells them the initial password.

    An account an administrator creates must choose its own password at its first login (unity.middleware), so
    the initial one, which the administrator knows, stops working as soon as the person has used it once.
    """
    User = get_user_model()
    user = User(username=username.strip(), first_name=full_name.strip())
    user.set_password(password)
    user.full_clean()
    user.save()
    if actor is not None:
        PendingPasswordChange.objects.create(user=user)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=user, changes={"username": [None, user.username]})
    return user


@transaction.atomic
def password_change_record(*, user):
    """Note that `user` chose a new password: audit it and lift any first-login requirement."""
    PendingPasswordChange.objects.filter(user=user).delete()
    audit_record(
        actor=user, action=AuditAction.CHANGE, obj=user, changes={"password": ["***", "***"]}, note=_("修改密码")
    )


def password_change_require(*, user):
    """Make `user` choose a new password at their next request (an account an administrator created)."""
    PendingPasswordChange.objects.get_or_create(user=user)


def login_lockout_record(*, username, ip_address, locked_until):
    """Audit a lock on `username` from `ip_address`; the row is about the user when such a user exists."""
    from axes.models import AccessAttempt

    user = get_user_model().objects.filter(username=username).first() if username else None
    obj = user or AccessAttempt.objects.filter(username=username, ip_address=ip_address).first()
    if obj is None:
        return None
    return audit_record(
        actor=None,
        action=AuditAction.LOCKOUT,
        obj=obj,
        jurisdiction=_home_place(user) if user else None,
        changes={"username": [None, username], "ip_address": [None, ip_address]},
        note=_("登录失败次数过多，锁定至 %(time)s") % {"time": f"{timezone.localtime(locked_until):%Y-%m-%d %H:%M}"},
    )


def _home_place(user):
    """The highest place `user` holds a role in: where an event about the account itself is filed."""
    membership = (
        Membership.objects.filter(user=user).select_related("jurisdiction").order_by("jurisdiction__depth").first()
    )
    return membership.jurisdiction if membership else None


def sign_in_record(*, user, action, ip_address):
    """Audit a sign-in, a sign-out or a refused password of `user` (等保: every login event is kept)."""
    notes = {
        AuditAction.LOGIN: _("登录成功"),
        AuditAction.LOGIN_FAILED: _("密码错误，登录失败"),
        AuditAction.LOGOUT: _("退出登录"),
    }
    return audit_record(
        actor=user if action != AuditAction.LOGIN_FAILED else None,
        action=action,
        obj=user,
        jurisdiction=_home_place(user),
        changes={"ip_address": [None, ip_address]},
        note=notes[action],
    )


def _import_place(actor):
    """The highest place `actor` administers: where an import that named no place was meant to go."""
    if actor is None or not actor.is_authenticated:
        return None
    membership = (
        Membership.objects.filter(user=actor, role=Role.ADMIN)
        .select_related("jurisdiction")
        .order_by("jurisdiction__depth", "jurisdiction__path")
        .first()
    )
    return membership.jurisdiction if membership else None


def import_refusal_note(*, what, filename, errors, row, column):
    """The words of a refused import, in the active language: no cell value of the file, only where it failed."""
    values = {"what": _(what) if what else _("导入"), "file": filename, "n": errors}
    text = _("%(what)s被拒绝：文件“%(file)s”有%(n)s处错误，未导入任何数据。") % values
    if row is not None:
        text += _("第一处错误在第%(row)s行[%(column)s]。") % {"row": row, "column": column or _("整行")}
    elif column:
        text += _("第一处错误在[%(column)s]。") % {"column": column}
    return text


def import_plan_refused(*, plan, filename, what, jurisdiction=None, actor=None):
    """Audit `plan`, refused for its issues outside a web page (a management command): as `import_refusal_record`."""
    return import_refusal_record(
        actor=actor,
        filename=filename,
        errors=getattr(plan.issues, "total", None) or len(plan.issues),
        first_issue=next(iter(plan.issues), None),
        what=what,
        jurisdiction=jurisdiction,
    )


def import_refusal_record(*, actor, filename, errors, first_issue=None, what="", jurisdiction=None):
    """Audit an import refused for its errors: which file, how many errors and where the first one is.

    Never a cell value: the issue's message may quote one (a name, an ID number), so only its row and column are
    kept. `what` is the page's name for its imports (a lazy string, kept as its Chinese source so the reminder
    can be read in each recipient's language); `jurisdiction` the import's target, else the highest place the
    actor administers.
    """
    if jurisdiction is None:
        jurisdiction = _import_place(actor)
    with translation.override(settings.LANGUAGE_CODE):
        what = str(what or "")
    filename = str(filename or "")[:100]
    row = getattr(first_issue, "row", None)
    column = str(getattr(first_issue, "column", "") or "")[:40]
    changes = {
        "import": [None, what],
        "filename": [None, filename],
        "errors": [None, int(errors)],
        "row": [None, row],
        "column": [None, column],
    }
    note = import_refusal_note(what=what, filename=filename, errors=errors, row=row, column=column)
    obj = jurisdiction or (actor if actor is not None and actor.is_authenticated else None)
    if obj is None:
        # A command-line import naming no place: the row is about the file alone.
        entry = AuditEntry(
            action=AuditAction.IMPORT_REFUSED,
            content_type=ContentType.objects.get_for_model(Jurisdiction),
            object_id="",
            object_repr=filename,
            changes=changes,
            note=note[:300],
        )
        entry.save()
        return entry
    return audit_record(
        actor=actor,
        action=AuditAction.IMPORT_REFUSED,
        obj=obj,
        jurisdiction=jurisdiction,
        changes=changes,
        note=note,
    )


@transaction.atomic
def membership_revoke(*, membership, actor):
    """Take a role away; losing the last admin role also closes the Django admin to the user."""
    if not user_can(actor, Action.MANAGE, membership.jurisdiction):
        raise PermissionDenied(_("您无权在该辖区撤销角色。"))
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=membership,
        jurisdiction=membership.jurisdiction,
        changes={"role": [membership.role, None]},
    )
    membership.delete()
    if membership.role == Role.ADMIN:
        _sync_admin_site_access(user=membership.user, actor=actor, jurisdiction=membership.jurisdiction)
    access.forget(membership.user)


JURISDICTION_FIELDS = ("name", "level", "parent", "code", "area_km2")


def _ensure_manages_position(actor, jurisdiction):
    anchor = jurisdiction.parent if jurisdiction.parent_id else None
    if anchor is None and not (actor and actor.is_superuser):
        raise PermissionDenied(_("只有系统管理员可以新建顶级辖区。"))
    if anchor is not None and not user_can(actor, Action.MANAGE, anchor):
        raise PermissionDenied(_("您无权在该上级辖区下管理辖区。"))
    return anchor


@transaction.atomic
def jurisdiction_save(*, jurisdiction, actor):
    """Create or change a jurisdiction (the admin's form); the actor must manage the parent it sits under."""
    before = None
    if jurisdiction.pk is not None:
        before = audit.snapshot(Jurisdiction.objects.get(pk=jurisdiction.pk), JURISDICTION_FIELDS)
    jurisdiction.full_clean()
    _ensure_manages_position(actor, jurisdiction)
    jurisdiction.save()
    audit_save(actor=actor, obj=jurisdiction, before=before, fields=JURISDICTION_FIELDS, jurisdiction=jurisdiction)
    return jurisdiction


@transaction.atomic
def jurisdiction_delete(*, jurisdiction, actor):
    """Delete a jurisdiction without children or records; its roles are revoked first, each audited."""
    anchor = _ensure_manages_position(actor, jurisdiction)
    for membership in jurisdiction.memberships.select_related("user", "jurisdiction"):
        membership_revoke(membership=membership, actor=actor)
    audit_delete(actor=actor, obj=jurisdiction, jurisdiction=anchor, fields=JURISDICTION_FIELDS)
    try:
        with transaction.atomic():
            jurisdiction.delete()
    except ProtectedError:
        raise ValidationError(
            _("辖区“%(name)s”还有下级辖区或创建方案等记录，不能删除。") % {"name": jurisdiction.name}
        ) from None
