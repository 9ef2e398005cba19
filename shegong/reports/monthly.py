"""The monthly 接诉即办 report's figures for one region (a district or the city) and month.

Every 三率 figure comes from the appeals app's own functions (``assessment.monthly_ranking``
for units, ``assessment.region_rollup`` for districts/streets) — never recomputed here. The
other tables are direct, documented queries over appeals rows (docs/reports.md).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from shegong.appeals.choices import AppealKind, WorkOrderRole, WorkOrderStatus
from shegong.appeals.models import Appeal, AssessmentFact, ScoreAppeal, WorkOrder
from shegong.appeals.services import assessment
from shegong.appeals.services.identity import masked_text
from shegong.core.tree import subtree_q
from shegong.regions.models import Region
from shegong.units.models import Unit

from .periods import Period, month_period
from .schema import MONTHLY
from .tables import Cell, ReportContent, Table, pct

TOP = 10
HOTSPOT_MIN = 3  # a category × street pair needs at least this many appeals this month


def _table(key: str, rows: list[dict[str, Cell]], note: str) -> Table:
    title, cols = MONTHLY[key]
    return Table(key, title, cols, rows, note)


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as local-time instants [start, end)."""
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(period.start, time.min), zone),
        timezone.make_aware(datetime.combine(period.end_exclusive, time.min), zone),
    )


def _rate_cells(figures: assessment.Figures) -> dict[str, Cell]:
    return {
        "replied": figures.counts["replied"],
        "revisited": figures.counts["revisited"],
        "response": pct(figures.response),
        "resolution": pct(figures.resolution),
        "satisfaction": pct(figures.satisfaction),
        "on_time": pct(figures.on_time),
        "composite": pct(figures.composite),
    }


def unit_ids_in(region: Region) -> list[int] | None:
    """The units a region's report ranks: every unit for the city, else the units placed in
    the region's subtree (a city-level bureau is ranked in the city report only)."""
    if region.parent_id is None:
        return None
    return list(
        Unit.objects.filter(subtree_q(region.path, "region__path")).values_list("pk", flat=True)
    )


def units_table(region: Region, month: date) -> Table:
    rows = assessment.monthly_ranking(month=month, unit_ids=unit_ids_in(region))
    data: list[dict[str, Cell]] = [
        {
            "rank": r.rank or "",
            "name": r.unit_name,
            **_rate_cells(r.adjusted),
            "mark": {"red": "红", "yellow": "黄"}.get(r.mark, ""),
            "exempted": r.exempted,
        }
        for r in rows
    ]
    return _table(
        "units",
        data,
        "同“三率考核”页：按主办单位、答复月份统计，免责后数字（assessment.monthly_ranking）。",
    )


def facts_in(region: Region, month: date) -> QuerySet[AssessmentFact]:
    return AssessmentFact.objects.filter(month=month).filter(subtree_q(region.path, "region_path"))


def region_depth(region: Region) -> int:
    """The depth of the report's 三率 rows: districts in the city report, streets in a
    district's (path depth: city 0, district 1, street 2)."""
    return 1 if region.parent_id is None else 2


def regions_table(region: Region, month: date) -> Table:
    figures = assessment.region_rollup(facts=facts_in(region, month), depth=region_depth(region))
    names = dict(Region.objects.filter(path__in=list(figures)).values_list("path", "name"))
    ordered = sorted(figures.items(), key=lambda kv: (-(kv[1][1].composite or 0), kv[0]))
    rows: list[dict[str, Cell]] = [
        {"name": names.get(path, path), **_rate_cells(adjusted)}
        for path, (_raw, adjusted) in ordered
    ]
    return _table(
        "regions",
        rows,
        "按诉求发生地汇总到"
        + ("区县" if region_depth(region) == 1 else "街道")
        + "，免责后数字（assessment.region_rollup）。",
    )


def appeals_in(
    region: Region, period: Period, base: QuerySet[Appeal] | None = None
) -> QuerySet[Appeal]:
    """Appeals registered in the period whose place lies in the region; merged duplicates are
    left out (they are counted in the appeal they were merged into)."""
    start, end = bounds(period)
    return (Appeal.objects.all() if base is None else base).filter(
        subtree_q(region.path, "region__path"),
        registered_at__gte=start,
        registered_at__lt=end,
        merged_into__isnull=True,
    )


def _ranked(counts: list[tuple[str, int]], total: int) -> list[dict[str, Cell]]:
    counts.sort(key=lambda kv: (-kv[1], kv[0]))
    return [
        {"rank": i, "name": name, "count": n, "share": pct(n / total if total else None)}
        for i, (name, n) in enumerate(counts[:TOP], start=1)
    ]


def categories_table(region: Region, period: Period) -> tuple[Table, int]:
    qs = appeals_in(region, period)
    rows = qs.values_list("category_l1").annotate(n=Count("pk")).order_by()
    counts = [(name or "未分类", int(n)) for name, n in rows]
    total = sum(n for _, n in counts)
    table = _table(
        "categories",
        _ranked(counts, total),
        "本月登记的诉求按一级类别计数；占比的分母为本月诉求总数。",
    )
    return table, total


def places_table(region: Region, period: Period, total: int) -> Table:
    qs = appeals_in(region, period)
    rows = qs.values_list("region__full_name").annotate(n=Count("pk")).order_by()
    counts = [(name, int(n)) for name, n in rows]
    return _table(
        "places", _ranked(counts, total), "本月登记的诉求按登记的发生地（社区、网格等）计数。"
    )


def _street_of(path: str) -> str | None:
    parts = [p for p in path.strip("/").split("/") if p]
    return "/" + "/".join(parts[:3]) + "/" if len(parts) >= 3 else None


def _category_street_counts(region: Region, period: Period) -> dict[tuple[str, str], int]:
    qs = appeals_in(region, period)
    out: dict[tuple[str, str], int] = defaultdict(int)
    for category, path, n in (
        qs.values_list("category_l1", "region__path").annotate(n=Count("pk")).order_by()
    ):
        street = _street_of(path)
        if street is not None:
            out[(category or "未分类", street)] += int(n)
    return out


def previous_month(period: Period) -> Period:
    before = period.start - timedelta(days=1)
    return month_period(before.year, before.month)


def hotspots_table(region: Region, period: Period) -> Table:
    now = _category_street_counts(region, period)
    before = _category_street_counts(region, previous_month(period))
    rises = [
        (category, street, n, before.get((category, street), 0))
        for (category, street), n in now.items()
        if n >= HOTSPOT_MIN and n > before.get((category, street), 0)
    ]
    rises.sort(key=lambda r: (-(r[2] - r[3]), -r[2], r[0], r[1]))
    names = dict(
        Region.objects.filter(path__in={r[1] for r in rises}).values_list("path", "full_name")
    )
    rows: list[dict[str, Cell]] = [
        {"category": c, "place": names.get(s, s), "count": n, "previous": p, "rise": n - p}
        for c, s, n, p in rises[:TOP]
    ]
    return _table(
        "hotspots",
        rows,
        f"一级类别 × 街道，本月件数不少于 {HOTSPOT_MIN} 件且多于上月，按增加件数排序。"
        "这是报告自行计算的简单环比，不是智能分拣的热点发现。",
    )


def overdue_orders(region: Region, period: Period) -> QuerySet[WorkOrder]:
    """主办 work orders whose due time fell in the period and that were not replied by it
    (replied late, or not replied at all); withdrawn and returned orders are left out, and
    so are 检举控告 (a report is read beyond the units that handle them)."""
    start, end = bounds(period)
    return (
        WorkOrder.objects.filter(
            subtree_q(region.path, "appeal__region__path"),
            role=WorkOrderRole.LEAD,
            due_at__gte=start,
            due_at__lt=end,
        )
        .exclude(status__in=[WorkOrderStatus.CANCELLED, WorkOrderStatus.RETURNED])
        .exclude(appeal__kind=AppealKind.XF_ACCUSATION)
        .filter(Q(replied_at__isnull=True) | Q(replied_at__gt=F("due_at")))
        .select_related("appeal", "appeal__region", "unit")
        .order_by("due_at", "pk")
    )


def _stamp(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "未答复"


def overdue_table(region: Region, period: Period) -> Table:
    rows: list[dict[str, Cell]] = [
        {
            "number": o.appeal.number,
            "title": masked_text(o.appeal.title),
            "place": o.appeal.region.full_name,
            "unit": o.unit.name,
            "due": _stamp(o.due_at),
            "replied": _stamp(o.replied_at),
        }
        for o in overdue_orders(region, period).iterator(chunk_size=2000)
    ]
    return _table(
        "overdue",
        rows,
        "办理期限在本月、到期未答复（含逾期答复和至今未答复）的主办工单；不含已撤回、已退单的工单和检举控告。",
    )


REASONS: dict[str, str] = {
    str(k): str(v)
    for k, v in getattr(ScoreAppeal._meta.get_field("reason_kind"), "choices", None) or []
}


def score_appeals_table(region: Region, period: Period) -> Table:
    start, end = bounds(period)
    rows = (
        ScoreAppeal.objects.filter(
            subtree_q(region.path, "fact__region_path"), filed_at__gte=start, filed_at__lt=end
        )
        .values_list("reason_kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_reason: dict[str, dict[str, int]] = {}
    for reason, status, n in rows:
        bucket = by_reason.setdefault(reason, {"accepted": 0, "rejected": 0, "pending": 0})
        bucket[status] = bucket.get(status, 0) + int(n)
    data: list[dict[str, Cell]] = []
    totals = {"filed": 0, "accepted": 0, "rejected": 0, "pending": 0}
    for reason, label in REASONS.items():
        if reason not in by_reason:
            continue
        b = by_reason[reason]
        filed = b["accepted"] + b["rejected"] + b["pending"]
        data.append({"reason": str(label), "filed": filed, **b})
        for k, v in (("filed", filed), *b.items()):
            totals[k] += v
    if data:
        data.append({"reason": "合计", **totals})
    return _table(
        "score_appeals",
        data,
        "本月提出的考核申诉，按类型和审核结果计数（状态为生成报告时的状态）；"
        "已认可的申诉使对应件免责，三率表为免责后数字。",
    )


def build(region: Region, period: Period, *, generated: datetime) -> ReportContent:
    month = period.start
    categories, total = categories_table(region, period)
    overdue = overdue_table(region, period)
    units = units_table(region, month)
    ranked = [r for r in units.rows if r["rank"] != ""]
    summary = [
        f"本月{region.name}登记诉求 {total} 件（不含合并入其他诉求的重复件）。",
        f"参与三率排名的承办单位 {len(ranked)} 个；"
        f"到期未按时答复的主办工单 {len(overdue.rows)} 件。",
    ]
    return ReportContent(
        title=f"{region.name}接诉即办月度报告",
        region_name=region.full_name or region.name,
        period_label=period.label,
        generated_label=timezone.localtime(generated).strftime("%Y年%m月%d日 %H:%M"),
        summary=summary,
        tables=[
            units,
            regions_table(region, month),
            categories,
            places_table(region, period, total),
            hotspots_table(region, period),
            overdue,
            score_appeals_table(region, period),
        ],
    )
