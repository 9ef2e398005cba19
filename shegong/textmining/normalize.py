"""Text normalisation for appeal texts: width, script, case, whitespace.

Pure Python, no Django, no network. Everything here is a ``str -> str`` function that is
cheap enough to run on every intake (a few microseconds per hundred characters): the work is
done by ``unicodedata.normalize`` and ``str.translate``, both implemented in C.

Invariants:

* ``normalize(normalize(x)) == normalize(x)`` (idempotent).
* ``normalize`` never raises on any ``str`` (or ``None``, which gives ``""``).
* Traditional characters are mapped one character at a time with a table derived from
  OpenCC's ``TSCharacters`` (first candidate). Phrase-level conversions (e.g. 乾隆 stays 乾 in
  simplified text) are not attempted: the classifier and the duplicate detector only need
  the two scripts to meet, not a perfect transliteration.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Final

__all__ = [
    "cjk_ratio",
    "has_chinese",
    "match_key",
    "normalize",
    "to_simplified",
]

# Zero-width and formatting characters that appear in pasted text and break matching.
_INVISIBLE: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACE_RE: Final = re.compile(r"\s+")
_NON_WORD_RE: Final = re.compile(r"[\W_]+")
_CJK_RE: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@cache
def _t2s_table() -> dict[int, int]:
    """The traditional→simplified character table shipped in ``resources/t2s_chars.txt``."""
    table: dict[int, int] = {}
    text = resources.files(__package__).joinpath("resources/t2s_chars.txt").read_text("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        trad, simp = line.split("\t")
        table[ord(trad)] = ord(simp)
    table.update(_INVISIBLE)  # type: ignore[arg-type]
    # full-width ASCII forms and the ideographic space: what NFKC would do, in the same pass
    table.update({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})
    table[0x3000] = 0x20
    return table


def to_simplified(text: str) -> str:
    """Map traditional characters to simplified ones, one character at a time."""
    return text.translate(_t2s_table())


def normalize(text: str | None) -> str:
    """Canonical form of a text for every later step.

    NFKC (full-width letters, digits and ASCII punctuation become half-width; compatibility
    forms such as ① become 1), traditional→simplified, zero-width characters removed,
    lower case, runs of whitespace collapsed to one space, trimmed. The common cases
    (full-width forms, traditional characters) are one ``str.translate`` pass; the NFKC
    normaliser runs only when the quick check says something is left for it to do. Chinese
    punctuation that has no half-width form (。、) is kept: sentence splitting needs it.
    """
    if not text:
        return ""
    table = _t2s_table()
    out = text.translate(table)  # full-width ASCII, t2s, invisible characters: one pass
    if not unicodedata.is_normalized("NFKC", out):  # rare after the table: ①, ㎡, ﹐ ...
        out = unicodedata.normalize("NFKC", out).translate(table)
    return _SPACE_RE.sub(" ", out.lower()).strip()


def match_key(text: str | None) -> str:
    """``normalize`` and then drop everything that is not a letter or a digit.

    This is the form that near-duplicate shingles are taken from: changed punctuation and
    spacing must not make two copies of a message look different.
    """
    return _NON_WORD_RE.sub("", normalize(text))


def cjk_ratio(text: str | None) -> float:
    """Share of Chinese characters among the letters and digits of ``text`` (0.0 if none)."""
    key = match_key(text)
    if not key:
        return 0.0
    return len(_CJK_RE.findall(key)) / len(key)


def has_chinese(text: str | None, *, min_chars: int = 2) -> bool:
    """True when ``text`` contains at least ``min_chars`` Chinese characters."""
    if not text:
        return False
    return any(n >= min_chars for n, _ in enumerate(_CJK_RE.finditer(text), start=1))
