"""DOCX layout of a notice."""

from __future__ import annotations

import io
from typing import Any

from .context import RenderedNotice
from .layout import BODY_FONT, BODY_PT, LINE_PT, TITLE_FONT, TITLE_PT


def _set_fonts(rpr: Any, name: str) -> None:
    """Set every script's font (incl. w:eastAsia) and drop theme fonts that would win."""
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def _add_run(paragraph: Any, text: str, font: str, size: int, *, bold: bool = False) -> Any:
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    _set_fonts(run._element.get_or_add_rPr(), font)
    return run


def to_docx(notice: RenderedNotice) -> bytes:
    """A4 DOCX in 公文 layout (GB/T 9704-2012 margins, 仿宋 三号 body, 28 pt lines)."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    for rpr in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr"):
        _set_fonts(rpr, BODY_FONT)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "zh-CN")  # Word applies Chinese line-breaking rules by language
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    normal_format = normal.paragraph_format
    normal_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal_format.line_spacing = Pt(LINE_PT)
    normal_format.space_before = normal_format.space_after = Pt(0)

    title_style = document.styles.add_style("小标题", WD_STYLE_TYPE.PARAGRAPH)
    title_style.base_style = normal
    title_style.font.size = Pt(TITLE_PT)
    title_style.font.bold = True
    _set_fonts(title_style.element.get_or_add_rPr(), TITLE_FONT)
    title_format = title_style.paragraph_format
    title_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_format.line_spacing = Pt(36)
    title_format.space_after = Pt(6)

    title = document.add_paragraph(style=title_style)
    _add_run(title, notice.title, TITLE_FONT, TITLE_PT, bold=True)
    if notice.number:
        ref = document.add_paragraph()
        ref.alignment = WD_ALIGN_PARAGRAPH.CENTER
        ref.paragraph_format.space_after = Pt(LINE_PT / 2)
        _add_run(ref, f"编号：{notice.number}", BODY_FONT, 14)

    for index, text in enumerate(notice.paragraphs):
        paragraph = document.add_paragraph()
        if index == 0 and notice.has_salutation:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        _add_run(paragraph, text, BODY_FONT, BODY_PT)

    document.add_paragraph()
    for text in (notice.issuer, notice.date_label):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
        _add_run(paragraph, text, BODY_FONT, BODY_PT)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_run(footer, "— ", BODY_FONT, 14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    footer._p.append(field)
    _add_run(footer, " —", BODY_FONT, 14)

    properties = document.core_properties
    properties.title = notice.title
    properties.author = notice.issuer
    properties.subject = notice.number
    properties.language = "zh-CN"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
