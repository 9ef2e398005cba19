"""Accountability pages: 督办 list/detail, 三率 ranking with drill-down, 考核申诉."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import file_response
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.core.services import record_export
from shegong.regions.models import Region
from shegong.units.models import Unit

from .models import Appeal, AssessmentFact, ScoreAppeal, Supervision
from .services import assessment
from .services import supervision as supervision_service
from .services.identity import masked_text

# --- 督办 -----------------------------------------------------------------------------------


@capability_required(Cap.APPEALS_VIEW)
def supervisions(request: AuthedHttpRequest) -> HttpResponse:
    qs = (
        Supervision.objects.visible_to(request.user)
        .select_related("leader")
        .prefetch_related("appeals")
    )
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(closed_at__isnull=True)
    page = Paginator(qs.order_by("deadline"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "appeals/supervisions.html",
        {
            "page": page,
            "state": state,
            "now": timezone.now(),
            "query": f"state={state}",
            "breadcrumbs": [("群众诉求", reverse("appeals:workbench")), ("督办", None)],
        },
    )


@capability_required(Cap.APPEALS_VIEW)
def supervision(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = get_visible_or_404(Supervision, request.user, pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "close":
                supervision_service.close_supervision(
                    actor=request.user, supervision_id=pk, note=request.POST.get("note", "")
                )
            else:
                supervision_service.report_progress(
                    actor=request.user, supervision_id=pk, text=request.POST.get("text", "")
                )
        except (DomainError, PermissionDenied) as exc:
            messages.error(request, getattr(exc, "message", "") or str(exc) or "不能执行此操作")
        else:
            messages.success(request, "已保存")
        return redirect("appeals:supervision", pk=pk)
    return render(
        request,
        "appeals/supervision.html",
        {
            "item": item,
            "reports": item.reports.select_related("unit", "reported_by"),
            "appeals": Appeal.objects.visible_to(request.user).filter(supervisions=item),
            "can_close": has_capability(request.user, Cap.APPEALS_SUPERVISE) and item.is_open,
            "now": timezone.now(),
            "breadcrumbs": [
                ("群众诉求", reverse("appeals:workbench")),
                ("督办", reverse("appeals:supervisions")),
                (masked_text(item.title), None),
            ],
        },
    )


# --- 三率 ranking ----------------------------------------------------------------------------


def _month(request: AuthedHttpRequest) -> date:
    raw = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        today = timezone.localdate()
        return date(today.year, today.month, 1)


@capability_required(Cap.APPEALS_VIEW)
def ranking(request: AuthedHttpRequest) -> HttpResponse:
    """Monthly 三率 ranking of the units the user may see (raw and adjusted)."""
    month = _month(request)
    user = request.user
    citywide = user.is_superuser or user.has_citywide_scope
    units = None if citywide else Unit.objects.visible_to(user).values_list("pk", flat=True)
    rows = assessment.monthly_ranking(month=month, unit_ids=units)
    cfg = assessment.config()
    if request.GET.get("format") in {"xlsx", "csv"}:
        need_capability(request, Cap.EXPORT)
        record_export(
            actor=request.user,
            what="appeals.ranking",
            count=len(rows),
            filters={"month": str(month)},
        )
        headers = [
            "名次",
            "单位",
            "标记",
            "答复件数",
            "有效回访",
            "响应率",
            "解决率",
            "满意率",
            "按期办结率",
            "综合得分",
            "综合得分（原始）",
            "免责件数",
        ]

        def pct(v: float | None) -> str:
            return "" if v is None else f"{v * 100:.1f}%"

        data = [
            [
                r.rank or "",
                r.unit_name,
                {"red": "红", "yellow": "黄"}.get(r.mark, ""),
                r.adjusted.counts["replied"],
                r.adjusted.counts["revisited"],
                pct(r.adjusted.response),
                pct(r.adjusted.resolution),
                pct(r.adjusted.satisfaction),
                pct(r.adjusted.on_time),
                pct(r.adjusted.composite),
                pct(r.raw.composite),
                r.exempted,
            ]
            for r in rows
        ]
        return file_response(f"三率排名-{month:%Y-%m}", headers, data, request.GET["format"])
    return render(
        request,
        "appeals/ranking.html",
        {
            "rows": rows,
            "regions": _region_rows(request, month, cfg),
            "by": request.GET.get("by", "unit"),
            "month": month,
            "cfg": cfg,
            "months": _recent_months(),
            "breadcrumbs": [("群众诉求", reverse("appeals:workbench")), ("三率考核", None)],
        },
    )


def _region_rows(request: AuthedHttpRequest, month: date, cfg: Any) -> list[dict[str, Any]]:
    """Per street (by=street) or community (by=community), by the place of the appeal, for
    the months [month, until] (``until`` optional, same format): any range, from the facts."""
    by = request.GET.get("by", "unit")
    if by not in ("street", "community"):
        return []
    until = month
    raw_until = request.GET.get("until", "")
    if raw_until:
        try:
            year, mon = (int(x) for x in raw_until.split("-")[:2])
            until = max(month, date(year, mon, 1))
        except ValueError:
            until = month
    end = date(until.year + (until.month == 12), until.month % 12 + 1, 1)
    facts = AssessmentFact.objects.filter(month__gte=month, month__lt=end).filter(
        appeal__in=Appeal.objects.visible_to(request.user)
    )
    depth = 2 if by == "street" else 3
    figures = assessment.region_rollup(facts=facts, depth=depth, cfg=cfg)
    names = dict(
        Region.objects.visible_to(request.user)
        .filter(path__in=list(figures))
        .values_list("path", "full_name")
    )
    rows = [
        {"path": path, "name": names[path], "raw": raw, "adjusted": adjusted}
        for path, (raw, adjusted) in figures.items()
        if path in names
    ]
    rows.sort(key=lambda r: -(figures[str(r["path"])][1].composite or 0))
    return rows


def _recent_months(n: int = 12) -> list[date]:
    today = timezone.localdate()
    out = []
    year, month = today.year, today.month
    for _ in range(n):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


MEASURES: dict[str, tuple[str, dict[str, Any]]] = {
    "replied": ("答复", {}),
    "late": ("超期答复", {"on_time": False}),
    "revisited": ("有效回访", {"revisited": True}),
    "not_contacted": ("未联系", {"revisited": True, "contacted": False}),
    "unresolved": ("未解决", {"revisited": True, "resolved": False}),
    "dissatisfied": ("不满意", {"revisited": True, "satisfaction": "dissatisfied"}),
    "basic": ("基本满意", {"revisited": True, "satisfaction": "basic"}),
    "exempt": ("免责", {"exempt": True}),
}


@capability_required(Cap.APPEALS_VIEW)
def drill(request: AuthedHttpRequest) -> HttpResponse:
    """The appeals behind one figure of one unit and month."""
    unit = get_visible_or_404(Unit, request.user, pk=request.GET.get("unit", "0"))
    month = _month(request)
    label, flt = MEASURES.get(request.GET.get("measure", ""), MEASURES["replied"])
    facts = (
        AssessmentFact.objects.filter(unit=unit, month=month, **flt)
        .filter(appeal__in=Appeal.objects.visible_to(request.user))
        .select_related("appeal")
        .order_by("replied_at")
    )
    own_unit = request.user.scope_unit_path
    can_contest = (
        has_capability(request.user, Cap.APPEALS_HANDLE)
        and bool(own_unit)
        and unit.path.startswith(own_unit or "~")
    )
    return render(
        request,
        "appeals/drill.html",
        {
            "unit": unit,
            "month": month,
            "label": label,
            "facts": facts,
            "can_contest": can_contest,
            "breadcrumbs": [
                ("群众诉求", reverse("appeals:workbench")),
                ("三率考核", f"{reverse('appeals:ranking')}?month={month:%Y-%m}"),
                (f"{unit.name} · {label}", None),
            ],
        },
    )


@login_required
@require_POST
def contest(request: AuthedHttpRequest, fact_id: int) -> HttpResponse:
    need_capability(
        request, Cap.APPEALS_HANDLE
    )  # only a handling unit contests (the service agrees)
    try:
        assessment.file_score_appeal(
            actor=request.user,
            fact_id=fact_id,
            reason_kind=request.POST.get("reason_kind", ""),
            text=request.POST.get("text", ""),
        )
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", "") or str(exc) or "不能申诉")
    else:
        messages.success(request, "申诉已提交，等待审核")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("appeals:ranking")  # never off the site
    return redirect(back)


@capability_required(Cap.APPEALS_VIEW)
def score_appeals(request: AuthedHttpRequest) -> HttpResponse:
    """Reviewer queue (and each unit's own 申诉 history)."""
    user = request.user
    units = Unit.objects.visible_to(user)
    qs = ScoreAppeal.objects.filter(unit__in=units).select_related(
        "fact__appeal", "unit", "filed_by"
    )
    if request.method == "POST":
        try:
            assessment.decide_score_appeal(
                actor=user,
                score_appeal_id=int(request.POST.get("item", "0")),
                accept=request.POST.get("accept") == "1",
                note=request.POST.get("note", ""),
            )
        except (DomainError, PermissionDenied, ValueError) as exc:
            messages.error(request, getattr(exc, "message", "") or str(exc) or "不能审核")
        else:
            messages.success(request, "已审核")
        return redirect("appeals:score-appeals")
    return render(
        request,
        "appeals/score_appeals.html",
        {
            "items": qs[:300],
            "can_review": user.has_capability(Cap.APPEALS_ASSESSMENT_REVIEW),
            "breadcrumbs": [("群众诉求", reverse("appeals:workbench")), ("考核申诉", None)],
        },
    )
