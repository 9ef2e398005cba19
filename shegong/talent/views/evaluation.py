"""Annual evaluation pages: cycles, a cycle's table, one evaluation with the evidence panel
and the reviewer's form; incentive/consequence decisions and their approval."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.regions.models import Region

from ..models import Cycle, Decision, Evaluation
from ..services import decisions, evaluation
from ..services.common import TEXT_LIMITS, policy
from ..services.evidence import evidence_for
from .common import caps, parse_date, parse_int

CYCLES = ("年度考核", "/talent/cycles/")


@capability_required(Cap.TALENT_VIEW)
@require_http_methods(["GET", "POST"])
def cycle_list(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            cycle = evaluation.open_cycle(
                actor=request.user,
                year=parse_int(request.POST.get("year"), "考核年度"),
                region_id=parse_int(request.POST.get("region"), "考核范围"),
                name=request.POST.get("name", ""),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已建立年度考核")
            return redirect("talent:cycle", cycle.pk)
    cycles = Cycle.objects.visible_to(request.user).select_related("region")
    return render(
        request,
        "talent/cycle_list.html",
        {
            "cycles": cycles,
            "data": request.POST if request.method == "POST" else None,
            "year": timezone.localdate().year - 1,
            "regions": Region.objects.visible_to(request.user)
            .filter(level__lte=3)
            .order_by("path"),
            "breadcrumbs": [("年度考核", None)],
            **caps(request),
        },
    )


@capability_required(Cap.TALENT_VIEW)
@require_http_methods(["GET", "POST"])
def cycle_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cycle = get_visible_or_404(Cycle, request.user, pk=pk)
    if request.method == "POST":
        try:
            evaluation.advance(
                actor=request.user,
                cycle_id=pk,
                publicity_until=parse_date(
                    request.POST.get("publicity_until"), "公示截止", required=False
                ),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已进入下一阶段")
        return redirect("talent:cycle", pk)
    rows = (
        Evaluation.objects.visible_to(request.user)
        .filter(cycle=cycle)
        .select_related("person", "unit")
        .order_by("unit__name", "pk")
    )
    units = rows.order_by().values_list("unit_id", flat=True).distinct()
    return render(
        request,
        "talent/cycle_detail.html",
        {
            "cycle": cycle,
            "quotas": evaluation.unit_quotas(cycle, units),
            "page": paginate_capped(request, rows, 50),
            "policy": policy(),
            "breadcrumbs": [CYCLES, (cycle.name, None)],
            **caps(request),
        },
    )


@capability_required(Cap.TALENT_VIEW)
@require_http_methods(["GET", "POST"])
def evaluation_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = get_visible_or_404(Evaluation, request.user, pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "1":
                evaluation.answer_appeal(
                    actor=request.user,
                    evaluation_id=pk,
                    result=request.POST.get("result", ""),
                    new_grade=request.POST.get("grade", ""),
                )
            else:
                evaluation.grade(
                    actor=request.user,
                    evaluation_id=pk,
                    grade=request.POST.get("grade", ""),
                    comment=request.POST.get("comment", ""),
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存评定")
            return redirect("talent:evaluation", pk)
    return render(
        request,
        "talent/evaluation_detail.html",
        {
            "item": item,
            "facts": evidence_for(item.person, item.cycle.year),
            "quota": evaluation.unit_quotas(item.cycle, [item.unit_id])[0],
            "history": evaluation.history(item.person),
            "grades": policy().grade_list,
            "data": request.POST if request.method == "POST" else None,
            "limits": TEXT_LIMITS,
            "breadcrumbs": [
                CYCLES,
                (item.cycle.name, f"/talent/cycles/{item.cycle_id}/"),
                (str(item.person), None),
            ],
            **caps(request),
        },
    )


def _decisions_page(request: AuthedHttpRequest, **extra: object) -> HttpResponse:
    rows = Decision.objects.visible_to(request.user).select_related("person", "proposed_by")
    return render(
        request,
        "talent/decision_list.html",
        {
            "page": paginate_capped(request, rows.order_by("-proposed_at", "pk"), 50),
            "breadcrumbs": [("激励与处理", None)],
            "limits": TEXT_LIMITS,
            **caps(request),
            **extra,
        },
    )


@capability_required(Cap.TALENT_VIEW)
def decision_list(request: AuthedHttpRequest) -> HttpResponse:
    return _decisions_page(request)


@capability_required(Cap.TALENT_DECIDE)
@require_POST
def decision_decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """On a refusal the list again with the reason and the note typed for this decision."""
    get_visible_or_404(Decision, request.user, pk=pk)
    try:
        decisions.decide(
            actor=request.user,
            decision_id=pk,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _decisions_page(request, data=request.POST, failed=pk)
    messages.success(request, "已审批")
    return redirect("talent:decisions")
