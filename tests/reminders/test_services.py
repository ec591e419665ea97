"""Sending: once per subject, recipient, channel and occasion; e-mail on or off, digest or immediate; privacy."""

import io
import re
from datetime import date, datetime, timedelta
from unittest import mock

from django.core import mail
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from reminders import services
from reminders.choices import Channel, DeliveryStatus, EmailMode, ReminderKind
from reminders.models import Delivery, Notification, NotificationPreference
from reminders.selectors import Reminder
from tests.activities.factories_petitions import ID_WITH_X

from .world import PETITIONER, PHONE, World

NOON = timezone.make_aware(datetime(2026, 12, 2, 12, 0))


def run(day, **kwargs):
    return services.reminders_send(
        today=day, now=timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=12), **kwargs
    )


@override_settings(SITE_URL="https://unity.example.gov.cn", REMINDERS_DIGEST_HOUR=8)
class SendTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = World().everything_in_bihai()

    def test_running_twice_on_the_same_date_sends_nothing_the_second_time(self):
        first = run(date(2026, 12, 2))
        self.assertGreater(first.in_app, 0)
        notifications, outbox, ledger = Notification.objects.count(), len(mail.outbox), Delivery.objects.count()
        second = run(date(2026, 12, 2))
        self.assertEqual((second.in_app, second.email, second.digests, second.robot), (0, 0, 0, 0))
        self.assertEqual(Notification.objects.count(), notifications)
        self.assertEqual(len(mail.outbox), outbox)
        self.assertEqual(Delivery.objects.count(), ledger)

    def test_the_command_is_idempotent_too(self):
        out = io.StringIO()
        call_command("send_reminders", "--date", "2026-12-02", stdout=out)
        count = Notification.objects.count()
        self.assertIn(f"sent {count} notifications", out.getvalue())
        out = io.StringIO()
        call_command("send_reminders", "--date", "2026-12-02", stdout=out)
        self.assertIn("sent 0 notifications, 0 e-mails, 0 digests", out.getvalue())
        self.assertEqual(Notification.objects.count(), count)

    def test_the_command_refuses_a_malformed_date(self):
        with self.assertRaisesMessage(CommandError, "YYYY-MM-DD"):
            call_command("send_reminders", "--date", "2026-13-40")

    def test_the_ledger_refuses_a_duplicate_in_the_database(self):
        from django.db import IntegrityError, transaction

        key = {"subject": "petition:1", "recipient": "user:1", "channel": Channel.IN_APP, "occasion": "due:2026-12-05"}
        Delivery.objects.create(**key, kind=ReminderKind.PETITION_DUE)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Delivery.objects.create(**key, kind=ReminderKind.PETITION_DUE)

    def test_dry_run_writes_and_sends_nothing(self):
        summary = run(date(2026, 12, 2), dry_run=True)
        self.assertGreater(summary.in_app, 0)
        self.assertEqual(Notification.objects.count(), 0)
        self.assertEqual(Delivery.objects.count(), 0)
        self.assertEqual(mail.outbox, [])

    def test_a_new_occasion_is_sent_again(self):
        run(date(2026, 12, 2))
        before = Notification.objects.filter(recipient=self.w.staff, subject=f"petition:{self.w.petition.pk}").count()
        run(date(2026, 12, 6))  # the acceptance limit (5 December) has passed
        kinds = list(
            Notification.objects.filter(recipient=self.w.staff, subject=f"petition:{self.w.petition.pk}")
            .order_by("pk")
            .values_list("kind", flat=True)
        )
        self.assertEqual(before, 1)
        self.assertEqual(kinds, [ReminderKind.PETITION_DUE, ReminderKind.PETITION_OVERDUE])

    def test_default_is_one_digest_a_day_with_every_reminder_and_its_link(self):
        run(date(2026, 12, 2))
        to_staff = [m for m in mail.outbox if m.to == ["staff@example.cn"]]
        self.assertEqual(len(to_staff), 1, "a digest, not a storm")
        message = to_staff[0]
        count = Notification.objects.filter(recipient=self.w.staff).count()
        self.assertIn(f"{count}条提醒", message.subject)
        self.assertIn(f"https://unity.example.gov.cn/petitions/{self.w.petition.pk}/", message.body)
        self.assertIn("https://unity.example.gov.cn/notifications/preferences/", message.body)
        self.assertFalse(Delivery.objects.filter(status=DeliveryStatus.QUEUED).exists())

    def test_before_the_digest_hour_the_emails_wait(self):
        services.reminders_send(today=date(2026, 12, 2), now=timezone.make_aware(datetime(2026, 12, 2, 6)))
        self.assertEqual(mail.outbox, [])
        self.assertTrue(Delivery.objects.filter(status=DeliveryStatus.QUEUED, user=self.w.staff).exists())
        services.reminders_send(today=date(2026, 12, 2), now=timezone.make_aware(datetime(2026, 12, 2, 9)))
        self.assertEqual(len([m for m in mail.outbox if m.to == ["staff@example.cn"]]), 1)

    def test_switching_email_off_drops_what_was_queued(self):
        services.reminders_send(today=date(2026, 12, 2), now=timezone.make_aware(datetime(2026, 12, 2, 6)))
        NotificationPreference.objects.create(user=self.w.staff, email_enabled=False)
        services.reminders_send(today=date(2026, 12, 2), now=timezone.make_aware(datetime(2026, 12, 2, 9)))
        self.assertFalse([m for m in mail.outbox if m.to == ["staff@example.cn"]])
        self.assertTrue([m for m in mail.outbox if m.to == ["staff2@example.cn"]])
        self.assertFalse(Delivery.objects.filter(status=DeliveryStatus.QUEUED).exists())

    def test_immediate_sends_one_email_per_reminder(self):
        NotificationPreference.objects.create(user=self.w.staff, email_mode=EmailMode.IMMEDIATE)
        run(date(2026, 12, 2))
        to_staff = [m for m in mail.outbox if m.to == ["staff@example.cn"]]
        self.assertEqual(len(to_staff), Notification.objects.filter(recipient=self.w.staff).count())
        self.assertTrue(all(m.subject.startswith("【民族团结进步创建】") for m in to_staff))

    def test_email_off_keeps_the_bell(self):
        NotificationPreference.objects.create(user=self.w.staff, email_enabled=False)
        run(date(2026, 12, 2))
        self.assertFalse([m for m in mail.outbox if "staff@example.cn" in m.to])
        self.assertTrue(Notification.objects.filter(recipient=self.w.staff).exists())

    def test_notifications_older_than_180_days_are_removed(self):
        old = Notification.objects.create(
            recipient=self.w.staff, kind=ReminderKind.RETURN_DUE, subject="x", occasion="y", title="旧通知"
        )
        kept = Notification.objects.create(
            recipient=self.w.staff, kind=ReminderKind.RETURN_DUE, subject="x", occasion="z", title="较新的通知"
        )
        Notification.objects.filter(pk=old.pk).update(created_at=NOON - timedelta(days=181))
        Notification.objects.filter(pk=kept.pk).update(created_at=NOON - timedelta(days=179))
        services.reminders_send(today=date(2026, 12, 2), now=NOON)
        self.assertFalse(Notification.objects.filter(pk=old.pk).exists())
        self.assertTrue(Notification.objects.filter(pk=kept.pk).exists())


@override_settings(REMINDERS_DIGEST_HOUR=0)
class PrivacyTests(TestCase):
    """Every kind of reminder about 碧海社区, on the days they fall due; 金源社区's staff hears of none."""

    DAYS = (date(2026, 12, 2), date(2026, 12, 6))

    @classmethod
    def setUpTestData(cls):
        cls.w = World().everything_in_bihai()
        NotificationPreference.objects.create(user=cls.w.staff, email_mode=EmailMode.IMMEDIATE)
        for day in cls.DAYS:
            services.reminders_send(today=day, now=timezone.make_aware(datetime.combine(day, datetime.min.time())))

    def test_every_kind_was_produced(self):
        kinds = set(Notification.objects.values_list("kind", flat=True))
        expected = {
            ReminderKind.RETURN_DUE,
            ReminderKind.RETURN_LATE,
            ReminderKind.RETURN_RETURNED,
            ReminderKind.APPROVALS_WAITING,
            ReminderKind.LATE_UNITS,
            ReminderKind.PETITION_DUE,
            ReminderKind.PETITION_OVERDUE,
            ReminderKind.RESPONSIBILITY_DUE,
            ReminderKind.RESPONSIBILITY_OVERDUE,
            ReminderKind.ACCOUNT_LOCKED,
            ReminderKind.IMPORT_REFUSED,
        }
        self.assertEqual(expected - kinds, set(), "the test must cover every kind")

    def test_the_sibling_staff_never_hears_of_bihai(self):
        bihai_subjects = {
            f"return:{self.w.bihai.pk}:2026-11",
            f"return:{self.w.bihai.pk}:2026-10",
            f"petition:{self.w.petition.pk}",
            f"petition:{self.w.late_petition.pk}",
            f"responsibility:{self.w.responsibility.pk}",
            f"responsibility:{self.w.overdue_responsibility.pk}",
            f"lockout:{self.w.lockout.pk}",
            f"import_refused:{self.w.import_refused.pk}",
        }
        theirs = list(Notification.objects.filter(recipient=self.w.staff2))
        self.assertTrue(theirs, "金源社区's own late return is reminded, so the check is not vacuous")
        for notification in theirs:
            with self.subTest(notification.title):
                self.assertNotIn(notification.subject, bihai_subjects)
                self.assertNotIn("碧海", notification.title + notification.body)
        self.assertFalse([m for m in mail.outbox if "staff2@example.cn" in m.to and "碧海" in m.body])
        staff_kinds = set(Notification.objects.filter(recipient=self.w.staff).values_list("kind", flat=True))
        self.assertGreaterEqual(len(staff_kinds), 6)

    def test_a_recipient_outside_the_subtree_is_refused_even_if_a_rule_named_them(self):
        stray = Reminder(
            kind=ReminderKind.PETITION_DUE,
            subject="petition:999",
            occasion="due:2026-12-05",
            title="碧海社区的事项",
            body="",
            link="/",
            recipients=[self.w.staff2],
            jurisdictions=(self.w.bihai,),
        )
        with mock.patch("reminders.services.due_reminders", return_value=[stray]):
            summary = services.reminders_send(today=date(2026, 12, 2), now=NOON)
        self.assertEqual(summary.refused, 1)
        self.assertFalse(Notification.objects.filter(subject="petition:999").exists())

    def test_no_reminder_carries_an_id_number_or_a_petitioners_name(self):
        texts = [f"{n.title}\n{n.body}" for n in Notification.objects.all()]
        texts += [f"{m.subject}\n{m.body}" for m in mail.outbox]
        texts += [f"{d.title}\n{d.body}" for d in Delivery.objects.all()]
        self.assertTrue(any("信访" in t for t in texts))
        id_like = re.compile(r"\d{17}[\dXx]")
        for text in texts:
            with self.subTest(text[:40]):
                self.assertNotIn(PETITIONER, text)
                self.assertNotIn(ID_WITH_X, text)
                self.assertNotIn(PHONE, text)
                self.assertIsNone(id_like.search(text))
