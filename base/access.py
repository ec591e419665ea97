"""Who may do what, where: the one role → action table and every access question.

A user holds roles in jurisdictions (their memberships); a role in a jurisdiction reaches its whole subtree.
Every view, form, selector, admin, export, report and the JSON ask this module, and nothing else reads
memberships. It imports no app: it reaches the memberships through the user's reverse relation
(`user.memberships`) and compares materialised paths (`"00000001/00000007/"`), so a subtree is a prefix.

The rules decided here:

- Rows of a jurisdiction are reached by the roles of that jurisdiction and of every jurisdiction above it.
- A creation plan (and its indicators, breakdown and evidence) is also *readable* by everyone below its
  jurisdiction, who carry it out; it stays *writable* only by the roles that reach its jurisdiction.
- A plan's responsible persons are named only to those who may write the plan; readers from below see
  the lead department only (`may_see_responsible_persons`).
- Monthly returns are approved from above: a leader approves the returns strictly below their jurisdiction.
- The auditor reads the audit trail of their subtree and nothing else; no table row lets them write.
"""

import contextlib

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    LEADER = "leader", _("领导")
    STAFF = "staff", _("工作人员")
    AUDITOR = "auditor", _("审计员")


class Action(models.TextChoices):
    """What a user wants to do with a row; each role allows some of them."""

    VIEW = "view", _("查看")
    CHANGE = "change", _("录入与修改")
    APPROVE = "approve", _("审核")
    MANAGE = "manage", _("管理")
    AUDIT = "audit", _("查看操作记录")


ROLE_ACTIONS = {
    Role.STAFF: frozenset({Action.VIEW, Action.CHANGE}),
    Role.LEADER: frozenset({Action.VIEW, Action.CHANGE, Action.APPROVE}),
    Role.ADMIN: frozenset({Action.VIEW, Action.CHANGE, Action.APPROVE, Action.MANAGE, Action.AUDIT}),
    # Separate duties (等级保护): the auditor reads the audit trail and can change nothing.
    Role.AUDITOR: frozenset({Action.AUDIT}),
}

# Paths every user may reach: a superuser's reach, the empty prefix of every path.
EVERYWHERE = ("",)


def roles_allowing(action):
    """Return the roles whose holders may do `action`."""
    return [role for role, allowed in ROLE_ACTIONS.items() if action in allowed]


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


def _grants(user):
    """Return the user's (role, jurisdiction), read once per user object, so once per request."""
    cache = getattr(user, "_access_grants", None)
    if cache is None:
        cache = [(m.role, m.jurisdiction) for m in user.memberships.select_related("jurisdiction")]
        user._access_grants = cache
    return cache


def roles_of(user):
    """Return the user's roles with their jurisdictions, for showing them to the user."""
    return user.memberships.select_related("jurisdiction").order_by("jurisdiction__path")


def forget(user):
    """Drop the roles read for this user object, after granting or revoking one."""
    with contextlib.suppress(AttributeError):
        del user._access_grants


def paths(user, action=Action.VIEW):
    """Return the tops of the subtrees where `user` may do `action`; none nested in another, sorted."""
    if not _active(user):
        return []
    if user.is_superuser:
        return list(EVERYWHERE)
    roles = roles_allowing(action)
    found = sorted({j.path for role, j in _grants(user) if role in roles})
    # A path under another is already covered; dropping it keeps the SQL short.
    return [p for i, p in enumerate(found) if not any(p.startswith(q) for q in found[:i])]


def reaches_everywhere(user, action=Action.VIEW):
    """Tell whether `user` may do `action` everywhere (a superuser)."""
    return paths(user, action) == list(EVERYWHERE)


def top_jurisdictions(user, action=Action.VIEW):
    """Return the jurisdictions of the user's roles allowing `action` that no other such one contains.

    A superuser's tops are the roots of the tree, which only the caller can read (see `reaches_everywhere`).
    """
    tops = set(paths(user, action))
    found = {j.path: j for role, j in _grants(user) if j.path in tops} if _active(user) else {}
    return [found[p] for p in sorted(found)]


def _ancestor_paths(path):
    segments = path.strip("/").split("/")
    return ["".join(f"{s}/" for s in segments[:n]) for n in range(1, len(segments))]


def scope_q(user, action=Action.VIEW, field="jurisdiction__path", *, below_only=False, readable_from_below=False):
    """Return a Q selecting rows whose jurisdiction (its path in `field`) lies where `user` may do `action`.

    - `below_only`: strictly below the user's jurisdictions (approving a return is done from above).
    - `readable_from_below`: for VIEW, also the rows of the jurisdictions above the user's (a creation plan
      is read by the places that carry it out).
    """
    reach = paths(user, action)
    if not reach:
        return Q(pk__in=[])
    if reach == list(EVERYWHERE):
        return Q()
    q = Q()
    for path in reach:
        inside = Q(**{f"{field}__startswith": path})
        q |= inside & ~Q(**{field: path}) if below_only else inside
    if readable_from_below and action == Action.VIEW:
        above = sorted({a for path in reach for a in _ancestor_paths(path)})
        if above:
            q |= Q(**{f"{field}__in": above})
    return q


def user_can(user, action, jurisdiction):
    """Tell whether `user` may do `action` on rows of `jurisdiction` (anything with a `path`)."""
    if jurisdiction is None:
        return False
    return any(jurisdiction.path.startswith(p) for p in paths(user, action))


def user_can_below(user, action, jurisdiction):
    """Tell whether `user` may do `action` to `jurisdiction` from strictly above it (approving its return)."""
    if jurisdiction is None:
        return False
    return any(jurisdiction.path.startswith(p) and jurisdiction.path != p for p in paths(user, action))


def may(user, action, obj):
    """Tell whether `user` may do `action` to `obj`: a jurisdiction, or a row whose manager has `for_user`."""
    if obj is None or obj.pk is None:
        return False
    if hasattr(obj, "path"):
        return user_can(user, action, obj)
    return type(obj)._default_manager.for_user(user, action).filter(pk=obj.pk).exists()


def may_anywhere(user, action):
    """Tell whether `user` may do `action` somewhere (shows a menu entry, opens a site-wide page)."""
    return bool(paths(user, action))


def ensure_may_anywhere(user, action):
    """Refuse (403) a user who may do `action` nowhere: a create page offers them no place to write in."""
    if not may_anywhere(user, action):
        raise PermissionDenied(_("您没有可以进行此操作的辖区。"))


def is_administrator(user):
    """Tell whether `user` administers some jurisdiction, or the whole system as a superuser.

    Site-wide lists (activity categories, monthly figures) and imports are kept by administrators.
    """
    return may_anywhere(user, Action.MANAGE)


def default_jurisdiction_id(user, action=Action.CHANGE):
    """Return the id of the one jurisdiction where `user` holds a role allowing `action`, else None."""
    if not _active(user):
        return None
    roles = roles_allowing(action)
    ids = {j.pk for role, j in _grants(user) if role in roles}
    return next(iter(ids)) if len(ids) == 1 else None


def may_see_responsible_persons(user, jurisdiction):
    """Tell whether `user` may read the names of the responsible persons of a plan of `jurisdiction`.

    Those who may write the plan (the roles that reach its jurisdiction) see the names; the places below
    that carry the plan out see the lead department only.
    """
    return user_can(user, Action.CHANGE, jurisdiction)
