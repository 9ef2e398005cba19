"""Helpers shared by the organizations pages (scope, capability checks, the coverage region)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages

from shegong.accounts.http import AuthedHttpRequest
from shegong.lib.text import parse_id
from shegong.regions.models import Region

from ..choices import (
    CommitteePost,
    EntityKind,
    Industry,
    SizeBand,
)
from ..services import coverage as coverage_services

BASE_CRUMB = ("两新覆盖", "/organizations/")
POST_ORDER = [str(p) for p in CommitteePost.values]  # 书记, 副书记, 组织, 宣传, 纪检, 委员


def query_string(request: AuthedHttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def current_root(request: AuthedHttpRequest) -> Region | None:
    """The region the coverage page looks at: ?region=…, else the user's own region."""
    user = request.user
    visible = Region.objects.visible_to(user)
    raw = request.GET.get("region", "")
    if (region_pk := parse_id(raw)) is not None:
        region = visible.filter(pk=region_pk).first()
        if region is not None:
            return region
    if user.region_id and visible.filter(pk=user.region_id).exists():
        return user.region
    return visible.order_by("depth").first()


def coverage_breakdown(
    request: AuthedHttpRequest, root: Region | None
) -> coverage_services.Breakdown:
    return coverage_services.coverage_for(
        request.user,
        root,
        kind=request.GET.get("kind", "") if request.GET.get("kind") in EntityKind.values else "",
        industry=request.GET.get("industry", "")
        if request.GET.get("industry") in Industry.values
        else "",
        size_band=request.GET.get("size_band", "")
        if request.GET.get("size_band") in SizeBand.values
        else "",
    )


def form_error(request: AuthedHttpRequest, form: Any) -> None:
    messages.error(
        request,
        "请检查填写的内容："
        + "；".join(
            f"{form.fields[f].label if f in form.fields else ''}{e[0]}"
            for f, e in form.errors.items()
        ),
    )
