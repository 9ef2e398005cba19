"""The appeals behind a monthly report, as one XLSX of any length (streamed, constant memory:
``core.exporting.streamed_xlsx_response``). The rows are the report's own selection
(``monthly.appeals_in``: registered in the month, placed in the report's region, merged
duplicates left out) **intersected with what the downloading user may see**
(``Appeal.objects.visible_to``), titles masked as every appeals export masks them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import AppealKind, AppealStatus, Channel
from shegong.appeals.models import Appeal
from shegong.appeals.services.identity import masked_text
from shegong.regions.models import Region

from .monthly import appeals_in
from .periods import Period

HEADERS = [
    "登记编号",
    "类别",
    "渠道",
    "标题",
    "发生地",
    "状态",
    "主办单位",
    "一级类别",
    "登记时间",
    "答复时间",
    "办结时间",
]
FIELDS = (
    "number",
    "kind",
    "channel",
    "title",
    "region__full_name",
    "status",
    "lead_unit__name",
    "category_l1",
    "registered_at",
    "replied_at",
    "closed_at",
)
CHUNK = 5000


def selection(user: User, region: Region, period: Period) -> QuerySet[Appeal]:
    return appeals_in(region, period, Appeal.objects.visible_to(user)).order_by("pk")


def _stamp(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def rows(queryset: QuerySet[Appeal]) -> Iterator[list[object]]:
    """One list per appeal, read ``CHUNK`` rows at a time (never the whole result)."""
    kinds = dict(AppealKind.choices)
    channels = dict(Channel.choices)
    statuses = dict(AppealStatus.choices)
    for values in queryset.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        number, kind, channel, title, place, status, unit, category, reg, rep, closed = values
        yield [
            number,
            kinds.get(kind, kind),
            channels.get(channel, channel),
            masked_text(title),
            place,
            statuses.get(status, status),
            unit or "",
            category,
            _stamp(reg),
            _stamp(rep),
            _stamp(closed),
        ]
