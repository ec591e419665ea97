"""The register and indicator import pages audit a file refused for its errors (IMPORT_REFUSED), at the preview and
at the confirmation, in the target jurisdiction, with the file name, the error count and the first error's row and
column, and no cell value of the file."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from activities.choices import ReturnStatus
from activities.models import Activity, Indicator, MonthlyReturn, Petition
from activities.views.registers import PAGES
from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry, Membership
from tests.activities.factories_plans import make_plan
from tests.activities.factories_registers import (
    ACTIVITY_HEADER,
    PETITION_HEADER,
    activity_rows,
    id_number,
    petition_rows,
)
from tests.activities.test_plans_import import HEADER, ROWS, xlsx_bytes
from tests.factories import make_jurisdiction, make_member
from tests.factories import xlsx_bytes as sheet_bytes

ACTIVITY_IMPORT = reverse("activities:activity_register_import")
ACTIVITY_CONFIRM = reverse("activities:activity_register_confirm")
PETITION_IMPORT = reverse("activities:petition_register_import")


def refusals():
    return AuditEntry.objects.filter(action=AuditAction.IMPORT_REFUSED)


class RegisterRefusalTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", parent=cls.street, code="520115001001")
        cls.staff = make_member(cls.community, Role.STAFF, "bihai-staff")

    def upload(self, url, rows, header, name="台账.xlsx"):
        self.client.force_login(self.staff)
        data = sheet_bytes([header, *rows])
        return self.client.post(url, {"jurisdiction": self.community.pk, "file": SimpleUploadedFile(name, data)})

    def test_a_refused_petition_register_is_audited_without_its_cells(self):
        MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2024, 1, 1), status=ReturnStatus.APPROVED)
        rows = petition_rows(3, start=date(2024, 2, 1))
        rows[0][1] = "2024-02-30"
        bad_id = id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1")
        rows[2][3] = bad_id
        response = self.upload(PETITION_IMPORT, rows, PETITION_HEADER, name="信访台账.xlsx")
        self.assertNotContains(response, "确认导入")
        entry = refusals().get()
        self.assertEqual((entry.user, entry.jurisdiction), (self.staff, self.community))
        self.assertEqual(entry.changes["errors"], [None, 2])
        self.assertEqual(entry.changes["import"], [None, "信访台账导入"])
        self.assertEqual((entry.changes["row"][1], entry.changes["column"][1]), (2, "登记日期（B列）"))
        self.assertIn("信访台账.xlsx", entry.note)
        everything = entry.note + entry.object_repr + str(entry.changes)
        for cell in (bad_id, "2024-02-30", rows[0][2]):
            self.assertNotIn(cell, everything)
        self.assertFalse(Petition.objects.exists())
        # Nothing else is written to the trail.
        self.assertEqual(AuditEntry.objects.count(), 1)

    def test_an_accepted_register_records_no_refusal(self):
        self.upload(ACTIVITY_IMPORT, activity_rows(3), ACTIVITY_HEADER)
        token = self.client.session[PAGES["activity"].session_key]["token"]
        self.client.post(ACTIVITY_CONFIRM, {"token": token})
        self.assertEqual(Activity.objects.count(), 3)
        self.assertFalse(refusals().exists())

    def test_a_register_refused_at_the_confirmation_is_audited(self):
        self.upload(ACTIVITY_IMPORT, activity_rows(3), ACTIVITY_HEADER)
        token = self.client.session[PAGES["activity"].session_key]["token"]
        self.assertFalse(refusals().exists())
        # The role in the target is gone before the confirmation: the second reading refuses the file.
        make_jurisdiction("另一社区", code="520115009001").memberships.create(user=self.staff, role=Role.STAFF)
        Membership.objects.filter(user=self.staff, jurisdiction=self.community).delete()
        self.client.post(ACTIVITY_CONFIRM, {"token": token})
        self.assertFalse(Activity.objects.exists())
        entry = refusals().get()
        self.assertEqual(entry.user, self.staff)
        self.assertEqual(entry.changes["import"], [None, "活动台账导入"])


class IndicatorRefusalTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("街道", JurisdictionLevel.STREET, code="529401001000")
        cls.community = make_jurisdiction("甲社区", JurisdictionLevel.COMMUNITY, cls.street, code="529401001001")
        cls.staff = make_member(cls.community, Role.STAFF)
        cls.plan = make_plan(cls.community, title="甲社区创建方案")

    def setUp(self):
        self.client.force_login(self.staff)

    def url(self):
        return reverse("activities:indicator_import", args=[self.plan.pk])

    def upload(self, data, name="指标.xlsx"):
        return self.client.post(self.url(), {"step": "upload", "file": SimpleUploadedFile(name, data)})

    def test_a_refused_indicator_file_is_audited_in_the_plans_place(self):
        rows = [HEADER, ["一、组织领导", "甲", "", "x", "", ""], ["", "乙", "", "", "", ""]]
        response = self.upload(xlsx_bytes(rows))
        self.assertContains(response, "文件有 2 处错误，未导入任何数据")
        entry = refusals().get()
        self.assertEqual((entry.user, entry.jurisdiction), (self.staff, self.community))
        self.assertEqual(entry.changes["errors"], [None, 2])
        self.assertEqual((entry.changes["row"][1], entry.changes["column"][1]), (3, "分值（D列）"))
        self.assertEqual(entry.changes["import"], [None, "测评指标导入"])
        self.assertNotIn("“x”", entry.note)

    def test_an_accepted_indicator_file_records_no_refusal(self):
        self.upload(xlsx_bytes([HEADER, *ROWS]))
        self.client.post(self.url(), {"step": "confirm", "token": self.client.session["indicator_import"]["token"]})
        self.assertEqual(Indicator.objects.filter(plan=self.plan).count(), 6)
        self.assertFalse(refusals().exists())
