from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.periods import Period
from communities.models import Jurisdiction, ScopedQuerySet
from summaries.models import province_code_of

from .outline import clean_narrative, default_outline, empty_narrative, validate_outline


class DataChange(models.Model):
    """A committed change to the recorded data under one jurisdiction's path (see reporting.freshness).

    Written only by database triggers, insert-only on PostgreSQL: writers never update a shared row, so they never
    wait on one another. `weight` counts the changes a row stands for once `compact_data_changes` folded several.
    """

    path = models.CharField(_("辖区路径"), max_length=255, blank=True)
    # What the changed rows feed (reporting.freshness.TOPICS): a cached section of figures that reads none of a
    # write's topics outlives it. '' for rows that may feed anything (the tree, categories, figures, rules).
    topic = models.CharField(_("数据类别"), max_length=16, blank=True, default="", db_default="")
    weight = models.PositiveBigIntegerField(_("变更次数"), default=1)
    province_code = province_code_of("path")  # '' for the global path: site-wide changes stay on the coordinator

    class Meta:
        verbose_name = _("数据变更")
        verbose_name_plural = _("数据变更")
        indexes = [
            # A subtree's changes are one `LIKE 'prefix%'` (PostgreSQL) or `GLOB 'prefix*'` (SQLite) range scan.
            models.Index(
                fields=["path"],
                name="datachange_path_idx",
                opclasses=["varchar_pattern_ops"],
                include=["topic", "weight"],
            )
        ]

    def __str__(self):
        return f"{self.path or '*'} ×{self.weight}"


class DataChangeTotal(models.Model):
    """The change log's rows that `compact_data_changes` moved out of it, summed per path and topic: what was logged
    at the path itself (`own_weight`) and at it and every path under it (`subtree_weight`).

    Written only by the compaction, never by a writer. A subtree's version then reads its own total, its ancestors'
    and the few rows logged since, instead of every path under it (7,333 rows under the benchmark's city).
    """

    path = models.CharField(_("辖区路径"), max_length=255, blank=True)
    topic = models.CharField(_("数据类别"), max_length=16, blank=True, default="")
    own_weight = models.PositiveBigIntegerField(_("本级变更次数"), default=0)
    subtree_weight = models.PositiveBigIntegerField(_("本级及下级变更次数"), default=0)
    province_code = province_code_of("path")

    class Meta:
        verbose_name = _("数据变更合计")
        verbose_name_plural = _("数据变更合计")
        constraints = [models.UniqueConstraint(fields=["path", "topic"], name="datachangetotal_path_topic_uniq")]

    def __str__(self):
        return f"{self.path or '*'} ×{self.subtree_weight}"


class ReportTemplate(models.Model):
    """How a jurisdiction's work reports are framed: title, opening, outline and signature (inherited downwards)."""

    jurisdiction = models.OneToOneField(
        "communities.Jurisdiction",
        verbose_name=_("辖区"),
        on_delete=models.CASCADE,
        related_name="report_template",
    )
    title = models.CharField(
        _("标题"),
        max_length=200,
        blank=True,
        help_text=_("可用 {辖区}、{期间} 代入辖区名称和统计期间；留空则按创建工作方案自动生成。"),
    )
    opening = models.TextField(
        _("开头语"),
        blank=True,
        help_text=_("可用 {辖区}、{期间}；留空则自动生成“现将……工作情况汇报如下：”。"),
    )
    outline = models.JSONField(_("汇报提纲"), default=default_outline, validators=[validate_outline])
    signature = models.TextField(_("落款"), blank=True, help_text=_("每行一个署名单位；留空则为辖区名称。"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("汇报模板")
        verbose_name_plural = _("汇报模板")

    def __str__(self):
        if self.jurisdiction_id is None:
            return str(_("默认汇报模板"))
        return _("%(name)s的汇报模板") % {"name": self.jurisdiction.name}


class ReportDraft(models.Model):
    """The work report of one jurisdiction for one period (the dashboard's), with its saved versions."""

    jurisdiction = models.ForeignKey(
        "communities.Jurisdiction", verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="report_drafts"
    )
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    period_kind = models.CharField(_("期间类型"), max_length=10)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["jurisdiction", "-period_end", "period_start"]
        verbose_name = _("工作汇报草稿")
        verbose_name_plural = _("工作汇报草稿")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "period_start", "period_end"],
                name="report_draft_one_per_period",
                violation_error_message=_("该辖区该期间已有汇报草稿。"),
            ),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="report_draft_period_ordered",
                violation_error_message=_("期间的开始日期不能晚于结束日期。"),
            ),
        ]

    def __str__(self):
        return _("%(name)s%(period)s工作汇报") % {"name": self.jurisdiction.name, "period": self.period.label}

    @property
    def period(self):
        return Period(self.period_start, self.period_end, self.period_kind)


class DraftVersionQuerySet(ScopedQuerySet):
    jurisdiction_path_field = "draft__jurisdiction__path"


class ReportDraftVersion(models.Model):
    """One saved state of a draft's narrative (the data sentences are never stored: they are computed anew)."""

    draft = models.ForeignKey(ReportDraft, verbose_name=_("草稿"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    narrative = models.JSONField(_("叙述内容"), default=empty_narrative, validators=[clean_narrative])
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("保存人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The name as it was: the history still says who saved it after the login is gone.
    author_name = models.CharField(_("保存人姓名"), max_length=300, blank=True)

    objects = DraftVersionQuerySet.as_manager()

    class Meta:
        ordering = ["draft", "-number"]
        verbose_name = _("草稿版本")
        verbose_name_plural = _("草稿版本")
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "number"],
                name="report_draft_version_number_unique",
                violation_error_message=_("该草稿已有这个版本号。"),
            ),
        ]

    def __str__(self):
        return _("%(draft)s第%(n)d版") % {"draft": self.draft, "n": self.number}


class DisplayLinkQuerySet(ScopedQuerySet):
    def usable(self, now=None):
        """Links that open their screen now: neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class DisplayLink(models.Model):
    """A login-free address that opens one jurisdiction's big screen (数据大屏) and its aggregate figures only."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="display_links"
    )
    label = models.CharField(_("名称"), max_length=100, help_text=_("例如：一楼大厅展示屏"))
    # Only a hash of the token is kept: a copy of the database opens no screen. The token itself is shown once.
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="display_links",
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    use_count = models.PositiveIntegerField(_("使用次数"), default=0)

    objects = DisplayLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("大屏展示链接")
        verbose_name_plural = _("大屏展示链接")

    def __str__(self):
        return f"{self.jurisdiction.name} · {self.label}"

    def is_usable(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class BoundaryMap(models.Model):
    """The boundaries of a jurisdiction's children (GeoJSON keyed by their codes), for the cockpit's map."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="boundary_map"
    )
    geojson = models.JSONField(_("边界（GeoJSON）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="boundary_maps",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("下级辖区边界")
        verbose_name_plural = _("下级辖区边界")

    def __str__(self):
        return f"{self.jurisdiction.name} · {self._meta.verbose_name}"
