"""Notifications a user reads in the site, the ledger that makes every reminder go out once, preferences, robots."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from base.fields import EncryptedTextField
from communities.models import Jurisdiction, ScopedQuerySet

from .choices import Channel, DeliveryStatus, EmailMode, ReminderKind, RobotPlatform

# Notifications are kept this long; `send_reminders` removes older ones on each run.
NOTIFICATION_RETENTION_DAYS = 180


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user):
        """A user's own notifications: nobody reads another person's, whatever their role."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def older_than(self, days, *, now=None):
        now = now or timezone.now()
        return self.filter(created_at__lt=now - timedelta(days=days))


class Notification(models.Model):
    """One reminder shown to one user in the site (the bell), with a link to the record it is about."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=30, choices=ReminderKind.choices)
    subject = models.CharField(_("提醒对象"), max_length=100, help_text=_("提醒所针对记录的键，如 petition:12"))
    occasion = models.CharField(_("时机"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class Delivery(models.Model):
    """The ledger: a reminder sent (or queued for a digest) once per subject, recipient, channel and occasion.

    The unique constraint, not a look-up before the insert, is what keeps two runs of `send_reminders` (or two
    at once) from sending the same reminder twice. `recipient` is a key, "user:12" or "robot:3", so a robot's
    rows are unique too (a nullable foreign key would let NULLs repeat).
    """

    subject = models.CharField(_("提醒对象"), max_length=100)
    recipient = models.CharField(_("接收方"), max_length=40)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    occasion = models.CharField(_("时机"), max_length=60)
    kind = models.CharField(_("类型"), max_length=30, choices=ReminderKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.SENT)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # What an e-mail digest will say: kept with the queued row, sent the next morning in one message.
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("提醒发送记录")
        verbose_name_plural = _("提醒发送记录")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "recipient", "channel", "occasion"],
                name="delivery_once_per_occasion",
                violation_error_message=_("该提醒已发送。"),
            ),
        ]
        indexes = [models.Index(fields=["channel", "status", "user"], name="delivery_queue_idx")]

    def __str__(self):
        return f"{self.subject} → {self.recipient} ({self.channel}, {self.occasion})"


class NotificationPreference(models.Model):
    """How a user wants reminders by e-mail: at all or not, one by one or in a daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(_("接收邮件提醒"), default=True)
    email_mode = models.CharField(_("邮件方式"), max_length=10, choices=EmailMode.choices, default=EmailMode.DIGEST)

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")

    def __str__(self):
        return str(self.user)


def validate_webhook_url(value):
    URLValidator(schemes=["http", "https"], message=_("请输入以 https:// 开头的群机器人 Webhook 地址。"))(value)


class GroupRobotQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)


class GroupRobot(models.Model):
    """A 企业微信 or 钉钉 group robot: the late-returns and overdue digests of its jurisdiction's subtree go there.

    The address carries the robot's key (企业微信 `key=`, 钉钉 `access_token=`) and the 钉钉 signing secret is a
    password: both are encrypted at rest, like the personal numbers (base/fields.py).
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="group_robots"
    )
    name = models.CharField(_("名称"), max_length=100, help_text=_("如：观山湖区民宗工作群"))
    platform = models.CharField(_("平台"), max_length=10, choices=RobotPlatform.choices)
    url = EncryptedTextField(_("Webhook 地址"), max_length=500, validators=[validate_webhook_url])
    secret = EncryptedTextField(
        _("加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("钉钉机器人“加签”安全设置的密钥（SEC 开头）；企业微信不需要。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = GroupRobotQuerySet.as_manager()

    class Meta:
        ordering = ["jurisdiction__path", "name"]
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        constraints = [
            models.CheckConstraint(
                condition=Q(platform__in=RobotPlatform.values),
                name="group_robot_known_platform",
                violation_error_message=_("请选择企业微信或钉钉。"),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_platform_display()}）"

    def clean(self):
        if self.platform == RobotPlatform.DINGTALK and self.secret and not self.secret.startswith("SEC"):
            raise ValidationError({"secret": _("钉钉机器人的加签密钥以 SEC 开头，请从机器人安全设置中复制。")})
