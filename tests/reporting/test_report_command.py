"""python manage.py work_report: writes the .docx, and says in Chinese what is wrong otherwise."""

import os
import subprocess
import sys
import tempfile
from io import BytesIO, StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase
from docx import Document

from tests.reporting.test_report_world import YEAR, bihai_world

ROOT = Path(__file__).resolve().parents[2]


class WorkReportCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.community = bihai_world()

    def run_command(self, *args):
        out = StringIO()
        call_command("work_report", *args, stdout=out)
        return out.getvalue()

    def test_writes_the_docx(self):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "report.docx"
            out = self.run_command("--jurisdiction", self.community.code, "--year", str(YEAR), "--output", str(target))
            self.assertIn("已生成《碧海社区民族团结进步创建工作情况汇报》（2026年）", out)
            text = "\n".join(p.text for p in Document(BytesIO(target.read_bytes())).paragraphs)
        self.assertIn("占常住人口总数的2.73%", text)
        self.assertIn("办结率97.2%", text)

    def test_range_of_months(self):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "h1.docx"
            self.run_command(
                "--jurisdiction",
                self.community.code,
                "--from",
                f"{YEAR}-01",
                "--to",
                f"{YEAR}-06",
                "--output",
                str(target),
            )
            text = "\n".join(p.text for p in Document(str(target)).paragraphs)
        self.assertIn("现将碧海社区2026年1月至2026年6月民族团结进步创建工作情况汇报如下", text)

    def test_errors_say_what_is_wrong(self):
        with tempfile.TemporaryDirectory() as tmp:
            good = str(Path(tmp) / "r.docx")
            cases = [
                (
                    ["--jurisdiction", "999999999999", "--year", "2026", "--output", good],
                    "找不到区划代码为 999999999999 的辖区",
                ),
                (
                    ["--jurisdiction", self.community.code, "--year", "26", "--output", good],
                    "统计期间有误：参数 year 应为四位年份",
                ),
                (
                    ["--jurisdiction", self.community.code, "--from", "2026-07", "--to", "2026-03", "--output", good],
                    "结束月份不能早于开始月份",
                ),
                (
                    ["--jurisdiction", self.community.code, "--output", str(Path(tmp) / "r.pdf")],
                    "输出文件应以 .docx 结尾",
                ),
                (
                    ["--jurisdiction", self.community.code, "--output", str(Path(tmp) / "no" / "r.docx")],
                    "输出目录不存在",
                ),
            ]
            for args, message in cases:
                with self.subTest(message=message), self.assertRaisesMessage(CommandError, message):
                    self.run_command(*args)
            self.assertFalse(Path(good).exists())

    def test_unwritable_output(self):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "taken.docx"
            target.mkdir()  # a directory where the file should go: writing it fails on every system
            with self.assertRaisesMessage(CommandError, "无法写入输出文件"):
                self.run_command("--jurisdiction", self.community.code, "--year", str(YEAR), "--output", str(target))


class WorkReportExitStatusTests(TestCase):
    """Run as a process: status 0 with a file written, status 1 and a Chinese message for an unknown code."""

    def test_exit_status(self):
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
                "DJANGO_SETTINGS_MODULE": "unity.settings",
                "DJANGO_MEDIA_ROOT": f"{tmp}/media",  # load_demo writes photos
            }
            manage = [sys.executable, str(ROOT / "manage.py")]
            subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True, timeout=300)
            bad = subprocess.run(
                [
                    *manage,
                    "work_report",
                    "--jurisdiction",
                    "520115001001",
                    "--year",
                    "2026",
                    "--output",
                    f"{tmp}/r.docx",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(bad.returncode, 1)
            self.assertIn("找不到区划代码为 520115001001 的辖区", bad.stderr)
            subprocess.run([*manage, "load_demo", "--force"], env=env, check=True, capture_output=True, timeout=300)
            good = subprocess.run(
                [
                    *manage,
                    "work_report",
                    "--jurisdiction",
                    "520115000000",
                    "--year",
                    "2026",
                    "--output",
                    f"{tmp}/r.docx",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(good.returncode, 0, good.stderr)
            self.assertTrue(Path(f"{tmp}/r.docx").stat().st_size > 10_000)
            text = "\n".join(p.text for p in Document(f"{tmp}/r.docx").paragraphs)
            self.assertIn("观山湖区创建全国民族团结进步示范区", text)
