"""Policy parameters of 组织关系转接, with their documented defaults (docs/transfers.md).

Set in Django settings to change them: ``SHEGONG_TRANSFER_LETTER_VALID_MONTHS`` (the
介绍信's 有效期, default 3 months — local practice, commonly 1–3 months) and
``SHEGONG_TRANSFER_AWAY_MONTHS`` (away this long at a fixed place → suggest a transfer,
default 6 — 党员教育管理工作条例 第二十五条).
"""

from __future__ import annotations

from django.conf import settings

LETTER_VALID_MONTHS_DEFAULT = 3
AWAY_MONTHS_DEFAULT = 6


def letter_valid_months() -> int:
    return int(
        getattr(settings, "SHEGONG_TRANSFER_LETTER_VALID_MONTHS", LETTER_VALID_MONTHS_DEFAULT)
    )


def away_months() -> int:
    return int(getattr(settings, "SHEGONG_TRANSFER_AWAY_MONTHS", AWAY_MONTHS_DEFAULT))
