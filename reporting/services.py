"""Writes of the reporting layer: report templates, draft versions, display links and boundaries; each audited."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from base import audit
from base.access import Action, user_can
from communities.choices import AuditAction
from communities.services import audit_delete, audit_record, audit_save

from .geo import parse_boundaries
from .models import BoundaryMap, DisplayLink, ReportDraft, ReportDraftVersion, ReportTemplate
from .outline import LIST_NARRATIVES, NARRATIVE_LABELS, clean_narrative, empty_narrative

TEMPLATE_FIELDS = ("title", "opening", "outline", "signature")


class DraftConflict(ValidationError):
    """Someone saved a newer version since the page was opened: saving would silently drop their text."""


def _ensure(actor, action, jurisdiction):
    if not user_can(actor, action, jurisdiction):
        raise PermissionDenied(_("您无权修改该辖区的工作汇报。"))


@transaction.atomic
def report_template_save(*, jurisdiction, title, opening, outline, signature, actor):
    """Create or change `jurisdiction`'s own report template (its administrators only); the subtree inherits it."""
    _ensure(actor, Action.MANAGE, jurisdiction)
    template = ReportTemplate.objects.select_for_update().filter(jurisdiction=jurisdiction).first()
    before = audit.snapshot(template, TEMPLATE_FIELDS) if template is not None else None
    if template is None:
        template = ReportTemplate(jurisdiction=jurisdiction)
    template.title, template.opening, template.signature = title.strip(), opening.strip(), signature.strip()
    template.outline = outline
    template.updated_by = actor if actor is not None and actor.is_authenticated else None
    template.full_clean()
    template.save()
    audit_save(actor=actor, obj=template, before=before, fields=TEMPLATE_FIELDS, jurisdiction=jurisdiction)
    return template


@transaction.atomic
def report_template_delete(*, jurisdiction, actor):
    """Remove `jurisdiction`'s own template, so it uses its nearest ancestor's (or the default) again."""
    _ensure(actor, Action.MANAGE, jurisdiction)
    template = ReportTemplate.objects.filter(jurisdiction=jurisdiction).first()
    if template is None:
        return False
    audit_delete(actor=actor, obj=template, jurisdiction=jurisdiction, fields=TEMPLATE_FIELDS)
    template.delete()
    return True


def _as_text(key, value):
    return "\n".join(value) if key in LIST_NARRATIVES else value


@transaction.atomic
def report_draft_save(*, jurisdiction, period, narrative, actor, base_number=None):
    """Save the narrative as the next version of the period's draft and audit it; return the version.

    `base_number` is the version the page was opened on (0 for none): when another has been saved since, the save
    is refused with DraftConflict rather than written over theirs. A narrative equal to the latest version's saves
    nothing and returns that version.
    """
    _ensure(actor, Action.CHANGE, jurisdiction)
    narrative = clean_narrative(narrative)
    draft, _created = ReportDraft.objects.get_or_create(
        jurisdiction=jurisdiction,
        period_start=period.start,
        period_end=period.end,
        defaults={"period_kind": period.kind},
    )
    # Lock the draft so two saves cannot take the same number.
    draft = ReportDraft.objects.select_for_update().get(pk=draft.pk)
    latest = draft.versions.order_by("-number").first()
    latest_number = latest.number if latest is not None else 0
    if base_number is not None and base_number != latest_number:
        raise DraftConflict(
            _("保存失败：在您编辑期间，%(who)s 已保存了第%(n)d版。您的文字仍在下方，请核对后再保存。")
            % {"who": latest.author_name or "—", "n": latest_number},
            code="stale",
        )
    old = clean_narrative(latest.narrative) if latest is not None else empty_narrative()
    if latest is not None and old == narrative:
        return latest
    version = ReportDraftVersion(
        draft=draft,
        number=latest_number + 1,
        narrative=narrative,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        author_name=audit.actor_name(actor),
    )
    version.full_clean()
    version.save()
    changes = {
        str(NARRATIVE_LABELS[key]): [_as_text(key, old[key]) or None, _as_text(key, narrative[key]) or None]
        for key in NARRATIVE_LABELS
        if old[key] != narrative[key]
    }
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=version,
        jurisdiction=jurisdiction,
        changes=changes,
        note=_("保存工作汇报草稿第%(n)d版") % {"n": version.number},
    )
    return version


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
