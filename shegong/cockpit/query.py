"""Reading the cockpit's filters from a request (page and API alike)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.panels import CockpitQuery
from shegong.regions.models import Region
from shegong.regions.subtree import holds_every_region

DEFAULT_DAYS = 30
MAX_DAYS = 366 * 3


class BadFilter(DomainError):
    """A filter the cockpit cannot use; the message is shown to the user (Chinese)."""


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date
    region: Region | None
    category: str


def _date(raw: str, label: str) -> datetime.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise BadFilter(f"{label}“{raw}”不是有效日期，应为 年-月-日，如 2026-01-31") from exc


def read_filters(user: User, params: Mapping[str, str]) -> Filters:
    """``start``/``end`` (inclusive, default the last 30 days), ``region`` (an id inside the
    user's jurisdiction; default the user's own region) and ``category`` (一级, or "-" for
    the uncategorised). Raises ``BadFilter`` with a Chinese message."""
    today = timezone.localdate()
    end = _date(params.get("end", ""), "截止日期") or today
    start = _date(params.get("start", ""), "起始日期") or end - datetime.timedelta(
        days=DEFAULT_DAYS - 1
    )
    if start > end:
        raise BadFilter("起始日期不能晚于截止日期")
    if (end - start).days >= MAX_DAYS:
        raise BadFilter("查询区间最长三年，请缩小日期范围")
    region = user.region
    raw_region = params.get("region", "").strip()
    if raw_region:
        if not raw_region.isdigit():
            raise BadFilter(f"区划“{raw_region}”无效")
        found = Region.objects.visible_to(user).filter(pk=int(raw_region)).first()
        inside = found is not None and (
            user.is_superuser
            or (user.region is not None and found.path.startswith(user.region.path))
        )
        if found is None or not inside:
            raise BadFilter("所选区划不在您的管辖范围内")
        region = found
    category = params.get("category", "").strip()[:50]
    return Filters(start=start, end=end, region=region, category=category)


def build_query(user: User, filters: Filters) -> CockpitQuery:
    region = filters.region
    return CockpitQuery(
        user=user,
        start=filters.start,
        end=filters.end,
        region_id=region.pk if region is not None else None,
        category=filters.category or None,
        region_path=region.path if region is not None else None,
        whole_tree=region is not None and holds_every_region(region.path),
    )
