"""Helpers shared by the organizations services (not services themselves)."""

from __future__ import annotations

from shegong.core.exceptions import DomainError
from shegong.core.tabular import INTEGER_MAX
from shegong.regions.models import Region


def street_code_of(path: str) -> str | None:
    """The 街道/乡镇 segment of a region path (``/city/district/street/…``), if deep enough."""
    parts = [p for p in path.strip("/").split("/") if p]
    return parts[2] if len(parts) >= 3 else None


def street_of(region: Region) -> Region | None:
    code = street_code_of(region.path)
    if code is None:
        return None
    if code == region.code:
        return region
    return Region.objects.filter(code=code).first()


def check_counts(**counts: tuple[str, int | None]) -> None:
    """Refuse negative counts before they reach a CHECK constraint (an IntegrityError
    would be a 500). ``counts`` maps a field to (its Chinese label, the value or None)."""
    for label, value in counts.values():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(f"{label}应为整数")
        if value < 0:
            raise DomainError(f"{label}不能为负数")
        if value > INTEGER_MAX:  # the integer column's limit: beyond it the write would fail
            raise DomainError(f"{label}不能超过{INTEGER_MAX}")


# 党章第三十一条: 党的基层委员会每届任期三年至五年; a wider range is accepted for the
# organization's own (approved) term, anything else is a typo.
TERM_YEARS_RANGE = (1, 10)


def check_term_years(value: int | None) -> None:
    low, high = TERM_YEARS_RANGE
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(f"任期年限应为 {low}–{high} 年的整数（党章规定一般为三至五年）")
