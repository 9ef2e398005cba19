"""Helpers of the dues pages."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from shegong.accounts.http import AuthedHttpRequest
from shegong.lib.partyrules.months import Month
from shegong.lib.text import parse_id

BASE_CRUMB = ("党费", "/dues/")


def today() -> date:
    return timezone.localdate()


def this_month() -> Month:
    return Month.of(today())


def last_complete_month() -> Month:
    """The month arrears are counted through: the current month is not over, so a member
    who has not paid it yet is not behind (nor one month nearer 自行脱党)."""
    return this_month().plus(-1)


def year_param(request: AuthedHttpRequest) -> int:
    """?year=…, within a sane window; else this year."""
    year = parse_id(request.GET.get("year", ""))
    current = today().year
    if year is None or not current - 10 <= year <= current + 1:
        return current
    return year
