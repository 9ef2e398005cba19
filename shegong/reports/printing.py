"""PDF (reportlab, code-built) and XLSX (one sheet per table) printings of a report."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable

from shegong.core.tabular import safe_cell

from .tables import ReportContent

PDF_FONT = "STSong-Light"  # Adobe's built-in CID font: no font file, viewers supply glyphs
# STSong-Light's UCS-2 CMap has no U+00B7 or the other middle dots (as appeals/notices/pdf.py).
_PDF_CHARS = str.maketrans(dict.fromkeys("\u00b7\u2022\u2027\u2219\u22c5", "\u30fb"))
PDF_ROW_LIMIT = 300  # rows of one table printed in the PDF; the XLSX has them all


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _text(value: object) -> str:
    return escape(str(value).translate(_PDF_CHARS))


def _page_number(canvas: Canvas, doc: BaseDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(PDF_FONT, 9)
    canvas.drawCentredString(doc.pagesize[0] / 2, doc.bottomMargin / 2, f"— {doc.page} —")
    canvas.restoreState()


def to_pdf(content: ReportContent) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11)
    head = ParagraphStyle("head", parent=body, fontSize=13, leading=20, spaceBefore=8)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER)
    sub = ParagraphStyle("sub", parent=body, alignment=TA_CENTER)
    note = ParagraphStyle("note", parent=body, fontSize=8, leading=11, textColor=colors.grey)

    page = landscape(A4)
    width = page[0] - 30 * mm
    story: list[Flowable] = [
        Paragraph(_text(content.title), title),
        Paragraph(_text(f"{content.region_name} · {content.period_label}"), sub),
        Paragraph(_text(f"生成时间：{content.generated_label}"), sub),
        Spacer(1, 6),
        *[Paragraph(_text(line), body) for line in content.summary],
    ]
    for table in content.tables:
        story.append(Paragraph(_text(table.title), head))
        rows = table.as_lists()
        shown = rows[:PDF_ROW_LIMIT]
        data = [[Paragraph(_text(h), cell) for h in table.headers]]
        data += [[Paragraph(_text(v), cell) for v in row] for row in shown]
        if not rows:
            data.append(
                [Paragraph("本期无数据", cell)] + [Paragraph("", cell)] * (len(table.headers) - 1)
            )
        grid = Table(
            data, colWidths=[width / len(table.headers)] * len(table.headers), repeatRows=1
        )
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(grid)
        extra = (
            f"（仅列前 {PDF_ROW_LIMIT} 行，共 {len(rows)} 行，完整清单见 Excel 文件）"
            if len(rows) > PDF_ROW_LIMIT
            else ""
        )
        if table.note or extra:
            story.append(Paragraph(_text(table.note + extra), note))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=content.title,
        author="统计报告",
    )
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts (no ``[]:*?/\\``, at most 31 characters)."""
    for char in "[]:*?/\\":
        title = title.replace(char, "、" if char == "/" else " ")
    return title[:31]


def to_xlsx(content: ReportContent) -> bytes:
    """One sheet per table (header row bold, the note in the row after the data)."""
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(title="概述")
    for line in (
        content.title,
        f"{content.region_name} · {content.period_label}",
        f"生成时间：{content.generated_label}",
        *content.summary,
    ):
        summary.append([safe_cell(line)])
    for table in content.tables:
        sheet = workbook.create_sheet(title=_sheet_title(table.title))
        header = []
        for text in table.headers:
            item = WriteOnlyCell(sheet, value=safe_cell(text))
            item.font = Font(bold=True)
            header.append(item)
        sheet.append(header)
        for row in table.as_lists():
            sheet.append([safe_cell(v) for v in row])
        if table.note:
            sheet.append([])
            sheet.append([safe_cell(table.note)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
