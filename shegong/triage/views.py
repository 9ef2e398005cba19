"""Triage pages: the appeal page's panel (polled while triage is pending), accept a
suggestion (POST), the hotspot list and the appeals a hotspot counts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.appeals.models import Appeal
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id

from .models import Hotspot
from .panel import triage_for
from .services import accept_suggestion, routing_accuracy


@login_required
def panel(request: AuthedHttpRequest, appeal_id: int) -> HttpResponse:
    """The appeal page's triage panel alone: what its "分拣中…" placeholder fetches by
    HTMX until the worker's result lands (then the normal panel replaces it). Scoped like
    the appeal page (404 outside the viewer's scope), ``appeals.dispatch`` only."""
    appeal = get_visible_or_404(Appeal, request.user, pk=appeal_id)
    need_capability(request, Cap.APPEALS_DISPATCH)
    tries = min(parse_id(request.GET.get("n")) or 0, 1000)
    triage = triage_for(request.user, appeal, tries=tries)
    context = {"appeal": appeal, "triage": triage}
    return render(request, "triage/partials/_suggestions.html", context)


@login_required
@require_POST
def accept(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = get_visible_or_404(Appeal, request.user, pk=appeal_id)
    if not has_capability(request.user, Cap.APPEALS_DISPATCH):
        raise PermissionDenied
    unit_id = parse_id(request.POST.get("unit"))
    try:
        if unit_id is None:
            raise DomainError("请选择承办单位")
        accept_suggestion(actor=request.user, appeal_id=appeal.pk, unit_id=unit_id)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已采纳智能分拨建议并派单（{appeal.number}）")
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)  # back to the queue it was accepted from
    return redirect("appeals:detail", pk=appeal.pk)


@login_required
def hotspots(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, Cap.APPEALS_DISPATCH):
        raise PermissionDenied
    rows = Hotspot.objects.visible_to(request.user).select_related("region")
    return render(
        request,
        "triage/hotspots.html",
        {"hotspots": rows, "accuracy": routing_accuracy(request.user)},
    )


@capability_required(Cap.APPEALS_VIEW)
def hotspot_appeals(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The appeals a hotspot counts (its ``appeal_ids``): what its number opens on the
    诉求热点 page and on the cockpit, so the list has exactly as many rows as the number
    (docs/cockpit.md). For whoever sees appeals, like the cockpit panel: the hotspot must lie
    in the viewer's region (else 404), the appeals are read through ``visible_to``."""
    user = request.user
    hotspot = get_object_or_404(Hotspot.objects.in_region_of(user), pk=pk)
    rows = (
        Appeal.objects.visible_to(user)
        .filter(pk__in=hotspot.appeal_ids)
        .select_related("region", "lead_unit")
        .order_by("-registered_at", "-pk")
    )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    context = {
        "hotspot": hotspot,
        "page": page,
        "query": "",
        "breadcrumbs": [("群众诉求", None), ("诉求热点", None), (hotspot.place, None)],
    }
    return render(request, "triage/hotspot_appeals.html", context)
