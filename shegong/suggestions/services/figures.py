"""Monthly figures per handling unit for the public page ``/portal/open/units/``.

Computed from the raw work orders every time (no stored counters), so the page always
agrees with the records. The definitions below are shown on the page word for word:
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from shegong.appeals.choices import AppealKind, WorkOrderRole
from shegong.appeals.models import WorkOrder
from shegong.units.models import Unit

DEFINITIONS: list[tuple[str, str]] = [
    (
        "统计对象",
        "各承办单位作为主办单位收到的工单（派单、改派、属地兜底提级均计入）；"
        "检举控告类信访事项不计入公开统计。时间按北京时间划分自然月。",
    ),
    ("收到", "当月派给该单位的主办工单数（含之后退单、被改派撤回的工单）。"),
    ("答复", "当月该单位作出答复的主办工单数（不论何时收到）。"),
    (
        "按期答复率",
        "当月答复的工单中，答复时间不晚于办理期限（含经批准的延期）的工单所占比例；"
        "没有办理期限的工单不计入分母。保留一位小数。",
    ),
    (
        "平均办理天数",
        "当月答复的工单从派单到答复所经历的时间的平均值，按自然日计（24小时为1天），保留一位小数。",
    ),
]


@dataclass
class UnitFigure:
    unit_id: int
    unit_name: str
    received: int = 0
    replied: int = 0
    with_due: int = 0
    on_time: int = 0
    handling_seconds: float = 0.0

    @property
    def on_time_rate(self) -> float | None:
        """Percent, one decimal; None when no replied order had a due time."""
        return round(100.0 * self.on_time / self.with_due, 1) if self.with_due else None

    @property
    def average_days(self) -> float | None:
        if not self.replied:
            return None
        return round(self.handling_seconds / self.replied / 86400.0, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first instant of the month, first instant of the next) in local time."""
    start = date(month.year, month.month, 1)
    end = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (
        datetime(start.year, start.month, 1, tzinfo=tz),
        datetime(end.year, end.month, 1, tzinfo=tz),
    )


def recent_months(today: date | None = None, count: int = 12) -> list[date]:
    today = today or timezone.localdate()
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def _lead_orders() -> Any:
    return WorkOrder.objects.filter(role=WorkOrderRole.LEAD).exclude(
        appeal__kind=AppealKind.XF_ACCUSATION
    )


def unit_month_figures(month: date) -> list[UnitFigure]:
    """One row per unit with anything received or replied in ``month``, busiest first."""
    start, end = month_bounds(month)
    rows: dict[int, UnitFigure] = {}

    def row(unit_id: int) -> UnitFigure:
        if unit_id not in rows:
            rows[unit_id] = UnitFigure(unit_id=unit_id, unit_name="")
        return rows[unit_id]

    received = (
        _lead_orders()
        .filter(dispatched_at__gte=start, dispatched_at__lt=end)
        .values("unit_id")
        .annotate(n=Count("pk"))
    )
    for item in received:
        row(item["unit_id"]).received = item["n"]
    replied = _lead_orders().filter(replied_at__gte=start, replied_at__lt=end)
    seconds: dict[int, float] = defaultdict(float)
    for unit_id, dispatched_at, replied_at, due_at in replied.values_list(
        "unit_id", "dispatched_at", "replied_at", "due_at"
    ).iterator(chunk_size=2000):
        figure = row(unit_id)
        figure.replied += 1
        seconds[unit_id] += max(0.0, (replied_at - dispatched_at).total_seconds())
        if due_at is not None:
            figure.with_due += 1
            figure.on_time += int(replied_at <= due_at)
    for unit_id, total in seconds.items():
        rows[unit_id].handling_seconds = total
    names = dict(Unit.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    for unit_id, figure in rows.items():
        figure.unit_name = names.get(unit_id, "")
    return sorted(rows.values(), key=lambda f: (-f.received, -f.replied, f.unit_name))


def totals(figures: list[UnitFigure]) -> UnitFigure:
    total = UnitFigure(unit_id=0, unit_name="合计")
    for f in figures:
        total.received += f.received
        total.replied += f.replied
        total.with_due += f.with_due
        total.on_time += f.on_time
        total.handling_seconds += f.handling_seconds
    return total
