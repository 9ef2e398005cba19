"""Helpers shared by the staff pages of the volunteer service."""

from __future__ import annotations

from django.db.models import QuerySet

from shegong.accounts.http import AuthedHttpRequest
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region


def query_string(request: AuthedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def visible_regions(
    request: AuthedHttpRequest, min_level: int = RegionLevel.STREET
) -> QuerySet[Region]:
    return (
        Region.objects.visible_to(request.user)
        .filter(level__gte=min_level, level__lte=RegionLevel.COMMUNITY, is_active=True)
        .order_by("path")[:2000]
    )
