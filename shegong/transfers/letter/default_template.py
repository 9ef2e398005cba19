"""Writes the default 介绍信 template (``letter/templates/letter.docx``).

``python -m shegong.transfers.letter.default_template`` rewrites it; the department may
replace it on the 文书模板 page (placeholders: ``letter.docx.PLACEHOLDERS``).
"""

from __future__ import annotations

import io
from pathlib import Path

PATH = Path(__file__).resolve().parent / "templates" / "letter.docx"

PARAGRAPHS: tuple[tuple[str, str], ...] = (
    ("title", "中国共产党党员组织关系介绍信"),
    ("center", "（{{ letter_number }}）"),
    ("left", "{{ to_organization }}："),
    (
        "body",
        "{{ member_name }}同志（{{ gender }}{% if age %}，{{ age }}岁{% endif %}"
        "{% if ethnicity %}，{{ ethnicity }}族{% endif %}），系中共"
        "{{ stage_label }}，身份证号码{{ id_number_masked }}，由{{ from_organization }}转到"
        "{{ to_organization }}，请转接组织关系。该同志党费已交到{{ dues_paid_through }}。",
    ),
    ("body", "（有效期{{ valid_days }}天，至{{ valid_until }}止）"),
    ("left", "{%p if expired %}"),
    ("body", "注意：本介绍信已超过有效期，请转出方重新开具。"),
    ("left", "{%p endif %}"),
    ("right", "{{ issuer }}（盖章）"),
    ("right", "{{ issue_date }}"),
    (
        "small",
        "党员联系电话、原党组织联系电话及回执由转出方填写，回执请寄回转出方党委。",
    ),
)


def build() -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "FangSong"
    style.font.size = Pt(16)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    for kind, text in PARAGRAPHS:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        if kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.font.size = Pt(22)
            run.bold = True
        elif kind == "center":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif kind == "body":
            paragraph.paragraph_format.first_line_indent = Pt(32)
        elif kind == "small":
            run.font.size = Pt(12)
    properties = document.core_properties
    properties.title = "党员组织关系介绍信"
    properties.author = ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


if __name__ == "__main__":  # pragma: no cover
    PATH.write_bytes(build())
    print(PATH)
