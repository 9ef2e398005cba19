"""The 受理告知书 (and every notice) keeps its signature block with the end of the text
(issue #12 §9; GB/T 9704-2012 7.3.5): 落款 never stands alone on a page."""

from __future__ import annotations

import re
from datetime import date

import pytest

from shegong.appeals import notices

ISSUER = "中共示范市委社会工作部"
SENTENCE = "经审查，您反映的事项属于本机关职责范围，依照《信访工作条例》第二十二条，决定予以受理。"


def _notice(last: str, body_paragraphs: int = 6) -> notices.RenderedNotice:
    return notices.RenderedNotice(
        title="受理告知书",
        paragraphs=["张三：", *[SENTENCE * 3] * body_paragraphs, last],
        issuer=ISSUER,
        date=date(2026, 3, 2),
        kind="acceptance",
        number="XF20260302000001",
    )


def _pages(notice: notices.RenderedNotice) -> tuple[int, int, int]:
    """(page of the last body text, page of the issuer, pages in the PDF file)."""
    data, placed = notices.pdf_layout(notice)
    issuer_at = next(i for i, (_, text) in enumerate(placed) if text == ISSUER)
    return placed[issuer_at - 1][0], placed[issuer_at][0], len(re.findall(rb"/Type /Page\b", data))


@pytest.mark.parametrize("length", range(1, 60, 2))
def test_signature_is_on_the_page_of_the_last_paragraph(length: int) -> None:
    text_page, signature_page, _ = _pages(_notice("特此告知。" * length))
    assert signature_page == text_page


@pytest.mark.parametrize("length", range(1, 60, 2))
def test_no_page_holds_only_the_signature(length: int) -> None:
    text_page, _, pages = _pages(_notice("特此告知。" * length))
    assert pages == text_page


def test_a_last_paragraph_longer_than_a_page_takes_its_end_along() -> None:
    text_page, signature_page, _ = _pages(_notice(SENTENCE * 40, body_paragraphs=2))
    assert signature_page == text_page


def test_the_signature_follows_the_whole_text() -> None:
    _, placed = notices.pdf_layout(_notice("特此告知。"))
    texts = [text for _, text in placed]
    assert texts[-2:] == [ISSUER, "2026年3月2日"]
