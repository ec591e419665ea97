"""Draw a ReportContent as a Word document in the layout of GB/T 9704 (党政机关公文格式).

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title 方正小标宋简体 二号 centred; body 仿宋_GB2312
三号 at a fixed 28 pt line spacing with a two-character first-line indent; 一、 headings 黑体, （一） headings
楷体_GB2312; page numbers 宋体 四号 as “— 1 —”, odd pages right and even pages left.

Word picks a Chinese glyph's font from the run's east-Asian font (w:eastAsia), which python-docx's `font.name`
does not set, so every run gets it explicitly; machines without the official fonts fall back to 宋体/仿宋.
"""

from io import BytesIO

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .content import BODY, DATE, HEADING, SIGNATURE, SUBHEADING, TITLE, title_lines

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
LINE_SPACING = Pt(28)
TITLE_LINE_SPACING = Pt(35)
INDENT_CHARS = 2

FONTS = {
    TITLE: TITLE_FONT,
    HEADING: HEADING_FONT,
    SUBHEADING: SUBHEADING_FONT,
    BODY: BODY_FONT,
    SIGNATURE: BODY_FONT,
    DATE: BODY_FONT,
}


def set_run_font(run, name, size, bold=False):
    """Set a run's Latin and east-Asian font (python-docx's font.name alone sets only the Latin one)."""
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rpr.rFonts.set(qn("w:eastAsia"), name)


def _indent_chars(paragraph, chars, first_line=True):
    """Indent by whole characters (w:firstLineChars), with the point value for readers that ignore it."""
    fmt = paragraph.paragraph_format
    if first_line:
        fmt.first_line_indent = Pt(16 * chars)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars" if first_line else "w:rightChars"), str(chars * 100))


def _fixed_spacing(paragraph, spacing=LINE_SPACING):
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = spacing
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _set_page(section):
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    section.top_margin = Mm(37)
    section.bottom_margin = Mm(35)
    section.left_margin = Mm(28)
    section.right_margin = Mm(26)
    section.footer_distance = Mm(28) - Mm(7)  # the page number sits 7 mm below the last line of text
    section.header_distance = Mm(15)


def _set_default_style(document):
    style = document.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = BODY_SIZE
    rpr = style.element.get_or_add_rPr()
    rpr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
    # Figures follow Latin line-breaking rules, so “53.16%” is never split across two lines.
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    style.paragraph_format.line_spacing = LINE_SPACING


def _add_field(paragraph, instruction, placeholder):
    """Add a field (e.g. PAGE) as begin / instruction / separate / shown text / end runs; return its runs."""
    runs = []

    def char(kind):
        run = paragraph.add_run()
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        run._r.append(fld)
        runs.append(run)

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    runs.append(run)
    char("separate")
    runs.append(paragraph.add_run(placeholder))
    char("end")
    return runs


def _page_number(footer, align):
    """Write “— N —” in the footer, one character in from the side it sits on (GB/T 9704 7.5)."""
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = PAGE_NUMBER_SIZE
    else:
        fmt.left_indent = PAGE_NUMBER_SIZE
    runs = [paragraph.add_run("— ")]
    runs += _add_field(paragraph, "PAGE", "1")
    runs.append(paragraph.add_run(" —"))
    for run in runs:
        set_run_font(run, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


def _width(text):
    """Width in characters of 三号: Chinese characters count one, digits and Latin letters half."""
    return sum(0.5 if ord(c) < 0x2E80 else 1 for c in text)


def render_docx(content):
    """Return the report as a python-docx Document."""
    document = Document()
    _set_default_style(document)
    section = document.sections[0]
    _set_page(section)
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    document.core_properties.title = content.title
    document.core_properties.subject = content.period.label if content.period else ""
    document.core_properties.author = content.jurisdiction.name if content.jurisdiction else ""

    body = document.paragraphs[0] if document.paragraphs else document.add_paragraph()
    _title(body, content.title)
    # One empty line between the title and the text (GB/T 9704 7.3.3).
    blank = document.add_paragraph()
    _fixed_spacing(blank)
    date_text = next((block.text for block in content.blocks if block.kind == DATE), "")
    previous = None
    for block in content.blocks:
        paragraph = document.add_paragraph()
        _fixed_spacing(paragraph)
        if block.kind in (HEADING, SUBHEADING, BODY):
            _indent_chars(paragraph, INDENT_CHARS)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if block.kind in (HEADING, SUBHEADING):
            # A heading is never left alone at the foot of a page.
            paragraph.paragraph_format.keep_with_next = True
        elif block.kind == SIGNATURE:
            # Centred above the date line, which sits four characters in from the right (GB/T 9704 7.3.5.2).
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            offset = max(0, (_width(date_text) - _width(block.text)) / 2)
            paragraph.paragraph_format.right_indent = Pt(16 * (4 + offset))
            if previous != SIGNATURE:
                # Two blank lines above the signature block, none between its lines (a template may sign twice).
                paragraph.paragraph_format.space_before = LINE_SPACING * 2
        elif block.kind == DATE:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _indent_chars(paragraph, 4, first_line=False)
            paragraph.paragraph_format.right_indent = Pt(16 * 4)
        run = paragraph.add_run(block.text)
        set_run_font(run, FONTS.get(block.kind, BODY_FONT), BODY_SIZE)
        previous = block.kind
    return document


def _title(paragraph, text):
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fixed_spacing(paragraph, TITLE_LINE_SPACING)
    for i, line in enumerate(title_lines(text)):
        run = paragraph.add_run()
        if i:
            run.add_break()
        run.add_text(line)
        set_run_font(run, TITLE_FONT, TITLE_SIZE)


def docx_bytes(content):
    """Return the report as the bytes of a .docx file."""
    buffer = BytesIO()
    render_docx(content).save(buffer)
    return buffer.getvalue()
