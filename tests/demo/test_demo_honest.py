"""An honest demo: its data keeps every default validation rule, and no rate it shows passes 100%."""

import io
import re
import shutil
import tempfile
from datetime import date

from django.core.management import call_command
from django.test import TestCase, override_settings

from activities.models import Activity, MonthlyReturn, MonthlyValue, Petition
from base.periods import year_period
from communities.models import Jurisdiction
from demo.demo import TREE, load_demo
from reporting.report import build_report
from reporting.selectors import jurisdiction_dashboard

TODAY = date(2026, 12, 2)
TOP = TREE[0][0]
RATE_IN_TEXT = re.compile(r"率(\d+(?:\.\d+)?)%")


def _rates(data, path=""):
    """Yield (path, value) for every rate or share in the JSON, at any depth."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (int, float)) and ("rate" in key or "share" in key):
                yield f"{path}.{key}", value
            else:
                yield from _rates(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _rates(item, f"{path}[{i}]")


MEDIA = tempfile.mkdtemp(prefix="demo-honest-media-")


# load_demo writes photos; setUpTestData runs before the per-test MEDIA_ROOT of tests/conftest.py applies.
@override_settings(MEDIA_ROOT=MEDIA)
class HonestDemoTests(TestCase):
    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    @classmethod
    def setUpTestData(cls):
        load_demo(today=TODAY)
        cls.years = sorted(
            {d.year for d in MonthlyReturn.objects.values_list("month", flat=True)}
            | {d.year for d in Petition.objects.values_list("received_on", flat=True)}
            | {d.year for d in Activity.objects.values_list("date", flat=True)}
        )

    def test_the_validation_report_finds_nothing_in_any_year(self):
        self.assertGreaterEqual(len(self.years), 2)
        self.assertTrue(MonthlyValue.objects.filter(figure__code="hotline_handled").exists())
        for year in self.years:
            with self.subTest(year=year):
                out, err = io.StringIO(), io.StringIO()
                try:
                    call_command(
                        "validation_report", "--jurisdiction", TOP, "--year", str(year), stdout=out, stderr=err
                    )
                except SystemExit as exc:
                    self.fail(f"exit {exc.code}:\n{out.getvalue()}")
                self.assertIn("没有不符合校验规则的数据", out.getvalue())

    def test_no_rate_passes_100_in_any_dashboard_json_or_report(self):
        for code, name, _level, _parent in TREE:
            place = Jurisdiction.objects.get(code=code)
            for year in self.years:
                with self.subTest(place=name, year=year):
                    board = jurisdiction_dashboard(jurisdiction=place, period=year_period(year), today=TODAY)
                    over = [(path, v) for path, v in _rates(board.as_dict()) if v is not None and v > 100]
                    self.assertEqual(over, [])
                    text = build_report(board).text
                    self.assertEqual([r for r in RATE_IN_TEXT.findall(text) if float(r) > 100], [])
