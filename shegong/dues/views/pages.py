"""The dues pages people read: the start page, an organization's dues page (month grid,
who owes, subtree totals), a member's dues page, the hardship list, the 收缴表 export."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import render

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.permissions import capability_required, has_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.core.services import record_export
from shegong.lib.partyrules.months import Month
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization

from ..choices import Category, HardshipStatus, PaymentKind, PaymentMethod
from ..models import DuesAssessment, DuesHardship, DuesPayment
from ..services import totals
from ..services.export import collection_sheet
from ..services.hardship import superior_bodies
from ..services.status import dues_status
from .common import BASE_CRUMB, last_complete_month, today, year_param


@capability_required(Cap.DUES_VIEW)
def home(request: AuthedHttpRequest) -> HttpResponse:
    """The organizations at the top of the user's scope (those whose parent is not visible)."""
    visible = PartyOrganization.objects.visible_to(request.user).filter(status="active")
    ids = set(visible.values_list("pk", flat=True)[:5000])
    tops = [o for o in visible.order_by("path")[:500] if o.parent_id not in ids][:50]
    context = {
        "tops": tops,
        "pending": DuesHardship.objects.visible_to(request.user).pending().count(),
        "can_manage": has_capability(request.user, Cap.DUES_MANAGE),
        "breadcrumbs": [BASE_CRUMB],
    }
    return render(request, "dues/home.html", context)


@capability_required(Cap.DUES_VIEW)
def org_page(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk)
    year = year_param(request)
    through = min(last_complete_month(), Month(year, 12))
    grid = totals.branch_grid(request.user, org, year, through)
    context: dict[str, object] = {
        "org": org,
        "year": year,
        "years": range(today().year + 1, today().year - 5, -1),
        "through": through,
        "grid": grid,
        "owing": [r for r in grid if r.report.months_in_arrears],
        "lapse": [r for r in grid if r.report.lapse_risk],
        "unassessed": [r for r in grid if r.assessment is None],
        "figures": totals.org_figures(request.user, org, year, through),
        "months": range(1, 13),
        "can_manage": has_capability(request.user, Cap.DUES_MANAGE),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "breadcrumbs": [BASE_CRUMB, (org.name, None)],
    }
    return render(request, "dues/org.html", context)


@capability_required(Cap.DUES_VIEW, Cap.EXPORT)
def org_export(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    org = get_visible_or_404(PartyOrganization, request.user, pk=pk)
    year = year_param(request)
    through = min(last_complete_month(), Month(year, 12))
    body, count = collection_sheet(actor=request.user, org=org, year=year, through=through)
    record_export(
        actor=request.user,
        what="党费收缴表",
        count=count,
        filters={"organization": org.pk, "year": year},
        unmasked=False,
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"{org.name}-{year}年度党费收缴表.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@capability_required(Cap.DUES_VIEW)
def member_page(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    member = get_visible_or_404(Member, request.user, pk=pk)
    month = last_complete_month()
    report = dues_status([member.pk], month)[member.pk]
    assessments = list(
        DuesAssessment.objects.visible_to(request.user).filter(member=member).order_by("-year")
    )
    payments = list(
        DuesPayment.objects.visible_to(request.user)
        .filter(member=member)
        .select_related("reverses", "recorded_by")
        .order_by("-month", "-pk")[:200]
    )
    reversed_ids = {p.reverses_id for p in payments if p.reverses_id}
    hardships = list(
        DuesHardship.objects.visible_to(request.user)
        .filter(assessment__member=member)
        .select_related("assessment")
    )
    current = next((a for a in assessments if a.year == today().year), None)
    context = {
        "member": member,
        "report": report,
        "through": month,
        "assessments": assessments,
        "current": current,
        "payments": payments,
        "reversed_ids": reversed_ids,
        "hardships": hardships,
        "open_hardship": any(h.status == HardshipStatus.PROPOSED for h in hardships),
        "categories": Category.choices,
        "methods": PaymentMethod.choices,
        "reversal": PaymentKind.REVERSAL,
        "year": today().year,
        "can_manage": has_capability(request.user, Cap.DUES_MANAGE),
        "breadcrumbs": [
            BASE_CRUMB,
            (member.organization.name, f"/dues/orgs/{member.organization_id}/"),
            (str(member.name), None),
        ],
    }
    return render(request, "dues/member.html", context)


@capability_required(Cap.DUES_VIEW)
def hardship_list(request: AuthedHttpRequest) -> HttpResponse:
    rows = list(
        DuesHardship.objects.visible_to(request.user)
        .select_related("assessment__member__organization", "proposed_by", "decided_by")
        .order_by("status", "-pk")[:300]
    )
    open_rows = [
        h
        for h in rows
        if h.status == HardshipStatus.PROPOSED and h.proposed_by_id != request.user.pk
    ]
    bodies = (
        superior_bodies(request.user, [h.assessment.member.organization for h in open_rows])
        if has_capability(request.user, Cap.DUES_APPROVE)
        else {}
    )
    decidable = {
        h.pk for h in open_rows if bodies.get(h.assessment.member.organization_id) is not None
    }
    context = {
        "rows": rows,
        "decidable": decidable,
        "breadcrumbs": [BASE_CRUMB, ("党费减免审批", None)],
    }
    return render(request, "dues/hardships.html", context)
