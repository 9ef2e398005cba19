"""Helpers for tests, the demo and the benchmark: valid fictional credit codes."""

from __future__ import annotations

from shegong.lib.validators import credit_code_check_char


def credit_code(seq: int, *, prefix: str = "91", region: str = "339900") -> str:
    """A valid 统一社会信用代码 (GB 32100 check character) for a fictional entity."""
    body = f"{prefix}{region}{seq:09d}"
    return body + credit_code_check_char(body)
