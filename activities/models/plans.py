"""Creation plans, their leading group, budget, indicators and the responsibility breakdown."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.models import TrackedModel
from communities.models import Jurisdiction, ScopedQuerySet

from ..choices import LeadingRole, PlanLevel, ResponsibilityStatus


class PlanQuerySet(ScopedQuerySet):
    """A plan and what hangs from it are read by the places below its jurisdiction too: they carry it out."""

    readable_from_below = True


class CreationPlan(TrackedModel):
    """A creation campaign of a jurisdiction aiming at a model title (创建工作)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="creation_plans"
    )
    title = models.CharField(_("名称"), max_length=200)
    target_title = models.CharField(_("创建目标称号"), max_length=100, help_text=_("如：民族团结进步示范社区"))
    target_level = models.CharField(_("目标级别"), max_length=10, choices=PlanLevel.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    goal = models.TextField(_("一个目标"), blank=True)
    theme = models.TextField(_("一个主题"), blank=True)
    main_line = models.TextField(_("一条主线"), blank=True)
    highlights = models.TextField(_("工作亮点"), blank=True, help_text=_("工作汇报“亮点”部分的文字，可直接修改。"))
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下一步工作打算"), blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("创建工作方案")
        verbose_name_plural = _("创建工作方案")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="plan_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self):
        return self.title


class PlanScopedQuerySet(PlanQuerySet):
    jurisdiction_path_field = "plan__jurisdiction__path"


class PlanMeasure(models.Model):
    """One of the X measures of the plan's "111X" model."""

    plan = models.ForeignKey(
        CreationPlan, verbose_name=_("创建方案"), on_delete=models.CASCADE, related_name="measures"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    title = models.CharField(_("举措"), max_length=200)
    description = models.TextField(_("内容"), blank=True)

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("工作举措")
        verbose_name_plural = _("工作举措")

    def __str__(self):
        return self.title


class PlanBudget(models.Model):
    """Money set aside for the plan in one year (经费) and how much of it has been spent."""

    plan = models.ForeignKey(CreationPlan, verbose_name=_("创建方案"), on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    amount = models.DecimalField(_("预算（元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    spent = models.DecimalField(
        _("已使用（元）"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "year"]
        verbose_name = _("年度经费")
        verbose_name_plural = _("年度经费")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year"],
                name="plan_budget_one_per_year",
                violation_error_message=_("该方案该年度已有经费记录。"),
            ),
        ]

    def __str__(self):
        return f"{self.plan} {self.year}"


class LeadingGroupMember(models.Model):
    """A member of the plan's leading group (领导小组)."""

    plan = models.ForeignKey(
        CreationPlan, verbose_name=_("创建方案"), on_delete=models.CASCADE, related_name="leading_group"
    )
    role = models.CharField(_("职务"), max_length=10, choices=LeadingRole.choices)
    name = models.CharField(_("姓名"), max_length=50)
    post = models.CharField(_("单位及职务"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("序号"), default=1)

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("领导小组成员")
        verbose_name_plural = _("领导小组成员")

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"


class Indicator(models.Model):
    """An evaluation indicator (测评指标); second-level ones have a first-level parent."""

    plan = models.ForeignKey(
        CreationPlan, verbose_name=_("创建方案"), on_delete=models.CASCADE, related_name="indicators"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("一级指标"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("指标"), max_length=200)
    content = models.TextField(_("指标内容"), blank=True)
    points = models.DecimalField(
        _("分值"), max_digits=6, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    criteria = models.TextField(_("评分标准"), blank=True)
    evidence_requirements = models.TextField(_("资料收集和归档"), blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("测评指标")
        verbose_name_plural = _("测评指标")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="indicator_code_unique_per_plan",
                violation_error_message=_("同一方案中指标编号不能重复。"),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def clean(self):
        if not self.parent_id:
            return
        parent = self.parent
        if parent.plan_id != self.plan_id or parent.parent_id is not None or parent.pk == self.pk:
            raise ValidationError({"parent": _("上级指标应为本方案的一级指标。")})
        if self.pk and self.children.exists():
            raise ValidationError({"parent": _("该指标下已有二级指标，不能再挂到其他一级指标下。")})

    @property
    def level(self):
        return 1 if self.parent_id is None else 2


class ResponsibilityQuerySet(PlanQuerySet):
    jurisdiction_path_field = "indicator__plan__jurisdiction__path"

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(deadline__lt=today).exclude(status=ResponsibilityStatus.DONE)


class Responsibility(TrackedModel):
    """A line of the responsibility breakdown (责任分解表) for one indicator."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("测评指标"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    lead_department = models.CharField(_("牵头部门"), max_length=100)
    cooperating_departments = models.CharField(_("配合部门"), max_length=300, blank=True)
    # Blank when the breakdown names only a department, as imported sheets often do.
    responsible_person = models.CharField(_("责任人"), max_length=50, blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    target = models.TextField(_("工作目标"), blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0, validators=[MaxValueValidator(100)])
    status = models.CharField(
        _("状态"), max_length=12, choices=ResponsibilityStatus.choices, default=ResponsibilityStatus.NOT_STARTED
    )
    self_score = models.DecimalField(
        _("自评得分"), max_digits=6, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    note = models.TextField(_("进展说明"), blank=True)

    objects = ResponsibilityQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__plan", "indicator__order", "indicator__code", "pk"]
        verbose_name = _("责任分解")
        verbose_name_plural = _("责任分解")
        # Django %-formats constraint messages with the constraint's name, so a literal percent sign is "%%".
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="responsibility_progress_at_most_100",
                violation_error_message=_("进度不能超过100%%。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=ResponsibilityStatus.DONE) | Q(progress=100),
                name="responsibility_done_means_100",
                violation_error_message=_("状态为“已完成”时进度应为100%%。"),
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.lead_department}"

    def clean(self):
        """Keep the self-assessed score within the indicator's points, for this row and for all rows together."""
        score = self.self_score
        if score is None or not self.indicator_id:
            return
        points = self.indicator.points
        if score > points:
            raise ValidationError(
                {
                    "self_score": _("自评得分%(score)s超过了该指标的分值%(points)s，请填写0到%(points)s之间的分数。")
                    % {"score": _number(score), "points": _number(points)}
                }
            )
        others = Responsibility.objects.filter(indicator=self.indicator).exclude(pk=self.pk).aggregate(
            total=Sum("self_score")
        )["total"] or Decimal(0)
        if others + score > points:
            raise ValidationError(
                {
                    "self_score": _(
                        "该指标各责任行的自评得分合计%(total)s超过了指标分值%(points)s（其他责任行已自评%(others)s分），"
                        "本行最多可填%(left)s分。"
                    )
                    % {
                        "total": _number(others + score),
                        "points": _number(points),
                        "others": _number(others),
                        "left": _number(max(points - others, Decimal(0))),
                    }
                }
            )

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return bool(self.deadline and self.deadline < today and self.status != ResponsibilityStatus.DONE)


def _number(value):
    value = Decimal(value)
    return str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize())


class IndicatorScopedQuerySet(PlanQuerySet):
    jurisdiction_path_field = "indicator__plan__jurisdiction__path"


def evidence_upload_to(instance, filename):
    return f"evidence/{instance.indicator.plan_id}/{instance.indicator_id}/{filename}"


class EvidenceFile(models.Model):
    """A document filed as evidence for an indicator in the ledger (台账)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("测评指标"), on_delete=models.CASCADE, related_name="evidence_files"
    )
    responsibility = models.ForeignKey(
        Responsibility,
        verbose_name=_("责任分解"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence_files",
    )
    file = models.FileField(_("文件"), upload_to=evidence_upload_to)
    title = models.CharField(_("标题"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        # Empty once the uploader's login is deleted; the file must still validate when it is renamed.
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = IndicatorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "-uploaded_at"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self):
        return self.title
