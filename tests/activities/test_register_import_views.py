"""The register import pages: choose, upload, preview, confirm; 500-row registers in one confirm; refusals."""

import io
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from activities.choices import ReturnStatus
from activities.models import Activity, MonthlyReturn, Petition
from activities.views.registers import PAGES
from base.staging import STAGING_DIR
from communities.choices import AuditAction, JurisdictionLevel, Role
from communities.models import AuditEntry, Membership
from tests.activities.factories_registers import (
    ACTIVITY_HEADER,
    PETITION_HEADER,
    activity_rows,
    id_number,
    petition_rows,
)
from tests.base.hostile_cases import HostileUploadCases
from tests.factories import csv_bytes, make_jurisdiction, make_member, xlsx_bytes

ACTIVITY_IMPORT = reverse("activities:activity_register_import")
ACTIVITY_CONFIRM = reverse("activities:activity_register_confirm")
PETITION_IMPORT = reverse("activities:petition_register_import")
PETITION_CONFIRM = reverse("activities:petition_register_confirm")


class RegisterImportViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.street = make_jurisdiction("金华园街道", JurisdictionLevel.STREET, code="520115001000")
        cls.community = make_jurisdiction("碧海社区", parent=cls.street, code="520115001001")
        cls.sibling = make_jurisdiction("金源社区", parent=cls.street, code="520115001002")
        cls.staff = make_member(cls.community, Role.STAFF, "bihai-staff")
        cls.sibling_staff = make_member(cls.sibling, Role.STAFF, "jinyuan-staff")
        cls.auditor = make_member(cls.street, Role.AUDITOR, "street-auditor")

    def upload(self, url, rows, header, *, name="台账.xlsx", target=None, encoding="utf-8"):
        data = xlsx_bytes([header, *rows]) if name.endswith(".xlsx") else csv_bytes([header, *rows], encoding)
        return self.client.post(
            url, {"jurisdiction": (target or self.community).pk, "file": SimpleUploadedFile(name, data)}
        )

    def staged_files(self):
        directory = Path(settings.MEDIA_ROOT) / STAGING_DIR
        return sorted(directory.iterdir()) if directory.exists() else []

    def test_a_500_row_activity_register_imports_in_one_confirm(self):
        self.client.force_login(self.staff)
        response = self.upload(ACTIVITY_IMPORT, activity_rows(500), ACTIVITY_HEADER)
        self.assertContains(response, '<dd data-figure="new">500</dd>', html=True)
        self.assertContains(response, "确认导入")
        self.assertFalse(Activity.objects.exists())
        token = self.client.session[PAGES["activity"].session_key]["token"]

        response = self.client.post(ACTIVITY_CONFIRM, {"token": token})

        self.assertRedirects(response, reverse("activities:activity_list"), fetch_redirect_response=False)
        self.assertEqual(Activity.objects.filter(jurisdiction=self.community).count(), 500)
        messages = [str(m) for m in response.wsgi_request._messages]
        self.assertEqual(messages, ["已导入：新增 500 条、更新 0 条、无变化 0 条"])
        self.assertEqual(self.staged_files(), [])

        # The same file again: nothing to confirm, nothing staged, nothing written.
        response = self.upload(ACTIVITY_IMPORT, activity_rows(500), ACTIVITY_HEADER)
        self.assertContains(response, '<dd data-figure="unchanged">500</dd>', html=True)
        self.assertNotContains(response, "确认导入")
        self.assertEqual(self.staged_files(), [])
        self.assertEqual(Activity.objects.count(), 500)

    def test_a_500_row_petition_register_imports_in_one_confirm_with_id_numbers_masked(self):
        self.client.force_login(self.staff)
        response = self.upload(PETITION_IMPORT, petition_rows(500), PETITION_HEADER, name="信访.csv", encoding="gbk")
        self.assertContains(response, '<dd data-figure="new">500</dd>', html=True)
        # From the preview on, an ID number is never shown in full.
        self.assertNotContains(response, id_number(0))
        self.assertContains(response, id_number(0)[:4] + "*" * 10 + id_number(0)[-4:])
        self.assertNotContains(response, "王0<")
        self.assertEqual(response["Cache-Control"].count("no-store"), 1)
        token = self.client.session[PAGES["petition"].session_key]["token"]

        response = self.client.post(PETITION_CONFIRM, {"token": token})

        self.assertRedirects(response, reverse("activities:petition_list"), fetch_redirect_response=False)
        self.assertEqual(Petition.objects.filter(jurisdiction=self.community).count(), 500)
        self.assertEqual(AuditEntry.objects.filter(action=AuditAction.IMPORT, user=self.staff).count(), 501)

    def test_a_bad_file_is_refused_whole_with_each_error_by_row_column_and_field(self):
        MonthlyReturn.objects.create(jurisdiction=self.community, month=date(2024, 1, 1), status=ReturnStatus.APPROVED)
        rows = petition_rows(5, start=date(2024, 2, 1))
        rows[0][1] = "2024-02-30"
        rows[1][6] = "物业纠纷"
        rows[2][3] = id_number(2)[:-1] + ("0" if id_number(2)[-1] != "0" else "1")
        rows[3][1] = "2024-01-15"
        self.client.force_login(self.staff)

        response = self.upload(PETITION_IMPORT, rows, PETITION_HEADER)

        self.assertContains(response, "发现 4 处错误，未导入任何数据")
        self.assertNotContains(response, "确认导入")
        cells = [(str(i.row), i.column, i.field) for i in response.context["plan"].issues]
        self.assertEqual(
            cells,
            [
                ("2", "登记日期（B列）", "登记日期"),
                ("3", "类别（G列）", "问题类别"),
                ("4", "身份证号（D列）", "身份证号码"),
                ("5", "登记日期（B列）", "登记日期"),
            ],
        )
        self.assertContains(response, "<td>身份证号码校验位不正确，请核对后重新输入。</td>", html=True)
        self.assertContains(response, "2024年1月的月报已审核锁定")
        self.assertNotContains(response, rows[2][3])
        self.assertEqual(self.staged_files(), [])
        self.assertFalse(Petition.objects.exists())

    def test_the_chooser_offers_only_the_users_jurisdictions_under_the_words_辖区代码(self):
        self.client.force_login(self.staff)
        response = self.client.get(ACTIVITY_IMPORT)
        self.assertContains(response, '<label for="id_jurisdiction">辖区代码</label>', html=True)
        self.assertContains(response, "碧海社区（520115001001）")
        self.assertNotContains(response, "金源社区")

        response = self.upload(ACTIVITY_IMPORT, activity_rows(1), ACTIVITY_HEADER, target=self.sibling)
        self.assertContains(response, "选择一个有效的选项")
        self.assertIsNone(response.context["plan"])
        self.assertEqual(self.staged_files(), [])

    def test_another_jurisdictions_code_in_the_file_is_refused(self):
        self.client.force_login(self.staff)
        response = self.upload(ACTIVITY_IMPORT, activity_rows(2, code="520115001002"), ACTIVITY_HEADER)
        self.assertContains(response, "发现 2 处错误")
        self.assertContains(response, "辖区代码“520115001002”不是所选辖区“碧海社区”或其下级辖区的代码")
        self.assertFalse(Activity.objects.exists())

    def test_a_user_who_may_not_record_is_refused(self):
        self.client.force_login(self.auditor)
        for url in (
            ACTIVITY_IMPORT,
            PETITION_IMPORT,
            reverse("activities:activity_register_template"),
            reverse("activities:petition_register_template"),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        response = self.upload(ACTIVITY_IMPORT, activity_rows(1), ACTIVITY_HEADER)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.post(ACTIVITY_CONFIRM, {"token": "x"}).status_code, 403)
        self.assertEqual(self.staged_files(), [])
        self.assertFalse(Activity.objects.exists())

    def test_a_staged_file_is_not_written_after_the_role_is_gone(self):
        self.client.force_login(self.staff)
        self.upload(ACTIVITY_IMPORT, activity_rows(3), ACTIVITY_HEADER)
        token = self.client.session[PAGES["activity"].session_key]["token"]
        # Another role elsewhere keeps the pages open, but not the community the file was staged for.
        make_jurisdiction("另一社区", code="520115009001").memberships.create(user=self.staff, role=Role.STAFF)
        Membership.objects.filter(user=self.staff, jurisdiction=self.community).delete()

        response = self.client.post(ACTIVITY_CONFIRM, {"token": token})

        self.assertContains(response, "请选择您可以录入记录的辖区（辖区代码）。")
        self.assertFalse(Activity.objects.exists())
        self.assertEqual(self.staged_files(), [])

    def test_a_token_from_another_preview_and_cancelling(self):
        self.client.force_login(self.staff)
        self.upload(ACTIVITY_IMPORT, activity_rows(3), ACTIVITY_HEADER)
        response = self.client.post(ACTIVITY_CONFIRM, {"token": "0" * 32})
        self.assertRedirects(response, ACTIVITY_IMPORT, fetch_redirect_response=False)
        self.assertFalse(Activity.objects.exists())

        self.upload(ACTIVITY_IMPORT, activity_rows(3), ACTIVITY_HEADER)
        response = self.client.post(ACTIVITY_CONFIRM, {"cancel": "1"})
        self.assertRedirects(response, ACTIVITY_IMPORT, fetch_redirect_response=False)
        self.assertEqual(self.staged_files(), [])
        self.assertFalse(Activity.objects.exists())

    def test_the_templates_hold_the_headers_the_importer_reads_and_import_as_they_are(self):
        self.client.force_login(self.staff)
        for kind, url, confirm in (
            ("activity", ACTIVITY_IMPORT, ACTIVITY_CONFIRM),
            ("petition", PETITION_IMPORT, PETITION_CONFIRM),
        ):
            with self.subTest(kind=kind):
                response = self.client.get(reverse(f"activities:{kind}_register_template"))
                data = b"".join(response.streaming_content)
                sheet = load_workbook(io.BytesIO(data)).worksheets[0]
                header = [cell.value for cell in next(sheet.iter_rows())]
                self.assertEqual(tuple(header), PAGES[kind].headers)
                response = self.client.post(
                    url, {"jurisdiction": self.community.pk, "file": SimpleUploadedFile("模板.xlsx", data)}
                )
                self.assertEqual(list(response.context["plan"].issues), [])
                self.assertContains(response, '<dd data-figure="new">2</dd>', html=True)
                self.client.post(confirm, {"token": response.context["token"]})
                model = Activity if kind == "activity" else Petition
                self.assertEqual(model.objects.filter(jurisdiction=self.community).count(), 2)

    def test_the_lists_link_to_the_import_for_those_who_record(self):
        for user, shown in ((self.staff, True), (self.auditor, False)):
            self.client.force_login(user)
            for list_url, import_url in (
                (reverse("activities:activity_list"), ACTIVITY_IMPORT),
                (reverse("activities:petition_list"), PETITION_IMPORT),
            ):
                with self.subTest(user=user.username, url=list_url):
                    response = self.client.get(list_url)
                    (self.assertContains if shown else self.assertNotContains)(response, f'href="{import_url}"')


class RegisterHostileUploadTests(HostileUploadCases, TestCase):
    """The upload limits of base.spreadsheets hold on the register pages too."""

    session_key = PAGES["petition"].session_key
    million_row_header = ("登记日期", "来访人")

    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("碧海社区", code="520115001001")
        cls.staff = make_member(cls.community, Role.STAFF, "bihai-staff")

    def setUp(self):
        self.client.force_login(self.staff)

    def upload(self, file):
        return self.client.post(PETITION_IMPORT, {"jurisdiction": self.community.pk, "file": file})

    def written(self):
        return Petition.objects.count()
