"""The appeals panel of the cockpit (issue 17, docs/cockpit.md).

Counts come from the daily and monthly rollups (``models.AppealDayStat`` and
``AppealMonthStat``, kept by ``rollup.sync``: whole months from the month table, the edge days
from the day table) for the period figures and from indexed direct queries for the state of
now (open, due soon, overdue) and the month's 三率 (the assessment's own per-unit counters).
Every figure is limited to ``region_root(query)``: for a region-scoped viewer that subtree is
inside the viewer's scope, so the rollup over it equals ``Appeal.objects.visible_to(user)``
inside it (the scope's unit paths only add rows outside it; the 检举控告 its 第三十条 hides
are never counted) — ``tests/test_cockpit_scope.py`` proves it per role.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import replace
from functools import cache
from urllib.parse import urlencode

from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import StrIndex, Substr
from django.urls import reverse
from django.utils import timezone

from shegong.core.panels import CockpitQuery, Figure, Point, Series, region_root
from shegong.core.roles import Cap
from shegong.core.tree import subtree_q
from shegong.regions.models import Region
from shegong.regions.subtree import holds_every_region
from shegong.units.models import Unit

from . import rollup
from .choices import OPEN_APPEAL_STATES
from .filters import clock_q, counted_q
from .models import Appeal, AppealDayStat, AppealMonthStat, AssessmentFact
from .models.appeal import accused_hidden_q
from .services import assessment

UNCATEGORISED = "-"  # the drill-down's code for "no 一级 category yet"


def same_day_last_year(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@cache
def _search_path() -> str:
    return reverse("appeals:search")  # once: reverse() per point dominated a year's by_day


def search_url(query: CockpitQuery, **params: str) -> str:
    """The staff appeal list of exactly the counted records with these filters."""
    args: dict[str, str] = {"counted": "true"}
    if query.region_id:
        args["region"] = str(query.region_id)
    if query.category:
        args["category"] = query.category
    args.update(params)
    return f"{_search_path()}?{urlencode(args)}"


def period_params(start: datetime.date, end: datetime.date) -> dict[str, str]:
    return {"since": start.isoformat(), "until": end.isoformat()}


def _category_q(query: CockpitQuery, field: str) -> Q:
    if not query.category:
        return Q()
    return Q(**{field: "" if query.category == UNCATEGORISED else query.category})


# Longer periods show their registrations per month (from the month rollup) instead of
# per day: a year of daily rows is ~365 × regions × categories rows to read.
DAILY_UP_TO_DAYS = 92


def where(query: CockpitQuery) -> Q:
    """The rollup rows inside the query's region and category: a range of the rows' own
    copy of their region's path (``region_path``, a range of the covering index
    ``(region_path, day|month, …)``) — no join to the regions and no list of region ids.
    (It was ``region_id IN (the subtree's regions)``: ~10,000 ids for a district of the
    metro world, built again for each of the panel's ~25 queries.)"""
    root = region_root(query)
    q = _category_q(query, "category")
    if root is not None and not _whole_tree(query, root):
        q &= subtree_q(root, "region_path")
    return q


def _whole_tree(query: CockpitQuery, root: str) -> bool:
    """Whether the subtree at ``root`` holds every region (the city leader's): then every
    rollup row is inside it and the rows need no region condition — the day or month range
    alone picks them (a path range over the whole table would make SQLite read all of its
    years through the path index). ``build_query`` has asked once (``query.whole_tree``);
    a query built elsewhere asks here."""
    return query.whole_tree or holds_every_region(root)


def child_prefix(root: str) -> Substr:
    """SQL for the path of the child of ``root`` a rollup row's region lies under (the row's
    ``region_path`` cut after the segment that follows ``root``; ``root`` itself for a row of
    the root region). Segments are region codes of varying length, so the cut is at the
    next ``/``, not at a fixed width."""
    rest = Substr("region_path", len(root) + 1)
    return Substr("region_path", 1, Value(len(root)) + StrIndex(rest, Value("/")))


def stats(query: CockpitQuery, start: datetime.date, end: datetime.date) -> QuerySet[AppealDayStat]:
    """The daily rollup rows of the period inside the query's region and category."""
    return AppealDayStat.objects.filter(where(query), rollup.days_in(start, end))


def period_totals(
    query: CockpitQuery, start: datetime.date, end: datetime.date, *fields: str
) -> dict[str, int]:
    """The sums of ``fields`` over the period: whole months from the month rollup, the
    edge days from the day rollup (``rollup.period_parts``)."""
    totals = dict.fromkeys(fields, 0)
    for part in rollup.period_parts(start, end, where(query)):
        sums = part.aggregate(**{f: Sum(f) for f in fields})
        for field in fields:
            totals[field] += int(sums[field] or 0)
    return totals


def period_by(
    query: CockpitQuery,
    start: datetime.date,
    end: datetime.date,
    field: str,
    key: Substr | None = None,
) -> dict[str | int, int]:
    """Registered appeals of the period per value of ``field`` (``category``,
    ``region_id``), or per value of the expression ``key`` (named ``field``): one
    ``GROUP BY`` in the database per period part, the parts' groups added here."""
    counts: dict[str | int, int] = defaultdict(int)
    for part in rollup.period_parts(start, end, where(query)):
        rows = part.annotate(**{field: key}) if key is not None else part
        for k, n in rows.values_list(field).annotate(n=Sum("registered")).values_list(field, "n"):
            counts[k] += int(n or 0)
    return counts


def direct(query: CockpitQuery) -> QuerySet[Appeal]:
    """The raw rows the panel counts (any date): visible to the viewer, counted, inside the
    query's region and category. The figures of now read it; tests compare the rollup
    with it."""
    root = region_root(query)
    appeals = Appeal.objects.visible_to(query.user).filter(counted_q())
    if root is not None:
        appeals = appeals.filter(subtree_q(root, "region__path"))
    return appeals.filter(_category_q(query, "category_l1"))


def open_now(query: CockpitQuery) -> int:
    """当前在办 from the month rollup's ``open`` column over every month (a day's row, and
    its month's, is recomputed whenever one of its appeals changes, so its ``open`` is the
    appeals of that day open now, as of the last sync): no scan of the appeals."""
    total = AppealMonthStat.objects.filter(where(query), open__gt=0).aggregate(n=Sum("open"))["n"]
    return int(total or 0)


def clock_count(query: CockpitQuery, which: str, now: datetime.datetime) -> int:
    """临期 / 已超期 now: the open work orders whose deadline falls in the range (a range of
    the partial index ``order_queue_open``), then their appeals inside the query — the
    appeals are looked up by primary key, never scanned (bench/README.md, the plans)."""
    return direct(query).filter(status__in=OPEN_APPEAL_STATES).filter(clock_q(which, now)).count()


class AppealsPanel:
    key = "appeals"
    title = "群众诉求"
    capability = Cap.APPEALS_VIEW
    order = 10

    def figures(self, query: CockpitQuery) -> list[Figure]:
        if not query.user.has_capability(Cap.APPEALS_VIEW) and not query.user.is_superuser:
            return []
        # The rollup as it is: ``rollup.sync`` runs in the worker (after the writes commit and
        # every 5 minutes), never in this request; the period figures say until when.
        as_of = rollup.synced_at()
        by_region = replace(self.by_region(query), as_of=as_of)
        return [
            self.kpis(query, as_of),
            replace(self.by_day(query), as_of=as_of),
            replace(self.by_category(query), as_of=as_of),
            by_region,
            Figure(
                key="appeals.map",
                title="诉求分布图",
                chart="treemap",
                series=by_region.series,
                unit="件",
                note=(
                    "同“按区划（下一级）”。已上传区划边界时按边界绘制分级设色地图，"
                    "否则以矩形树图显示；点击区划查看其诉求。"
                ),
                as_of=as_of,
            ),
            self.ranking(query),
            self.street_rates(query),
        ]

    # --- figures ---------------------------------------------------------------------------

    def kpis(self, query: CockpitQuery, as_of: datetime.datetime | None = None) -> Figure:
        period = period_params(query.start, query.end)
        totals = period_totals(query, query.start, query.end, "registered", "closed", "group")
        last = period_totals(
            query, same_day_last_year(query.start), same_day_last_year(query.end), "registered"
        )
        now = timezone.now()
        counts = {
            "open": open_now(query),
            "due_soon": clock_count(query, "due_soon", now),
            "overdue": clock_count(query, "overdue", now),
        }
        registered = totals["registered"]
        previous = last["registered"]
        yoy = round(100 * (registered - previous) / previous, 1) if previous else 0.0
        last_period = period_params(same_day_last_year(query.start), same_day_last_year(query.end))
        open_states = "&".join(f"status={s}" for s in sorted(OPEN_APPEAL_STATES))
        points = (
            Point("登记件数", registered, search_url(query, **period)),
            Point(
                "其中已办结",
                totals["closed"],
                search_url(query, status="closed", **period),
            ),
            Point("集体访/联名", totals["group"], search_url(query, group="true", **period)),
            Point("去年同期登记", previous, search_url(query, **last_period)),
            Point("同比增减（%）", yoy, None),
            Point("当前在办", counts["open"], f"{search_url(query)}&{open_states}"),
            Point("临期（72小时内）", counts["due_soon"], search_url(query, clock="due_soon")),
            Point("已超期", counts["overdue"], search_url(query, clock="overdue")),
        )
        return Figure(
            key="appeals.kpi",
            title="诉求概况",
            chart="kpi",
            series=(Series("概况", points),),
            unit="件",
            note=(
                "登记件数：所选期间内登记（按登记日期，北京时间）的诉求，不含检举控告类、"
                "不含已并入其他诉求的重复件；其中已办结：这些诉求中现已办结的件数；"
                "同比：与去年同期登记件数相比。当前在办、临期、已超期为此刻状态，不限登记日期："
                "在办＝已登记、待派单、办理中、已答复；临期／已超期＝有待签收或办理中的工单"
                "在72小时内到期／已过办理期限。在办件数取自日汇总（随汇总更新），临期、已超期为实时统计。"
            ),
            as_of=as_of,
        )

    def by_day(self, query: CockpitQuery) -> Figure:
        if (query.end - query.start).days >= DAILY_UP_TO_DAYS:
            return self.by_month(query)
        this_year = dict(
            stats(query, query.start, query.end)
            .values_list("day")
            .annotate(n=Sum("registered"))
            .values_list("day", "n")
        )
        last_start, last_end = same_day_last_year(query.start), same_day_last_year(query.end)
        last_year = dict(
            stats(query, last_start, last_end)
            .values_list("day")
            .annotate(n=Sum("registered"))
            .values_list("day", "n")
        )
        days = [
            query.start + datetime.timedelta(days=i)
            for i in range((query.end - query.start).days + 1)
        ]
        current = tuple(
            Point(
                d.isoformat(),
                int(this_year.get(d) or 0),
                search_url(query, **period_params(d, d)),
            )
            for d in days
        )
        previous = tuple(
            Point(
                d.isoformat(),
                int(last_year.get(same_day_last_year(d)) or 0),
                search_url(query, **period_params(same_day_last_year(d), same_day_last_year(d))),
            )
            for d in days
        )
        return Figure(
            key="appeals.by_day",
            title="每日登记量及去年同期",
            chart="line",
            series=(Series("本期", current), Series("去年同期", previous)),
            unit="件",
            note="每日登记的诉求件数（按登记日期），口径同“登记件数”；去年同期为上一年同一日。",
        )

    def by_month(self, query: CockpitQuery) -> Figure:
        """The registrations per month of a long period, with the same months a year
        earlier (a partial month at either end counts its days inside the period)."""
        this_year = rollup.monthly(query.start, query.end, where(query))
        last_start, last_end = same_day_last_year(query.start), same_day_last_year(query.end)
        last_year = rollup.monthly(last_start, last_end, where(query))
        months = rollup.months_between(query.start, query.end)

        def bounds(month: datetime.date, lo: datetime.date, hi: datetime.date) -> dict[str, str]:
            last_day = rollup.next_month(month) - datetime.timedelta(days=1)
            return period_params(max(month, lo), min(last_day, hi))

        current = tuple(
            Point(
                f"{m:%Y-%m}",
                this_year.get(m, 0),
                search_url(query, **bounds(m, query.start, query.end)),
            )
            for m in months
        )
        previous = []
        for m in months:
            before = same_day_last_year(m)
            previous.append(
                Point(
                    f"{m:%Y-%m}",
                    last_year.get(before, 0),
                    search_url(query, **bounds(before, last_start, last_end)),
                )
            )
        return Figure(
            key="appeals.by_day",
            title="每月登记量及去年同期",
            chart="line",
            series=(Series("本期", current), Series("去年同期", tuple(previous))),
            unit="件",
            note=(
                f"所选期间超过{DAILY_UP_TO_DAYS}天时按月显示：每月登记的诉求件数（按登记日期），"
                "口径同“登记件数”；期间首尾不满一月的，只计期间内的日子；去年同期为上一年同月。"
            ),
        )

    def by_category(self, query: CockpitQuery) -> Figure:
        rows = period_by(query, query.start, query.end, "category").items()
        ordered = sorted(((str(c), n) for c, n in rows if n), key=lambda r: (-r[1], r[0]))
        points = tuple(
            Point(
                c or "未分类",
                n,
                search_url(
                    query, category=c or UNCATEGORISED, **period_params(query.start, query.end)
                ),
            )
            for c, n in ordered
        )
        return Figure(
            key="appeals.by_category",
            title="按诉求类别（一级）",
            chart="bar",
            series=(Series("登记件数", points),),
            unit="件",
            note="所选期间登记的诉求按派单员确定的一级类别计数；“未分类”为尚未定类的诉求。",
        )

    def by_region(self, query: CockpitQuery) -> Figure:
        # Grouped in the database by the child of the chosen region each row lies under
        # (``child_prefix``): a row per child region, not per region with appeals.
        prefix = child_prefix(region_root(query) or "/")
        counts = {
            str(path): n
            for path, n in period_by(query, query.start, query.end, "child", prefix).items()
        }
        regions = {
            r.path: r
            for r in Region.objects.visible_to(query.user)
            .filter(path__in=list(counts))
            .only("pk", "path", "name", "code")
        }
        period = period_params(query.start, query.end)
        points = tuple(
            Point(
                regions[path].name,
                n,
                search_url(query, region=str(regions[path].pk), **period),
                group=regions[path].code,
            )
            for path, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            if path in regions and n
        )
        return Figure(
            key="appeals.by_region",
            title="按区划（下一级）",
            chart="bar",
            series=(Series("登记件数", points),),
            unit="件",
            note="所选期间登记的诉求按发生地归入所选区划的下一级区划计数（口径同“登记件数”）。",
        )

    def ranking(self, query: CockpitQuery) -> Figure:
        """三率 of the units in the region for the month of the period's end (adjusted
        figures, as the 三率考核 page ranks them)."""
        month = query.end.replace(day=1)
        root = region_root(query)
        units = Unit.objects.visible_to(query.user)
        if root is not None and not _whole_tree(query, root):
            # (for the whole tree the range would read every region: 0.1 s at metro size)
            units = units.filter(subtree_q(root, "region__path"))
        # the units as a subquery (no list of ~16,000 unit ids for the city: 0.67 s)
        rows = assessment.monthly_ranking(month=month, unit_ids=units.values_list("pk", flat=True))

        def pct(v: float | None) -> float:
            return round(100 * v, 1) if v is not None else 0.0

        series = []
        for row in rows[:50]:
            drill = (
                f"{reverse('appeals:drill')}?"
                f"{urlencode({'unit': row.unit_id, 'month': f'{month:%Y-%m}'})}"
            )
            fig = row.adjusted
            series.append(
                Series(
                    row.unit_name,
                    (
                        Point("名次", float(row.rank or 0), None),
                        Point("综合得分", pct(fig.composite), drill),
                        Point("响应率", pct(fig.response), drill + "&measure=not_contacted"),
                        Point("解决率", pct(fig.resolution), drill + "&measure=unresolved"),
                        Point("满意率", pct(fig.satisfaction), drill + "&measure=dissatisfied"),
                        Point(
                            "有效回访", float(fig.counts["revisited"]), drill + "&measure=revisited"
                        ),
                    ),
                )
            )
        return Figure(
            key="appeals.ranking",
            title=f"{month.year}年{month.month}月 单位三率",
            chart="table",
            series=tuple(series),
            unit="%",
            columns=("单位", "名次", "综合得分", "响应率", "解决率", "满意率", "有效回访"),
            note=(
                "所选期间末所在月份、所选区划内各单位的三率（免责核减后），与“三率考核”页同一算法："
                "分母为有效回访件数；响应率＝已联系／有效回访，解决率＝已解决／有效回访，"
                "满意率＝（满意＋基本满意×权重）／有效回访；有效回访不足规定件数的单位不排名。"
            ),
        )

    def street_rates(self, query: CockpitQuery) -> Figure:
        """三率 by street (by the appeal's place) for the month of the period's end: the
        三率考核 page's 按街道 figures (``assessment.region_rollup`` over the month's facts)
        inside the query's region — one GROUP BY over the facts of one month (the ``month``
        index) whose place lies in the subtree."""
        month = query.end.replace(day=1)
        root = region_root(query)
        # Path depth: city 0, district 1, street 2; below a street, the chosen region itself.
        depth = max(2, len([p for p in (root or "/").strip("/").split("/") if p]) - 1)
        facts = AssessmentFact.objects.filter(month=month)
        if root is not None:
            facts = facts.filter(subtree_q(root, "region_path"))
        # visible_to inside a region subtree hides only the 检举控告 against the viewer's unit
        # (第三十条): a short list of appeals, taken out by id (no join of the facts).
        hidden = accused_hidden_q(query.user)
        if hidden is not None:
            facts = facts.exclude(appeal_id__in=Appeal.objects.filter(hidden).values("pk"))
        figures = assessment.region_rollup(facts=facts, depth=depth)
        names = dict(
            Region.objects.visible_to(query.user)
            .filter(path__in=list(figures))
            .values_list("path", "name")
        )
        ordered = sorted(
            ((path, fig[1]) for path, fig in figures.items() if path in names),
            key=lambda row: (-(row[1].composite or 0), names[row[0]]),
        )

        def pct(v: float | None) -> float:
            return round(100 * v, 1) if v is not None else 0.0

        series = tuple(
            Series(
                names[path],
                (
                    Point("综合得分", pct(fig.composite), None),
                    Point("响应率", pct(fig.response), None),
                    Point("解决率", pct(fig.resolution), None),
                    Point("满意率", pct(fig.satisfaction), None),
                    Point("答复", float(fig.counts["replied"]), None),
                    Point("有效回访", float(fig.counts["revisited"]), None),
                ),
            )
            for path, fig in ordered
        )
        return Figure(
            key="appeals.street_rates",
            title=f"{month.year}年{month.month}月 街道三率",
            chart="table",
            series=series,
            columns=(
                "街道（乡镇）",
                "综合得分（%）",
                "响应率（%）",
                "解决率（%）",
                "满意率（%）",
                "答复（轮次）",
                "有效回访（轮次）",
            ),
            note=(
                "所选期间末所在月份，按诉求发生地汇总到街道（乡镇）的三率（免责核减后），"
                "与“三率考核”页“按街道（乡镇）”同一算法：按答复月份统计各办理轮次，"
                "分母为有效回访；所选区划在街道以下时为该区划本身。"
                "不按诉求类别筛选；无可列出的单条记录清单，故不可点击。"
            ),
        )
