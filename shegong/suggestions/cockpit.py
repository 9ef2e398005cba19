"""The 人民建议 panel of the cockpit (issue 17, docs/cockpit.md): suggestions registered in
the period inside the cockpit's region, how many were evaluated and adopted (采纳 / 部分采纳),
by registration month and by region one level down. Every count links to the suggestion list
(``suggestions:list``) with the same filters: period (登记日期), region, outcome.

Rows: ``suggestions_of(user)`` (the list's own base: appeals visible to the viewer of kind
人民建议) inside ``region_root(query)``; the period is a range of the appeals'
``(region, registered_at)`` index narrowed by ``stream`` (indexed; a suggestion's stream is
derived from its kind at intake). The adopted ones are few: they are read as rows (date,
place, outcome) and grouped here.
"""

from __future__ import annotations

import datetime
from collections import Counter
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import Stream
from shegong.appeals.models import Appeal
from shegong.core.panels import NOWHERE, CockpitQuery, Figure, Point, Series, narrow, region_root
from shegong.core.roles import Cap
from shegong.regions.models import Region

from .choices import ADOPTED_OUTCOMES, Outcome
from .views.common import suggestions_of

OUTCOMES = ((Outcome.ADOPTED, "采纳"), (Outcome.PARTLY, "部分采纳"))

NOTE = (
    "人民建议：所选期间内登记（按登记日期，北京时间）、发生地在所选区划内的人民建议；"
    "已评估：其中已作出评估结论的（采纳、部分采纳、不采纳、不作为人民建议）；"
    "采纳率＝（采纳＋部分采纳）／已评估。按月、按区划的采纳数按建议的登记月份、发生地统计。"
    "不按诉求类别筛选。"
)


def list_url(
    query: CockpitQuery,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    region_id: int | None = None,
    **params: str,
) -> str:
    args = {
        "since": (start or query.start).isoformat(),
        "until": (end or query.end).isoformat(),
    }
    region = region_id or query.region_id
    if region:
        args["region"] = str(region)
    args.update(params)
    return f"{reverse('suggestions:list')}?{urlencode(args)}"


def suggestions_in(query: CockpitQuery) -> QuerySet[Appeal]:
    """The suggestions the panel counts: the list's rows inside the region, registered in
    the period (Beijing dates, as the list's 登记起/登记止)."""
    user = query.user
    assert isinstance(user, User)
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(query.start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(
        query.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    rows = suggestions_of(user).filter(
        stream=Stream.SUGGESTION, registered_at__gte=lo, registered_at__lt=hi
    )
    return rows.filter(narrow(query, "region__path"))


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


class SuggestionsPanel:
    key = "suggestions"
    title = "人民建议"
    capability = Cap.SUGGESTIONS_VIEW
    order = 20

    def figures(self, query: CockpitQuery) -> list[Figure]:
        user = query.user
        if not isinstance(user, User) or region_root(query) == NOWHERE:
            return []
        if not (user.is_superuser or user.has_capability(Cap.SUGGESTIONS_VIEW)):
            return []
        rows = suggestions_in(query)
        totals = rows.aggregate(
            total=Count("pk"),
            decided=Count(
                "pk", filter=Q(evaluation__isnull=False) & ~Q(evaluation__outcome=Outcome.PENDING)
            ),
        )
        adopted = list(
            rows.filter(evaluation__outcome__in=ADOPTED_OUTCOMES).values_list(
                "registered_at", "region__path", "evaluation__outcome"
            )
        )
        by_outcome = Counter(outcome for _at, _path, outcome in adopted)
        decided = int(totals["decided"] or 0)
        rate = round(100 * len(adopted) / decided, 1) if decided else 0.0
        kpis = (
            Point("人民建议", int(totals["total"] or 0), list_url(query)),
            Point("已评估", decided, list_url(query, state="decided")),
            Point("采纳", by_outcome[Outcome.ADOPTED], list_url(query, outcome=Outcome.ADOPTED)),
            Point("部分采纳", by_outcome[Outcome.PARTLY], list_url(query, outcome=Outcome.PARTLY)),
            Point("采纳率（%）", rate, None),
        )
        return [
            Figure("suggestions.kpi", "人民建议概况", "kpi", (Series("概况", kpis),), "件", NOTE),
            self.by_month(query, adopted),
            self.by_region(query, adopted),
        ]

    def by_month(
        self, query: CockpitQuery, adopted: list[tuple[datetime.datetime, str, str]]
    ) -> Figure:
        counts = Counter(
            (timezone.localtime(at).date().replace(day=1), outcome)
            for at, _path, outcome in adopted
        )
        months = _months(query.start, query.end)
        series = tuple(
            Series(
                label,
                tuple(
                    Point(
                        f"{m:%Y-%m}",
                        counts[(m, outcome)],
                        list_url(
                            query,
                            max(m, query.start),
                            min(_month_end(m), query.end),
                            outcome=outcome,
                        ),
                        group=label,
                    )
                    for m in months
                ),
            )
            for outcome, label in OUTCOMES
        )
        return Figure(
            "suggestions.adopted_by_month",
            "按月采纳的人民建议",
            "stacked_bar",
            series,
            "件",
            "所选期间内登记、现已采纳或部分采纳的人民建议，按登记月份（北京时间）统计；"
            "首尾月份只含所选期间内的日期。",
        )

    def by_region(
        self, query: CockpitQuery, adopted: list[tuple[datetime.datetime, str, str]]
    ) -> Figure:
        root = region_root(query)
        depth = len([p for p in (root or "/").strip("/").split("/") if p])
        counts: Counter[tuple[str, str]] = Counter()
        for _at, path, outcome in adopted:
            parts = [p for p in path.strip("/").split("/") if p]
            counts[("/" + "/".join(parts[: min(depth + 1, len(parts))]) + "/", outcome)] += 1
        paths = sorted({path for path, _outcome in counts})
        regions = {
            r.path: r
            for r in Region.objects.visible_to(query.user)
            .filter(path__in=paths)
            .only("pk", "path", "name")
        }
        ordered = sorted(
            (p for p in paths if p in regions),
            key=lambda p: (-sum(counts[(p, o)] for o, _l in OUTCOMES), regions[p].name),
        )
        series = tuple(
            Series(
                label,
                tuple(
                    Point(
                        regions[p].name,
                        counts[(p, outcome)],
                        list_url(query, region_id=regions[p].pk, outcome=outcome),
                        group=label,
                    )
                    for p in ordered
                ),
            )
            for outcome, label in OUTCOMES
        )
        return Figure(
            "suggestions.adopted_by_region",
            "按区划采纳的人民建议",
            "stacked_bar",
            series,
            "件",
            "所选期间内登记、现已采纳或部分采纳的人民建议，按发生地归入所选区划的下一级区划统计。",
        )
