"""The bell, the notification list, opening one, marking read, and the e-mail settings."""

from django.test import TestCase
from django.urls import reverse

from reminders.choices import EmailMode, ReminderKind
from reminders.models import Notification, NotificationPreference
from tests.factories import make_user


def notify(user, title="请上报月报", link="/monthly/", **extra):
    return Notification.objects.create(
        recipient=user,
        kind=ReminderKind.RETURN_DUE,
        subject="return:1:2026-11",
        occasion="before-due",
        title=title,
        link=link,
        **extra,
    )


class BellTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_user("bell-user")
        cls.other = make_user("someone-else")

    def setUp(self):
        self.client.force_login(self.user)

    def test_every_page_shows_the_unread_count(self):
        notify(self.user)
        notify(self.user)
        notify(self.user, read_at="2026-12-01T00:00:00+08:00")
        notify(self.other)
        response = self.client.get(reverse("home"))
        self.assertContains(response, '<span class="bell-count" data-unread="2">2</span>', html=True)

    def test_no_count_when_all_are_read(self):
        response = self.client.get(reverse("home"))
        self.assertContains(response, 'class="bell"')
        self.assertNotContains(response, "bell-count")

    def test_the_count_is_one_query(self):
        notify(self.user)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            self.client.get(reverse("reminders:preferences"))
        counts = [q["sql"] for q in queries.captured_queries if 'FROM "reminders_notification" ' in q["sql"]]
        self.assertEqual(len(counts), 1)


class NotificationListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_user("reader")
        cls.other = make_user("other-reader")

    def setUp(self):
        self.client.force_login(self.user)

    def test_lists_only_ones_own(self):
        notify(self.user, title="我的提醒")
        notify(self.other, title="别人的提醒")
        response = self.client.get(reverse("reminders:notification_list"))
        self.assertContains(response, "我的提醒")
        self.assertNotContains(response, "别人的提醒")

    def test_opening_marks_read_and_goes_to_the_record(self):
        n = notify(self.user, link="/petitions/12/")
        response = self.client.get(reverse("reminders:notification_open", args=[n.pk]))
        self.assertRedirects(response, "/petitions/12/", fetch_redirect_response=False)
        n.refresh_from_db()
        self.assertTrue(n.is_read)

    def test_a_link_that_is_not_a_local_path_is_not_followed(self):
        for link in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""):
            with self.subTest(link=link):
                n = notify(self.user, link=link)
                response = self.client.get(reverse("reminders:notification_open", args=[n.pk]))
                self.assertRedirects(response, reverse("reminders:notification_list"), fetch_redirect_response=False)

    def test_another_users_notification_is_404_and_stays_unread(self):
        theirs = notify(self.other)
        for response in (
            self.client.get(reverse("reminders:notification_open", args=[theirs.pk])),
            self.client.post(reverse("reminders:notification_read", args=[theirs.pk])),
        ):
            self.assertEqual(response.status_code, 404)
        theirs.refresh_from_db()
        self.assertFalse(theirs.is_read)

    def test_mark_one_and_mark_all_need_post(self):
        n = notify(self.user)
        self.assertEqual(self.client.get(reverse("reminders:notification_read", args=[n.pk])).status_code, 405)
        self.assertEqual(self.client.get(reverse("reminders:notification_read_all")).status_code, 405)
        self.client.post(reverse("reminders:notification_read", args=[n.pk]))
        n.refresh_from_db()
        self.assertTrue(n.is_read)

    def test_mark_all_read_touches_only_ones_own(self):
        notify(self.user)
        notify(self.user)
        theirs = notify(self.other)
        self.client.post(reverse("reminders:notification_read_all"))
        self.assertFalse(Notification.objects.filter(recipient=self.user, read_at__isnull=True).exists())
        theirs.refresh_from_db()
        self.assertFalse(theirs.is_read)

    def test_the_csrf_token_is_required(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.user)
        notify(self.user)
        self.assertEqual(client.post(reverse("reminders:notification_read_all")).status_code, 403)


class PreferenceTests(TestCase):
    def test_save_email_off_and_digest_or_immediate(self):
        user = make_user("prefs")
        self.client.force_login(user)
        response = self.client.get(reverse("reminders:preferences"))
        self.assertContains(response, "没有登记电子邮箱")
        self.client.post(reverse("reminders:preferences"), {"email_mode": EmailMode.IMMEDIATE})
        preference = NotificationPreference.objects.get(user=user)
        self.assertEqual((preference.email_enabled, preference.email_mode), (False, EmailMode.IMMEDIATE))
        response = self.client.post(reverse("reminders:preferences"), {"email_enabled": "on", "email_mode": "weekly"})
        self.assertEqual(response.status_code, 200)
        preference.refresh_from_db()
        self.assertFalse(preference.email_enabled, "an invalid choice saves nothing")
