"""Writes of the reporting package: display links for the big screen, each atomic and audited."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from base.access import Action, user_can
from communities.choices import AuditAction
from communities.services import audit_record

from .geo import parse_boundaries
from .models import BoundaryMap, DisplayLink

# A hall display runs for months; a longer life is a new link, so a forgotten one dies by itself.
MAX_LINK_DAYS = 366


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def display_link_create(*, jurisdiction, label, expires_at, actor):
    """Create a display link for `jurisdiction`'s big screen; return (link, token). The token is shown once."""
    if not user_can(actor, Action.MANAGE, jurisdiction):
        raise PermissionDenied
    token = secrets.token_urlsafe(32)
    link = DisplayLink(
        jurisdiction=jurisdiction, label=label, expires_at=expires_at, token_hash=token_hash(token), created_by=actor
    )
    link.full_clean()
    now = timezone.now()
    if link.expires_at <= now or link.expires_at > now + timedelta(days=MAX_LINK_DAYS):
        raise ValidationError(
            {"expires_at": _("有效期须在今后%(days)s天之内。") % {"days": MAX_LINK_DAYS}}, code="expires_at"
        )
    with transaction.atomic():
        link.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=link,
            jurisdiction=jurisdiction,
            changes={"label": [None, label], "expires_at": [None, link.expires_at.isoformat()]},
        )
    return link, token


def display_link_revoke(*, link, actor):
    """Revoke `link` at once: its screen and its figures answer 404 from now on."""
    if not user_can(actor, Action.MANAGE, link.jurisdiction):
        raise PermissionDenied
    if link.revoked_at is not None:
        return link
    with transaction.atomic():
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=link,
            jurisdiction=link.jurisdiction,
            changes={"revoked_at": [None, link.revoked_at.isoformat()]},
            note=_("撤销大屏展示链接"),
        )
    return link


def display_link_use(*, token, what, now=None):
    """Return the usable link of `token`, counting and auditing this use (`what`: "screen" or "data"); else None."""
    now = now or timezone.now()
    link = (
        DisplayLink.objects.usable(now)
        .select_related("jurisdiction")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if link is None:
        return None
    with transaction.atomic():
        DisplayLink.objects.filter(pk=link.pk).update(last_used_at=now, use_count=F("use_count") + 1)
        audit_record(
            actor=None,
            action=AuditAction.DISPLAY,
            obj=link,
            jurisdiction=link.jurisdiction,
            note=_("大屏页面") if what == "screen" else _("大屏数据"),
        )
    return link


def boundaries_upload(*, jurisdiction, raw, actor):
    """Check the GeoJSON `raw` (bytes) against `jurisdiction`'s children and keep it, replacing any earlier one."""
    if not user_can(actor, Action.MANAGE, jurisdiction):
        raise PermissionDenied
    children = dict(jurisdiction.children.exclude(code=None).values_list("code", "name"))
    data = parse_boundaries(raw, children=children)
    with transaction.atomic():
        boundary, created = BoundaryMap.objects.update_or_create(
            jurisdiction=jurisdiction, defaults={"geojson": data, "uploaded_by": actor}
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.CHANGE,
            obj=boundary,
            jurisdiction=jurisdiction,
            changes={"features": [None, len(data["features"])]},
            note=_("上传下级辖区边界"),
        )
    return boundary
