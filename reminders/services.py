"""Writes of the reminders app: sending what is due (in the site, by e-mail, to group robots), reading, settings.

`reminders_send` is idempotent: each delivery first claims its row in the ledger (`Delivery`, unique on subject,
recipient, channel and occasion) and only the run whose insert succeeds sends. A reminder is therefore sent at most
once per occasion even when two runs overlap; a process killed between the claim and the send loses that one
message rather than sending it twice. A robot or an e-mail that failed is tried again by the next runs, a bounded
number of times.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from base import access, audit
from communities.choices import AuditAction
from communities.services import audit_record

from . import webhooks
from .choices import Channel, DeliveryStatus, EmailMode
from .models import NOTIFICATION_RETENTION_DAYS, Delivery, GroupRobot, Notification, NotificationPreference
from .selectors import due_reminders, robot_messages

logger = logging.getLogger(__name__)

# A failed e-mail or robot message is tried again by this many runs in all, then left failed in the ledger.
MAX_RUNS_PER_DELIVERY = 3
# The ledger outlives the notifications: an overdue case must not be announced again when its row is purged.
LEDGER_RETENTION_DAYS = 400
DIGEST_SUBJECT = "digest"


@dataclass
class RunSummary:
    """What one run did (or, dry, would do), by channel."""

    in_app: int = 0
    email: int = 0
    queued: int = 0
    digests: int = 0
    robot: int = 0
    failed: int = 0
    refused: int = 0
    purged: int = 0
    planned: list = field(default_factory=list)


def absolute(link):
    return f"{settings.SITE_URL}{link}" if link.startswith("/") else link


def _claim(*, subject, recipient, channel, occasion, kind, user=None, status=DeliveryStatus.SENT, **text):
    """Insert the ledger row and return it, or return None when this delivery was made already.

    The database's unique constraint decides, so two runs at once cannot both win. A row left failed by an
    earlier run is taken again (one more attempt counted) until MAX_RUNS_PER_DELIVERY.
    """
    key = {"subject": subject, "recipient": recipient, "channel": channel, "occasion": occasion}
    try:
        with transaction.atomic():
            return Delivery.objects.create(**key, kind=kind, user=user, status=status, attempts=1, **text)
    except IntegrityError:
        retaken = Delivery.objects.filter(
            **key, status=DeliveryStatus.FAILED, attempts__lt=MAX_RUNS_PER_DELIVERY
        ).update(attempts=F("attempts") + 1)
        return Delivery.objects.get(**key) if retaken else None


def _already(*, subject, recipient, channel, occasion):
    return (
        Delivery.objects.filter(subject=subject, recipient=recipient, channel=channel, occasion=occasion)
        .exclude(status=DeliveryStatus.FAILED, attempts__lt=MAX_RUNS_PER_DELIVERY)
        .exists()
    )


def _mark(delivery, ok):
    delivery.status = DeliveryStatus.SENT if ok else DeliveryStatus.FAILED
    delivery.sent_at = timezone.now() if ok else None
    delivery.save(update_fields=["status", "sent_at"])


def _may_receive(user, reminder):
    """The last word on privacy: the recipient may view every place the reminder's text speaks of."""
    return user.is_active and all(access.user_can(user, access.Action.VIEW, j) for j in reminder.jurisdictions)


def _preferences(users):
    found = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=users)}
    return {u.pk: found.get(u.pk) or NotificationPreference(user=u) for u in users}


def _footer():
    return _("提醒设置（关闭邮件或改为每日汇总）：%(url)s") % {"url": absolute(reverse("reminders:preferences"))}


def _send_email(user, subject, body):
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    except Exception:  # any backend's error: log it and go on with the others
        logger.exception("Reminder e-mail to user %s failed", user.pk)
        return False
    return True


def _email_text(reminder):
    return f"{reminder.title}\n\n{reminder.body}\n\n{absolute(reminder.link)}\n\n-- \n{_footer()}\n"


def _deliver_to_user(user, reminder, preference, summary, dry_run):
    recipient = f"user:{user.pk}"
    key = {"subject": reminder.subject, "recipient": recipient, "occasion": reminder.occasion, "kind": reminder.kind}
    if dry_run:
        if not _already(**{k: v for k, v in key.items() if k != "kind"}, channel=Channel.IN_APP):
            summary.in_app += 1
            summary.planned.append((user.username, reminder.title))
        return
    with transaction.atomic():
        if _claim(**key, channel=Channel.IN_APP, user=user):
            Notification.objects.create(
                recipient=user,
                kind=reminder.kind,
                subject=reminder.subject,
                occasion=reminder.occasion,
                title=reminder.title[:200],
                body=reminder.body,
                link=reminder.link,
            )
            summary.in_app += 1
    if not (preference.email_enabled and user.email):
        return
    if preference.email_mode == EmailMode.DIGEST:
        text = {"title": reminder.title[:200], "body": reminder.body, "link": reminder.link}
        if _claim(**key, channel=Channel.EMAIL, user=user, status=DeliveryStatus.QUEUED, **text):
            summary.queued += 1
        return
    delivery = _claim(**key, channel=Channel.EMAIL, user=user)
    if delivery:
        ok = _send_email(user, _("【民族团结进步创建】%(title)s") % {"title": reminder.title}, _email_text(reminder))
        _mark(delivery, ok)
        summary.email += ok
        summary.failed += not ok


def _post_to_robots(today, summary, dry_run):
    for robot in GroupRobot.objects.active().select_related("jurisdiction").order_by("pk"):
        for message in robot_messages(robot, today):
            key = {
                "subject": message.subject,
                "recipient": f"robot:{robot.pk}",
                "channel": Channel.ROBOT,
                "occasion": message.occasion,
            }
            if dry_run:
                if not _already(**key):
                    summary.robot += 1
                    summary.planned.append((str(robot), message.title))
                continue
            delivery = _claim(**key, kind=message.kind)
            if delivery is None:
                continue
            link = absolute(message.link)
            ok = webhooks.post(robot, title=message.title, text=f"{message.text}\n\n[{_('查看详情')}]({link})")
            _mark(delivery, ok)
            summary.robot += ok
            summary.failed += not ok


def _digest_due(today, now):
    """Digests leave at the first run from REMINDERS_DIGEST_HOUR on; a run for a past day sends them at once."""
    local = timezone.localtime(now)
    return today < local.date() or local.hour >= settings.REMINDERS_DIGEST_HOUR


def _send_digests(today, summary, dry_run):
    queued = Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.QUEUED).select_related("user")
    by_user = defaultdict(list)
    for delivery in queued.order_by("user_id", "created_at", "pk"):
        if delivery.user is not None:
            by_user[delivery.user].append(delivery)
    preferences = _preferences(list(by_user))
    for user, items in by_user.items():
        preference = preferences[user.pk]
        if not (preference.email_enabled and user.email and user.is_active):
            # E-mail switched off (or the address removed) since these were queued: they stay in the bell only.
            if not dry_run:
                Delivery.objects.filter(pk__in=[d.pk for d in items]).delete()
            continue
        if dry_run:
            summary.digests += 1
            continue
        digest = _claim(
            subject=DIGEST_SUBJECT,
            recipient=f"user:{user.pk}",
            channel=Channel.EMAIL,
            occasion=today.isoformat(),
            kind=items[0].kind,
            user=user,
        )
        if digest is None:
            continue  # today's digest went out already; these wait for tomorrow's
        lines = [f"{n}. {d.title}\n{d.body}\n{absolute(d.link)}" for n, d in enumerate(items, start=1)]
        subject = _("【民族团结进步创建】%(date)s 的%(n)d条提醒") % {"date": f"{today:%Y-%m-%d}", "n": len(items)}
        ok = _send_email(user, subject, "\n\n".join(lines) + f"\n\n-- \n{_footer()}\n")
        _mark(digest, ok)
        if ok:
            Delivery.objects.filter(pk__in=[d.pk for d in items]).update(
                status=DeliveryStatus.SENT, sent_at=timezone.now()
            )
        summary.digests += ok
        summary.failed += not ok


def _purge(now):
    removed, _detail = Notification.objects.older_than(NOTIFICATION_RETENTION_DAYS, now=now).delete()
    Delivery.objects.filter(created_at__lt=now - timedelta(days=LEDGER_RETENTION_DAYS)).exclude(
        status=DeliveryStatus.QUEUED
    ).delete()
    return removed


def reminders_send(*, today=None, dry_run=False, now=None):
    """Send everything due on `today` (local date) once; with `dry_run`, count and list it without writing.

    Order: in-app and immediate e-mails, then the group robots, then the daily digests. No failure of one robot
    or one e-mail stops the others.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    summary = RunSummary()
    reminders = due_reminders(today)
    users = list({u.pk: u for r in reminders for u in r.recipients}.values())
    preferences = _preferences(users)
    for reminder in reminders:
        seen = set()
        for user in reminder.recipients:
            if user.pk in seen:
                continue
            seen.add(user.pk)
            if not _may_receive(user, reminder):
                summary.refused += 1
                logger.warning("Reminder %s not sent to user %s: outside their subtree", reminder.subject, user.pk)
                continue
            _deliver_to_user(user, reminder, preferences[user.pk], summary, dry_run)
    _post_to_robots(today, summary, dry_run)
    if _digest_due(today, now):
        _send_digests(today, summary, dry_run)
    if not dry_run:
        summary.purged = _purge(now)
    return summary


# The notification list.


def notification_mark_read(*, notification, actor):
    """Mark one of the actor's notifications read (a no-op when it is already)."""
    if notification.recipient_id != actor.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor):
    return Notification.objects.for_recipient(actor).unread().update(read_at=timezone.now())


@transaction.atomic
def preference_save(*, actor, email_enabled, email_mode):
    preference, _created = NotificationPreference.objects.get_or_create(user=actor)
    preference.email_enabled = email_enabled
    preference.email_mode = email_mode
    preference.full_clean()
    preference.save()
    return preference


# Group robots, kept by administrators in the Django admin.

# The address and the secret are credentials: the audit trail says they changed, never what they are.
ROBOT_CREDENTIALS = ("url", "secret")


def _robot_snapshot(robot, fields):
    values = audit.snapshot(robot, fields)
    return {name: ("******" if name in ROBOT_CREDENTIALS and value else value) for name, value in values.items()}


@transaction.atomic
def robot_save(*, robot, fields, actor):
    """Create or change a group robot in a jurisdiction the actor administers, with its audit row."""
    if not access.user_can(actor, access.Action.MANAGE, robot.jurisdiction):
        raise PermissionDenied(_("您无权为该辖区设置群机器人。"))
    before = None
    if robot.pk:
        before = _robot_snapshot(GroupRobot.objects.get(pk=robot.pk), fields)
    robot.full_clean()
    robot.save()
    after = _robot_snapshot(robot, fields)
    changes = audit.changes_between(before or {}, after)
    for name in ROBOT_CREDENTIALS:
        if name in fields and before is not None and name not in changes:
            changes[name] = ["******", "******"]  # replaced by another value: say so without either
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE if before is not None else AuditAction.CREATE,
        obj=robot,
        jurisdiction=robot.jurisdiction,
        changes=changes,
        note=_("后台"),
    )
    return robot


@transaction.atomic
def robot_delete(*, robot, actor):
    if not access.user_can(actor, access.Action.MANAGE, robot.jurisdiction):
        raise PermissionDenied(_("您无权删除该辖区的群机器人。"))
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=robot,
        jurisdiction=robot.jurisdiction,
        changes={"name": [robot.name, None], "platform": [robot.platform, None]},
        note=_("后台"),
    )
    robot.delete()
