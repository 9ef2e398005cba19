"""The panels' figures as plain data: what the page draws and the API returns."""

from __future__ import annotations

import datetime
from typing import TypedDict

from django.utils import timezone

from shegong.core.panels import CockpitQuery, Figure, PanelProvider


class PointData(TypedDict):
    label: str
    value: float
    url: str | None
    group: str


class SeriesData(TypedDict):
    name: str
    points: list[PointData]


class FigureData(TypedDict):
    key: str
    title: str
    chart: str
    unit: str
    note: str
    columns: list[str]
    series: list[SeriesData]
    as_of: str  # 「数据更新于」: "HH:MM" today, "M月D日 HH:MM" before; "" when counted live


def as_of_label(at: datetime.datetime | None) -> str:
    if at is None:
        return ""
    local = timezone.localtime(at)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"


class PanelData(TypedDict):
    key: str
    title: str
    figures: list[FigureData]


def figure_data(figure: Figure) -> FigureData:
    return {
        "key": figure.key,
        "title": figure.title,
        "chart": figure.chart,
        "unit": figure.unit,
        "note": figure.note,
        "columns": list(figure.columns),
        "as_of": as_of_label(figure.as_of),
        "series": [
            {
                "name": s.name,
                "points": [
                    {"label": p.label, "value": p.value, "url": p.url, "group": p.group}
                    for p in s.points
                ],
            }
            for s in figure.series
        ],
    }


def panel_data(provider: PanelProvider, query: CockpitQuery) -> PanelData:
    return {
        "key": provider.key,
        "title": provider.title,
        "figures": [figure_data(f) for f in provider.figures(query)],
    }


Row = tuple[str, list[PointData]]


def table_rows(figure: FigureData) -> list[Row]:
    """A chart's data as rows (one per label of the first series, one cell per series),
    for the table beside it."""
    if not figure["series"]:
        return []
    by_series = [s["points"] for s in figure["series"]]
    return [
        (p["label"], [points[i] for points in by_series if i < len(points)])
        for i, p in enumerate(by_series[0])
    ]


def display(panels: list[PanelData]) -> list[tuple[PanelData, list[tuple[FigureData, list[Row]]]]]:
    return [(p, [(f, table_rows(f)) for f in p["figures"]]) for p in panels]
