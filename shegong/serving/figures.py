"""Figures: needs met, time to match, hours by unit and by branch, unmet needs by
community — one computation for the page, the XLSX and the cockpit panel.

Every figure counts ``ServiceOrder.objects.visible_to(user)`` (claims through their
order), created within ``start..end`` (Beijing dates), optionally within a region."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.core.panels import CockpitQuery, Figure, Point, Series
from shegong.core.roles import Cap
from shegong.core.scoping import ScopedUser
from shegong.core.tree import subtree_q
from shegong.regions.models import Region

from .choices import ClaimStatus, NeedKind, OrderStatus
from .models import Claim, ServiceOrder

OPEN = [OrderStatus.OPEN, OrderStatus.FULL, OrderStatus.DONE]


@dataclass
class Figures:
    total: int
    met: int
    cancelled: int
    matched: int
    avg_match_hours: float | None
    by_kind: list[tuple[str, str, int, int]]  # kind, label, all, met
    hours_by_unit: list[tuple[str, Decimal]]
    hours_by_branch: list[tuple[str, Decimal]]
    unmet_by_community: list[tuple[int, str, int]]


# A typed period is read within these years: 0001-01-01 or 9999-12-31 would overflow when
# the day's bounds are turned into UTC times (a 500 on the page, the XLSX and the API).
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)


def check_period(start: datetime.date, end: datetime.date) -> None:
    """Refuse a reversed period (it would count nothing) with a Chinese message."""
    if start > end:
        raise DomainError("开始日期不能晚于结束日期")


def _window(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    tz = timezone.get_current_timezone()
    start = min(max(start, FIRST_DAY), LAST_DAY)
    end = min(max(end, FIRST_DAY), LAST_DAY)
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return low, high


def orders_for(
    user: ScopedUser | None,
    start: datetime.date,
    end: datetime.date,
    region_id: int | None = None,
) -> QuerySet[ServiceOrder]:
    low, high = _window(start, end)
    qs = ServiceOrder.objects.visible_to(user).filter(created_at__gte=low, created_at__lt=high)
    if region_id is not None:
        region = Region.objects.visible_to(user).filter(pk=region_id).first()
        if region is None:
            return qs.none()
        qs = qs.filter(subtree_q(region.path, "community__path"))
    return qs


def compute(
    user: ScopedUser | None,
    start: datetime.date,
    end: datetime.date,
    region_id: int | None = None,
) -> Figures:
    orders = orders_for(user, start, end, region_id)
    counts = orders.aggregate(
        total=Count("pk", filter=~Q(status=OrderStatus.CANCELLED)),
        met=Count("pk", filter=Q(status=OrderStatus.CONFIRMED)),
        cancelled=Count("pk", filter=Q(status=OrderStatus.CANCELLED)),
        matched=Count("pk", filter=Q(first_claimed_at__isnull=False)),
        # time to match, averaged in the database (AVG of an interval; NULL lags left out)
        lag=Avg(
            ExpressionWrapper(F("first_claimed_at") - F("created_at"), output_field=DurationField())
        ),
    )
    lag: datetime.timedelta | None = counts["lag"]
    kinds = dict(NeedKind.choices)
    by_kind = [
        (row["kind"], kinds[row["kind"]], row["n"], row["met"])
        for row in orders.exclude(status=OrderStatus.CANCELLED)
        .values("kind")
        .annotate(n=Count("pk"), met=Count("pk", filter=Q(status=OrderStatus.CONFIRMED)))
        .order_by("kind")
    ]
    served = Claim.objects.filter(
        order__in=orders.filter(status=OrderStatus.CONFIRMED), status=ClaimStatus.OUT
    )
    by_unit = [
        (row["name"] or "个人（未登记单位）", row["hours"] or Decimal(0))
        for row in served.values(name=F("report__unit_name"))
        .annotate(hours=Sum("hours"))
        .order_by("-hours")[:20]
    ]
    by_branch = [
        (row["name"] or "未关联党员档案", row["hours"] or Decimal(0))
        for row in served.values(name=F("report__member__organization__name"))
        .annotate(hours=Sum("hours"))
        .order_by("-hours")[:20]
    ]
    unmet = [
        (row["community_id"], row["community__name"], row["n"])
        for row in orders.filter(status__in=OPEN)
        .values("community_id", "community__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "community__name")[:20]
    ]
    return Figures(
        total=counts["total"],
        met=counts["met"],
        cancelled=counts["cancelled"],
        matched=counts["matched"],
        avg_match_hours=round(lag.total_seconds() / 3600, 1) if lag is not None else None,
        by_kind=by_kind,
        hours_by_unit=by_unit,
        hours_by_branch=by_branch,
        unmet_by_community=unmet,
    )


def list_url(start: datetime.date, end: datetime.date, **params: object) -> str:
    query = {"start": start.isoformat(), "end": end.isoformat()}
    query.update({k: str(v) for k, v in params.items() if v not in (None, "")})
    return f"{reverse('serving:orders')}?{urlencode(query)}"


class ServingPanel:
    """The cockpit's 双报到与志愿服务 panel (core/panels.py contract)."""

    key = "serving"
    title = "双报到与志愿服务"
    capability = Cap.SERVING_VIEW
    order = 60

    def figures(self, query: CockpitQuery) -> list[Figure]:
        # the whole tree needs no region condition (a join to every region of a metro city)
        f = compute(
            query.user, query.start, query.end, None if query.whole_tree else query.region_id
        )
        s, e, r = query.start, query.end, query.region_id
        rate = round(100 * f.met / f.total, 1) if f.total else 0.0
        return [
            Figure(
                "serving.needs_met",
                "需求完成",
                "kpi",
                (
                    Series(
                        "需求",
                        (
                            Point("需求总数", f.total, list_url(s, e, region=r)),
                            Point(
                                "已确认完成",
                                f.met,
                                list_url(s, e, region=r, status=OrderStatus.CONFIRMED),
                            ),
                            Point("完成率", rate, None),
                        ),
                    ),
                ),
                unit="件",
                note="期间内登记的服务需求（微心愿、诉求转服务、社区项目，不含已取消）"
                "及其中经居民或社区确认完成的件数；按登记日期计。",
            ),
            Figure(
                "serving.time_to_match",
                "平均认领用时",
                "kpi",
                (
                    Series(
                        "用时",
                        (
                            Point(
                                "平均小时",
                                f.avg_match_hours or 0,
                                list_url(s, e, region=r, matched="1"),
                            ),
                        ),
                    ),
                ),
                unit="小时",
                note="期间内登记且已有人认领或指派的需求，从登记到首次认领的平均小时数。",
            ),
            Figure(
                "serving.hours_by_unit",
                "服务时长（按报到单位）",
                "bar",
                (Series("时长", tuple(Point(n, float(h), None) for n, h in f.hours_by_unit)),),
                unit="小时",
                note="期间内登记、已确认完成的服务中签退计入的时长，按双报到登记的工作单位汇总。",
            ),
            Figure(
                "serving.unmet_by_community",
                "未完成需求（按社区）",
                "bar",
                (
                    Series(
                        "未完成",
                        tuple(
                            Point(name, n, list_url(s, e, community=cid, status="unmet"))
                            for cid, name, n in f.unmet_by_community
                        ),
                    ),
                ),
                unit="件",
                note="期间内登记、尚未确认完成且未取消的需求，按服务社区汇总。",
            ),
        ]
