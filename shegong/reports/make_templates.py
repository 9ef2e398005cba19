"""Write the default Office templates of the reports (``shegong/reports/docx/*.docx``).

The files are committed; run this only to change the *default* layout (the department
changes its own copy on the 文书模板 page)::

    DJANGO_SETTINGS_MODULE=shegong.conf.test_settings python -m shegong.reports.make_templates

A4 portrait, 宋体/仿宋, a title, the period and region, the summary loop, then per table a
heading, a Word table with a header row and one ``{%tr for r in <table> %}`` row, and the
note under it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.oxml.text.font import CT_RPr

from .choices import ReportKind
from .documents import DEFAULT_TEMPLATES, SCHEMAS

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"


def _set_fonts(rpr: CT_RPr, name: str) -> None:
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def build(kind: str, out: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(20)
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)

    def para(text: str, size: float = 12, *, bold: bool = False, center: bool = False) -> None:
        paragraph = document.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        _set_fonts(run._element.get_or_add_rPr(), TITLE_FONT if bold else BODY_FONT)

    para("{{ title }}", 20, bold=True, center=True)
    para("{{ region_name }} · {{ period_label }}", 14, center=True)
    para("生成时间：{{ generated_label }}", 10.5, center=True)
    document.add_paragraph("{%p for line in summary %}")
    para("{{ line }}")
    document.add_paragraph("{%p endfor %}")
    for key, (_title, cols) in SCHEMAS[kind].items():
        para(f"{{{{ {key}_title }}}}", 14, bold=True)
        table = document.add_table(rows=4, cols=len(cols))
        table.style = "Table Grid"
        for i, col in enumerate(cols):
            table.cell(0, i).text = col.header
            table.cell(2, i).text = f"{{{{ r.{col.key} }}}}"
        # docxtpl removes a row holding a {%tr %} tag whole: the values row sits between.
        table.cell(1, 0).text = f"{{%tr for r in {key} %}}"
        table.cell(3, 0).text = "{%tr endfor %}"
        para(f"{{{{ {key}_note }}}}", 9)
    properties = document.core_properties
    properties.title = properties.author = properties.last_modified_by = ""
    properties.comments = properties.keywords = properties.subject = ""
    properties.language = "zh-CN"
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))


def main() -> int:
    for kind in ReportKind.values:
        build(kind, DEFAULT_TEMPLATES[ReportKind(kind)])
        sys.stdout.write(f"已生成 {DEFAULT_TEMPLATES[ReportKind(kind)]}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
