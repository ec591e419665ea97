"""Logins: throttling by django-axes on both login pages, the lockout page and audit, unlocking, password changes."""

import time

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from communities.choices import AuditAction
from communities.models import AuditEntry, PendingPasswordChange
from communities.services import user_create
from tests.factories import make_jurisdiction, make_member, make_user

PASSWORD = "Right-pass-2026"


class LockoutTests(TestCase):
    """Five failures for one user from one address lock that pair for 15 minutes, on /login/ and /admin/login/."""

    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("碧海社区", code="520115001001")
        cls.user = make_member(cls.community, username="li")
        cls.user.set_password(PASSWORD)
        cls.user.is_staff = True
        cls.user.save()

    def fail(self, url, times, client=None):
        client = client or self.client
        return [client.post(url, {"username": "li", "password": "wrong-pass-1"}) for _ in range(times)]

    def assert_locked(self, response):
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "账户已暂时锁定", status_code=429)
        self.assertContains(response, "之后再试", status_code=429)

    def test_six_wrong_passwords_lock_the_login_page_and_the_right_one_is_refused(self):
        responses = self.fail(reverse("login"), 6)
        self.assertEqual([r.status_code for r in responses[:4]], [200] * 4)
        self.assert_locked(responses[-1])
        right = self.client.post(reverse("login"), {"username": "li", "password": PASSWORD})
        self.assert_locked(right)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_six_wrong_passwords_lock_the_admin_login_too(self):
        url = reverse("admin:login")
        responses = self.fail(url, 6)
        self.assert_locked(responses[-1])
        right = self.client.post(url, {"username": "li", "password": PASSWORD, "next": "/admin/"})
        self.assert_locked(right)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_failures_on_both_pages_add_up(self):
        self.fail(reverse("login"), 3)
        responses = self.fail(reverse("admin:login"), 3)
        self.assert_locked(responses[-1])

    def test_the_page_says_when_to_try_again(self):
        before = time.time()
        response = self.fail(reverse("login"), 6)[-1]
        until = response.context["locked_until"].timestamp()
        # The last failure plus 15 minutes, in the user's time zone.
        self.assertGreaterEqual(until, before + 15 * 60 - 1)
        self.assertLessEqual(until, time.time() + 15 * 60 + 1)
        self.assertContains(response, response.context["locked_until"].strftime("%Y-%m-%d %H:%M"), status_code=429)

    def test_another_address_is_not_locked_out(self):
        self.fail(reverse("login"), 6)
        other = Client(REMOTE_ADDR="10.0.0.9")
        response = other.post(reverse("login"), {"username": "li", "password": PASSWORD})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_a_lock_is_audited_once_with_the_user_and_address(self):
        self.fail(reverse("login"), 8)
        entries = AuditEntry.objects.filter(action=AuditAction.LOCKOUT)
        self.assertEqual(entries.count(), 1)
        entry = entries.get()
        self.assertEqual(entry.object_id, str(self.user.pk))
        self.assertEqual(entry.jurisdiction, self.community)
        self.assertEqual(entry.changes["ip_address"], [None, "127.0.0.1"])
        self.assertIn("锁定至", entry.note)

    def test_a_lock_on_an_unknown_username_is_audited_too(self):
        for _ in range(5):
            self.client.post(reverse("login"), {"username": "ghost", "password": "x"})
        entry = AuditEntry.objects.get(action=AuditAction.LOCKOUT)
        self.assertEqual(entry.changes["username"], [None, "ghost"])

    def test_an_administrator_unlocks_in_the_admin(self):
        self.fail(reverse("login"), 6)
        attempt = AccessAttempt.objects.get(username="li")
        admin = Client()
        admin.force_login(make_user("root", is_superuser=True, is_staff=True))
        self.assertEqual(admin.get(reverse("admin:axes_accessattempt_changelist")).status_code, 200)
        response = admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        right = self.client.post(reverse("login"), {"username": "li", "password": PASSWORD})
        self.assertRedirects(right, reverse("home"), fetch_redirect_response=False)

    def test_a_successful_login_resets_the_count(self):
        self.fail(reverse("login"), 4)
        self.client.post(reverse("login"), {"username": "li", "password": PASSWORD})
        self.client.post(reverse("logout"))
        responses = self.fail(reverse("login"), 4)
        self.assertEqual(responses[-1].status_code, 200)

    @override_settings(BEHIND_PROXY=True)
    def test_behind_the_proxy_the_address_nginx_appended_counts(self):
        spoofing = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.1.1.1")
        self.fail(reverse("login"), 6, client=spoofing)
        self.assertEqual(AccessAttempt.objects.get(username="li").ip_address, "10.1.1.1")
        elsewhere = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.2.2.2")
        response = elsewhere.post(reverse("login"), {"username": "li", "password": PASSWORD})
        self.assertEqual(response.status_code, 302)


class SignInAuditTests(TestCase):
    """Every sign-in, sign-out and wrong password of an account is in the audit trail of its place (等保 2.0)."""

    @classmethod
    def setUpTestData(cls):
        district = make_jurisdiction("观山湖区", code="520115000000", level="district")
        cls.community = make_jurisdiction("碧海社区", code="520115001001", parent=district)
        cls.sibling = make_jurisdiction("金源社区", code="520115001002", parent=district)
        cls.user = make_member(cls.community, username="li")
        cls.user.set_password(PASSWORD)
        cls.user.save()
        cls.admin = make_member(cls.community, role="admin", username="bihai-admin")
        cls.sibling_admin = make_member(cls.sibling, role="admin", username="jinyuan-admin")

    def events(self, action):
        return AuditEntry.objects.filter(action=action, object_id=str(self.user.pk))

    def test_a_sign_in_and_a_sign_out_are_kept_with_the_place_and_address(self):
        self.client.post(reverse("login"), {"username": "li", "password": PASSWORD})
        self.client.post(reverse("logout"))
        signed_in, signed_out = self.events(AuditAction.LOGIN).get(), self.events(AuditAction.LOGOUT).get()
        for entry in (signed_in, signed_out):
            self.assertEqual(entry.jurisdiction, self.community)
            self.assertEqual(entry.user, self.user)
            self.assertEqual(entry.changes["ip_address"], [None, "127.0.0.1"])

    def test_a_wrong_password_is_kept_but_an_unknown_name_writes_no_row(self):
        self.client.post(reverse("login"), {"username": "li", "password": "wrong-pass-1"})
        self.client.post(reverse("login"), {"username": "ghost", "password": "wrong-pass-1"})
        refused = self.events(AuditAction.LOGIN_FAILED).get()
        self.assertIsNone(refused.user)
        self.assertEqual(refused.jurisdiction, self.community)
        self.assertNotIn("wrong-pass", str(refused.changes) + refused.note)
        self.assertEqual(AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count(), 1)
        self.assertFalse(self.events(AuditAction.LOGIN).exists())

    def test_the_places_administrator_reads_them_and_a_siblings_does_not(self):
        Client().post(reverse("login"), {"username": "li", "password": PASSWORD})
        self.client.force_login(self.admin)
        page = self.client.get(reverse("communities:audit_list"), {"action": AuditAction.LOGIN})
        self.assertContains(page, "登录成功")
        self.client.force_login(self.sibling_admin)
        page = self.client.get(reverse("communities:audit_list"), {"action": AuditAction.LOGIN})
        self.assertNotContains(page, "登录成功")

    def test_tries_refused_by_the_lock_add_no_rows(self):
        for _ in range(8):
            self.client.post(reverse("login"), {"username": "li", "password": "wrong-pass-1"})
        # Four refusals, then the fifth locks the account: its row is the lockout, and the three after add nothing.
        self.assertEqual(self.events(AuditAction.LOGIN_FAILED).count(), 4)
        self.assertEqual(AuditEntry.objects.filter(action=AuditAction.LOCKOUT).count(), 1)

    def test_a_test_clients_force_login_is_no_event(self):
        self.client.force_login(self.user)
        self.assertFalse(self.events(AuditAction.LOGIN).exists())


class PasswordChangeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("碧海社区", code="520115001001")
        cls.user = make_member(cls.community, username="wang")
        cls.user.set_password(PASSWORD)
        cls.user.save()

    def setUp(self):
        self.client.force_login(self.user)

    def change(self, new, old=PASSWORD):
        return self.client.post(
            reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
        )

    def test_every_page_links_to_the_password_change(self):
        self.assertContains(self.client.get(reverse("home")), reverse("password_change"))

    def test_a_user_changes_their_own_password_and_it_is_audited(self):
        response = self.change("New-pass-2027")
        self.assertRedirects(response, reverse("password_change_done"))
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password("New-pass-2027"))
        entry = AuditEntry.objects.get(object_id=str(self.user.pk), note="修改密码")
        self.assertEqual(entry.user, self.user)
        self.assertNotIn("New-pass-2027", str(entry.changes))

    def test_the_current_password_is_required(self):
        response = self.change("New-pass-2027", old="not-it")
        self.assertEqual(response.status_code, 200)
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(PASSWORD))

    def test_weak_passwords_are_refused_with_the_reason(self):
        cases = {
            "Ab1-xyz": "密码太短",  # 7 characters
            "abcdefgh1": "至少 3 类",  # two classes
            "ABCDEFGHij": "至少 3 类",
        }
        for new, reason in cases.items():
            with self.subTest(new=new):
                response = self.change(new)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, reason)
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(PASSWORD))


class FirstLoginTests(TestCase):
    """An account an administrator created must choose its own password before anything else."""

    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("碧海社区", code="520115001001")
        cls.admin = make_member(cls.community, role="admin", username="boss")

    def test_an_account_created_by_an_administrator_is_sent_to_the_password_change(self):
        user = user_create(username="newbie", password="Initial-2026", actor=self.admin)
        self.client.post(reverse("login"), {"username": "newbie", "password": "Initial-2026"})
        for url in (reverse("home"), reverse("activities:activity_list"), reverse("dashboard")):
            with self.subTest(url=url):
                self.assertRedirects(self.client.get(url), reverse("password_change"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("password_change")).status_code, 200)
        self.client.post(
            reverse("password_change"),
            {"old_password": "Initial-2026", "new_password1": "Mine-own-2027", "new_password2": "Mine-own-2027"},
        )
        self.assertFalse(PendingPasswordChange.objects.filter(user=user).exists())
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_the_membership_page_marks_a_new_account(self):
        self.client.force_login(self.admin)
        self.client.post(
            reverse("communities:membership_list"),
            {"username": "fresh", "password": "Strong-pass-2024", "jurisdiction": self.community.pk, "role": "staff"},
        )
        self.assertTrue(PendingPasswordChange.objects.filter(user__username="fresh").exists())

    def test_accounts_made_on_the_command_line_are_not_marked(self):
        user = user_create(username="ops", password="Initial-2026")
        self.assertFalse(PendingPasswordChange.objects.filter(user=user).exists())

    def test_a_superuser_creating_or_resetting_a_user_in_the_admin_marks_it(self):
        root = make_user("root", is_superuser=True, is_staff=True)
        self.client.force_login(root)
        self.client.post(
            reverse("admin:auth_user_add"),
            {
                "username": "viaadmin",
                "password1": "Strong-pass-2024",
                "password2": "Strong-pass-2024",
                "usable_password": "true",
            },
        )
        created = get_user_model().objects.get(username="viaadmin")
        self.assertTrue(PendingPasswordChange.objects.filter(user=created).exists())
        other = make_user("other")
        self.client.post(
            reverse("admin:auth_user_password_change", args=[other.pk]),
            {"password1": "Reset-pass-2024", "password2": "Reset-pass-2024"},
        )
        other.refresh_from_db()
        self.assertTrue(other.check_password("Reset-pass-2024"))
        self.assertTrue(PendingPasswordChange.objects.filter(user=other).exists())


class IdleTimeoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = make_member(make_jurisdiction("碧海社区", code="520115001001"), username="zhao")

    def set_last_activity(self, seconds_ago):
        session = self.client.session
        session["last_activity"] = int(time.time()) - seconds_ago
        session.save()

    def test_a_session_left_alone_longer_than_the_idle_time_ends(self):
        self.client.force_login(self.user)
        self.set_last_activity(31 * 60)
        response = self.client.get(reverse("activities:activity_list"))
        self.assertRedirects(
            response, reverse("login") + "?next=" + reverse("activities:activity_list"), fetch_redirect_response=False
        )
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_active_session_goes_on(self):
        self.client.force_login(self.user)
        self.set_last_activity(29 * 60)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        self.assertGreater(self.client.session["last_activity"], int(time.time()) - 60)

    @override_settings(SESSION_IDLE_TIMEOUT=60)
    def test_the_idle_time_is_a_setting(self):
        self.client.force_login(self.user)
        self.set_last_activity(120)
        self.assertEqual(self.client.get(reverse("home")).status_code, 302)
