"""Group robots in the admin: kept by the administrators of the place, credentials never shown nor audited."""

from django.test import TestCase
from django.urls import reverse

from communities.choices import AuditAction, Role
from communities.models import AuditEntry
from communities.services import membership_grant
from reminders.choices import RobotPlatform
from reminders.models import GroupRobot
from tests.factories import make_user

from .world import World

URL = "https://oapi.dingtalk.com/robot/send?access_token=secret-token-123"
SECRET = "SECabcdef0123456789"


class GroupRobotAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = World()
        cls.boss = make_user("robot-admin")
        membership_grant(username=cls.boss.username, jurisdiction=cls.w.street, role=Role.ADMIN)

    def setUp(self):
        self.boss.refresh_from_db()
        self.client.force_login(self.boss)

    def _add(self, **overrides):
        data = {
            "jurisdiction": self.w.street.pk,
            "name": "街道工作群",
            "platform": RobotPlatform.DINGTALK,
            "url": URL,
            "secret": SECRET,
            "is_active": "on",
        }
        data.update(overrides)
        return self.client.post(reverse("admin:reminders_grouprobot_add"), data)

    def test_add_encrypts_and_audits_without_the_credentials(self):
        response = self._add()
        self.assertEqual(response.status_code, 302)
        robot = GroupRobot.objects.get()
        self.assertEqual((robot.url, robot.secret), (URL, SECRET))
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT url, secret FROM reminders_grouprobot")
            stored = cursor.fetchone()
        self.assertNotIn("secret-token-123", stored[0])
        self.assertNotIn(SECRET, stored[1])
        entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(robot.pk))
        self.assertEqual(entry.changes["url"], [None, "******"])
        self.assertNotIn("secret-token", str(entry.changes))

    def test_the_change_page_never_shows_the_credentials_and_blank_keeps_them(self):
        self._add()
        robot = GroupRobot.objects.get()
        page = self.client.get(reverse("admin:reminders_grouprobot_change", args=[robot.pk]))
        self.assertNotContains(page, "secret-token-123")
        self.assertNotContains(page, SECRET)
        data = {
            "jurisdiction": self.w.street.pk,
            "name": "改名了",
            "platform": RobotPlatform.DINGTALK,
            "url": "",
            "secret": "",
            "is_active": "on",
        }
        self.client.post(reverse("admin:reminders_grouprobot_change", args=[robot.pk]), data)
        robot.refresh_from_db()
        self.assertEqual((robot.name, robot.url, robot.secret), ("改名了", URL, SECRET))

    def test_a_place_outside_the_subtree_cannot_be_chosen(self):
        response = self._add(jurisdiction=self.w.district.pk)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(GroupRobot.objects.exists())

    def test_a_bad_address_is_refused(self):
        response = self._add(url="ftp://example.cn/robot")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(GroupRobot.objects.exists())
