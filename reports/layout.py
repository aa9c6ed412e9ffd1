"""The national layout for official documents, GB/T 9704-2012, in python-docx.

Every document except the name plates and the banner sheet starts from `official_document()`:
A4, margins top 37 mm, bottom 35 mm, left (binding) 28 mm, right 26 mm, so the type area is
156 x 225 mm; body in FangSong 16 pt (三号仿宋), title in a Song face 22 pt (二号小标宋), page
numbers 14 pt (四号) as a PAGE field in the footer, "— 1 —", odd pages on the right and even on
the left (the standard's 单页码居右、双页码居左). Font names come from settings.DOCUMENT_FONTS.

python-docx's `font.name` sets only the Latin slots, so `set_fonts` writes `w:eastAsia` too.
Tables: the header row repeats on every page (`w:tblHeader`) and no row splits across pages
(`w:cantSplit`); rows are added with `table.add_row().cells`, never `table.cell(r, c)` in a loop
(quadratic: design.md). Table text is 12 pt (小四), as official tables customarily are.
"""

import io
from collections.abc import Iterable, Sequence

from django.conf import settings
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
PAGE_NUMBER_PT = 14  # 四号
TABLE_PT = 12  # 小四
HEADING_PT = 16  # 三号黑体, the first-level heading
TYPE_AREA_MM = 156  # the type area's width: 210 - 28 - 26

DEFAULT_FONTS = {
    "body": "仿宋_GB2312",
    "title": "方正小标宋简体",
    "heading": "黑体",
    "page_number": "宋体",
    "latin": "Times New Roman",
}


def fonts() -> dict[str, str]:
    return {**DEFAULT_FONTS, **getattr(settings, "DOCUMENT_FONTS", {})}


def set_fonts(target, east_asian: str, latin: str | None = None) -> None:
    """Set a style's or run's fonts in every slot: ascii, hAnsi and eastAsia."""
    latin = latin or fonts()["latin"]
    target.font.name = latin
    element = target.element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asian)


def official_document(*, landscape: bool = False) -> Document:
    """A new GB/T 9704 document with its Normal, Title, heading, table and footer styles."""
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28 - 7)  # the page number sits 7 mm below the type area
    names = fonts()
    normal = doc.styles["Normal"]
    set_fonts(normal, names["body"])
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    title = doc.styles["Title"]
    set_fonts(title, names["title"])
    title.font.size = Pt(TITLE_PT)
    title.font.bold = False
    title.font.color.rgb = None
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(BODY_PT)
    _drop_title_border(title)
    heading = doc.styles["Heading 1"]
    set_fonts(heading, names["heading"])
    heading.font.size = Pt(HEADING_PT)
    heading.font.bold = False
    heading.font.color.rgb = None
    heading.paragraph_format.space_before = Pt(8)
    heading.paragraph_format.space_after = Pt(4)
    table_text = doc.styles.add_style("Table Text", 1)  # 1 = paragraph style
    table_text.base_style = normal
    set_fonts(table_text, names["body"])
    table_text.font.size = Pt(TABLE_PT)
    footer = doc.styles["Footer"]
    set_fonts(footer, names["page_number"])
    footer.font.size = Pt(PAGE_NUMBER_PT)
    _page_numbers(doc)
    return doc


def add_title(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style="Title")


def add_table(
    doc: Document,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    widths_mm: Sequence[float] | None = None,
):
    """A bordered table whose header row repeats and whose rows never split. Returns it."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # The style id is looked up once: `paragraph.style = "Table Text"` per cell searched every
    # style by name and scanned them all again for the default (80 % of a 300-row notice's
    # rendering, bench/documents_bench.py).
    style_id = doc.styles["Table Text"].style_id
    header = table.rows[0]
    _mark_row(header, repeat=True)
    for cell, text in zip(header.cells, headers, strict=True):
        _fill(cell, text, style_id, bold=True)
    for values in rows:
        row = table.add_row()
        _mark_row(row)
        for cell, text in zip(row.cells, values, strict=True):
            _fill(cell, text, style_id)
    if widths_mm:
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)
    return table


def shade_row(row, fill: str = "FFF2CC") -> None:
    """Shade a row's cells (the notice marks changed rows this way, and with a ★)."""
    for cell in row.cells:
        tcpr = cell._tc.get_or_add_tcPr()
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), fill)
        tcpr.append(shading)


def to_bytes(doc: Document) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- helpers ------------------------------------------------------------------------------------


def _fill(cell, text: str, style_id: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph._p.style = style_id  # what `paragraph.style = name` writes: w:pStyle
    lines = str(text or "").split("\n")
    run = paragraph.add_run(lines[0])
    run.bold = bold or None
    for line in lines[1:]:
        run.add_break()
        run.add_text(line)


def _mark_row(row, *, repeat: bool = False) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if repeat:
        trpr.append(OxmlElement("w:tblHeader"))


def _drop_title_border(style) -> None:
    """python-docx's default Title has a bottom border and theme colour; an official title
    has neither."""
    ppr = style.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)


def _page_numbers(doc: Document) -> None:
    """ "— PAGE —" in the footer: right on odd pages, left on even pages."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    _page_field(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_field(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_field(paragraph, alignment) -> None:
    paragraph.style = "Footer"
    paragraph.alignment = alignment
    paragraph.add_run("— ")
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, separate, shown, end):
        run._r.append(element)
    paragraph.add_run(" —")
