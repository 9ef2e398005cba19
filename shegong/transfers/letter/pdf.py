"""The 介绍信 as PDF: the project's PDF path (reportlab, the built-in STSong-Light CID font,
A4, GB/T 9704 margins, as ``appeals.notices.pdf``), with the wording of ``letter_text``.
The signature block is kept on one page with the last paragraph."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from .context import LetterText

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Flowable, Paragraph

PDF_FONT = "STSong-Light"


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def letter_pdf(letter: LetterText) -> bytes:
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    font = _font()
    body = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=16,
        leading=28,
        firstLineIndent=32,
        alignment=TA_JUSTIFY,
        wordWrap="CJK",
    )
    left = ParagraphStyle("left", parent=body, firstLineIndent=0, alignment=TA_LEFT)
    title = ParagraphStyle(
        "title", parent=body, fontSize=22, leading=36, firstLineIndent=0, alignment=TA_CENTER
    )
    center = ParagraphStyle("center", parent=left, alignment=TA_CENTER, fontSize=14)
    right = ParagraphStyle("right", parent=left, alignment=TA_RIGHT, rightIndent=32)
    small = ParagraphStyle("small", parent=left, fontSize=11, leading=18)

    def p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), style)

    story: list[Flowable] = [
        p(letter.title, title),
        p(f"（{letter.number}）", center),
        Spacer(1, 14),
        p(letter.salutation, left),
    ]
    paragraphs = [p(text, body) for text in letter.paragraphs]
    last = paragraphs.pop()
    story += paragraphs
    story.append(
        KeepTogether([last, Spacer(1, 28), p(letter.issuer, right), p(letter.date_label, right)])
    )
    story += [Spacer(1, 28), p(letter.footer, small)]
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=f"党员组织关系介绍信 {letter.number}",
        author=letter.issuer,
        creator="社工平台",
    ).build(story)
    return out.getvalue()
