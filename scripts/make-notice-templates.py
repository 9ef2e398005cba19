#!/usr/bin/env python
"""Write the default Office template of the appeal notices (受理/不予受理/告知书, 转送交办单,
答复意见书): ``shegong/appeals/notices/templates/notice.docx``.

The file is committed; run this only to change the *default* layout (the department changes
its own copy on the 文书模板 page, see docs/appeals-notices.md). The layout is GB/T 9704-2012
公文: A4, margins 37/35/28/26 mm, title 宋体 二号 bold in the style "小标题", body 仿宋 三号
on exact 28 pt lines with a 2-character first-line indent, issuer and date right-aligned,
"— n —" page number in the footer. Placeholders are Jinja (docxtpl): ``{{ notice_title }}``,
``{{ appeal_number }}``, ``{{ salutation }}``, a ``{%p for paragraph in paragraphs %}`` loop,
``{{ issuer }}``, ``{{ issue_date }}``; the full list is ``appeals.notices.docx.PLACEHOLDERS``.

    python scripts/make-notice-templates.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "shegong" / "appeals" / "notices" / "templates" / "notice.docx"


def _set_fonts(rpr: Any, name: str) -> None:
    """Set every script's font (incl. w:eastAsia) and drop theme fonts that would win."""
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def build(out: Path) -> None:
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from shegong.appeals.notices.layout import BODY_FONT, BODY_PT, LINE_PT, TITLE_FONT, TITLE_PT

    def run(paragraph: Any, text: str, font: str, size: float, *, bold: bool = False) -> None:
        item = paragraph.add_run(text)
        item.font.name = font
        item.font.size = Pt(size)
        item.font.bold = bold
        _set_fonts(item._element.get_or_add_rPr(), font)

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

    def tag(text: str) -> None:
        """A paragraph holding only a ``{%p … %}`` tag (docxtpl removes the paragraph)."""
        document.add_paragraph(text)

    title = document.add_paragraph(style=title_style)
    run(title, "{{ notice_title }}", TITLE_FONT, TITLE_PT, bold=True)
    tag("{%p if appeal_number %}")
    ref = document.add_paragraph()
    ref.alignment = WD_ALIGN_PARAGRAPH.CENTER
    ref.paragraph_format.space_after = Pt(LINE_PT / 2)
    run(ref, "编号：{{ appeal_number }}", BODY_FONT, 14)
    tag("{%p endif %}")
    tag("{%p if salutation %}")
    salutation = document.add_paragraph()
    salutation.alignment = WD_ALIGN_PARAGRAPH.LEFT
    run(salutation, "{{ salutation }}", BODY_FONT, BODY_PT)
    tag("{%p endif %}")
    tag("{%p for paragraph in paragraphs %}")
    body = document.add_paragraph()
    body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    run(body, "{{ paragraph }}", BODY_FONT, BODY_PT)
    tag("{%p endfor %}")

    document.add_paragraph()
    for text in ("{{ issuer }}", "{{ issue_date }}"):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
        run(paragraph, text, BODY_FONT, BODY_PT)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(footer, "— ", BODY_FONT, 14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    footer._p.append(field)
    run(footer, " —", BODY_FONT, 14)

    # Title, author and the rest are set on every rendered notice by core.documents
    # (render_bytes), never taken from the template: leave them empty here.
    properties = document.core_properties
    properties.title = properties.author = properties.last_modified_by = ""
    properties.comments = properties.keywords = ""
    properties.subject = "{{ appeal_number }}"
    properties.language = "zh-CN"
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.test_settings")
    import django

    django.setup()
    build(OUT)
    print(f"已生成 {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
