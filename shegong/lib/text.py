"""Text as it enters the platform: one rule for every entry point (no Django here).

Control characters (C0, U+0000–U+001F) other than tab, line feed and carriage return carry
no content a person typed, but they break things downstream: PostgreSQL refuses NUL in text
(the insert is a 500), XLSX and XML cannot hold any of them (an export is a 500 for every
user whose scope includes the row). They are **removed** where text enters. Text that is
not valid UTF-8 (bytes that do not decode, or a lone surrogate from a JSON ``\\ud800``
escape) cannot be stored faithfully and is **refused** with :class:`InvalidText`, whose
message (Chinese) says so.

Entry points call :func:`normalise_text` (one value), :func:`normalise_data` (a decoded JSON
document) or :func:`parse_form` (a form-encoded body, decoded strictly). Writers that must
never fail on stored text (XLSX, CSV, XML) call :func:`printable_for_xml`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

# C0 controls except \t (09), \n (0A) and \r (0D).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What XML 1.0 (and so XLSX) cannot hold: the controls above, lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

INVALID_UTF8 = "包含无效的 UTF-8 编码，无法保存；请以 UTF-8 编码重新提交"


class InvalidText(ValueError):
    """Text that cannot be stored faithfully. ``message`` is Chinese, for people."""

    def __init__(self, message: str, *, field: str = "") -> None:
        self.field = field
        self.message = f"{field}{message}" if field else f"提交的文本{message}"
        super().__init__(self.message)


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a C0 control character other than tab and newlines."""
    return _CONTROLS.search(text) is not None


def strip_controls(text: str) -> str:
    """Remove C0 control characters other than tab, line feed and carriage return."""
    return _CONTROLS.sub("", text)


def normalise_text(value: str | bytes, *, field: str = "") -> str:
    """The one rule for text entering the platform.

    Bytes are decoded as UTF-8, strictly; a value that does not decode, or a string holding
    a lone surrogate, raises :class:`InvalidText` (naming ``field`` if given). C0 control
    characters other than tab and newlines are removed.
    """
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidText(INVALID_UTF8, field=field) from None
    if _SURROGATE.search(value):
        raise InvalidText(INVALID_UTF8, field=field)
    return strip_controls(value)


def normalise_data(data: Any, *, field: str = "") -> Any:
    """:func:`normalise_text` on every string (keys too) of a decoded JSON document."""
    if isinstance(data, str):
        return normalise_text(data, field=field)
    if isinstance(data, list):
        return [normalise_data(item, field=field) for item in data]
    if isinstance(data, dict):
        return {
            normalise_text(str(key)): normalise_data(item, field=field or f"字段 {key} ")
            for key, item in data.items()
        }
    return data


def parse_form(body: bytes, charset: str = "utf-8") -> list[tuple[str, str]]:
    """An ``application/x-www-form-urlencoded`` body as (name, value) pairs, decoded strictly.

    Django decodes form bodies with ``errors="replace"`` (invalid bytes silently become
    U+FFFD); this refuses them instead. Values are normalised by :func:`normalise_text`.
    """
    pairs: list[tuple[str, str]] = []
    for part in body.split(b"&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition(b"=")
        decoded: list[str] = []
        for raw in (raw_name, raw_value):
            data = unquote_to_bytes(raw.replace(b"+", b" "))
            try:
                decoded.append(data.decode(charset))
            except (UnicodeDecodeError, LookupError):
                name = decoded[0] if decoded else ""
                raise InvalidText(
                    INVALID_UTF8, field=f"字段 {strip_controls(name)[:50]} " if name else ""
                ) from None
        name, value = decoded
        pairs.append((normalise_text(name), normalise_text(value, field=f"字段 {name[:50]} ")))
    return pairs


def printable_for_xml(text: str) -> str:
    """``text`` without the characters XML 1.0 and XLSX cannot hold — for writers, so that no
    stored text can ever break an export."""
    return _NOT_XML.sub("", text)


# The largest primary key a database here stores (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """``value`` as a row id taken from a request (query string, form, path), or ``None``.

    Only ASCII decimal digits count, and only up to :data:`MAX_ID`: ``str.isdigit`` alone
    lets "²" through to ``int`` (a ``ValueError``, so a 500) and "99999999999999999999"
    through to the database (SQLite: ``OverflowError``, PostgreSQL: a ``DataError``). Views
    and services reading an id from a person use this; ``None`` means "no such id", which
    the caller answers like any id it cannot find.
    """
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > 19 or not (text.isascii() and text.isdecimal()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None
