"""The .docx itself: GB/T 9704 page and fonts, read back with python-docx, and rendered by LibreOffice."""

import os
import shutil
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path
from unittest import skipIf

from django.test import TestCase
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from base.periods import year_period
from communities.models import Jurisdiction
from demo.demo import load_demo
from reporting.report import work_report
from reporting.report.content import DATE, HEADING, SIGNATURE, SUBHEADING, TITLE, title_lines
from reporting.report.docx import docx_bytes
from tests.reporting.test_report_world import TODAY, YEAR, bihai_world, street_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "report"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")

# Machines without the official fonts: let LibreOffice draw 仿宋/楷体/小标宋 with Noto Serif, 黑体 with Noto Sans.
FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <match target="pattern"><test name="family"><string>方正小标宋简体</string></test>
    <edit name="family" mode="assign" binding="strong"><string>Noto Serif CJK SC</string></edit>
    <edit name="weight" mode="assign" binding="strong"><const>bold</const></edit></match>
  <alias binding="same"><family>仿宋_GB2312</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>楷体_GB2312</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
</fontconfig>
"""


def east_asian(run):
    rpr = run._element.rPr
    return rpr.rFonts.get(qn("w:eastAsia")) if rpr is not None and rpr.rFonts is not None else None


def read(content):
    return Document(BytesIO(docx_bytes(content)))


class DocxLayoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        street = street_world()
        cls.content = work_report(jurisdiction=street, period=year_period(YEAR), today=TODAY)
        cls.document = read(cls.content)
        cls.paragraphs = cls.document.paragraphs
        cls.by_kind = {}
        blocks = iter(cls.content.blocks)
        # Paragraph 0 is the title, 1 the blank line after it; then one paragraph per block.
        cls.by_kind[TITLE] = [cls.paragraphs[0]]
        for paragraph in cls.paragraphs[2:]:
            cls.by_kind.setdefault(next(blocks).kind, []).append(paragraph)

    def test_a4_page_and_gbt_9704_margins(self):
        section = self.document.sections[0]
        for name, value, mm in [
            ("page_width", section.page_width, 210),
            ("page_height", section.page_height, 297),
            ("top_margin", section.top_margin, 37),
            ("bottom_margin", section.bottom_margin, 35),
            ("left_margin", section.left_margin, 28),
            ("right_margin", section.right_margin, 26),
        ]:
            with self.subTest(name=name):
                self.assertAlmostEqual(value.mm, mm, delta=0.05)

    def test_text_is_the_contents_text(self):
        self.assertEqual(self.paragraphs[0].text.replace("\n", ""), self.content.title)
        self.assertEqual(self.paragraphs[1].text, "")
        self.assertEqual([p.text for p in self.paragraphs[2:]], [b.text for b in self.content.blocks])
        headings = [p.text for p in self.by_kind[HEADING]]
        self.assertEqual(
            headings, ["一、基本情况", "二、工作开展情况", "三、工作措施", "四、存在问题", "五、下一步工作打算"]
        )

    def test_title_font_size_and_centring(self):
        title = self.paragraphs[0]
        self.assertEqual(title.alignment, WD_ALIGN_PARAGRAPH.CENTER)
        for run in title.runs:
            self.assertEqual(east_asian(run), "方正小标宋简体")
            self.assertEqual(run.font.size, Pt(22))
        self.assertEqual(title.text, "中华街道创建民族团结进步示范街道\n工作情况汇报")

    def test_body_headings_and_subheadings(self):
        expected = {"body": "仿宋_GB2312", HEADING: "黑体", SUBHEADING: "楷体_GB2312", SIGNATURE: "仿宋_GB2312"}
        for kind, font in expected.items():
            for paragraph in self.by_kind[kind]:
                with self.subTest(kind=kind, text=paragraph.text[:12]):
                    fmt = paragraph.paragraph_format
                    self.assertEqual(fmt.line_spacing_rule, WD_LINE_SPACING.EXACTLY)
                    self.assertEqual(fmt.line_spacing, Pt(28))
                    for run in paragraph.runs:
                        self.assertEqual(east_asian(run), font)
                        self.assertEqual(run.font.name, font)
                        self.assertEqual(run.font.size, Pt(16))
        for kind in ("body", HEADING, SUBHEADING):
            for paragraph in self.by_kind[kind]:
                with self.subTest(indent=kind, text=paragraph.text[:12]):
                    self.assertEqual(paragraph.paragraph_format.first_line_indent, Pt(32))
                    self.assertEqual(paragraph._p.pPr.ind.get(qn("w:firstLineChars")), "200")
        for kind in (HEADING, SUBHEADING):
            self.assertTrue(all(p.paragraph_format.keep_with_next for p in self.by_kind[kind]))
        self.assertEqual(self.by_kind[DATE][0].alignment, WD_ALIGN_PARAGRAPH.RIGHT)
        self.assertEqual(self.by_kind[DATE][0].text, "2026年11月23日")

    def test_every_run_has_an_east_asian_font(self):
        section = self.document.sections[0]
        runs = [run for p in self.paragraphs for run in p.runs]
        runs += [run for p in section.footer.paragraphs + section.even_page_footer.paragraphs for run in p.runs]
        self.assertTrue(runs)
        self.assertEqual([r.text for r in runs if not east_asian(r)], [])

    def test_footer_page_number_field_odd_right_even_left(self):
        section = self.document.sections[0]
        self.assertTrue(self.document.settings.odd_and_even_pages_header_footer)
        for footer, align in [
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ]:
            paragraph = footer.paragraphs[0]
            xml = paragraph._p.xml
            self.assertIn('w:fldCharType="begin"', xml)
            self.assertIn("PAGE", "".join(t.text for t in paragraph._p.iter(qn("w:instrText"))))
            self.assertIn('w:fldCharType="end"', xml)
            self.assertEqual(paragraph.text, "— 1 —")
            self.assertEqual(paragraph.alignment, align)
            for run in paragraph.runs:
                self.assertEqual(east_asian(run), "宋体")
                self.assertEqual(run.font.size, Pt(14))

    def test_long_titles_break_before_the_document_kind(self):
        self.assertEqual(
            title_lines("观山湖区创建全国民族团结进步示范区工作情况汇报"),
            ["观山湖区创建全国民族团结进步示范区", "工作情况汇报"],
        )
        self.assertEqual(title_lines("碧海社区民族团结进步创建工作情况汇报"), ["碧海社区民族团结进步创建工作情况汇报"])

    def test_empty_jurisdiction_still_makes_a_document(self):
        place = Jurisdiction.objects.create(name="空白社区", level="community", code="520199009001")
        document = read(work_report(jurisdiction=place, period=year_period(YEAR), today=TODAY))
        texts = [p.text for p in document.paragraphs]
        self.assertIn("一、基本情况", texts)
        self.assertNotIn("None", "".join(texts))


def render(docx_path, outdir):
    """Convert with LibreOffice headless to PDF, then page 1 to PNG; return (pdf, png)."""
    home = Path(outdir) / "home"
    home.mkdir()
    fonts = Path(outdir) / "fonts.conf"
    fonts.write_text(FONTCONFIG, encoding="utf-8")
    env = {**os.environ, "HOME": str(home), "FONTCONFIG_FILE": str(fonts)}
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{home}/lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx_path),
        ],
        check=True,
        env=env,
        timeout=180,
        capture_output=True,
    )
    pdf = Path(outdir) / (Path(docx_path).stem + ".pdf")
    prefix = Path(outdir) / "page"
    subprocess.run(
        [PDFTOPPM, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
        check=True,
        timeout=60,
        capture_output=True,
    )
    return pdf, prefix.with_suffix(".png")


@skipIf(
    SOFFICE is None or PDFTOPPM is None,
    "LibreOffice (soffice) or pdftoppm is not installed: run `make test`, "
    "whose scripts/ensure_system_packages.sh installs libreoffice-writer-nogui and poppler-utils",
)
class DocxRenderingTests(TestCase):
    """LibreOffice opens the report of the demo district; its first page is kept as an artefact to look at."""

    def test_demo_district_report_renders_to_pdf_and_png(self):
        load_demo(today=TODAY)
        district = Jurisdiction.objects.get(code="520115000000")
        content = work_report(jurisdiction=district, period=year_period(YEAR), today=TODAY)
        with tempfile.TemporaryDirectory() as tmp:
            docx_path = Path(tmp) / "work-report.docx"
            docx_path.write_bytes(docx_bytes(content))
            pdf, png = render(docx_path, tmp)
            self.assertGreater(pdf.stat().st_size, 10_000)
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False).stdout
            if info:
                self.assertIn("595.3", info)  # A4 width in points
                pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
                self.assertGreaterEqual(pages, 2)
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
            if text:
                for phrase in ("一、基本情况", "五、下一步工作打算", "工作情况汇报"):
                    self.assertIn(phrase, text.replace(" ", ""))
            from PIL import Image

            with Image.open(png) as image:
                width, height = image.size
            self.assertAlmostEqual(height / width, 297 / 210, delta=0.02)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(png, ARTIFACTS / "work-report-page1.png")
            shutil.copy(pdf, ARTIFACTS / "work-report.pdf")
            shutil.copy(docx_path, ARTIFACTS / "work-report.docx")

    def test_seed_three_report_renders(self):
        community = bihai_world()
        content = work_report(jurisdiction=community, period=year_period(YEAR), today=TODAY)
        with tempfile.TemporaryDirectory() as tmp:
            docx_path = Path(tmp) / "bihai.docx"
            docx_path.write_bytes(docx_bytes(content))
            pdf, png = render(docx_path, tmp)
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
            if text:
                flat = text.replace("\n", "").replace(" ", "")
                self.assertIn("占常住人口总数的2.73%", flat)
                self.assertIn("办结率97.2%", flat)
            self.assertTrue(png.exists())
