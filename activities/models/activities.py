"""Activities with their photos, and people's-livelihood projects with their funding."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import FieldCheckConstraint, TrackedModel
from base.provinces import ProvinceCoded
from communities.models import Jurisdiction, ScopedQuerySet

from ..choices import FundingSource, ProjectKind, ProjectStatus, ReportSection
from .plans import CreationPlan, Indicator


class ActivityCategory(models.Model):
    """A kind of activity (宣传教育, 调度会 …), kept as an editable list."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    report_section = models.CharField(
        _("汇报归类"), max_length=15, choices=ReportSection.choices, default=ReportSection.PUBLICITY
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("活动类别")
        verbose_name_plural = _("活动类别")

    def __str__(self):
        return self.name


class ActivityQuerySet(ScopedQuerySet):
    def in_period(self, start, end):
        return self.filter(date__gte=start, date__lte=end)


class Activity(ProvinceCoded, TrackedModel):
    """An event held for creation work: date, place, who came, what publicity it produced."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="activities"
    )
    plan = models.ForeignKey(
        CreationPlan,
        verbose_name=_("创建方案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    date = models.DateField(_("日期"), db_index=True)
    category = models.ForeignKey(
        ActivityCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("活动名称"), max_length=200)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    organiser = models.CharField(_("组织单位"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(_("参与人数"), default=0)
    minority_participants = models.PositiveIntegerField(_("其中少数民族（人）"), default=0)
    posters = models.PositiveIntegerField(_("海报（份）"), default=0)
    handbooks = models.PositiveIntegerField(_("手册（份）"), default=0)
    promo_items = models.PositiveIntegerField(_("宣传品（份）"), default=0)
    light_boxes = models.PositiveIntegerField(_("灯箱（个）"), default=0)
    online_posts = models.PositiveIntegerField(_("推送（条）"), default=0)
    people_reached = models.PositiveIntegerField(_("覆盖人数"), default=0)
    summary = models.TextField(_("活动简介"), blank=True)
    indicators = models.ManyToManyField(Indicator, verbose_name=_("佐证指标"), blank=True, related_name="activities")

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        constraints = [
            FieldCheckConstraint(
                condition=Q(minority_participants__lte=F("participants")),
                name="activity_minority_within_participants",
                field="minority_participants",
                violation_error_message=_(
                    "其中少数民族人数（%(minority_participants)s）不能超过参与总人数（%(participants)s），请核对。"
                ),
            ),
        ]
        # Participants (and the province, which subtree reads name) ride along: a small subtree's five largest
        # activities are ranked from this index alone.
        indexes = [
            models.Index(
                fields=["jurisdiction", "date", "participants", "province_code"], name="activity_place_people_idx"
            ),
            # The largest first: a province's or a city's five largest activities are among the first entries, so
            # the planner walks this index instead of ranking a year's activities (province: 122 ms -> 3 ms).
            models.Index(fields=["province_code", "-participants", "-date", "-id"], name="activity_largest_idx"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"


def photo_upload_to(instance, filename):
    return f"photos/{instance.activity.date:%Y/%m}/{uuid.uuid4().hex}.jpg"


def thumbnail_upload_to(instance, filename):
    return f"photos/{instance.activity.date:%Y/%m}/thumbs/{uuid.uuid4().hex}.jpg"


class ActivityPhotoQuerySet(ScopedQuerySet):
    jurisdiction_path_field = "activity__jurisdiction__path"


class ActivityPhoto(ProvinceCoded):
    """A photo of an activity, re-encoded on upload so no EXIF or GPS data is kept."""

    province_source = "activity"

    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=photo_upload_to, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("缩略图"), upload_to=thumbnail_upload_to, blank=True)
    width = models.PositiveIntegerField(_("宽"), default=0, editable=False)
    height = models.PositiveIntegerField(_("高"), default=0, editable=False)
    caption = models.CharField(_("说明"), max_length=200, blank=True, help_text=_("时间、地点、人物、主题"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = ActivityPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "pk"]
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")

    def __str__(self):
        return self.caption or f"{self.activity} #{self.pk}"


def current_year():
    return timezone.localdate().year


class Project(ProvinceCoded, TrackedModel):
    """A people's-livelihood project (民生项目): its year, status, investment, who paid and whom it serves.

    The funding rows need not account for the whole total: what the cash rows leave over is shown as
    "未列明来源", because reports often name only the main sources (篇4: 上级 1090 and companies 1600 of 2914.25).
    The cash rows may never add up to more than the total; the services and the entry form refuse that.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("项目名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=ProjectKind.choices)
    # blank=True only so a form may leave it empty: clean() fills it from the start date or this year; the
    # default serves the writers that skip full_clean (demo data, fixtures).
    year = models.PositiveSmallIntegerField(
        _("年度"),
        blank=True,
        default=current_year,
        db_index=True,
        validators=[MinValueValidator(1949), MaxValueValidator(2100)],
        help_text=_("项目计入哪一年的工作；不填则取开工日期的年份，没有开工日期取今年。"),
    )
    total_investment = models.DecimalField(
        _("总投资（万元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    amount_spent = models.DecimalField(
        _("已完成投资（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("到目前实际投入的金额，不能超过总投资；不清楚可不填。"),
    )
    households_served = models.PositiveIntegerField(_("受益户数"), default=0)
    persons_served = models.PositiveIntegerField(_("受益人数"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    start_date = models.DateField(_("开工日期"), null=True, blank=True)
    end_date = models.DateField(_("完工日期"), null=True, blank=True)
    summary = models.TextField(_("项目简介"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-start_date", "name"]
        verbose_name = _("民生项目")
        verbose_name_plural = _("民生项目")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="project_end_after_start",
                violation_error_message=_("完工日期不能早于开工日期。"),
            ),
            FieldCheckConstraint(
                condition=Q(amount_spent__isnull=True) | Q(amount_spent__lte=F("total_investment")),
                name="project_spent_within_total",
                field="amount_spent",
                violation_error_message=_(
                    "已完成投资（%(amount_spent)s 万元）不能超过总投资（%(total_investment)s 万元），请核对。"
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.year is None:
            self.year = self.start_date.year if self.start_date else current_year()

    def cash_fundings(self):
        """Return the cash rows among the prefetched funding rows (in-kind rows carry no cash)."""
        return [f for f in self.fundings.all() if not f.in_kind]

    @property
    def unspecified_amount(self):
        """Return the part of the total no cash row accounts for (未列明来源), from the prefetched rows."""
        listed = sum((f.amount or Decimal(0) for f in self.cash_fundings()), Decimal(0))
        return max((self.total_investment or Decimal(0)) - listed, Decimal(0))


class ProjectFundingQuerySet(ScopedQuerySet):
    jurisdiction_path_field = "project__jurisdiction__path"


class ProjectFunding(ProvinceCoded):
    """One contribution to a project: a funder of a source kind, in cash or in kind (labour, land).

    A project has any number of rows, several of one kind too (each of five companies). Cash rows carry an
    amount in 万元. An in-kind row says what was given (投工投劳, 土地) and may carry its value in 万元 when someone
    valued it, or none: in-kind values are shown beside the investment, never added to it, because a project's
    total investment is the money its budget names.
    """

    province_source = "project"

    project = models.ForeignKey(Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="fundings")
    source = models.CharField(_("资金来源"), max_length=12, choices=FundingSource.choices)
    funder = models.CharField(
        _("出资方"), max_length=200, blank=True, help_text=_("如“打厂沟煤矿”；几家合计一个金额时可用顿号隔开。")
    )
    in_kind = models.BooleanField(_("实物或投劳"), default=False, help_text=_("土地、投工投劳等非现金投入"))
    description = models.CharField(_("投入内容"), max_length=200, blank=True, help_text=_("如“投工投劳”“捐出土地”"))
    amount = models.DecimalField(
        _("金额（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("现金必填；实物或投劳可填折价，不清楚可不填。"),
    )

    objects = ProjectFundingQuerySet.as_manager()

    class Meta:
        ordering = ["project", "in_kind", "pk"]
        verbose_name = _("资金来源")
        verbose_name_plural = _("资金来源")
        constraints = [
            FieldCheckConstraint(
                condition=Q(in_kind=True) | Q(amount__isnull=False),
                name="project_funding_cash_has_amount",
                field="amount",
                violation_error_message=_("现金出资须填写金额（万元）；实物或投劳请勾选“实物或投劳”。"),
            ),
        ]

    def __str__(self):
        text = self.get_source_display()
        if self.funder:
            text += f"（{self.funder}）"
        if self.in_kind:
            text += " " + (self.description or str(_("实物或投劳")))
        if self.amount is not None:
            text += f" {self.amount}"
        return text
