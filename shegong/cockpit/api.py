"""The cockpit API (django-ninja), scoped through ``visible_to`` like the pages: every
panel's figures as JSON (the same functions the page draws), for a city's existing 大屏."""

from __future__ import annotations

from typing import Annotated

from django.http import Http404
from ninja import Path, Query, Router, Schema
from pydantic import Field

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.panels import panels_for
from shegong.core.roles import Cap

from .figures import PanelData, panel_data
from .query import build_query, read_filters

router = Router(tags=["驾驶舱"])

PanelKey = Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$")]


class PanelFilter(Schema):
    start: str = Field("", max_length=10, description="起始日期（含），YYYY-MM-DD；默认近30天")
    end: str = Field("", max_length=10, description="截止日期（含），YYYY-MM-DD；默认今天")
    region: str = Field("", max_length=12, description="区划ID，须在本人管辖范围内")
    category: str = Field("", max_length=50, description="诉求一级类别；“-”为未分类")


class PanelRefOut(Schema):
    key: str
    title: str


class PointOut(Schema):
    label: str
    value: float
    url: str | None
    group: str


class SeriesOut(Schema):
    name: str
    points: list[PointOut]


class FigureOut(Schema):
    key: str
    title: str
    chart: str
    unit: str
    note: str
    columns: list[str]
    series: list[SeriesOut]
    as_of: str = Field(description="汇总数据更新时间（今天为 时:分）；实时统计为空")


class PanelOut(Schema):
    key: str
    title: str
    figures: list[FigureOut]


@router.get("/cockpit/panels", response=list[PanelRefOut], url_name="cockpit_panels")
def list_panels(request: AuthedHttpRequest) -> list[PanelRefOut]:
    """The panels the caller may see, in page order."""
    require_capability(request, Cap.COCKPIT_VIEW)
    return [PanelRefOut(key=p.key, title=p.title) for p in panels_for(request.user)]


@router.get("/cockpit/panels/{panel_key}", response=PanelOut, url_name="cockpit_panel")
def get_panel(
    request: AuthedHttpRequest, panel_key: PanelKey, filters: Query[PanelFilter]
) -> PanelData:
    """One panel's figures for the filters (the page's own functions, the same scope)."""
    require_capability(request, Cap.COCKPIT_VIEW)
    provider = next((p for p in panels_for(request.user) if p.key == panel_key), None)
    if provider is None:
        raise Http404
    query = build_query(request.user, read_filters(request.user, filters.dict()))
    return panel_data(provider, query)
