"""The one Excel writer: no text becomes a formula in any export, types are kept, exports are bounded and streamed."""

import re
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.http import FileResponse
from django.test import SimpleTestCase, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.worksheet import _writer as openpyxl_writer

from activities.choices import ReturnStatus
from activities.models import (
    Activity,
    ActivityCategory,
    CreationPlan,
    EvidenceFile,
    Indicator,
    MonthlyReturn,
    Petition,
    Project,
    ProjectFunding,
    Responsibility,
)
from base.exports import (
    FORMULA_TRIGGERS,
    Column,
    ExportTooLarge,
    Sheet,
    column_rows,
    plain,
    xlsx_bytes,
    xlsx_response,
)
from communities.admin import JurisdictionAdmin
from communities.choices import Role
from communities.models import Jurisdiction
from communities.resources import JurisdictionResource, SafeXLSX
from reporting.report.ledger import build_ledger
from tests.activities.factories_activities import make_activity, make_project
from tests.activities.factories_petitions import make_petition
from tests.activities.factories_plans import make_indicator, make_plan, make_responsibility, make_return
from tests.factories import make_member, make_tree

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(1)", "\t=1", "\r=1"]
MEDIA = tempfile.mkdtemp(prefix="exports-media-")


def _normal(text):
    # XML turns a carriage return into a line feed when it is read back.
    return text.replace("\r", "\n") if isinstance(text, str) else text


def workbook_cells(test, data):
    """Check that no sheet of the .xlsx `data` holds a formula; return {sheet title: [rows of cells]}."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                test.assertIsNone(re.search(r"<f[ >/]", archive.read(name).decode()), name)
    workbook = load_workbook(BytesIO(data))
    sheets = {}
    for sheet in workbook:
        rows = [list(row) for row in sheet.iter_rows()]
        for row in rows:
            for cell in row:
                test.assertNotEqual(cell.data_type, "f", cell.coordinate)
                if isinstance(cell.value, str) and _normal(cell.value).startswith(("=", "+", "-", "@", "\t", "\n")):
                    test.assertEqual(cell.data_type, "s", (sheet.title, cell.coordinate, cell.value))
        sheets[sheet.title] = rows
    return sheets


def column_values(rows, header):
    """Return the values under `header` (in the first row that holds it)."""
    for i, row in enumerate(rows):
        titles = [c.value for c in row]
        if header in titles:
            index = titles.index(header)
            return [r[index].value for r in rows[i + 1 :] if len(r) > index]
    raise AssertionError(f"no column {header}")


class WriterTests(SimpleTestCase):
    def test_every_trigger_is_written_as_text_with_a_quote_prefix(self):
        data = xlsx_bytes([Sheet(title="t", headers=["a"], rows=[[p] for p in [*PAYLOADS, "=1+1", "普通文字"]])])
        rows = workbook_cells(self, data)["t"]
        self.assertEqual([_normal(r[0].value) for r in rows[1:]], [_normal(p) for p in PAYLOADS] + ["=1+1", "普通文字"])
        self.assertTrue(all(r[0].quotePrefix for r in rows[1:-1]))
        self.assertFalse(rows[-1][0].quotePrefix)
        self.assertEqual(set(FORMULA_TRIGGERS), {"=", "+", "-", "@", "\t", "\r"})

    def test_numbers_stay_numbers_and_dates_stay_dates(self):
        moment = datetime(2024, 5, 1, 2, 30, tzinfo=ZoneInfo("UTC"))
        data = xlsx_bytes(
            [Sheet(title="t", headers=["n"], rows=[[1, 2.5, Decimal("3.25"), -4, date(2024, 5, 1), moment]])]
        )
        [row] = [[c.value for c in r] for r in workbook_cells(self, data)["t"][1:]]
        self.assertEqual(row[:5], [1, 2.5, 3.25, -4, datetime(2024, 5, 1)])
        self.assertEqual(row[5], datetime(2024, 5, 1, 10, 30))  # Asia/Shanghai wall-clock time

    def test_control_characters_are_dropped_not_a_server_error(self):
        self.assertEqual(plain("a\x00b\x0bc"), "abc")
        self.assertEqual(plain(None), None)
        self.assertEqual(plain(True), True)

    @override_settings(EXPORT_MAX_ROWS=3)
    def test_a_sheet_over_the_limit_is_refused_with_a_chinese_message(self):
        temporary = set(openpyxl_writer.ALL_TEMP_FILES)
        with self.assertRaises(ExportTooLarge) as refusal:
            xlsx_response(filename="x.xlsx", sheet_title="t", headers=["a"], rows=([n] for n in range(4)))
        self.assertEqual(set(openpyxl_writer.ALL_TEMP_FILES), temporary)  # the half-written sheet is deleted
        self.assertIn("超过 3 行的上限", refusal.exception.message)
        response = xlsx_response(filename="x.xlsx", sheet_title="t", headers=["a"], rows=([n] for n in range(3)))
        self.assertIsInstance(response, FileResponse)  # streamed from a temporary file, not built in memory
        self.assertEqual(len(workbook_cells(self, response.getvalue())["t"]), 4)

    def test_columns_are_declared_once_for_headers_and_values(self):
        columns = [Column("名称", lambda o: o["name"]), Column("人数", lambda o: o["n"], 8)]
        self.assertEqual(list(column_rows([{"name": "甲", "n": 3}], columns)), [["甲", 3]])
        self.assertEqual([c.column_width() for c in columns], [10, 8])


@override_settings(MEDIA_ROOT=MEDIA)
class EveryExportTests(TestCase):
    """Each payload goes into every text field an export writes; the downloaded file has no formula."""

    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.home = cls.communities[0]
        cls.admin = make_member(cls.district, Role.ADMIN, "export-admin")
        cls.activity = make_activity(cls.home, date(2024, 5, 10), title="宣讲", place="广场", organiser="居委会")
        cls.activity.created_by = cls.admin
        cls.activity.save()
        cls.petition = make_petition(cls.home, assigned_department="城建办", outcome_text="已解决")
        cls.project = make_project(cls.home, [("enterprise", "10")], summary="简介")
        cls.plan = make_plan(cls.home, title="方案")
        cls.parent_indicator = make_indicator(cls.plan, code="1", title="一级")
        cls.indicator = make_indicator(cls.plan, code="1.1", title="二级", parent=cls.parent_indicator)
        cls.responsibility = make_responsibility(cls.indicator, target="目标", note="进展")
        cls.activity.indicators.add(cls.indicator)
        make_return(cls.home, date(2024, 5, 1), status=ReturnStatus.RETURNED, return_reason="理由")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self):
        self.client.force_login(self.admin)

    def fill(self, payload):
        """Write `payload` into every text field the exports read."""
        Jurisdiction.objects.filter(pk__in=[self.home.pk, self.streets[0].pk, self.district.pk]).update(name=payload)
        ActivityCategory.objects.filter(pk=self.activity.category_id).update(name=payload)
        Activity.objects.filter(pk=self.activity.pk).update(
            title=payload, place=payload, organiser=payload, summary=payload
        )
        get_user_model().objects.filter(pk=self.admin.pk).update(first_name=payload)
        Petition.objects.filter(pk=self.petition.pk).update(
            summary=payload, assigned_department=payload, outcome_text=payload, petitioner_name=payload
        )
        Project.objects.filter(pk=self.project.pk).update(name=payload, summary=payload)
        ProjectFunding.objects.filter(project=self.project).update(funder=payload)
        CreationPlan.objects.filter(pk=self.plan.pk).update(title=payload, target_title=payload)
        Indicator.objects.filter(pk__in=[self.indicator.pk, self.parent_indicator.pk]).update(title=payload)
        Responsibility.objects.filter(pk=self.responsibility.pk).update(
            lead_department=payload,
            cooperating_departments=payload,
            responsible_person=payload,
            target=payload,
            note=payload,
        )
        MonthlyReturn.objects.update(return_reason=payload)

    def download(self, url, **params):
        response = self.client.get(url, {**params, "format": "xlsx"})
        self.assertEqual(response.status_code, 200)
        self.assertIsInstance(response, FileResponse)
        return response.getvalue()

    def list_exports(self):
        return {
            "activities": (
                reverse("activities:activity_list"),
                {},
                ["辖区", "类别", "活动名称", "地点", "组织单位", "活动简介"],
            ),
            "petitions": (reverse("activities:petition_list"), {}, ["辖区", "主要诉求", "承办部门", "办理结果"]),
            "projects": (reverse("activities:project_list"), {}, ["辖区", "项目名称", "出资方", "项目简介"]),
            "plans": (reverse("activities:plan_list"), {}, ["方案名称", "辖区", "创建目标"]),
            "responsibilities": (
                reverse("activities:responsibility_list", args=[self.plan.pk]),
                {},
                ["一级指标", "二级指标", "牵头部门", "配合部门", "责任人", "工作目标", "进展说明"],
            ),
            "memberships": (reverse("communities:membership_list"), {}, ["辖区"]),
            "monthly": (
                reverse("activities:monthly_list"),
                {"month": "2024-05", "jurisdiction": self.streets[0].code},
                ["上级辖区", "辖区", "退回理由"],
            ),
        }

    def test_no_text_field_of_any_list_export_becomes_a_formula(self):
        for payload in PAYLOADS:
            self.fill(payload)
            for name, (url, params, headers) in self.list_exports().items():
                with self.subTest(payload=payload, export=name):
                    # The first sheet holds the rows; a list may add a summary after it (projects do).
                    rows = next(iter(workbook_cells(self, self.download(url, **params)).values()))
                    for header in headers:
                        self.assertIn(_normal(payload), [_normal(v) for v in column_values(rows, header)], header)

    def test_the_ledger_indexes_have_no_formula(self):
        evidence = EvidenceFile(indicator=self.indicator, responsibility=self.responsibility, title="材料")
        evidence.file.save("a.pdf", ContentFile(b"%PDF-1.4"), save=False)
        evidence.save()
        for payload in PAYLOADS:
            self.fill(payload)
            EvidenceFile.objects.filter(pk=evidence.pk).update(title=payload)
            with self.subTest(payload=payload):
                archive = zipfile.ZipFile(build_ledger(plan=self.plan, user=self.admin))
                indexes = [n for n in archive.namelist() if n.endswith(".xlsx")]
                self.assertTrue(any(n.endswith("索引.xlsx") for n in indexes))
                seen = []
                for name in indexes:
                    for rows in workbook_cells(self, archive.read(name)).values():
                        seen += [_normal(c.value) for row in rows for c in row]
                # The activity's title, place, organiser, category and jurisdiction, the evidence title and its
                # responsibility's department, and the indicator titles in the table of contents.
                self.assertGreaterEqual(seen.count(_normal(payload)), 9)

    def test_templates_have_no_formula(self):
        workbook_cells(self, self.client.get(reverse("activities:indicator_template")).getvalue())
        for layout in ("long", "wide", "single"):
            with self.subTest(layout=layout):
                response = self.client.get(reverse("communities:census_template", args=[layout]))
                self.assertEqual(response.status_code, 200)
                workbook_cells(self, response.getvalue())


class AdminExportTests(TestCase):
    def test_the_admin_exports_jurisdictions_only_through_the_one_writer(self):
        self.assertEqual(JurisdictionAdmin(Jurisdiction, admin.site).get_export_formats(), [SafeXLSX])
        district, _streets, _communities = make_tree()
        for payload in PAYLOADS:
            Jurisdiction.objects.filter(pk=district.pk).update(name=payload)
            with self.subTest(payload=payload):
                dataset = JurisdictionResource().export(queryset=Jurisdiction.objects.all())
                [rows] = workbook_cells(self, SafeXLSX().export_data(dataset)).values()
                self.assertIn(_normal(payload), [_normal(v) for v in column_values(rows, "名称")])


class ExportScaleTests(TestCase):
    """An export's query count does not grow with its rows; over the limit it is refused before any file is made."""

    @classmethod
    def setUpTestData(cls):
        cls.district, cls.streets, cls.communities = make_tree()
        cls.home, cls.sibling = cls.communities[0], cls.communities[1]
        cls.staff = make_member(cls.home, Role.STAFF)
        cls.plan = make_plan(cls.home)

    def setUp(self):
        self.client.force_login(self.staff)

    def make_rows(self, total):
        Activity.objects.all().delete()
        Petition.objects.all().delete()
        Project.objects.all().delete()
        indicator = make_indicator(self.plan)
        for n in range(total):
            activity = make_activity(self.home, date(2024, 5, 1 + n % 28), title=f"活动{n}")
            activity.indicators.add(indicator)
            make_petition(self.home, summary=f"诉求{n}", history=False)
            make_project(self.home, fundings=[("central", "10")])
            make_responsibility(indicator)
        make_activity(self.sibling, date(2024, 5, 2), title="别人的活动")

    def export_queries(self, url):
        self.client.force_login(self.staff)  # a fresh user object, so its memberships are read both times
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url, {"format": "xlsx"})
            data = response.getvalue()
        return len(queries), data

    def test_query_count_is_the_same_for_3_and_30_rows(self):
        urls = [
            reverse("activities:activity_list"),
            reverse("activities:petition_list"),
            reverse("activities:project_list"),
            reverse("activities:plan_list"),
            reverse("activities:responsibility_list", args=[self.plan.pk]),
        ]
        counts = {url: [] for url in urls}
        for total in (3, 30):
            self.make_rows(total)
            for url in urls:
                queries, data = self.export_queries(url)
                counts[url].append(queries)
                if url == urls[0]:
                    titles = [r[4] for r in load_workbook(BytesIO(data)).active.iter_rows(min_row=2, values_only=True)]
                    self.assertEqual(len(titles), total)
                    self.assertNotIn("别人的活动", titles)
        for url, (small, large) in counts.items():
            with self.subTest(url=url):
                self.assertEqual(small, large)
                with self.assertNumQueries(large):
                    self.client.get(url, {"format": "xlsx"}).getvalue()

    @override_settings(EXPORT_MAX_ROWS=2)
    def test_an_export_over_the_limit_goes_back_to_the_list_with_a_message(self):
        self.make_rows(3)
        url = reverse("activities:activity_list")
        response = self.client.get(url, {"month": "2024-05", "format": "xlsx"}, follow=True)
        self.assertEqual(response.redirect_chain, [(f"{url}?month=2024-05", 302)])
        self.assertContains(response, "超过 2 行的上限")
        narrowed = self.client.get(url, {"date_to": "2024-05-02", "format": "xlsx"})
        self.assertIsInstance(narrowed, FileResponse)
