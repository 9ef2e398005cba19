"""The 理论学习 panel of the cockpit (issue 17, docs/cockpit.md): party members' study hours
in the period, inside the cockpit's region — in total, by region one level down and by
学习形式.

Rows: ``StudyRecord.objects.visible_to(user)`` of members (a department cadre's own records
are not members' study), ``studied_on`` in the period, whose member's organization lies in
``region_root(query)`` — the same rows the study pages sum for a member's year
(``services.progress``). One aggregate per figure over the period's records. The study pages
have no list of records by period and region, so the figures carry no drill-down link
(``Point.url`` None, as the registry allows).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from shegong.core.panels import NOWHERE, CockpitQuery, Figure, Point, Series, narrow, region_root
from shegong.core.roles import Cap
from shegong.regions.models import Region

from .choices import StudyKind
from .models import StudyRecord

NOTE = (
    "学习时长：所选期间内（按学习日期）党员学习记录的学时合计，含集体学习出席、集中培训、"
    "网络学习和个人自学，按党员所在党组织的区划归入所选区划；机关干部的学习不计入。"
    "参学党员：期间内有学习记录的党员人数（去重）；人均学时＝学习时长／参学党员。"
    "学习页面暂无按期间和区划列出学习记录的清单，故数字不可点击。"
)

REGION_PATH = "member__organization__region__path"


def records_in(query: CockpitQuery) -> QuerySet[StudyRecord]:
    """The members' study records the panel sums (see the module docstring)."""
    rows = StudyRecord.objects.visible_to(query.user).filter(
        member__isnull=False, studied_on__gte=query.start, studied_on__lte=query.end
    )
    return rows.filter(narrow(query, REGION_PATH))


class StudyPanel:
    key = "study"
    title = "理论学习"
    capability = Cap.STUDY_VIEW
    order = 37

    def figures(self, query: CockpitQuery) -> list[Figure]:
        root = region_root(query)
        if root == NOWHERE:
            return []
        if not (query.user.is_superuser or query.user.has_capability(Cap.STUDY_VIEW)):
            return []
        rows = records_in(query)
        totals = rows.aggregate(hours=Sum("hours"), people=Count("member", distinct=True))
        hours = totals["hours"] or Decimal(0)
        people = int(totals["people"] or 0)
        kpis = (
            Point("学习时长（学时）", float(hours), None),
            Point("参学党员（人）", people, None),
            Point("人均学时", round(float(hours) / people, 1) if people else 0.0, None),
        )
        return [
            Figure("study.kpi", "党员学习概况", "kpi", (Series("概况", kpis),), "", NOTE),
            self.by_region(query, rows, root),
            self.by_kind(rows),
        ]

    def by_region(
        self, query: CockpitQuery, rows: QuerySet[StudyRecord], root: str | None
    ) -> Figure:
        depth = len([p for p in (root or "/").strip("/").split("/") if p])
        hours: dict[str, Decimal] = defaultdict(Decimal)
        for path, n in (
            rows.values_list(REGION_PATH).annotate(n=Sum("hours")).values_list(REGION_PATH, "n")
        ):
            parts = [p for p in path.strip("/").split("/") if p]
            hours["/" + "/".join(parts[: min(depth + 1, len(parts))]) + "/"] += n or Decimal(0)
        names = dict(
            Region.objects.visible_to(query.user)
            .filter(path__in=list(hours))
            .values_list("path", "name")
        )
        points = tuple(
            Point(names[path], float(n), None)
            for path, n in sorted(hours.items(), key=lambda item: (-item[1], item[0]))
            if path in names and n
        )
        return Figure(
            "study.by_region",
            "按区划的党员学习时长",
            "bar",
            (Series("学习时长", points),),
            "学时",
            "口径同“学习时长”，按党员所在党组织的区划归入所选区划的下一级区划。",
        )

    def by_kind(self, rows: QuerySet[StudyRecord]) -> Figure:
        labels = dict(StudyKind.choices)
        by_kind = dict(rows.values_list("kind").annotate(n=Sum("hours")).values_list("kind", "n"))
        points = tuple(
            Point(str(labels[kind]), float(by_kind[kind]), None)
            for kind in StudyKind.values
            if by_kind.get(kind)
        )
        return Figure(
            "study.by_kind",
            "按学习形式的党员学习时长",
            "bar",
            (Series("学习时长", points),),
            "学时",
            "口径同“学习时长”，按学习形式（专题学习、研讨交流、党课为集体学习）分列。",
        )
