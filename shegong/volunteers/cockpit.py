"""The volunteer service panel of the cockpit (issue 17, docs/cockpit.md): hours served
and active volunteers in the period, from the hours ledger (indexed by service date),
inside the cockpit's region; every figure links to the ledger with the same filters."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse

from shegong.core.panels import NOWHERE, CockpitQuery, Figure, Point, Series, narrow, region_root
from shegong.core.roles import Cap
from shegong.regions.models import Region

from .models import HoursEntry

NOTE = (
    "服务时长：所选期间（按服务日期）计入台账的志愿服务时长合计，含补录，冲正记录以负数抵减；"
    "活跃志愿者：期间内有时长记录的志愿者人数（去重）。按服务发生地归入区划。"
)


def hours_url(query: CockpitQuery, region_id: int | None = None) -> str:
    args = {"since": query.start.isoformat(), "until": query.end.isoformat()}
    region = region_id or query.region_id
    if region:
        args["region"] = str(region)
    return f"{reverse('volunteers:hours')}?{urlencode(args)}"


class VolunteersPanel:
    key = "volunteers"
    title = "志愿服务"
    capability = Cap.VOLUNTEERS_VIEW
    order = 40

    def figures(self, query: CockpitQuery) -> list[Figure]:
        root = region_root(query)
        if root == NOWHERE:
            return []
        entries = HoursEntry.objects.visible_to(query.user).filter(
            service_date__gte=query.start, service_date__lte=query.end
        )
        entries = entries.filter(narrow(query, "region__path"))
        totals = entries.aggregate(hours=Sum("hours"), people=Count("volunteer", distinct=True))
        depth = len([p for p in (root or "/").strip("/").split("/") if p])
        hours: dict[str, Decimal] = defaultdict(Decimal)
        # summed per region id along the date index, then the few regions' paths looked up
        # (grouping by the joined path read every row's region first: 0.7 s for a metro year)
        by_region = dict(
            entries.order_by()
            .values_list("region_id")
            .annotate(n=Sum("hours"))
            .values_list("region_id", "n")
        )
        ids = list(by_region)
        paths = (
            row
            for start in range(0, len(ids), 10_000)  # within SQLite's parameter limit
            for row in Region.objects.filter(pk__in=ids[start : start + 10_000]).values_list(
                "pk", "path"
            )
        )
        for pk, path in paths:
            n = by_region[pk]
            parts = [p for p in path.strip("/").split("/") if p]
            hours["/" + "/".join(parts[: min(depth + 1, len(parts))]) + "/"] += n or Decimal(0)
        regions = {
            r.path: r
            for r in Region.objects.visible_to(query.user)
            .filter(path__in=list(hours))
            .only("pk", "path", "name", "code")
        }
        points = tuple(
            Point(regions[path].name, float(n), hours_url(query, regions[path].pk))
            for path, n in sorted(hours.items(), key=lambda item: (-item[1], item[0]))
            if path in regions
        )
        kpis = (
            Point("服务时长（小时）", float(totals["hours"] or 0), hours_url(query)),
            Point("活跃志愿者（人）", float(totals["people"] or 0), hours_url(query)),
        )
        return [
            Figure("volunteers.kpi", "志愿服务概况", "kpi", (Series("概况", kpis),), "", NOTE),
            Figure(
                "volunteers.by_region",
                "按区划的服务时长",
                "bar",
                (Series("服务时长", points),),
                "小时",
                NOTE,
            ),
        ]
