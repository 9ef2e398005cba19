"""Helpers of the 组织生活 pages."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.permissions import has_capability
from shegong.core.roles import Cap
from shegong.lib.text import parse_id
from shegong.organizations.choices import OrgStatus
from shegong.organizations.models import PartyOrganization


def can_manage(request: AuthedHttpRequest) -> bool:
    return has_capability(request.user, Cap.ORGLIFE_MANAGE)


def visible_orgs(request: AuthedHttpRequest) -> QuerySet[PartyOrganization]:
    return (
        PartyOrganization.objects.visible_to(request.user)
        .filter(status=OrgStatus.ACTIVE)
        .order_by("path")
    )


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def year_quarter(request: AuthedHttpRequest) -> tuple[int, int | None]:
    """``?year=`` (default this year) and ``?quarter=`` (1–4, or none for the whole year)."""
    today = timezone.localdate()
    year = parse_id(request.GET.get("year")) or today.year
    if not 2000 <= year <= 2100:
        year = today.year
    quarter = parse_id(request.GET.get("quarter"))
    if request.GET.get("quarter") is None:
        quarter = quarter_of(today)
    if quarter is not None and not 1 <= quarter <= 4:
        quarter = None
    return year, quarter
