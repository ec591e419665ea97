"""Administrators are told of imports refused for their errors: the audit row the refusal writes, then the reminder
the next `send_reminders` sends to those who may manage the import's place, and to nobody else."""

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from communities.choices import AuditAction, Role
from communities.models import AuditEntry, PopulationRecord
from communities.services import import_refusal_record
from reminders.choices import ReminderKind
from reminders.models import Notification
from reminders.selectors import import_refused_reminders
from tests.factories import csv_bytes, make_member, make_user

from .world import World

UPLOAD = reverse("communities:census_import")
CONFIRM = reverse("communities:census_import_confirm")
# Cell values of the refused file: personal or not, none may reach the audit trail or a reminder.
SECRET_NAME = "张三丰"
SECRET_VALUE = "12abc34"


def census(rows, name="人口.csv", **fields):
    return {
        "file": SimpleUploadedFile(name, csv_bytes(rows, "gbk")),
        "year": "2024",
        "kind": "resident",
        "layout": "",
        "jurisdiction": "",
        **fields,
    }


BAD_SINGLE = [["民族", "人数"], ["汉族", "4800"], ["苗族", SECRET_VALUE], [SECRET_NAME, "3"]]
GOOD_SINGLE = [["民族", "人数"], ["汉族", "4800"], ["苗族", "150"]]


def refusals():
    return AuditEntry.objects.filter(action=AuditAction.IMPORT_REFUSED)


def send_today():
    call_command("send_reminders", "--date", timezone.localdate().isoformat(), stdout=io.StringIO())


class RefusedCensusUploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = World()
        cls.bihai_admin = make_member(cls.w.bihai, Role.ADMIN, "bihai-admin")
        cls.jinyuan_admin = make_member(cls.w.jinyuan, Role.ADMIN, "jinyuan-admin")
        cls.superuser = make_user("root", is_superuser=True, is_staff=True)

    def upload(self, rows, user=None, **fields):
        self.client.force_login(user or self.bihai_admin)
        return self.client.post(UPLOAD, census(rows, **fields))

    def test_a_refused_upload_is_audited_and_its_administrators_reminded(self):
        response = self.upload(BAD_SINGLE, layout="single", jurisdiction=self.w.bihai.code)
        self.assertNotContains(response, "确认导入")
        self.assertFalse(PopulationRecord.objects.exists())
        entry = refusals().get()
        plan = response.context["plan"]
        first = next(iter(plan.issues))
        self.assertEqual((entry.user, entry.jurisdiction), (self.bihai_admin, self.w.bihai))
        self.assertEqual(entry.changes["errors"], [None, plan.issues.total])
        self.assertEqual(entry.changes["filename"], [None, "人口.csv"])
        self.assertEqual((entry.changes["row"][1], entry.changes["column"][1]), (first.row, str(first.column)))
        self.assertIn("人口.csv", entry.note)
        self.assertIn(f"{plan.issues.total}处错误", entry.note)

        send_today()
        notes = Notification.objects.filter(kind=ReminderKind.IMPORT_REFUSED)
        self.assertEqual(
            sorted(n.recipient.username for n in notes),
            ["admin", "bihai-admin", "root"],
            "the place's, the district's and the superuser, who manages every place",
        )
        title = notes.first().title
        self.assertEqual(title, f"碧海社区的人口导入被拒绝（{plan.issues.total}处错误）")
        self.assertIn(f"?action={AuditAction.IMPORT_REFUSED}", notes.first().link)

    def test_the_reminders_link_lists_the_refusal_for_the_place_and_the_sibling_admin_cannot_open_it(self):
        self.upload(BAD_SINGLE, layout="single", jurisdiction=self.w.bihai.code)
        send_today()
        link = Notification.objects.get(recipient=self.bihai_admin, kind=ReminderKind.IMPORT_REFUSED).link
        response = self.client.get(link)
        self.assertContains(response, "导入被拒绝")
        self.assertContains(response, "人口.csv")
        self.client.force_login(self.jinyuan_admin)
        self.assertEqual(self.client.get(link).status_code, 404, "碧海社区 is not theirs: like a missing place")

    def test_no_cell_value_reaches_the_trail_or_the_reminder(self):
        response = self.upload(BAD_SINGLE, layout="single", jurisdiction=self.w.bihai.code)
        # The page itself quotes the cells, which is what makes this check meaningful.
        self.assertContains(response, SECRET_VALUE)
        send_today()
        entry = refusals().get()
        texts = [entry.note, entry.object_repr, str(entry.changes)]
        texts += [n.title + n.body for n in Notification.objects.filter(kind=ReminderKind.IMPORT_REFUSED)]
        for text in texts:
            with self.subTest(text=text):
                self.assertNotIn(SECRET_VALUE, text)
                self.assertNotIn(SECRET_NAME, text)

    def test_the_sibling_communitys_administrator_gets_nothing(self):
        self.upload(BAD_SINGLE, layout="single", jurisdiction=self.w.bihai.code)
        # A file naming 金源社区, refused because the uploader may not manage it: it stays 碧海社区's refusal.
        self.upload(
            [["区划代码", "地区名称", "常住人口", "汉族"], [self.w.jinyuan.code, "金源社区", "10", "9"]],
        )
        self.assertEqual(list(refusals().values_list("jurisdiction", flat=True)), [self.w.bihai.pk] * 2)
        send_today()
        self.assertFalse(Notification.objects.filter(recipient=self.jinyuan_admin).exists())
        for user in (self.w.staff, self.w.staff2, self.w.leader):
            with self.subTest(user=user.username):
                self.assertFalse(Notification.objects.filter(recipient=user, kind=ReminderKind.IMPORT_REFUSED))

    def test_an_accepted_import_records_no_refusal(self):
        response = self.upload(GOOD_SINGLE, layout="single", jurisdiction=self.w.bihai.code)
        self.assertContains(response, "确认导入")
        self.client.post(CONFIRM, {"token": self.client.session["census_import"]["token"]})
        self.assertTrue(PopulationRecord.objects.exists())
        self.assertFalse(refusals().exists())
        send_today()
        self.assertFalse(Notification.objects.filter(kind=ReminderKind.IMPORT_REFUSED).exists())

    def test_a_file_refused_at_the_confirmation_is_audited_too(self):
        self.upload(GOOD_SINGLE, layout="single", jurisdiction=self.w.bihai.code)
        token = self.client.session["census_import"]["token"]
        # Between preview and confirmation the uploader loses the place: the second reading refuses the file.
        self.bihai_admin.memberships.update(jurisdiction=self.w.jinyuan)
        self.client.post(CONFIRM, {"token": token})
        self.assertFalse(PopulationRecord.objects.exists())
        entry = refusals().get()
        self.assertEqual(entry.user, self.bihai_admin)

    def test_a_superuser_without_a_place_reaches_the_superusers(self):
        self.upload([["区划代码", "常住人口"], ["999999999999", "1"]], user=self.superuser)
        entry = refusals().get()
        self.assertIsNone(entry.jurisdiction)
        (reminder,) = import_refused_reminders(timezone.localdate())
        self.assertEqual(reminder.recipients, [self.superuser])
        self.assertTrue(reminder.title.startswith("人口导入被拒绝"))


class ImportRefusedSelectorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = World()
        cls.jinyuan_admin = make_member(cls.w.jinyuan, Role.ADMIN, "jinyuan-admin")
        cls.entry = import_refusal_record(
            actor=cls.w.admin, filename="台账.xlsx", errors=3, what="活动台账导入", jurisdiction=cls.w.bihai
        )

    def test_only_within_two_days(self):
        today = timezone.localdate()
        self.assertEqual(len(import_refused_reminders(today)), 1)
        self.assertEqual(import_refused_reminders(date.fromordinal(today.toordinal() + 3)), [])

    def test_recipients_may_manage_the_place(self):
        (reminder,) = import_refused_reminders(timezone.localdate())
        self.assertEqual(reminder.recipients, [self.w.admin])
        self.assertEqual(reminder.title, "碧海社区的活动台账导入被拒绝（3处错误）")
        self.assertIn("台账.xlsx", reminder.body)
        self.assertEqual(reminder.subject, f"import_refused:{self.entry.pk}")
