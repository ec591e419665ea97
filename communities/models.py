"""Jurisdictions, ethnic groups, population records, memberships and the audit trail."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from base import access
from base.audit import readable_changes
from base.models import FieldCheckConstraint, TrackedModel
from base.provinces import PROVINCE_CODE_LENGTH, ProvinceCoded, ProvinceCodedQuerySet, is_province_top, province_code

from .choices import Action, AuditAction, JurisdictionLevel, PopulationKind, Role

# Each tree level adds one fixed-width segment to the path, so a subtree is one `LIKE 'prefix%'`
# and a child's path is a fixed-length prefix of its descendants' paths.
PATH_SEGMENT_WIDTH = 9
# Deeper than any tree (a province's has five levels).
MAX_PATH_DEPTH = 16


def path_levels_sql(first=1):
    """A relation of one column `k`, the numbers `first`..MAX_PATH_DEPTH. Joined to rows of paths on
    `k * PATH_SEGMENT_WIDTH <= length(path)`, it meets each path with each of its prefixes
    `substr(path, 1, k * PATH_SEGMENT_WIDTH)`: the path itself and its ancestors' (k = 0: the global path '')."""
    return " UNION ALL ".join(f"SELECT {k} AS k" for k in range(first, MAX_PATH_DEPTH + 1))


# The province code (base.provinces) is the first segment of a path, without its slash.
if PROVINCE_CODE_LENGTH != PATH_SEGMENT_WIDTH - 1:
    raise ImportError("base.provinces.PROVINCE_CODE_LENGTH must be the width of a path segment without its slash")


def path_segment(pk):
    return f"{pk:08d}/"


class EthnicGroupQuerySet(models.QuerySet):
    def minorities(self):
        return self.filter(is_minority=True)


class EthnicGroup(models.Model):
    """One of the 56 groups of GB/T 3304, or a census category beside them."""

    code = models.CharField(_("代码"), max_length=2, unique=True)
    alpha = models.CharField(_("字母代码"), max_length=2, blank=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    romanization = models.CharField(_("罗马字母拼写"), max_length=40, blank=True)
    is_minority = models.BooleanField(_("少数民族"), default=True)

    objects = EthnicGroupQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("民族")
        verbose_name_plural = _("民族")

    def __str__(self):
        return self.name

    @property
    def short_name(self):
        """Return the name without the trailing 族, as reports write it ("土家、苗、布依")."""
        return self.name[:-1] if self.name.endswith("族") and len(self.name) > 1 else self.name


class JurisdictionQuerySet(models.QuerySet):
    def subtree_of(self, jurisdiction, include_self=True):
        qs = self.filter(path__startswith=jurisdiction.path)
        return qs if include_self else qs.exclude(pk=jurisdiction.pk)

    def for_user(self, user, action=Action.VIEW):
        return self.filter(access.scope_q(user, action, field="path"))

    def tops_for(self, user, action=Action.VIEW):
        """Return a list of the highest jurisdictions where `user` may do `action`, by path."""
        if access.reaches_everywhere(user, action):
            return list(self.filter(parent__isnull=True).order_by("path"))
        return access.top_jurisdictions(user, action)


class Jurisdiction(models.Model):
    """A place or unit in the administrative tree that runs creation work."""

    code_validator = RegexValidator(r"^\d{6}(\d{3}(\d{3})?)?$", _("区划代码应为6位、9位或12位数字。"))

    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=12, choices=JurisdictionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(
        _("统计用区划代码"), max_length=12, unique=True, null=True, blank=True, validators=[code_validator]
    )
    area_km2 = models.DecimalField(
        _("面积（平方公里）"), max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(_("层级深度"), editable=False, default=0)

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        # PostgreSQL uses a btree for `LIKE 'prefix%'` only with pattern ops (other backends ignore opclasses).
        indexes = [
            models.Index(fields=["path"], name="jurisdiction_path_prefix_idx", opclasses=["varchar_pattern_ops"])
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="jurisdiction_not_own_parent",
                violation_error_message=_("辖区不能以自身为上级。"),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The path is an invariant of the tree: kept here so the admin, imports and services all maintain it.
        with transaction.atomic():
            old_path = None
            if self.pk is not None:
                old_path = Jurisdiction.objects.filter(pk=self.pk).values_list("path", flat=True).first()
            if self.pk is None:
                self.path = ""
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
            new_path = (self.parent.path if self.parent_id else "") + path_segment(self.pk)
            self.depth = len(new_path) // PATH_SEGMENT_WIDTH - 1
            self.path = new_path
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = set(update_fields) | {"path", "depth"}
            super().save(*args, **kwargs)
            if old_path and old_path != new_path:
                Jurisdiction.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                    depth=F("depth") + (len(new_path) - len(old_path)) // PATH_SEGMENT_WIDTH,
                )

    def get_absolute_url(self):
        if self.code:
            return reverse("communities:jurisdiction_detail", args=[self.code])
        return reverse("communities:jurisdiction_detail_by_id", args=[self.pk])

    def clean(self):
        if (
            self.parent_id
            and self.pk
            and (self.parent_id == self.pk or (self.path and self.parent.path.startswith(self.path)))
        ):
            raise ValidationError({"parent": _("上级不能是本辖区或其下级，否则会形成循环。")})

    def ancestors(self):
        """Return the ancestors from the root down, in one query."""
        ids = [int(seg) for seg in self.path.strip("/").split("/")[:-1] if seg]
        return Jurisdiction.objects.filter(pk__in=ids).order_by("depth")

    @property
    def name_path(self):
        return "/".join([a.name for a in self.ancestors()] + [self.name])


class ScopedQuerySet(models.QuerySet):
    """A queryset of rows that belong to a jurisdiction; `for_user` is the one door to them."""

    jurisdiction_path_field = "jurisdiction__path"
    # True where the rows are read by the places below their jurisdiction too (a creation plan: see base.access).
    readable_from_below = False

    def for_user(self, user, action=Action.VIEW):
        return self.filter(
            access.scope_q(
                user, action, field=self.jurisdiction_path_field, readable_from_below=self.readable_from_below
            )
        )

    def in_subtree(self, jurisdiction, *, by_province_at_top=False):
        # `IN (subtree ids)` lets the database walk a (jurisdiction, date) index per place; a join on the path
        # would visit every row of the period first.
        relation = self.jurisdiction_path_field.removesuffix("__path")
        # A subtree lies in one province: with the distribution column of every distributed table the query joins in
        # its WHERE clause, Citus routes it to one shard (docs/scale.md, section 4); on one server it is a filter on
        # rows already found.
        code = province_code(jurisdiction.path)
        model, prefix, same_province = self.model, "", {}
        for part in ["", *relation.split("__")[:-1]]:
            if part:
                model, prefix = model._meta.get_field(part).related_model, f"{prefix}{part}__"
            if issubclass(model, ProvinceCoded):
                same_province[f"{prefix}province_code"] = code
        if by_province_at_top and same_province and is_province_top(jurisdiction.path):
            # The top of a tree: its subtree is its province, so the province code alone selects the rows, and a
            # ranked read may walk an index that starts with it (the largest activities of a city: 4.6 ms -> 0.1 ms).
            # Not the default: a place's (place, date) index serves most other reads better than the code does.
            return self.filter(**same_province)
        subtree = Jurisdiction.objects.filter(path__startswith=jurisdiction.path).values("pk")
        return self.filter(**{f"{relation}__in": subtree}, **same_province)


class PopulationRecordQuerySet(ScopedQuerySet):
    pass


class PopulationRecord(ProvinceCoded, TrackedModel):
    """A jurisdiction's population in one year: totals and one count per ethnic group."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="population_records"
    )
    year = models.PositiveSmallIntegerField(_("年份"), validators=[MinValueValidator(1949), MaxValueValidator(2100)])
    kind = models.CharField(
        _("人口类别"), max_length=10, choices=PopulationKind.choices, default=PopulationKind.RESIDENT
    )
    # A school records its sections (小学部, 初中部) as records of one unit; blank is the whole unit.
    section = models.CharField(
        _("学部"),
        max_length=40,
        blank=True,
        default="",
        help_text=_("学校分学部填报时填写，如“小学部”“初中部”；不分学部留空。"),
    )
    residents = models.PositiveIntegerField(_("常住人口（人）"), null=True, blank=True)
    male = models.PositiveIntegerField(_("男性（人）"), null=True, blank=True)
    female = models.PositiveIntegerField(_("女性（人）"), null=True, blank=True)
    households = models.PositiveIntegerField(_("户数（户）"), null=True, blank=True)
    floating_minority = models.PositiveIntegerField(_("流动少数民族（人）"), null=True, blank=True)
    hardship_households = models.PositiveIntegerField(_("少数民族困难户（户）"), null=True, blank=True)
    hardship_persons = models.PositiveIntegerField(_("少数民族困难户人数（人）"), null=True, blank=True)
    # "少数民族教师38人" with no per-group split: kept as a total, its groups unknown, never split or guessed.
    minority_total = models.PositiveIntegerField(
        _("少数民族合计（人）"),
        null=True,
        blank=True,
        help_text=_("只知道少数民族总数、不知道分民族人数时填写；超出各少数民族人数之和的部分记为“分民族不详”。"),
    )
    source = models.CharField(_("来源"), max_length=200, blank=True)

    objects = PopulationRecordQuerySet.as_manager()

    # True while a form checks this record together with the group counts it is editing (the admin's inline):
    # that form checks their new sum, so clean() must not judge the new residents by the counts being replaced.
    group_counts_in_form = False

    class Meta:
        ordering = ["jurisdiction__path", "-year", "kind", "section"]
        verbose_name = _("人口记录")
        verbose_name_plural = _("人口记录")
        constraints = [
            models.UniqueConstraint(
                # province_code: see MonthlyReturn's unique constraint.
                fields=["jurisdiction", "year", "kind", "section", "province_code"],
                name="population_record_unique_per_year_kind_section",
                violation_error_message=_("该辖区该年份已有同类、同学部的人口记录。"),
            ),
            FieldCheckConstraint(
                field="minority_total",
                condition=Q(minority_total__isnull=True)
                | Q(residents__isnull=True)
                | Q(residents__gte=F("minority_total")),
                name="population_record_minority_within_total",
                violation_error_message=_(
                    "少数民族合计%(minority_total)s人，超过总人数%(residents)s人：请核对“少数民族合计”或总人数。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(male__isnull=True)
                | Q(female__isnull=True)
                | Q(residents__isnull=True)
                | Q(residents__gte=F("male") + F("female")),
                name="population_record_sexes_within_total",
                violation_error_message=_("男女人数之和不能超过总人数。"),
            ),
        ]
        indexes = [models.Index(fields=["year", "kind"], name="population_year_kind_idx")]

    def __str__(self):
        section = f" {self.section}" if self.section else ""
        return f"{self.jurisdiction} {self.year} {self.get_kind_display()}{section}"

    def clean(self):
        self.section = (self.section or "").strip()
        if self.pk is None or self.group_counts_in_form:
            return
        totals = self.group_counts.aggregate(
            total=Sum("count"), minority=Sum("count", filter=Q(ethnic_group__is_minority=True))
        )
        try:
            self.check_group_total(totals["total"] or 0)
        except ValidationError as error:
            raise ValidationError({"residents": error}) from None
        try:
            self.check_minority_total(totals["minority"] or 0)
        except ValidationError as error:
            raise ValidationError({"minority_total": error}) from None

    def check_group_total(self, counted):
        """Refuse group counts adding up to `counted` people when the residents are given and fewer."""
        if self.residents is not None and counted > self.residents:
            raise ValidationError(
                _("各民族人数合计%(counted)s人，超过常住人口%(residents)s人：请核对常住人口或各民族人数。"),
                code="group_total_exceeds_residents",
                params={"counted": counted, "residents": self.residents},
            )

    def check_minority_total(self, counted):
        """Refuse a minority total smaller than the `counted` minority people of the group counts."""
        if self.minority_total is not None and counted > self.minority_total:
            raise ValidationError(
                _(
                    "各少数民族人数合计%(counted)s人，超过“少数民族合计”%(minority)s人：请核对少数民族合计或各民族人数。"
                ),
                code="minority_groups_exceed_minority_total",
                params={"counted": counted, "minority": self.minority_total},
            )


class GroupCountQuerySet(ProvinceCodedQuerySet):
    pass


class GroupCount(ProvinceCoded):
    """The number of people of one ethnic group in a population record."""

    # No trigger keeps this table's province code: its writers set it (base.provinces says why).
    province_source = "record"
    province_by_trigger = False

    # No index of its own: the unique (record, ethnic_group) index starts with it and serves every lookup by record
    # (a second index on 1.16 M counts a province only slowed the import's inserts). No declared foreign key, here
    # or on the group: triggers check both keys a statement at a time (communities.count_keys says why and what).
    record = models.ForeignKey(
        PopulationRecord,
        verbose_name=_("人口记录"),
        on_delete=models.CASCADE,
        related_name="group_counts",
        db_index=False,
        db_constraint=False,
    )
    # No index of its own either: nothing reads the counts by group alone (every read goes through its records), and
    # its 1.16 M entries per province, inserted in no order, cost a census import 1.2 s of 3.3 s of inserts (SQLite,
    # stop 21). Deleting an ethnic group (PROTECT) scans the counts once.
    ethnic_group = models.ForeignKey(
        EthnicGroup,
        verbose_name=_("民族"),
        on_delete=models.PROTECT,
        related_name="group_counts",
        db_index=False,
        db_constraint=False,
    )
    count = models.PositiveIntegerField(_("人数"))
    male = models.PositiveIntegerField(_("男"), null=True, blank=True)
    female = models.PositiveIntegerField(_("女"), null=True, blank=True)

    objects = GroupCountQuerySet.as_manager()

    class Meta:
        ordering = ["record", "ethnic_group__code"]
        verbose_name = _("分民族人数")
        verbose_name_plural = _("分民族人数")
        constraints = [
            models.UniqueConstraint(
                fields=["record", "ethnic_group"],
                name="group_count_unique_per_record",
                violation_error_message=_("同一人口记录中每个民族只能有一行。"),
            ),
            models.CheckConstraint(
                condition=Q(male__isnull=True) | Q(female__isnull=True) | Q(count__gte=F("male") + F("female")),
                name="group_count_sexes_within_count",
                violation_error_message=_("男女人数之和不能超过该民族人数。"),
            ),
            # A writer that forgets the province code (no trigger sets it here) fails instead of writing a wrong row.
            models.CheckConstraint(condition=~Q(province_code=""), name="group_count_province_code_set"),
        ]

    def __str__(self):
        return f"{self.ethnic_group} {self.count}"

    def clean(self):
        if self.count is None or self.record_id is None or self.record.group_counts_in_form:
            return
        others = self.record.group_counts.exclude(pk=self.pk).aggregate(
            total=Sum("count"), minority=Sum("count", filter=Q(ethnic_group__is_minority=True))
        )
        is_minority = self.ethnic_group_id is not None and self.ethnic_group.is_minority
        minority = (others["minority"] or 0) + (self.count if is_minority else 0)
        try:
            self.record.check_group_total((others["total"] or 0) + self.count)
            self.record.check_minority_total(minority)
        except ValidationError as error:
            raise ValidationError({"count": error}) from None


class MembershipQuerySet(ScopedQuerySet):
    pass


class Membership(models.Model):
    """A user's role in a jurisdiction; it reaches the whole subtree below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["jurisdiction__path", "user__username"]
        verbose_name = _("成员角色")
        verbose_name_plural = _("成员角色")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "jurisdiction"],
                name="membership_one_role_per_jurisdiction",
                violation_error_message=_("该用户在此辖区已有角色。"),
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.jurisdiction}: {self.get_role_display()}"


# Audit rows are kept at least this long (等级保护 2.0 asks for six months); `purge_audit` refuses younger ones.
AUDIT_RETENTION_DAYS = 180


class AuditEntryQuerySet(ScopedQuerySet):
    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)).select_related(
            "content_type"
        )

    # The trail is written once and never edited: no code path, page or admin may change or delete a row.
    # Only `purge_audit` removes rows past the retention period (`purge_before`).
    def update(self, **kwargs):
        raise PermissionDenied(_("操作记录不能修改或删除。"))

    def delete(self):
        raise PermissionDenied(_("操作记录不能修改或删除。"))

    def purge_before(self, day, *, today):
        """Delete the rows written before `day`; refuse a `day` that would remove rows younger than the retention."""
        if day > today - timedelta(days=AUDIT_RETENTION_DAYS):
            raise ValidationError(
                _("操作记录至少保留%(days)s天：清理的截止日期不能晚于%(limit)s。")
                % {"days": AUDIT_RETENTION_DAYS, "limit": today - timedelta(days=AUDIT_RETENTION_DAYS)}
            )
        return models.QuerySet.delete(self.filter(created_at__date__lt=day))


class AuditEntry(models.Model):
    """Who changed what and when, for every create, change, delete and import."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    # The actor's name as it was: the row still says who did it after the login is deleted.
    actor_name = models.CharField(_("操作人"), max_length=300, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, verbose_name=_("对象类型"), on_delete=models.CASCADE)
    object_id = models.CharField(_("对象编号"), max_length=40)
    object_repr = models.CharField(_("对象"), max_length=200)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("辖区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        # Written whole, once: a row already stored is evidence and is never rewritten.
        if not self._state.adding:
            raise PermissionDenied(_("操作记录不能修改或删除。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("操作记录不能修改或删除。"))

    def readable_changes(self):
        """Return [(label, old, new)]: field and choice labels in the reader's language."""
        return readable_changes(self.content_type.model_class(), self.changes)


class PendingPasswordChange(models.Model):
    """An account that must choose a new password before it may use the site (one an administrator created)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="pending_password_change",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待修改的初始密码")
        verbose_name_plural = _("待修改的初始密码")

    def __str__(self):
        return str(self.user)


class CountsChecksum(ProvinceCoded):
    """The checksums of one population record's group counts, as the census import last wrote or found them.

    An unchanged census re-import compares these with the file's records instead of reading 1.16 M stored counts
    (communities.checksums). Every other write of group counts (services, the admin, raw SQL) fires a trigger that
    blanks the row and moves its `version` on; a blank checksum only makes the next import compare that record
    count by count.
    """

    record = models.OneToOneField(
        PopulationRecord,
        verbose_name=_("人口记录"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="counts_checksum",
    )
    # md5 of "group id:count,…" in group-id order; `split` the same with ":male:female" after each count.
    counts = models.CharField(_("人数校验值"), max_length=32, null=True, blank=True)
    split = models.CharField(_("男女人数校验值"), max_length=32, null=True, blank=True)
    # Moved on by every trigger that blanks the row: the import writes its checksum only over the version it read.
    version = models.PositiveIntegerField(_("版本"), default=0)

    # One row per record, distributed with its record on Citus (docs/scale.md section 4); set by base.provinces.
    province_source = "record"

    class Meta:
        verbose_name = _("分民族人数校验值")
        verbose_name_plural = _("分民族人数校验值")
        constraints = [
            # The record's key with its province code: what the checksums' upserts name on PostgreSQL, the one key
            # a Citus cluster keeps (communities.checksums); on one server the same rows as the record alone.
            models.UniqueConstraint(fields=["record", "province_code"], name="counts_checksum_unique_per_record"),
        ]

    def __str__(self):
        return str(self.record_id)
