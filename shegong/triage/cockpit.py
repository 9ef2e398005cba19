"""The 诉求热点 panel of the cockpit (issue 17, docs/cockpit.md): the hotspots of triage's
last computation (``hotspots.compute_hotspots``: category × street bursts of the last 7 days
over their own baseline, ≤ 20 rows in ``Hotspot``) inside the cockpit's region.

Scope: ``Hotspot``'s own scope asks for the dispatchers' capability (the 诉求热点 page is
their tool), while the cockpit shows hotspots to whoever sees appeals. So the panel applies
the region part of that scope itself: the hotspots whose street lies in
``region_root(query)`` — what ``visible_to`` returns for a region-scoped user — and nothing
for a user without a region. A hotspot without a known street is shown to a superuser only.

Period: the table keeps only the last computation; it is shown when its day lies in the
chosen period, else the figure is empty and says why (a past period has no stored
hotspots). Category: a chosen 一级 category keeps the hotspots of that category.
What is counted: the cockpit's appeals (no 检举控告, no appeal merged into another,
``appeals.filters.counted_q``) by triage's machine category in the 7 days before the
computation. Drill-down: each hotspot keeps the ids it counts, and its 近7天件数 links to
the list of exactly those (``triage:hotspot-appeals``); a row computed before the ids were
kept has no link.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from shegong.core.panels import NOWHERE, CockpitQuery, Figure, Point, Series, region_root
from shegong.core.roles import Cap
from shegong.core.tree import subtree_q

from .models import Hotspot

NOTE = (
    "智能分拣每10分钟（有新分拣时）计算的诉求热点：近7天内某一级类别在某街道的登记件数"
    "显著高于其前3周基线（z 值为偏离程度），取前20个。类别为智能分拣判断的类别；"
    "不含检举控告类和已并入其他诉求的重复件。只保留最近一次计算：其计算日期在所选期间内时显示，"
    "否则为空。热点按其街道归入所选区划；点击件数查看该次计算计入的诉求。"
)


def hotspots_in(query: CockpitQuery) -> list[Hotspot]:
    """The last computation's hotspots inside the query's region, period and category."""
    root = region_root(query)
    if root == NOWHERE:
        return []
    rows = Hotspot.objects.select_related("region").order_by("rank")
    if root is not None:
        # Always the range, even for the whole tree: it also leaves out the hotspots without
        # a known street, which are a superuser's only (``HotspotQuerySet.in_region_of``);
        # the table holds only the last computation, so the range costs nothing.
        rows = rows.filter(subtree_q(root, "region__path"))
    if query.category:
        rows = rows.filter(label=query.category)
    return [h for h in rows if query.start <= timezone.localdate(h.computed_at) <= query.end]


def appeals_url(hotspot: Hotspot) -> str | None:
    """The list of exactly the appeals the hotspot counts; none for a row computed before
    the ids were kept (its ``appeal_ids`` do not add up to its count)."""
    if len(hotspot.appeal_ids) != hotspot.count:
        return None
    return reverse("triage:hotspot-appeals", args=[hotspot.pk])


class HotspotsPanel:
    key = "hotspots"
    title = "诉求热点"
    capability = Cap.APPEALS_VIEW
    order = 15

    def figures(self, query: CockpitQuery) -> list[Figure]:
        if not (query.user.is_superuser or query.user.has_capability(Cap.APPEALS_VIEW)):
            return []
        if region_root(query) == NOWHERE:
            return []
        rows = hotspots_in(query)
        as_of = rows[0].computed_at if rows else None
        series = tuple(
            Series(
                f"{h.place}·{h.label}",
                (
                    Point("排名", float(h.rank), None),
                    Point("近7天件数", float(h.count), appeals_url(h)),
                    Point("基线（件）", round(h.baseline, 1), None),
                    Point("z 值", round(h.z, 1), None),
                ),
            )
            for h in rows
        )
        counts = tuple(Point(f"{h.place}·{h.label}", float(h.count), appeals_url(h)) for h in rows)
        return [
            Figure(
                "hotspots.table",
                "诉求热点（最近一次计算）",
                "table",
                series,
                "",
                NOTE,
                columns=("热点（地点·类别）", "排名", "近7天件数", "基线（件）", "z 值"),
                as_of=as_of,
            ),
            Figure(
                "hotspots.counts",
                "热点近7天件数",
                "bar",
                (Series("近7天件数", counts),),
                "件",
                "同“诉求热点”表：各热点近7天的登记件数。",
                as_of=as_of,
            ),
        ]
