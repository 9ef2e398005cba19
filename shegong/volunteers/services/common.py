"""Helpers shared by the volunteer services: the policy, capability checks, ages."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError

from ..models import Volunteer, VolunteerPolicy


def get_policy() -> VolunteerPolicy:
    """The one policy row (created with the rules-file defaults on first use)."""
    policy = VolunteerPolicy.objects.filter(pk=1).first()
    if policy is None:
        policy, _ = VolunteerPolicy.objects.get_or_create(pk=1)
    return policy


def clean_hours(value: Any, *, maximum: Decimal, allow_zero: bool = False) -> Decimal:
    """A number of service hours: finite, > 0 (or >= 0), at most ``maximum``, two decimals.
    NaN/Infinity and non-numbers get a Chinese message instead of a crash."""
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError("服务时长应为数字") from None
    if not hours.is_finite() or hours < 0 or (hours == 0 and not allow_zero) or hours > maximum:
        low = "不小于0" if allow_zero else "大于0"
        raise DomainError(f"服务时长应{low}且不超过{maximum}小时")
    return hours.quantize(Decimal("0.01"))


def fmt_hours(value: Decimal) -> str:
    """Hours for people: ``Decimal("10.00")`` → "10", ``Decimal("2.50")`` → "2.5"."""
    return format(value.normalize(), "f")


def star_for(total: Decimal | float | int, thresholds: Sequence[int | float]) -> int:
    """Star level for ``total`` hours: how many thresholds (ascending) it has reached."""
    return bisect.bisect_right([Decimal(str(t)) for t in thresholds], Decimal(str(total)))


def age_on(birth_date: date, on: date) -> int:
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def is_minor(volunteer: Volunteer, on: date, policy: VolunteerPolicy | None = None) -> bool:
    policy = policy or get_policy()
    return age_on(volunteer.birth_date, on) < policy.adult_age


def actor_repr(actor: User | None) -> str:
    if actor is not None and getattr(actor, "pk", None):
        return str(getattr(actor, "full_name", "") or actor.get_username())[:150]
    return "志愿者本人"
