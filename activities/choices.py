"""Choice lists of the activities app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanLevel(models.TextChoices):
    DISTRICT = "district", _("区级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NATIONAL = "national", _("国家级")


class LeadingRole(models.TextChoices):
    LEADER = "leader", _("组长")
    DEPUTY = "deputy", _("副组长")
    MEMBER = "member", _("成员")


class ResponsibilityStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")


class ReportSection(models.TextChoices):
    """Where an activity category is counted in the work report (三、工作开展情况)."""

    ORGANISATION = "organisation", _("组织协调")
    PUBLICITY = "publicity", _("宣传教育")
    SAFETY = "safety", _("安全稳定与矛盾调处")
    STUDY = "study", _("学习考察")
    SERVICE = "service", _("服务群众")
    OTHER = "other", _("其他")


class ProjectKind(models.TextChoices):
    HOUSING = "housing", _("安居")
    EDUCATION = "education", _("教育")
    TRANSPORT = "transport", _("交通")
    WATER = "water", _("饮水")
    EMPLOYMENT = "employment", _("就业")
    HEALTH = "health", _("医疗卫生")
    CULTURE = "culture", _("文化")
    OTHER = "other", _("其他")


class FundingSource(models.TextChoices):
    SUPERIOR = "superior", _("上级拨款")
    FISCAL = "fiscal", _("本级财政")
    ENTERPRISE = "enterprise", _("企业捐资")
    SELF_RAISED = "self_raised", _("群众自筹")
    SOCIAL = "social", _("社会捐助")
    OTHER = "other", _("其他")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("实施中")
    COMPLETED = "completed", _("已完工")


class PetitionKind(models.TextChoices):
    PETITION = "petition", _("信访")
    DISPUTE = "dispute", _("矛盾纠纷")


class PetitionChannel(models.TextChoices):
    VISIT = "visit", _("来访")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("电话")
    ONLINE = "online", _("网上")
    LEADER_RECEPTION = "leader_reception", _("领导接访")


class PetitionCategory(models.TextChoices):
    LAND = "land", _("征地拆迁")
    LABOUR = "labour", _("劳动社保")
    URBAN = "urban", _("城建物业")
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    FAMILY = "family", _("婚姻家庭")
    ETHNIC_RELIGIOUS = "ethnic_religious", _("民族宗教")
    LAW = "law", _("涉法涉诉")
    OTHER = "other", _("其他")


class PetitionStatus(models.TextChoices):
    REGISTERED = "registered", _("登记")
    ACCEPTED = "accepted", _("受理")
    REJECTED = "rejected", _("不予受理")
    HANDLING = "handling", _("办理中")
    EXTENDED = "extended", _("延期")
    CLOSED = "closed", _("办结")
    REVIEW = "review", _("复查")
    RECHECK = "recheck", _("复核")


# The statuses a petition may move to from each status (信访工作条例 2022, 第三十二至三十六条).
PETITION_TRANSITIONS = {
    PetitionStatus.REGISTERED: {PetitionStatus.ACCEPTED, PetitionStatus.REJECTED},
    PetitionStatus.ACCEPTED: {PetitionStatus.HANDLING, PetitionStatus.EXTENDED, PetitionStatus.CLOSED},
    PetitionStatus.HANDLING: {PetitionStatus.EXTENDED, PetitionStatus.CLOSED},
    PetitionStatus.EXTENDED: {PetitionStatus.CLOSED},
    PetitionStatus.CLOSED: {PetitionStatus.REVIEW},
    PetitionStatus.REVIEW: {PetitionStatus.CLOSED, PetitionStatus.RECHECK},
    PetitionStatus.RECHECK: {PetitionStatus.CLOSED},
    PetitionStatus.REJECTED: set(),
}

OPEN_PETITION_STATUSES = (
    PetitionStatus.REGISTERED,
    PetitionStatus.ACCEPTED,
    PetitionStatus.HANDLING,
    PetitionStatus.EXTENDED,
    PetitionStatus.REVIEW,
    PetitionStatus.RECHECK,
)


class PetitionOutcome(models.TextChoices):
    RESOLVED = "resolved", _("化解")
    REPLIED = "replied", _("答复")


class FigureAggregation(models.TextChoices):
    SUM = "sum", _("求和（各月、各辖区相加）")
    LATEST = "latest", _("期末值（取最近一月，各辖区相加）")


class FigureFrequency(models.TextChoices):
    """How often a figure is filed: each month, or once a year for standing facts (rooms, teams, books)."""

    MONTHLY = "monthly", _("每月")
    YEARLY = "yearly", _("每年")


class RuleOperator(models.TextChoices):
    """How a validation rule compares its left side with its right side."""

    LE = "le", "≤"
    LT = "lt", "<"
    EQ = "eq", "="
    GE = "ge", "≥"
    GT = "gt", ">"
    NE = "ne", "≠"


class RuleImportance(models.TextChoices):
    ERROR = "error", _("错误（不能上报和审核）")
    WARNING = "warning", _("提醒（需填写说明）")


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已上报")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")
