"""Writes of activities, their photos, activity categories and people's-livelihood projects.

Each function is atomic: a refused or invalid write leaves no row, no audit entry and no stored file.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from base import access, audit
from communities.choices import Action, AuditAction
from communities.services import audit_record, audit_save

from ..choices import FundingSource
from ..images import ensure_processed
from ..models import Activity, ActivityCategory, ActivityPhoto, Indicator, Project, ProjectFunding
from .common import delete_scoped, ensure_can, ensure_month_open, save_scoped

ACTIVITY_FIELDS = (
    "jurisdiction",
    "date",
    "category",
    "title",
    "place",
    "organiser",
    "participants",
    "minority_participants",
    "posters",
    "handbooks",
    "promo_items",
    "light_boxes",
    "online_posts",
    "people_reached",
    "summary",
)
CATEGORY_FIELDS = ("name", "report_section", "order", "is_active")
PROJECT_FIELDS = (
    "jurisdiction",
    "name",
    "kind",
    "year",
    "total_investment",
    "amount_spent",
    "households_served",
    "persons_served",
    "status",
    "start_date",
    "end_date",
    "summary",
)
MAX_PHOTOS_PER_UPLOAD = 20
CENTS = Decimal("0.01")


def _assign(obj, fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields for {type(obj).__name__}: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(obj, name, value)


class _StoredFiles:
    """Remember files written during a write, so a rolled-back write removes them again."""

    def __init__(self):
        self.names = []

    def add(self, field_file):
        self.names.append((field_file.storage, field_file.name))

    def discard(self):
        for storage, name in self.names:
            storage.delete(name)


def _delete_files_on_commit(photos):
    files = [(f.storage, f.name) for photo in photos for f in (photo.image, photo.thumbnail) if f]

    def remove():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove)


# Activities


def _check_indicators(indicators, actor):
    indicators = list(indicators)
    if not indicators:
        return indicators
    visible = set(
        Indicator.objects.for_user(actor).filter(pk__in=[i.pk for i in indicators]).values_list("pk", flat=True)
    )
    hidden = [i for i in indicators if i.pk not in visible]
    if hidden:
        raise ValidationError(
            {
                "indicators": _("指标“%(codes)s”不属于您所在辖区的创建方案，不能关联。")
                % {"codes": "、".join(str(i) for i in hidden)}
            }
        )
    return indicators


def _indicator_text(indicators):
    return "、".join(sorted(i.code for i in indicators)) or None


def _add_photos(activity, photos, actor, stored):
    photos = list(photos)
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        raise ValidationError(
            {"photos": _("一次最多上传 %(limit)s 张照片，请分批上传。") % {"limit": MAX_PHOTOS_PER_UPLOAD}}
        )
    created = []
    for upload, caption in photos:
        processed = ensure_processed(upload)
        photo = ActivityPhoto(activity=activity, caption=(caption or "").strip(), uploaded_by=actor)
        photo.image.save("photo.jpg", ContentFile(processed.content), save=False)
        stored.add(photo.image)
        photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
        stored.add(photo.thumbnail)
        photo.full_clean()
        photo.save()
        created.append(photo)
    return created


def _photo_text(photos):
    return "、".join(p.caption or _("（无说明）") for p in photos)


def activity_create(*, actor, indicators=(), photos=(), **fields):
    """Record an activity with the indicators it evidences and its photos ([(file, caption)]); return it."""
    activity = Activity()
    _assign(activity, fields, ACTIVITY_FIELDS)
    stored = _StoredFiles()

    def save_related():
        extra = {}
        if indicators:
            activity.indicators.set(indicators)
            extra["indicators"] = [None, _indicator_text(indicators)]
        added = _add_photos(activity, photos, actor, stored)
        if added:
            extra["photos"] = [None, _photo_text(added)]
        return extra

    try:
        with transaction.atomic():
            ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=getattr(activity, "jurisdiction", None))
            indicators = _check_indicators(indicators, actor)
            save_scoped(obj=activity, actor=actor, fields=ACTIVITY_FIELDS, related=save_related)
    except BaseException:
        stored.discard()
        raise
    return activity


def activity_update(*, activity, actor, indicators=None, photos=(), **fields):
    """Change an activity and add any new photos; `indicators=None` keeps its indicators as they are."""
    _assign(activity, fields, ACTIVITY_FIELDS)
    stored = _StoredFiles()

    def save_related():
        extra = {}
        if indicators is not None:
            old = list(activity.indicators.all())
            # Indicators the actor cannot see (e.g. of a plan above their jurisdiction) were linked by
            # someone who could; the actor's form never offered them, so they stay linked.
            visible = set(Indicator.objects.for_user(actor).values_list("pk", flat=True))
            keep = [i for i in old if i.pk not in visible]
            new = list({i.pk: i for i in [*indicators, *keep]}.values())
            if {i.pk for i in old} != {i.pk for i in new}:
                activity.indicators.set(new)
                extra["indicators"] = [_indicator_text(old), _indicator_text(new)]
        added = _add_photos(activity, photos, actor, stored)
        if added:
            extra["photos"] = [None, _photo_text(added)]
        return extra

    try:
        with transaction.atomic():
            ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=activity.jurisdiction)
            if indicators is not None:
                indicators = _check_indicators(indicators, actor)
            save_scoped(obj=activity, actor=actor, fields=ACTIVITY_FIELDS, related=save_related)
    except BaseException:
        stored.discard()
        raise
    return activity


def activity_delete(*, activity, actor):
    """Delete an activity with its photos; the photo files go once the deletion is committed."""
    with transaction.atomic():
        photos = list(activity.photos.all())
        delete_scoped(obj=activity, actor=actor)
        _delete_files_on_commit(photos)


def activity_photo_add(*, activity, photos, actor):
    """Add photos ([(file, caption)]) to an activity of a month that is still open; return the new photos."""
    stored = _StoredFiles()
    try:
        with transaction.atomic():
            ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=activity.jurisdiction)
            ensure_month_open(jurisdiction=activity.jurisdiction, day=activity.date, field="photos")
            if not photos:
                raise ValidationError({"photos": _("请选择要上传的照片。")})
            added = _add_photos(activity, photos, actor, stored)
            audit_record(
                actor=actor,
                action=AuditAction.CHANGE,
                obj=activity,
                jurisdiction=activity.jurisdiction,
                changes={"photos": [None, _photo_text(added)]},
                note=_("新增照片 %(count)s 张") % {"count": len(added)},
            )
    except BaseException:
        stored.discard()
        raise
    return added


def activity_photo_delete(*, photo, actor):
    activity = photo.activity
    with transaction.atomic():
        ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=activity.jurisdiction)
        ensure_month_open(jurisdiction=activity.jurisdiction, day=activity.date, field="photos")
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=activity,
            jurisdiction=activity.jurisdiction,
            changes={"photos": [_photo_text([photo]), None]},
            note=_("删除照片"),
        )
        photo.delete()
        _delete_files_on_commit([photo])


# Activity categories: one list for the whole site, kept by administrators.


def _ensure_manages_categories(actor):
    if not access.is_administrator(actor):
        raise PermissionDenied(_("只有管理员可以维护活动类别。"))


def _category_save(*, category, actor, fields):
    before = audit.snapshot(ActivityCategory.objects.get(pk=category.pk), CATEGORY_FIELDS) if category.pk else None
    _assign(category, fields, CATEGORY_FIELDS)
    with transaction.atomic():
        _ensure_manages_categories(actor)
        category.full_clean()
        category.save()
        audit_save(actor=actor, obj=category, before=before, fields=CATEGORY_FIELDS)
    return category


def category_create(*, actor, **fields):
    return _category_save(category=ActivityCategory(), actor=actor, fields=fields)


def category_update(*, category, actor, **fields):
    """Change a category; deactivating it (is_active=False) hides it from new activities but keeps old ones."""
    return _category_save(category=category, actor=actor, fields=fields)


# People's-livelihood projects and their funding


def _to_cents(value):
    """Return `value` with two decimals when that loses nothing; finer amounts are left for validation to refuse."""
    return value.quantize(CENTS) if value.is_finite() and value == value.quantize(CENTS) else value


FUNDING_FIELDS = ("source", "funder", "in_kind", "description", "amount")


def _funding_rows(fundings):
    """Return `fundings` as dicts of FUNDING_FIELDS; a pair (source, amount) is a cash row without a funder."""
    rows = []
    for item in fundings:
        if not isinstance(item, dict):
            source, amount = item
            item = {"source": source, "amount": amount}
        amount = item.get("amount")
        rows.append(
            {
                "source": item["source"],
                "funder": (item.get("funder") or "").strip(),
                "in_kind": bool(item.get("in_kind")),
                "description": (item.get("description") or "").strip(),
                "amount": None if amount in (None, "") else _to_cents(Decimal(amount)),
            }
        )
    return rows


def cash_total(rows):
    return sum((row["amount"] for row in rows if not row["in_kind"] and row["amount"] is not None), Decimal(0))


def _check_fundings(project, rows):
    for row in rows:
        if not row["in_kind"] and row["amount"] is None:
            raise ValidationError({"fundings": _("现金出资须填写金额（万元）；实物或投劳请勾选“实物或投劳”。")})
    total = cash_total(rows)
    if project.total_investment is not None and total > project.total_investment:
        raise ValidationError({"fundings": funding_excess_message(total, project.total_investment)})


def funding_excess_message(total, investment):
    return _(
        "资金来源中现金合计 %(sum)s 万元，超过了“总投资（万元）”%(total)s 万元；"
        "来源可以少于总投资（差额记为未列明来源），但不能多于总投资，请核对金额。"
    ) % {"sum": f"{total:.2f}", "total": f"{Decimal(investment):.2f}"}


def _row_key(row):
    return tuple("" if row[name] is None else str(row[name]) for name in FUNDING_FIELDS)


def _funding_text(rows):
    """Return the rows as one line for the audit trail, in the order of the source kinds."""
    order = list(FundingSource.values)
    parts = []
    for row in sorted(rows, key=lambda row: (order.index(row["source"]), row["in_kind"])):
        text = FundingSource(row["source"]).label
        if row["funder"]:
            text += f"（{row['funder']}）"
        if row["in_kind"]:
            text += " " + (row["description"] or _("实物或投劳"))
        if row["amount"] is not None:
            text += f" {Decimal(row['amount']):.2f}"
        parts.append(text)
    return "；".join(parts) or None


def _stored_rows(project):
    return _funding_rows(project.fundings.order_by("pk").values(*FUNDING_FIELDS))


def _project_save(*, project, actor, fields, fundings):
    creating = project.pk is None
    _assign(project, fields, PROJECT_FIELDS)
    if creating and fields.get("year") is None:
        project.year = None  # clean() takes the start date's year, or this year
    for name in ("total_investment", "amount_spent"):
        value = getattr(project, name)
        if isinstance(value, Decimal | int):
            # Written to the fen as stored, so the audit trail shows 200.00 rather than 200.
            setattr(project, name, _to_cents(Decimal(value)))
    with transaction.atomic():
        ensure_can(actor=actor, action=Action.CHANGE, jurisdiction=getattr(project, "jurisdiction", None))
        old_rows = [] if creating else _stored_rows(project)
        rows = _funding_rows(fundings) if fundings is not None else old_rows
        project.full_clean()
        _check_fundings(project, rows)

        def save_fundings():
            if fundings is None or sorted(map(_row_key, rows)) == sorted(map(_row_key, old_rows)):
                return {}
            project.fundings.all().delete()
            new = [ProjectFunding(project=project, **row) for row in rows]
            for funding in new:
                funding.full_clean()
            ProjectFunding.objects.bulk_create(new)
            return {"fundings": [_funding_text(old_rows), _funding_text(rows)]}

        save_scoped(obj=project, actor=actor, fields=PROJECT_FIELDS, date_field=None, related=save_fundings)
    return project


def project_create(*, actor, fundings=(), **fields):
    """Record a project with its funding rows (dicts of FUNDING_FIELDS, or (source, amount) for cash).

    The cash rows may add up to less than the total (the rest is 未列明来源), never to more.
    """
    return _project_save(project=Project(), actor=actor, fields=fields, fundings=fundings)


def project_update(*, project, actor, fundings=None, **fields):
    """Change a project; `fundings` replaces all its rows (None keeps them, and the total must still cover them)."""
    return _project_save(project=project, actor=actor, fields=fields, fundings=fundings)


def project_delete(*, project, actor):
    delete_scoped(obj=project, actor=actor, date_field=None)
