"""Writes of the reporting layer: the report's templates and the saved versions of its drafts, each audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from base import audit
from base.access import user_can
from communities.choices import Action, AuditAction
from communities.services import audit_delete, audit_record, audit_save

from .models import ReportDraft, ReportDraftVersion, ReportTemplate
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
