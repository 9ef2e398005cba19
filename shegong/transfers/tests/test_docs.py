from __future__ import annotations

from pathlib import Path

from shegong.transfers.diagram import all_diagrams

DOC = Path(__file__).resolve().parents[3] / "docs" / "transfers.md"


def test_docs_state_diagrams_are_generated_from_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = "<!-- diagrams:start -->\n", "<!-- diagrams:end -->"
    between = text[text.index(start) + len(start) : text.index(end)]
    assert between.strip() == all_diagrams().strip()
