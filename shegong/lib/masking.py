"""Display masking (脱敏) for personal information: ID numbers, phone numbers, names.

Pure Python, no Django. Masking is for display only; it is not anonymisation. Every
function accepts ``None`` or an empty string and then returns ``""``.
"""

from __future__ import annotations

import contextlib
from typing import Final, Literal

from shegong.lib.validators import ValidationFailure, validate_mobile

__all__ = ["MaskKind", "mask_id_number", "mask_name", "mask_phone", "mask_text"]

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
