"""The case timeline export (XLSX, CSV, PDF): every event and work order with its clocks."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from shegong.core.tabular import safe_cell as _safe_cell

from ..choices import (
    AppealKind,
    AppealStatus,
    EventKind,
)
from ..models import Appeal, AppealEvent, WorkOrder
from .context import _NAME_HIDDEN, OPEN_ORDER_STATES, _label, _Scrubber
from .pdf import _cjk_paragraph_class, _page_number, _pdf_font, _pdf_text

EVENT_HEADERS = ["序号", "时间", "步骤", "单位/经办", "工单", "说明", "时限", "是否按期"]
ORDER_HEADERS = [
    "承办单位",
    "角色",
    "状态",
    "派单时间",
    "签收期限",
    "签收时间",
    "签收是否按期",
    "办理期限",
    "延期",
    "答复时间",
    "办理是否按期",
    "升级层级",
]
ON_TIME, LATE, NO_CLOCK = "按期", "超期", "—"
CITIZEN_NOTE = "（群众补充材料，内容见诉求详情）"


@dataclass(frozen=True)
class Timeline:
    """The case timeline as tables of plain strings (no personal data)."""

    number: str
    title: str
    meta: list[tuple[str, str]]
    events: list[list[str]]
    orders: list[list[str]]


def _when(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def met_mark(met: bool | None) -> str:
    return NO_CLOCK if met is None else (ON_TIME if met else LATE)


def _order_marks(order: WorkOrder, now: datetime) -> tuple[str, str]:
    is_open = order.status in OPEN_ORDER_STATES
    if order.sign_due_at is None:
        sign = NO_CLOCK
    elif order.signed_at is not None:
        sign = met_mark(order.signed_at <= order.sign_due_at)
    elif is_open and now > order.sign_due_at:
        sign = LATE
    else:
        sign = NO_CLOCK
    if order.due_at is None:
        handle = NO_CLOCK
    elif order.replied_at is not None:
        handle = met_mark(order.replied_at <= order.due_at)
    elif order.breached_at is not None or (is_open and now > order.due_at):
        handle = LATE
    else:
        handle = NO_CLOCK
    return sign, handle


def build_timeline(appeal: Appeal, *, now: datetime | None = None) -> Timeline:
    """Every timeline event and every work order with its clocks. The caller loaded
    ``appeal`` through ``visible_to``. Citizen-written notes are left out (they are on the
    appeal page); phone/ID numbers and the petitioner's name are removed from notes."""
    now = now or timezone.now()
    scrub = _Scrubber(appeal, name_mask=_NAME_HIDDEN)
    events: list[list[str]] = []
    queryset = AppealEvent.objects.filter(appeal=appeal).select_related("work_order__unit")
    for index, item in enumerate(queryset.order_by("at", "pk"), start=1):
        order = item.work_order
        note = CITIZEN_NOTE if item.kind == EventKind.INFO_ADDED else scrub.citizen(item.note)
        events.append(
            [
                str(index),
                _when(item.at),
                _label(EventKind, item.kind),
                item.actor_label,
                f"{order.unit.name}（{order.get_role_display()}）" if order else "",
                note,
                _when(item.clock_due_at),
                met_mark(item.clock_met),
            ]
        )
    orders: list[list[str]] = []
    for order in appeal.work_orders.select_related("unit").order_by("dispatched_at", "pk"):
        sign, handle = _order_marks(order, now)
        due = _when(order.due_at) + ("（暂定）" if order.due_at and order.due_provisional else "")
        extension = (
            f"{order.extensions}次/{order.extended_days}天" if order.extensions else NO_CLOCK
        )
        orders.append(
            [
                order.unit.name,
                order.get_role_display(),
                order.get_status_display(),
                _when(order.dispatched_at),
                _when(order.sign_due_at),
                _when(order.signed_at),
                sign,
                due,
                extension,
                _when(order.replied_at),
                handle,
                str(order.escalation_level) if order.escalation_level else NO_CLOCK,
            ]
        )
    title = scrub.citizen(appeal.title)
    meta = [
        ("登记编号", appeal.number),
        ("标题", title),
        ("类别", _label(AppealKind, appeal.kind)),
        ("状态", _label(AppealStatus, appeal.status)),
        ("登记时间", _when(appeal.registered_at)),
        ("受理/告知期限", _when(appeal.triage_due_at)),
        ("导出时间", _when(now)),
    ]
    return Timeline(number=appeal.number, title=title, meta=meta, events=events, orders=orders)


def timeline_xlsx(timeline: Timeline) -> bytes:
    """Sheets 办理过程 (events in order), 工单时限 (work orders), 诉求信息 (meta)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheets = [
        ("办理过程", EVENT_HEADERS, timeline.events, [6, 17, 14, 18, 22, 60, 17, 10]),
        (
            "工单时限",
            ORDER_HEADERS,
            timeline.orders,
            [18, 10, 10, 17, 17, 17, 12, 22, 10, 17, 12, 10],
        ),
        ("诉求信息", ["项目", "内容"], [list(pair) for pair in timeline.meta], [16, 60]),
    ]
    for index, (name, headers, rows, widths) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = name
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_safe_cell(value) for value in row])
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(1, column).column_letter].width = width
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def timeline_csv(timeline: Timeline) -> bytes:
    """UTF-8 with BOM (opens in WPS/Excel): events, a blank line, then work orders."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EVENT_HEADERS)
    writer.writerows([_safe_cell(v) for v in row] for row in timeline.events)
    writer.writerow([])
    writer.writerow(ORDER_HEADERS)
    writer.writerows([_safe_cell(v) for v in row] for row in timeline.orders)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def timeline_pdf(timeline: Timeline) -> bytes:
    """Landscape A4: the meta block, the event table and the work-order table."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    Paragraph = _cjk_paragraph_class()

    font = _pdf_font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    head = ParagraphStyle("head", parent=cell, fontSize=14, leading=20, alignment=TA_CENTER)
    section = ParagraphStyle("section", parent=cell, fontSize=11, leading=16, spaceBefore=6)

    def table(headers: list[str], rows: list[list[str]], widths: list[float]) -> Table:
        data = [[Paragraph(_pdf_text(h), cell) for h in headers]]
        data += [[Paragraph(_pdf_text(v), cell) for v in row] for row in rows]
        result = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        result.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return result

    meta = "　".join(f"{k}：{v}" for k, v in timeline.meta)
    story: list[Any] = [
        Paragraph(_pdf_text(f"诉求办理过程（{timeline.number}）"), head),
        Paragraph(_pdf_text(meta), cell),
        Spacer(1, 4 * mm),
        Paragraph("办理过程", section),
        table(
            EVENT_HEADERS,
            timeline.events or [["", "", "", "", "", "无", "", ""]],
            [10, 27, 22, 36, 40, 87, 27, 18],
        ),
        Paragraph("工单与时限", section),
    ]
    if timeline.orders:
        story.append(
            table(ORDER_HEADERS, timeline.orders, [34, 16, 16, 24, 24, 24, 16, 32, 17, 24, 16, 14])
        )
    else:
        story.append(Paragraph("尚未派单", cell))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        topMargin=15 * mm,
        bottomMargin=22 * mm,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        title=f"诉求办理过程 {timeline.number}",
        creator="社工平台",
    )
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return out.getvalue()
