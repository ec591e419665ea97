"""The audit trail kept apart: the auditor role, the audit page, export_audit, purge_audit, rows never deleted."""

import io
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import models
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities.services.activities import activity_create
from communities.choices import AuditAction, Role
from communities.models import AUDIT_RETENTION_DAYS, AuditEntry, Membership
from communities.services import audit_record
from tests.factories import make_member, make_tree, make_user


def _entry(jurisdiction, note="", repr_=None):
    entry = audit_record(actor=None, action=AuditAction.CHANGE, obj=jurisdiction, jurisdiction=jurisdiction, note=note)
    if repr_ is not None:
        models.QuerySet.update(AuditEntry.objects.filter(pk=entry.pk), object_repr=repr_)
    return entry


def _age(entry, days):
    # Rows are never updated by the code; the test backdates one beneath the guard.
    models.QuerySet.update(AuditEntry.objects.filter(pk=entry.pk), created_at=timezone.now() - timedelta(days=days))


class AuditorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.auditor = make_member(cls.streets[0], Role.AUDITOR, "auditor")
        _entry(cls.communities[0], note="街道1的记录")
        _entry(cls.communities[2], note="街道2的记录")

    def test_grant_command_gives_the_auditor_role_without_the_admin_site(self):
        user = make_user("shen")
        out = io.StringIO()
        call_command("grant", "shen", self.district.code, "auditor", stdout=out)
        self.assertIn("审计员", out.getvalue())
        self.assertEqual(Membership.objects.get(user=user).role, Role.AUDITOR)
        user.refresh_from_db()
        self.assertFalse(user.is_staff)

    def test_the_auditor_reads_the_trail_of_their_subtree_only(self):
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("communities:audit_list"))
        self.assertContains(response, "街道1的记录")
        self.assertNotContains(response, "街道2的记录")
        self.assertContains(response, reverse("communities:audit_list"))  # the menu entry
        response = self.client.get(reverse("communities:audit_list"), {"jurisdiction": self.communities[2].code})
        self.assertEqual(response.status_code, 404)

    def test_the_auditor_sees_no_records_and_writes_nothing(self):
        self.client.force_login(self.auditor)
        self.assertEqual(
            self.client.get(reverse("communities:jurisdiction_detail", args=[self.communities[0].code])).status_code,
            404,
        )
        self.assertEqual(self.client.get(reverse("activities:activity_create")).status_code, 403)
        with self.assertRaises(PermissionDenied):
            activity_create(actor=self.auditor, jurisdiction=self.communities[0], title="x")

    def test_staff_and_leaders_are_refused_the_audit_page(self):
        for role in (Role.STAFF, Role.LEADER):
            with self.subTest(role=role):
                self.client.force_login(make_member(self.streets[0], role))
                self.assertEqual(self.client.get(reverse("communities:audit_list")).status_code, 403)


class AuditRowsAreKeptTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()

    def test_no_code_path_deletes_or_updates_rows(self):
        entry = _entry(self.district)
        with self.assertRaises(PermissionDenied):
            entry.delete()
        with self.assertRaises(PermissionDenied):
            AuditEntry.objects.all().delete()
        with self.assertRaises(PermissionDenied):
            AuditEntry.objects.update(note="x")
        self.assertTrue(AuditEntry.objects.filter(pk=entry.pk, note="").exists())

    def test_the_admin_is_read_only_even_for_the_superuser(self):
        entry = _entry(self.district)
        self.client.force_login(make_user(is_superuser=True, is_staff=True))
        self.assertEqual(
            self.client.get(reverse("admin:communities_auditentry_change", args=[entry.pk])).status_code, 200
        )
        for name in ("admin:communities_auditentry_delete", "admin:communities_auditentry_change"):
            with self.subTest(name=name):
                response = self.client.post(reverse(name, args=[entry.pk]), {"post": "yes", "note": "改"})
                self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.get(reverse("admin:communities_auditentry_add")).status_code, 403)
        response = self.client.get(reverse("admin:communities_auditentry_changelist"))
        self.assertNotContains(response, "delete_selected")
        self.assertTrue(AuditEntry.objects.filter(pk=entry.pk, note="").exists())

    def test_purge_refuses_anything_younger_than_the_retention(self):
        old, young = _entry(self.district, "old"), _entry(self.district, "young")
        _age(old, AUDIT_RETENTION_DAYS + 10)
        _age(young, AUDIT_RETENTION_DAYS - 10)
        today = timezone.localdate()
        too_late = today - timedelta(days=AUDIT_RETENTION_DAYS - 1)
        with self.assertRaisesMessage(CommandError, "至少保留180天"):
            call_command("purge_audit", "--before", too_late.isoformat(), stdout=io.StringIO())
        self.assertEqual(AuditEntry.objects.count(), 2)
        out = io.StringIO()
        call_command("purge_audit", "--before", (today - timedelta(days=AUDIT_RETENTION_DAYS)).isoformat(), stdout=out)
        self.assertEqual(list(AuditEntry.objects.values_list("note", flat=True)), ["young"])
        self.assertIn("1", out.getvalue())


class ExportAuditTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.old = _entry(cls.district, note="旧")
        _age(cls.old, 30)
        cls.formula = _entry(cls.communities[0], note="新", repr_='=HYPERLINK("http://x","y")')

    def export(self, *args):
        with TemporaryDirectory() as folder:
            path = Path(folder) / "audit.xlsx"
            call_command("export_audit", "--output", str(path), *args, stdout=io.StringIO())
            sheet = load_workbook(path).active
            return [list(row) for row in sheet.iter_rows()]

    def test_every_row_is_exported_oldest_first_and_text_stays_text(self):
        rows = self.export()
        self.assertEqual(rows[0][0].value, "时间")
        self.assertEqual([row[9].value for row in rows[1:]], ["旧", "新"])
        formula_cell = rows[2][5]
        self.assertEqual(formula_cell.value, '=HYPERLINK("http://x","y")')
        self.assertEqual(formula_cell.data_type, "s")

    def test_since_keeps_the_rows_from_that_day(self):
        since = (timezone.localdate() - timedelta(days=1)).isoformat()
        rows = self.export("--since", since)
        self.assertEqual([row[9].value for row in rows[1:]], ["新"])

    def test_a_bad_date_is_refused(self):
        with self.assertRaisesMessage(CommandError, "应为 YYYY-MM-DD"):
            self.export("--since", "2026-13-01")
