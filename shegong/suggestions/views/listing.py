"""The suggestion list (with its state counts) and its export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from shegong.accounts.http import AuthedHttpRequest
from shegong.appeals.clocks_display import clock_state
from shegong.appeals.models import Appeal
from shegong.appeals.services.identity import masked_text
from shegong.core.exporting import export_response
from shegong.core.permissions import capability_required
from shegong.core.roles import Cap

from ..choices import Outcome, ThemeStatus
from ..drill_filters import drill_filters, narrowed
from ..filters import STATE_CHOICES, SuggestionFilterSet
from ..forms import (
    OUTCOME_BADGE,
)
from ..models import (
    SolicitationTheme,
)
from .common import suggestions_of


def _ordered(qs: QuerySet[Appeal], now: datetime) -> QuerySet[Appeal]:
    """Overdue evaluations first, then pending ones by due time, then the newest."""
    return qs.annotate(
        urgency_rank=Case(
            When(evaluation__outcome=Outcome.PENDING, evaluation__due_at__lt=now, then=Value(0)),
            When(evaluation__outcome=Outcome.PENDING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("urgency_rank", "evaluation__due_at", "-registered_at")


@capability_required(Cap.SUGGESTIONS_VIEW)
def suggestion_list(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    base = suggestions_of(user)
    filterset = SuggestionFilterSet(
        request.GET,
        queryset=base.select_related(
            "region", "evaluation", "evaluation__unit", "theme_link__theme"
        ),
        request=request,
    )
    page = Paginator(_ordered(filterset.qs, now), 30).get_page(request.GET.get("page"))
    rows = []
    for appeal in page:
        evaluation = getattr(appeal, "evaluation", None)
        rows.append(
            {
                "appeal": appeal,
                "evaluation": evaluation,
                "theme": getattr(getattr(appeal, "theme_link", None), "theme", None),
                "overdue": evaluation is not None and evaluation.is_overdue(now),
                "clock": clock_state(evaluation.due_at, now=now, label="评估")
                if evaluation is not None and not evaluation.is_decided
                else None,
                "badge": OUTCOME_BADGE.get(evaluation.outcome) if evaluation else "",
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    drill = drill_filters(filterset, user)
    counts = _state_counts(narrowed(base, drill), now)
    context = {
        "filter": filterset,
        "drill_filters": drill,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "tabs": [("", "全部", counts["all"])]
        + [(key, label, counts[key]) for key, label in STATE_CHOICES],
        "current_state": request.GET.get("state", ""),
        "outcomes": Outcome.choices,
        "themes": SolicitationTheme.objects.visible_to(user).exclude(status=ThemeStatus.DRAFT),
        "can_export": user.has_capability(Cap.EXPORT),
        "breadcrumbs": [("群众诉求", None), ("人民建议", None)],
    }
    template = (
        "suggestions/partials/_suggestion_table.html"
        if request.htmx
        else "suggestions/suggestion_list.html"
    )
    return render(request, template, context)


def _state_counts(base: QuerySet[Appeal], now: datetime) -> dict[str, int]:
    pending = Outcome.PENDING
    return base.aggregate(
        all=Count("pk"),
        unstarted=Count("pk", filter=Q(evaluation__isnull=True)),
        pending=Count("pk", filter=Q(evaluation__outcome=pending)),
        overdue=Count("pk", filter=Q(evaluation__outcome=pending, evaluation__due_at__lt=now)),
        decided=Count(
            "pk",
            filter=Q(evaluation__isnull=False) & ~Q(evaluation__outcome=pending),
        ),
    )


EXPORT_COLUMNS = [
    "登记编号",
    "标题",
    "发生地",
    "征集主题",
    "诉求状态",
    "评估单位",
    "评估期限",
    "评估结果",
    "转化方式",
    "评估理由",
    "评估时间",
    "评估超期",
    "落实节点（完成/全部）",
    "奖励",
]


def _progress(milestones: list[Any]) -> str:
    if not milestones:
        return ""
    return f"{sum(1 for m in milestones if m.done_at)}/{len(milestones)}"


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@capability_required(Cap.SUGGESTIONS_VIEW, Cap.EXPORT)
def export(request: AuthedHttpRequest) -> HttpResponse:
    now = timezone.now()
    filterset = SuggestionFilterSet(
        request.GET, queryset=suggestions_of(request.user), request=request
    )
    queryset = (
        filterset.qs.select_related("region", "evaluation", "evaluation__unit", "theme_link__theme")
        .prefetch_related("evaluation__milestones", "evaluation__rewards")
        .order_by("-registered_at")
    )

    def rows() -> Any:
        for a in queryset.iterator(chunk_size=500):
            e = getattr(a, "evaluation", None)
            link = getattr(a, "theme_link", None)
            milestones = list(e.milestones.all()) if e else []
            rewards = list(e.rewards.all()) if e else []
            yield [
                a.number,
                masked_text(a.title),
                a.region.full_name,
                link.theme.title if link else "",
                a.get_status_display(),
                e.unit.name if e else "",
                _local(e.due_at) if e else "",
                e.get_outcome_display() if e else "未启动评估",
                e.get_conversion_target_display() if e and e.conversion_target else "",
                e.reasons if e else "",
                _local(e.evaluated_at) if e else "",
                "是"
                if e
                and (
                    e.is_overdue(now) or (e.evaluated_at is not None and e.evaluated_at > e.due_at)
                )
                else "",
                _progress(milestones),
                "；".join(
                    r.get_kind_display() + (f" {r.amount}元" if r.amount else "") for r in rewards
                ),
            ]

    return export_response(
        request,
        what="suggestions.suggestion",
        count=queryset.count(),
        basename="人民建议",
        headers=EXPORT_COLUMNS,
        rows=rows(),
    )
