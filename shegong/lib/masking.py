"""Display masking (脱敏) for personal information: ID numbers, phone numbers, names.

Pure Python, no Django. Masking is for display only; it is not anonymisation. Every
function accepts ``None`` or an empty string and then returns ``""``.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from shegong.lib.validators import ValidationFailure, validate_mobile

__all__ = [
    "IdentifierSpan",
    "MaskKind",
    "find_identifiers",
    "mask_id_number",
    "mask_identifiers",
    "mask_name",
    "mask_phone",
    "mask_text",
    "redact_identifiers",
]

MaskKind = Literal["id_number", "phone", "name"]

_STAR: Final = "*"


def _keep(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters, star the rest."""
    hidden = len(value) - head - tail
    return value[:head] + _STAR * hidden + (value[len(value) - tail :] if tail else "")


def mask_id_number(value: str | None) -> str:
    """Mask an ID number.

    18 characters: keep the first 6 (address code) and the last 4, e.g.
    ``110105********002X``. Other lengths: keep about the first third and the last quarter,
    trimmed so that at most half of the characters are shown.
    """
    if not value:
        return ""
    text = value.strip()
    n = len(text)
    if n == 18:
        return _keep(text, 6, 4)
    head, tail = n // 3, n // 4
    while head + tail > n // 2:
        if head > tail:
            head -= 1
        else:
            tail -= 1
    return _keep(text, head, tail)


def mask_phone(value: str | None) -> str:
    """Mask a phone number.

    A valid mainland mobile number (spaces, hyphens, +86 allowed) is shown as its 11 digits
    with the middle four starred: ``138****5678``. Anything else of 8 or more characters keeps
    the first 3 and the last 4; shorter values keep only the last character (a single
    character is fully starred).
    """
    if not value:
        return ""
    text = value.strip()
    with contextlib.suppress(ValidationFailure):
        text = validate_mobile(text)
    n = len(text)
    if n >= 8:
        return _keep(text, 3, 4)
    if n <= 1:
        return _STAR * n
    return _keep(text, 0, 1)


def mask_name(value: str | None) -> str:
    """Mask a personal name: keep the first character, star the rest.

    ``张三丰`` → ``张**``, ``张三`` → ``张*``, a single character → ``*``,
    ``Alice`` → ``A****``.
    """
    if not value:
        return ""
    text = value.strip()
    if len(text) <= 1:
        return _STAR * len(text)
    return _keep(text, 1, 0)


def mask_text(value: str | None, kind: MaskKind) -> str:
    """Mask ``value`` according to ``kind`` (``"id_number"``, ``"phone"`` or ``"name"``)."""
    if kind == "id_number":
        return mask_id_number(value)
    if kind == "phone":
        return mask_phone(value)
    if kind == "name":
        return mask_name(value)
    raise ValueError(f"unknown mask kind: {kind!r}")


# --- identifiers typed into free text ------------------------------------------------------
#
# A letter to the authorities often carries the writer's phone number, ID number or bank card
# in its body. Those are personal data exactly like the structured fields, so whoever may not
# see the petitioner's identity must not read them in the text either. ``find_identifiers``
# locates them; ``mask_identifiers`` replaces each with the same masked form the structured
# fields use. Digits may be full-width (NFKC-folded for matching, positions kept).

IdentifierKind = Literal["email", "id_number", "bank_card", "mobile", "landline"]

# Not preceded/followed by another digit or ASCII letter: a number inside a longer code is not
# one of ours (e.g. an order number of 25 digits is a bank card of nothing).
_NB = r"(?<![0-9A-Za-z])"
_NA = r"(?![0-9A-Za-z])"
_SEP = r"[ .\-]?"  # between the groups of a mobile: 138 1234 5678, 138-1234-5678, 138.1234.5678
# Words that say "a phone number follows"; people type spaces inside them ("电 话").
_PHONE_WORD = r"(?:电\s?话|座\s?机|联\s?系|手\s?机|号\s?码|热\s?线|方\s?式)"
# A pattern with a group named ``v`` is an identifier only in that group (the rest is context).
_PATTERNS: Final[tuple[tuple[IdentifierKind, re.Pattern[str]], ...]] = (
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    # 18-digit resident ID (last may be X) and the old 15-digit form.
    # (6-8-4 groups may be separated by single spaces or hyphens, as people copy them)
    (
        "id_number",
        re.compile(
            rf"{_NB}[1-9]\d{{5}}[ \-]?(?:19|20)\d{{2}}[01]\d[0-3]\d[ \-]?\d{{3}}[\dXx]{_NA}"
        ),
    ),
    ("id_number", re.compile(rf"{_NB}[1-9]\d{{5}}\d{{2}}[01]\d[0-3]\d\d{{3}}{_NA}")),
    # Mobile: 11 digits from 13–19, optionally +86/0086, grouped 3-4-4 or 4-3-4 by spaces,
    # hyphens or dots.
    (
        "mobile",
        re.compile(
            rf"{_NB}(?:(?:\+|00)?86{_SEP})?1[3-9]\d"
            rf"(?:{_SEP}\d{{4}}{_SEP}\d{{4}}|\d{_SEP}\d{{3}}{_SEP}\d{{4}}){_NA}"
        ),
    ),
    # Bank card: 16–19 digits, optionally in groups of four.
    (
        "bank_card",
        re.compile(rf"{_NB}[1-9]\d{{3}}(?:[ \-]?\d{{4}}){{3}}(?:[ \-]?\d{{1,3}})?{_NA}"),
    ),
    # Landline with area code: 010-12345678, (0571)88888888, 0571 8888 8888, 400/800 lines,
    # and from abroad +86-571-88888888 (the area code loses its 0).
    (
        "landline",
        re.compile(
            rf"{_NB}(?:[(（]0\d{{2,3}}[)）]\s?|0\d{{2,3}}[ \-]?)\d{{3,4}}[ \-]?\d{{4}}{_NA}"
        ),
    ),
    (
        "landline",
        re.compile(
            rf"{_NB}(?:\+|00)86[ \-]?(?:10|2\d|[3-9]\d{{2}})[ \-]?\d{{3,4}}[ \-]?\d{{4}}{_NA}"
        ),
    ),
    ("landline", re.compile(rf"{_NB}[48]00[ \-]?\d{{3}}[ \-]?\d{{4}}{_NA}")),
    # A local number without area code (7–8 digits, maybe 8888-8888), only after a word that
    # says it is a phone number: 电话:8888-8888, 联系方式：88888888, 电 话 88888888.
    (
        "landline",
        re.compile(
            rf"{_PHONE_WORD}\s?(?:[:：是为]\s?)?(?P<v>(?<![0-9A-Za-z])\d{{3,4}}-?\d{{4}}){_NA}"
        ),
    ),
)


@dataclass(frozen=True)
class IdentifierSpan:
    """One identifier found in a text: ``text[start:end]`` is it."""

    kind: IdentifierKind
    start: int
    end: int


def _fold(text: str) -> str:
    """NFKC-fold full-width digits and letters one character at a time (length kept)."""
    return "".join(
        folded if len(folded := unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in text
    )


def find_identifiers(text: str | None) -> list[IdentifierSpan]:
    """Every e-mail address, ID number, mobile, bank card and landline number in ``text``,
    in order, non-overlapping (the earlier pattern in the list above wins a tie)."""
    if not text:
        return []
    folded = _fold(text)
    taken: list[IdentifierSpan] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            start, end = m.span("v") if "v" in pattern.groupindex else m.span()
            if any(s.start < end and start < s.end for s in taken):
                continue
            taken.append(IdentifierSpan(kind, start, end))
    return sorted(taken, key=lambda s: s.start)


def _mask_one(kind: IdentifierKind, raw: str) -> str:
    folded = _fold(raw)
    digits = re.sub(r"\D", "", folded)
    if kind == "email":
        # split where the folded text has "@" (the raw text may have a full-width "＠")
        at = folded.index("@")
        local, domain = raw[:at], raw[at + 1 :]
        return (local[:1] + _STAR * max(len(local) - 1, 1)) + raw[at] + domain
    if kind == "id_number":
        return mask_id_number(re.sub(r"[ \-]", "", folded).upper())
    if kind == "mobile":
        return mask_phone(re.sub(r"[ .\-]", "", folded))
    if kind == "bank_card":
        return _STAR * (len(digits) - 4) + digits[-4:]
    # landline: keep the country and area code (or the first 3 digits) and the last 2 digits,
    # in place
    country = 4 if folded.startswith("0086") else 2 if folded.startswith("+86") else 0
    rest = digits[country:]
    if rest.startswith("0"):
        area = 3 if rest[:2] in ("01", "02") else 4
    elif country:
        area = 2 if rest[:1] in ("1", "2") else 3
    else:
        area = 3
    head = 0 if len(rest) <= 8 else country + area
    keep = set(range(head)) | {len(digits) - 2, len(digits) - 1}
    out, seen = [], 0
    for ch in raw:
        if _fold(ch).isdigit():
            out.append(ch if seen in keep else _STAR)
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


def _replace_identifiers(
    text: str | None, replace: Callable[[IdentifierKind, str], str], keep: Collection[str]
) -> str:
    if not text:
        return ""
    out: list[str] = []
    pos = 0
    for span in find_identifiers(text):
        if span.kind in keep:
            continue
        out.append(text[pos : span.start])
        out.append(replace(span.kind, text[span.start : span.end]))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def mask_identifiers(text: str | None, *, keep: Collection[str] = ()) -> str:
    """``text`` with every identifier ``find_identifiers`` finds replaced by its masked form
    (``138****5678``, ``110105********002X``, ``************1234``, ``z***@example.com``,
    ``0571******88``). Everything else is kept as written. Idempotent.

    ``keep`` names kinds left as written (e.g. ``("landline",)`` for an office line in a
    reply written by staff)."""
    return _replace_identifiers(text, _mask_one, keep)


def redact_identifiers(
    text: str | None,
    replacement: str | Mapping[str, str] = "***",
    *,
    keep: Collection[str] = (),
) -> str:
    """``text`` with every identifier replaced whole by ``replacement`` (or ``replacement[kind]``,
    with ``replacement["*"]`` for kinds not listed) — for text anyone may read (public pages, the
    Open311 API, documents sent out), where even a masked form says too much."""

    def replace(kind: IdentifierKind, raw: str) -> str:
        if isinstance(replacement, str):
            return replacement
        return replacement.get(kind, replacement.get("*", "***"))

    return _replace_identifiers(text, replace, keep)
