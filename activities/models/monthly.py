"""Monthly statistics: figures defined by administrators, filled, submitted and approved each month."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from base.models import TrackedModel
from base.provinces import ProvinceCoded
from communities.choices import JurisdictionLevel
from communities.models import Jurisdiction, ScopedQuerySet

from ..choices import FigureAggregation, FigureFrequency, ReturnStatus, RuleImportance, RuleOperator

# Where the report puts a figure's value and unit in its `report_phrase`: “规划入住{数值}” → 规划入住20705户.
REPORT_VALUE = "{数值}"


class MonthlyFigure(models.Model):
    """A figure collected each month (e.g. 服务窗口接待咨询人次), with its unit and how it adds up."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    unit = models.CharField(_("单位"), max_length=10, help_text=_("如：人次、件、次"))
    aggregation = models.CharField(
        _("汇总方式"), max_length=10, choices=FigureAggregation.choices, default=FigureAggregation.SUM
    )
    help_text = models.CharField(_("填报说明"), max_length=200, blank=True)
    frequency = models.CharField(
        _("填报频率"),
        max_length=10,
        choices=FigureFrequency.choices,
        default=FigureFrequency.MONTHLY,
        help_text=_("每年：常年不变的情况（如服务场所面积、文艺队伍数），每年填一次，月报中不要求填写。"),
    )
    levels = models.JSONField(
        _("填报层级"),
        default=list,
        blank=True,
        help_text=_("哪些层级的辖区填报此指标；不选即社区和村。"),
    )
    report_phrase = models.CharField(
        _("汇报中的写法"),
        max_length=100,
        blank=True,
        help_text=_(
            "工作汇报写这一项的说法，用 {数值} 代表数值和单位，如“规划入住{数值}”“便民服务大厅设置{数值}窗口”；"
            "留空则写作“名称＋数值”。"
        ),
    )
    is_optional = models.BooleanField(_("选填"), default=False, help_text=_("选填指标不填也可以上报。"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("月报指标")
        verbose_name_plural = _("月报指标")

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    def clean(self):
        if self.report_phrase.strip() and self.report_phrase.count(REPORT_VALUE) != 1:
            raise ValidationError({"report_phrase": _("汇报中的写法须含且只含一处“{数值}”，由系统填入数值和单位。")})
        known = set(JurisdictionLevel.values)
        if not isinstance(self.levels, list) or not set(self.levels) <= known:
            raise ValidationError({"levels": _("填报层级应为辖区层级的列表。")})

    @property
    def filing_levels(self):
        """The levels that file this figure: the assigned ones, else communities and villages."""
        return self.levels or [JurisdictionLevel.COMMUNITY, JurisdictionLevel.VILLAGE]

    def applies_to(self, jurisdiction):
        return jurisdiction.level in self.filing_levels

    @property
    def is_yearly(self):
        return self.frequency == FigureFrequency.YEARLY

    def report_text(self, amount):
        """Write this figure with `amount` (its value already written with the unit) as the report says it."""
        phrase = self.report_phrase.strip()
        return phrase.replace(REPORT_VALUE, amount) if phrase else f"{self.name}{amount}"


class MonthlyReturn(ProvinceCoded, TrackedModel):
    """One jurisdiction's monthly return: its figures, submitted and approved or returned."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="monthly_returns"
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    status = models.CharField(_("状态"), max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    submitted_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_reason = models.TextField(_("退回理由"), blank=True)
    reopen_reason = models.TextField(_("重新开放理由"), blank=True)
    explanations = models.JSONField(
        _("提醒规则说明"), default=dict, blank=True, help_text=_("按规则编号记录的一句话说明，审核人可见。")
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "jurisdiction__path"]
        verbose_name = _("月报")
        verbose_name_plural = _("月报")
        constraints = [
            models.UniqueConstraint(
                # province_code: Citus wants the distribution column in every unique key; it follows from the
                # jurisdiction, so the rule is the same (ProvinceCoded.validate_constraints keeps the form's message).
                fields=["jurisdiction", "month", "province_code"],
                name="monthly_return_one_per_month",
                violation_error_message=_("该辖区该月已有月报。"),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="monthly_return_month_is_first_day",
                violation_error_message=_("月份应以该月第一天表示。"),
            ),
        ]
        # A month's returns across a province (the board's first units, the overview) without reading every month's.
        indexes = [models.Index(fields=["month", "jurisdiction"], include=["status"], name="monthly_return_month_idx")]

    def __str__(self):
        return f"{self.jurisdiction} {self.month:%Y-%m}"


class MonthlyValueQuerySet(ScopedQuerySet):
    jurisdiction_path_field = "monthly_return__jurisdiction__path"


class MonthlyValue(ProvinceCoded):
    """The value of one figure in one monthly return."""

    province_source = "monthly_return"

    monthly_return = models.ForeignKey(
        MonthlyReturn, verbose_name=_("月报"), on_delete=models.CASCADE, related_name="values"
    )
    figure = models.ForeignKey(MonthlyFigure, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])

    objects = MonthlyValueQuerySet.as_manager()

    class Meta:
        ordering = ["monthly_return", "figure__order"]
        verbose_name = _("月报数值")
        verbose_name_plural = _("月报数值")
        constraints = [
            models.UniqueConstraint(
                fields=["monthly_return", "figure"],
                name="monthly_value_one_per_figure",
                violation_error_message=_("同一月报中每个指标只能填写一次。"),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="monthly_value_not_negative",
                violation_error_message=_("数值不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.figure}: {self.value}"


class ValidationRule(models.Model):
    """A rule a return's figures must keep: left side, operator, right side; each side a sum of figures plus a constant.

    A side with no figure is the constant alone. A rule is checked on a return only when every figure it names
    has a value there. An error blocks submitting and approving; a warning needs a one-line explanation.
    """

    name = models.CharField(_("规则名称"), max_length=100, unique=True)
    left_figures = models.ManyToManyField(
        MonthlyFigure, verbose_name=_("左边指标"), blank=True, related_name="rules_on_left"
    )
    left_constant = models.DecimalField(_("左边常数"), max_digits=14, decimal_places=2, default=0)
    operator = models.CharField(_("比较"), max_length=2, choices=RuleOperator.choices)
    right_figures = models.ManyToManyField(
        MonthlyFigure, verbose_name=_("右边指标"), blank=True, related_name="rules_on_right"
    )
    right_constant = models.DecimalField(_("右边常数"), max_digits=14, decimal_places=2, default=0)
    importance = models.CharField(
        _("重要性"), max_length=10, choices=RuleImportance.choices, default=RuleImportance.ERROR
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("校验规则")
        verbose_name_plural = _("校验规则")

    def __str__(self):
        return self.name

    @staticmethod
    def side_text(figures, constant):
        parts = [f.name for f in figures]
        if constant or not parts:
            parts.append(f"{_whole(constant)}")
        return " + ".join(parts)

    @property
    def text(self):
        """The rule as a person reads it, e.g. "服务窗口已办理 ≤ 服务窗口接件"."""
        return (
            f"{self.side_text(self.left_figures.all(), self.left_constant)} {self.get_operator_display()} "
            f"{self.side_text(self.right_figures.all(), self.right_constant)}"
        )

    @property
    def is_error(self):
        return self.importance == RuleImportance.ERROR


def _whole(value):
    return int(value) if value == int(value) else value


class YearlyValueQuerySet(ScopedQuerySet):
    pass


class YearlyValue(ProvinceCoded):
    """The value of a yearly figure (a standing fact such as rooms or teams) for one jurisdiction and year."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="yearly_values"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    figure = models.ForeignKey(
        MonthlyFigure, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="yearly_values"
    )
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = YearlyValueQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "jurisdiction__path", "figure__order"]
        verbose_name = _("年度指标数值")
        verbose_name_plural = _("年度指标数值")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "figure", "province_code"],
                name="yearly_value_one_per_year",
                violation_error_message=_("该辖区该年度已填写此指标。"),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="yearly_value_not_negative",
                violation_error_message=_("数值不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.jurisdiction} {self.year} {self.figure}: {self.value}"
