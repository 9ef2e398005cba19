"""PDF layout of a notice (reportlab, code-built): A4, CJK line breaking with 禁则."""

from __future__ import annotations

import functools
import io
from typing import Any
from xml.sax.saxutils import escape

from .context import RenderedNotice
from .layout import BODY_PT, LINE_PT, TITLE_PT

PDF_FONT = "STSong-Light"
# STSong-Light's UCS-2 CMap has no U+00B7 (used in "信访·申诉求决类") or the other dots.
_PDF_CHARS = str.maketrans(dict.fromkeys("\u00b7\u2022\u2027\u2219\u22c5", "\u30fb"))
# 禁则 (GB/T 15834 标点符号用法): these never start a line …
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…%‰,.;:?!)]}")
# … and these never end one.
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{")


def _pdf_text(text: str) -> str:
    """Paragraph markup for plain ``text``: XML-escaped, unmappable dots replaced."""
    return escape(text.translate(_PDF_CHARS))


def _is_latin(char: str) -> bool:
    return char.isascii() and not char.isspace()


def _bad_break(text: str, at: int) -> bool:
    """Breaking before ``text[at]`` would violate 禁则 or cut a Latin/digit run."""
    return (
        text[at] in _NO_LINE_START
        or text[at - 1] in _NO_LINE_END
        or (_is_latin(text[at - 1]) and _is_latin(text[at]))
    )


def cjk_lines(text: str, widths: list[float], max_widths: list[float]) -> list[tuple[float, str]]:
    """Greedy CJK line breaking with 禁则 and unbroken Latin/digit runs.

    Returns ``[(unused width, line)]``. A break that would start a line with closing
    punctuation, end one with opening punctuation or cut ``XF2026…`` moves characters down
    to the next line (never more than half a line).
    """
    lines: list[tuple[float, str]] = []
    start, count = 0, len(text)
    while start < count:
        limit = max_widths[min(len(lines), len(max_widths) - 1)]
        end, used = start, 0.0
        while end < count and used + widths[end] <= limit + 1e-6:
            used += widths[end]
            end += 1
        end = max(end, start + 1)
        if end < count:
            floor = start + max(1, (end - start) // 2)
            candidate = end
            while candidate > floor and _bad_break(text, candidate):
                candidate -= 1
            if not _bad_break(text, candidate):
                end = candidate
        lines.append((limit - sum(widths[start:end]), text[start:end].rstrip()))
        start = end
        while start < count and text[start] == " ":
            start += 1
    return lines


def _pdf_font() -> str:
    """The built-in Adobe CID font (no font file needed; viewers supply the glyphs)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _page_number(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(PDF_FONT, 12)
    canvas.drawCentredString(doc.pagesize[0] / 2, doc.bottomMargin / 2, f"— {doc.page} —")
    canvas.restoreState()


@functools.cache
def _cjk_paragraph_class() -> type:
    """``Paragraph`` whose CJK wrapping follows :func:`cjk_lines` (plain one-font text)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph

    class CJKParagraph(Paragraph):  # type: ignore[misc]
        def breakLinesCJK(self, maxWidths: Any) -> Any:
            frags = self.frags
            plain_text = (
                len(frags) == 1
                and hasattr(frags[0], "text")
                and not hasattr(frags[0], "cbDefn")
                and not self.style.endDots
                and not self.bulletText
            )
            if not plain_text or (hasattr(self, "blPara") and getattr(self, "_splitpara", False)):
                return super().breakLinesCJK(maxWidths)
            if not isinstance(maxWidths, (list, tuple)):
                maxWidths = [maxWidths]
            frag = frags[0]
            widths = [stringWidth(c, frag.fontName, frag.fontSize) for c in frag.text]
            lines = cjk_lines(frag.text, widths, list(maxWidths))
            return frag.clone(
                kind=0,
                lines=[(extra, [line]) for extra, line in lines],
                ascent=frag.fontSize,
                descent=-0.2 * frag.fontSize,
            )

    return CJKParagraph


def to_pdf(notice: RenderedNotice) -> bytes:
    """A4 PDF with the same layout as :func:`to_docx`, CJK line breaking."""
    return pdf_layout(notice)[0]


def pdf_layout(notice: RenderedNotice) -> tuple[bytes, list[tuple[int, str]]]:
    """The PDF and where its text went: (page number, plain text) for every paragraph or
    part of a paragraph placed, in order (for tests and previews of the page breaks).

    The signature block (发文机关署名 and 成文日期) is kept on one page together with the
    end of the last paragraph of the body: 落款 never stands alone at the top of a page
    (GB/T 9704-2012 7.3.5 — when the body does not leave room for it, text is carried over
    with it). A last paragraph too long to move whole is split, its final lines going with
    the signature."""
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

    Paragraph = _cjk_paragraph_class()

    font = _pdf_font()
    body = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=BODY_PT,
        leading=LINE_PT,
        firstLineIndent=BODY_PT * 2,
        alignment=TA_JUSTIFY,
        wordWrap="CJK",
    )
    salutation = ParagraphStyle("salutation", parent=body, firstLineIndent=0, alignment=TA_LEFT)
    title = ParagraphStyle(
        "title",
        parent=body,
        fontSize=TITLE_PT,
        leading=36,
        firstLineIndent=0,
        alignment=TA_CENTER,
        spaceAfter=4,
    )
    reference = ParagraphStyle(
        "reference", parent=body, fontSize=14, firstLineIndent=0, alignment=TA_CENTER
    )
    signature = ParagraphStyle(
        "signature", parent=body, firstLineIndent=0, alignment=TA_RIGHT, rightIndent=BODY_PT * 2
    )

    story: list[Any] = [Paragraph(_pdf_text(notice.title), title)]
    if notice.number:
        story += [Paragraph(_pdf_text(f"编号：{notice.number}"), reference), Spacer(1, LINE_PT / 2)]
    paragraphs = [
        Paragraph(_pdf_text(text), salutation if i == 0 and notice.has_salutation else body)
        for i, text in enumerate(notice.paragraphs)
    ]
    closing = [
        Spacer(1, LINE_PT),
        Paragraph(_pdf_text(notice.issuer), signature),
        Paragraph(_pdf_text(notice.date_label), signature),
    ]
    # The frame SimpleDocTemplate lays out in (6 pt padding on every side).
    frame_width = A4[0] - (28 + 26) * mm - 12
    frame_height = A4[1] - (37 + 35) * mm - 12
    tail: list[Any] = closing
    if paragraphs:
        last = paragraphs.pop()
        tail = [last, *closing]
        if sum(f.wrap(frame_width, frame_height)[1] for f in tail) > frame_height:
            # Too long to move whole: carry over its last two lines with the signature.
            parts = last.split(frame_width, last.height - 2 * LINE_PT)
            if len(parts) == 2:
                paragraphs.append(parts[0])
                tail = [parts[1], *closing]
            else:
                paragraphs.append(last)
                tail = closing
    story += [*paragraphs, KeepTogether(tail)]

    placed: list[tuple[int, str]] = []

    class _Document(SimpleDocTemplate):  # type: ignore[misc]
        def afterFlowable(self, flowable: Any) -> None:
            if hasattr(flowable, "getPlainText"):
                placed.append((self.page, flowable.getPlainText()))

    out = io.BytesIO()
    document = _Document(
        out,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=notice.title,
        author=notice.issuer,
        subject=notice.number,
        creator="社工平台",
    )
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue(), placed
