"""Choices of the reminders app: what a reminder is about, how it travels, where a robot posts."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    RETURN_DUE = "return_due", _("月报即将到期")
    RETURN_LATE = "return_late", _("月报逾期未报")
    RETURN_RETURNED = "return_returned", _("月报被退回")
    APPROVALS_WAITING = "approvals", _("月报待审核")
    LATE_UNITS = "late_units", _("逾期未报汇总")
    PETITION_DUE = "petition_due", _("信访纠纷即将到期")
    PETITION_OVERDUE = "petition_overdue", _("信访纠纷已超期")
    RESPONSIBILITY_DUE = "responsibility_due", _("责任事项即将到期")
    RESPONSIBILITY_OVERDUE = "responsibility_overdue", _("责任事项已逾期")
    OVERDUE_DIGEST = "overdue_digest", _("超期事项汇总")
    ACCOUNT_LOCKED = "account_locked", _("账号被锁定")
    IMPORT_REFUSED = "import_refused", _("导入被拒绝")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("站内通知")
    EMAIL = "email", _("电子邮件")
    ROBOT = "robot", _("群机器人")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("待发送（每日汇总）")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class EmailMode(models.TextChoices):
    DIGEST = "digest", _("每日汇总一封")
    IMMEDIATE = "immediate", _("每条提醒即时发送")


class RobotPlatform(models.TextChoices):
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")
