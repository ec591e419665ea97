import io
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, TestCase
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from base.staging import STAGING_DIR, staging_dir
from communities.choices import Role
from communities.import_views import JURISDICTION_SESSION_KEY, SESSION_KEY
from communities.importers.census import census_import_plan
from communities.models import AuditEntry, GroupCount, Jurisdiction, PopulationRecord
from tests.base.hostile_cases import HostileUploadCases
from tests.factories import csv_bytes, make_member, make_population, make_tree, make_user, xlsx_bytes

WIDE = [
    ["区划代码", "地区名称", "常住人口", "汉族", "苗族"],
    ["520115001001", "街道1社区1", "1000", "900", "60"],
    ["520115001002", "街道1社区2", "500", "450", "50"],
]
# The header words the importer reads, as each downloadable template must start.
TEMPLATE_HEADERS = {
    "long": ["区划代码", "地区名称", "年份", "民族", "人数", "常住人口", "户数"],
    "wide": ["区划代码", "地区名称", "年份", "常住人口", "户数", "流动少数民族", "少数民族困难户（户）"],
    "single": ["民族", "人数", "男", "女"],
}
UPLOAD = reverse("communities:census_import")
CONFIRM = reverse("communities:census_import_confirm")


def upload(rows=WIDE, name="人口.csv", **fields):
    data = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows, "gbk")
    return {"file": SimpleUploadedFile(name, data), "year": "2024", "kind": "resident", "layout": "", **fields}


class CensusImportViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.admin = make_member(cls.district, Role.ADMIN, "district-admin")
        cls.street_admin = make_member(cls.streets[1], Role.ADMIN, "street2-admin")
        cls.leader = make_member(cls.district, Role.LEADER, "district-leader")
        cls.staff = make_member(cls.communities[0], Role.STAFF, "community-staff")

    def staged_files(self):
        directory = Path(settings.MEDIA_ROOT) / STAGING_DIR
        return sorted(directory.iterdir()) if directory.exists() else []

    def test_anonymous_users_are_sent_to_log_in(self):
        for url in (UPLOAD, reverse("communities:census_template", args=["long"])):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)
        response = self.client.post(CONFIRM)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_staff_and_leaders_are_forbidden(self):
        for user in (self.staff, self.leader, make_user()):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(UPLOAD).status_code, 403)
                self.assertEqual(self.client.post(CONFIRM).status_code, 403)

    def test_admin_sees_the_form_and_the_templates(self):
        self.client.force_login(self.admin)
        response = self.client.get(UPLOAD)
        self.assertContains(response, 'enctype="multipart/form-data"')
        for layout in ("long", "wide", "single"):
            self.assertContains(response, reverse("communities:census_template", args=[layout]))

    def test_preview_then_confirm_writes_and_reports(self):
        self.client.force_login(self.admin)
        response = self.client.post(UPLOAD, upload())
        self.assertContains(response, "确认导入")
        self.assertContains(response, 'data-status="new"', count=2)
        self.assertContains(response, '<dd data-figure="new">2</dd>', html=True)
        self.assertFalse(PopulationRecord.objects.exists())
        staged = self.client.session[SESSION_KEY]
        self.assertNotIn(staged["token"], response.request["PATH_INFO"])
        (staged_file,) = self.staged_files()
        self.assertEqual(staged_file.name, f"{staged['token']}.csv")

        response = self.client.post(CONFIRM, {"token": staged["token"]})
        self.assertRedirects(response, self.streets[0].get_absolute_url(), fetch_redirect_response=False)
        messages = [str(m) for m in response.wsgi_request._messages]
        self.assertEqual(messages, ["已导入：新增 2 条、修改 0 条、无变化 0 条"])
        self.assertEqual(GroupCount.objects.count(), 4)
        self.assertEqual(AuditEntry.objects.get().user, self.admin)
        self.assertEqual(self.staged_files(), [])
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_preview_shows_changes_of_existing_records(self):
        make_population(self.communities[0], 2024, {"汉族": 900, "苗族": 61, "瑶族": 2}, residents=1000)
        self.client.force_login(self.admin)
        response = self.client.post(UPLOAD, upload(name="人口.xlsx"))
        self.assertContains(response, 'data-status="changed"')
        self.assertContains(response, "苗族：61 → 60")
        self.assertContains(response, "删除 瑶族（2）")

    def test_an_admin_of_another_district_gets_row_errors_and_nothing_is_written(self):
        self.client.force_login(self.street_admin)
        response = self.client.post(UPLOAD, upload())
        self.assertNotContains(response, "确认导入")
        self.assertContains(response, "找不到区划代码为“520115001001”的辖区或您无权管理")
        issues = response.context["plan"].issues
        self.assertEqual([(i.row, i.column) for i in issues], [(2, "区划代码"), (3, "区划代码")])
        self.assertEqual(self.staged_files(), [])
        self.assertNotIn(SESSION_KEY, self.client.session)
        self.assertEqual(self.client.post(CONFIRM, {"token": "x"}).status_code, 302)
        self.assertFalse(PopulationRecord.objects.exists())

    def test_a_file_with_errors_shows_them_in_a_table(self):
        self.client.force_login(self.admin)
        rows = [*WIDE, ["520115002001", "", "10", "abc", "-1"]]
        response = self.client.post(UPLOAD, upload(rows))
        self.assertContains(response, "发现 2 处错误")
        self.assertContains(response, "<td>“abc”不是数字：请填写整数人数，没有可留空或填0。</td>", html=True)
        self.assertContains(response, 'class="error-row"', count=2)
        self.assertEqual(self.staged_files(), [])

    def test_more_than_200_errors_list_200_and_count_the_rest(self):
        self.client.force_login(self.admin)
        rows = [WIDE[0], *[[f"5201159{n:05d}", "", "1", "", "1", "", ""] for n in range(250)]]
        response = self.client.post(UPLOAD, upload(rows))
        self.assertContains(response, "发现 250 处错误")
        self.assertContains(response, 'class="error-row"', count=200)
        self.assertContains(response, "只列出前 200 处错误，另有 50 处未列出。")
        self.assertEqual(self.staged_files(), [])

    def test_a_stale_or_missing_staging_file_asks_to_upload_again(self):
        self.client.force_login(self.admin)
        self.client.post(UPLOAD, upload())
        token = self.client.session[SESSION_KEY]["token"]
        for staged_file in self.staged_files():
            staged_file.unlink()
        response = self.client.post(CONFIRM, {"token": token}, follow=True)
        self.assertRedirects(response, UPLOAD)
        self.assertContains(response, "请重新上传")
        self.assertFalse(PopulationRecord.objects.exists())

    def test_a_preview_from_another_tab_is_not_confirmed(self):
        self.client.force_login(self.admin)
        self.client.post(UPLOAD, upload())
        first = self.client.session[SESSION_KEY]["token"]
        self.client.post(UPLOAD, upload(name="other.csv"))
        self.assertEqual(len(self.staged_files()), 1)
        response = self.client.post(CONFIRM, {"token": first}, follow=True)
        self.assertContains(response, "请重新上传")
        self.assertFalse(PopulationRecord.objects.exists())

    def test_confirm_only_accepts_post(self):
        self.client.force_login(self.admin)
        self.assertEqual(self.client.get(CONFIRM).status_code, 405)

    def test_an_unchanged_file_has_nothing_to_confirm(self):
        self.client.force_login(self.admin)
        self.client.post(UPLOAD, upload())
        self.client.post(CONFIRM, {"token": self.client.session[SESSION_KEY]["token"]})
        response = self.client.post(UPLOAD, upload())
        self.assertContains(response, "无需导入")
        self.assertNotContains(response, "确认导入")
        self.assertEqual(self.staged_files(), [])

    def test_an_oversized_file_is_refused_by_the_form(self):
        self.client.force_login(self.admin)
        with self.settings(SPREADSHEET_LIMITS={"max_file_bytes": 10}):
            response = self.client.post(UPLOAD, upload())
        self.assertContains(response, "导入文件不能超过 0 MB")
        self.assertEqual(self.staged_files(), [])

    def test_cancel_removes_the_staged_file_and_writes_nothing(self):
        self.client.force_login(self.admin)
        self.client.post(UPLOAD, upload())
        self.assertEqual(len(self.staged_files()), 1)
        response = self.client.post(CONFIRM, {"cancel": "1"}, follow=True)
        self.assertRedirects(response, UPLOAD)
        self.assertContains(response, "已取消导入")
        self.assertEqual(self.staged_files(), [])
        self.assertNotIn(SESSION_KEY, self.client.session)
        self.assertFalse(PopulationRecord.objects.exists())

    def test_a_missing_year_names_the_form_field(self):
        self.client.force_login(self.admin)
        response = self.client.post(UPLOAD, upload(year=""))
        self.assertContains(response, "在上传页填写“年份”")
        self.assertNotContains(response, "--year")

    def test_a_single_jurisdiction_file_without_a_code_names_the_form_field(self):
        self.client.force_login(self.admin)
        response = self.client.post(UPLOAD, upload([["民族", "人数"], ["汉族", "10"]]))
        self.assertContains(response, "请在上传页填写“辖区代码”")
        self.assertNotContains(response, "--jurisdiction")

    def test_other_file_types_are_refused_by_the_form(self):
        self.client.force_login(self.admin)
        response = self.client.post(UPLOAD, {"file": SimpleUploadedFile("a.pdf", b"%PDF"), "kind": "resident"})
        self.assertContains(response, "只能上传 .xlsx 或 .csv 文件")

    def test_templates_are_valid_xlsx_with_the_expected_headers(self):
        self.client.force_login(self.admin)
        for layout, header in TEMPLATE_HEADERS.items():
            with self.subTest(layout=layout):
                response = self.client.get(reverse("communities:census_template", args=[layout]))
                self.assertEqual(response.status_code, 200)
                self.assertIn("attachment", response["Content-Disposition"])
                sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
                first = [cell.value for cell in sheet[1]]
                self.assertEqual(first[: len(header)], header)
        self.assertEqual(self.client.get("/imports/census/template/other.xlsx").status_code, 404)

    def test_each_template_imports_cleanly_once_filled(self):
        self.client.force_login(self.admin)
        for layout in ("long", "wide", "single"):
            with self.subTest(layout=layout):
                response = self.client.get(reverse("communities:census_template", args=[layout]))
                data = b"".join(response.streaming_content)
                response = self.client.post(
                    UPLOAD,
                    {
                        "file": SimpleUploadedFile("t.xlsx", data),
                        "kind": "resident",
                        "jurisdiction": "520115001001" if layout == "single" else "",
                        "year": "2024",
                    },
                )
                plan = response.context["plan"]
                # The examples name a community code that make_tree does have.
                self.assertEqual([str(i) for i in plan.issues], [])
                self.assertEqual(plan.layout, layout)

    def test_templates_keep_the_chinese_words_the_importer_reads_in_any_language(self):
        # A stand-in catalogue that translates every message, so no header can pass by lacking an English entry.
        def english(message):
            return f"EN-{message}"

        self.client.force_login(self.admin)
        for layout, header in TEMPLATE_HEADERS.items():
            with self.subTest(layout=layout):
                with translation.override("en"), mock.patch.object(translation._trans, "gettext", english):
                    response = self.client.get(reverse("communities:census_template", args=[layout]))
                    data = b"".join(response.streaming_content)
                sheet = load_workbook(io.BytesIO(data)).active
                # The stand-in did translate: the sheet's title is text for the reader.
                self.assertEqual(sheet.title, "EN-人口统计")
                self.assertEqual([cell.value for cell in sheet[1]][: len(header)], header)
                plan = census_import_plan(
                    file=data, filename="t.xlsx", year=2024, jurisdiction="520115001001" if layout == "single" else None
                )
                self.assertEqual([str(i) for i in plan.issues], [])
                # The example groups were read as groups: they add up to the example's 5000 residents.
                self.assertEqual([r.counted_total for r in plan.records], [5000])

    def test_the_admin_changelist_links_to_the_upload_page_and_jurisdictions_export(self):
        superuser = make_user(is_superuser=True, is_staff=True)
        self.client.force_login(superuser)
        response = self.client.get(reverse("admin:communities_populationrecord_changelist"))
        self.assertContains(response, UPLOAD)
        response = self.client.get(reverse("admin:communities_jurisdiction_changelist"))
        self.assertContains(response, reverse("admin:communities_jurisdiction_export"))
        self.assertEqual(self.client.get(reverse("admin:communities_jurisdiction_export")).status_code, 200)

    def test_the_jurisdiction_export_is_scoped_to_the_users_subtree(self):
        request = RequestFactory().get(reverse("admin:communities_jurisdiction_changelist"))
        request.user = self.street_admin
        model_admin = admin.site._registry[Jurisdiction]
        codes = set(model_admin.get_export_queryset(request).values_list("code", flat=True))
        self.assertEqual(codes, {"520115002000", "520115002001", "520115002002"})


class CensusHostileUploadTests(HostileUploadCases, TestCase):
    session_key = SESSION_KEY

    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.admin = make_member(cls.district, Role.ADMIN, "district-admin")

    def setUp(self):
        self.client.force_login(self.admin)

    def upload(self, file):
        return self.client.post(UPLOAD, {"file": file, "year": "2024", "kind": "resident", "layout": ""})

    def written(self):
        return PopulationRecord.objects.count() + GroupCount.objects.count()


JURISDICTION_UPLOAD = reverse("communities:jurisdiction_import")
JURISDICTION_CONFIRM = reverse("communities:jurisdiction_import_confirm")
TREE_FILE = [
    ["辖区代码表"],
    ["代码", "名称", "级别", "上级代码"],
    ["520115001003", "街道1社区3", "社区", ""],
    ["520115001001", "碧海社区", "社区", ""],
    ["520115001002", "街道1社区2", "社区", ""],
    ["520115002003", "街道2社区3", "社区", "520115002000"],
]


def tree_upload(rows=TREE_FILE, name="辖区.xlsx"):
    data = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows, "gbk")
    return {"file": SimpleUploadedFile(name, data)}


class JurisdictionImportViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.admin = make_member(cls.district, Role.ADMIN, "district-admin")
        cls.street_admin = make_member(cls.streets[0], Role.ADMIN, "street1-admin")
        cls.leader = make_member(cls.district, Role.LEADER, "district-leader")

    def staged_files(self):
        directory = staging_dir()
        return sorted(directory.iterdir()) if directory.exists() else []

    def test_only_administrators_reach_the_page(self):
        response = self.client.get(JURISDICTION_UPLOAD)
        self.assertRedirects(response, f"{reverse('login')}?next={JURISDICTION_UPLOAD}", fetch_redirect_response=False)
        self.client.force_login(self.leader)
        self.assertEqual(self.client.get(JURISDICTION_UPLOAD).status_code, 403)
        self.assertEqual(self.client.post(JURISDICTION_CONFIRM).status_code, 403)
        self.client.force_login(self.admin)
        self.assertContains(self.client.get(JURISDICTION_UPLOAD), 'enctype="multipart/form-data"')

    def test_the_navigation_and_the_admin_link_to_it_for_administrators_only(self):
        self.client.force_login(self.admin)
        self.assertContains(self.client.get(reverse("home")), JURISDICTION_UPLOAD)
        self.client.force_login(self.leader)
        self.assertNotContains(self.client.get(reverse("home")), JURISDICTION_UPLOAD)
        self.client.force_login(make_user(is_superuser=True, is_staff=True))
        self.assertContains(self.client.get(reverse("admin:communities_jurisdiction_changelist")), JURISDICTION_UPLOAD)

    def test_preview_shows_new_and_changed_places_then_confirm_writes_all_and_audits(self):
        self.client.force_login(self.admin)
        response = self.client.post(JURISDICTION_UPLOAD, tree_upload())
        self.assertContains(response, '<dd data-figure="new">2</dd>', html=True)
        self.assertContains(response, '<dd data-figure="changed">1</dd>', html=True)
        self.assertContains(response, '<dd data-figure="unchanged">1</dd>', html=True)
        self.assertContains(response, 'data-status="new"', count=2)
        self.assertContains(response, "名称：街道1社区1 → 碧海社区")
        self.assertFalse(Jurisdiction.objects.filter(code="520115001003").exists())
        token = self.client.session[JURISDICTION_SESSION_KEY]["token"]
        self.assertEqual(len(self.staged_files()), 1)

        response = self.client.post(JURISDICTION_CONFIRM, {"token": token})
        self.assertRedirects(response, reverse("communities:jurisdiction_tree"), fetch_redirect_response=False)
        self.assertEqual(Jurisdiction.objects.get(code="520115001003").parent, self.streets[0])
        self.assertEqual(Jurisdiction.objects.get(code="520115002003").parent, self.streets[1])
        self.assertEqual(Jurisdiction.objects.get(code="520115001001").name, "碧海社区")
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.user, entry.jurisdiction), (self.admin, self.district))
        self.assertEqual(self.staged_files(), [])
        self.assertNotIn(JURISDICTION_SESSION_KEY, self.client.session)

    def test_a_file_with_an_error_writes_nothing_and_lists_it(self):
        self.client.force_login(self.admin)
        rows = [*TREE_FILE, ["52011500200X", "坏代码", "社区", ""], ["520115002004", "", "社区", ""]]
        response = self.client.post(JURISDICTION_UPLOAD, tree_upload(rows, name="辖区.csv"))
        self.assertContains(response, "发现 2 处错误，未导入任何数据")
        self.assertContains(response, "代码“52011500200X”格式不对")
        self.assertContains(response, "名称为空")
        self.assertNotContains(response, "确认导入")
        self.assertEqual(self.staged_files(), [])
        self.assertEqual(Jurisdiction.objects.count(), 7)

    def test_an_administrator_imports_only_inside_their_subtree(self):
        self.client.force_login(self.street_admin)
        response = self.client.post(JURISDICTION_UPLOAD, tree_upload())
        self.assertContains(response, "上级辖区“520115002000”不在您管理的范围内")
        self.assertNotContains(response, "确认导入")
        rows = [TREE_FILE[1], ["520115002001", "改名", "社区", ""], ["520116000000", "新区", "区县", ""]]
        response = self.client.post(JURISDICTION_UPLOAD, tree_upload(rows))
        self.assertContains(response, "代码“520115002001”属于您无权管理的辖区")
        self.assertContains(response, "新辖区“520116000000”没有上级")
        self.assertEqual(Jurisdiction.objects.count(), 7)
        self.assertEqual(self.staged_files(), [])
        response = self.client.post(JURISDICTION_UPLOAD, tree_upload([TREE_FILE[1], TREE_FILE[2]]))
        token = self.client.session[JURISDICTION_SESSION_KEY]["token"]
        self.client.post(JURISDICTION_CONFIRM, {"token": token})
        self.assertEqual(Jurisdiction.objects.get(code="520115001003").parent, self.streets[0])

    def test_cancel_and_a_stale_token_write_nothing_and_remove_the_file(self):
        self.client.force_login(self.admin)
        self.client.post(JURISDICTION_UPLOAD, tree_upload())
        response = self.client.post(JURISDICTION_CONFIRM, {"token": "0" * 32}, follow=True)
        self.assertContains(response, "请重新上传")
        self.assertEqual(self.staged_files(), [])
        self.client.post(JURISDICTION_UPLOAD, tree_upload())
        response = self.client.post(JURISDICTION_CONFIRM, {"cancel": "1"}, follow=True)
        self.assertContains(response, "已取消导入")
        self.assertEqual(self.staged_files(), [])
        self.assertEqual(Jurisdiction.objects.count(), 7)
        self.assertFalse(AuditEntry.objects.exists())

    def test_a_file_the_tree_already_matches_has_nothing_to_confirm(self):
        self.client.force_login(self.admin)
        rows = [["代码", "名称", "级别"], ["520115001001", "街道1社区1", "社区"]]
        response = self.client.post(JURISDICTION_UPLOAD, tree_upload(rows))
        self.assertContains(response, "无需导入")
        self.assertEqual(self.staged_files(), [])


class JurisdictionHostileUploadTests(HostileUploadCases, TestCase):
    session_key = JURISDICTION_SESSION_KEY
    million_row_header = ("代码", "名称")

    @classmethod
    def setUpTestData(cls):
        cls.district, _streets, _communities = make_tree()
        cls.admin = make_member(cls.district, Role.ADMIN, "district-admin")

    def setUp(self):
        self.client.force_login(self.admin)

    def upload(self, file):
        return self.client.post(JURISDICTION_UPLOAD, {"file": file})

    def written(self):
        return Jurisdiction.objects.count()
