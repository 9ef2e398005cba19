"""The coverage page, its export, snapshots and the rule parameters."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.tree import subtree_q
from shegong.lib.text import parse_id
from shegong.regions.models import Region

from ..choices import (
    EntityKind,
    Industry,
    SizeBand,
)
from ..models import (
    CoveragePolicy,
    PartyOrganization,
)
from ..services import coverage as coverage_services
from ..services import policy as policy_services
from .common import (
    BASE_CRUMB,
    coverage_breakdown,
    current_root,
)


@capability_required(Cap.ORGS_VIEW)
def coverage(request: AuthedHttpRequest) -> HttpResponse:
    root = current_root(request)
    data = coverage_breakdown(request, root)
    gaps = data.street_gaps[:40]
    trend = coverage_services.trend(request.user, root, kind=request.GET.get("kind", ""))
    ancestors = list(Region.objects.visible_to(request.user).ancestors_of(root)) if root else []
    entity_url = reverse("organizations:entities")
    finding_url = reverse("organizations:findings")
    chart = {
        "trend": {
            "dates": [t["date"] for t in trend],
            "org": [t["org_rate"] for t in trend],
            "work": [t["work_rate"] for t in trend],
        },
        "streets": {
            "names": [f"{g['district']}{g['name']}" for g in gaps],
            "uncovered": [g["uncovered"] for g in gaps],
            "open": [g["open_findings"] for g in gaps],
            "gap_urls": [f"{entity_url}?street={g['street_id']}&coverage=gap" for g in gaps],
            "finding_urls": [f"{finding_url}?street={g['street_id']}&status=active" for g in gaps],
        },
    }
    filters = {k: request.GET.get(k, "") for k in ("kind", "industry", "size_band")}
    context = {
        "root": root,
        "ancestors": ancestors,
        "data": data,
        "region_rows": [
            (region, figures, data.open_findings_by_region.get(region.pk, 0))
            for region, figures in data.by_region
        ],
        "overall": data.overall,
        "gaps": gaps,
        "trend": trend,
        # Snapshots are stored per street × type only, so the trend cannot follow these.
        "trend_ignores_filters": bool(filters["industry"] or filters["size_band"]),
        "chart": chart,
        "filters": filters,
        "filter_query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
        "kinds": EntityKind.choices,
        "industries": Industry.choices,
        "sizes": SizeBand.choices,
        "open_findings": sum(data.open_findings_by_region.values())
        if root is None or root.level < 3
        else sum(g["open_findings"] for g in data.street_gaps),
        "can_manage": has_capability(request.user, Cap.ORGS_MANAGE),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "org_members": coverage_services.member_totals(_orgs_under(request, root)),
        "breadcrumbs": [("两新覆盖", None)],
    }
    return render(request, "organizations/coverage.html", context)


def _orgs_under(request: AuthedHttpRequest, root: Region | None) -> QuerySet[PartyOrganization]:
    """Active party organizations the user sees, inside the page's region."""
    orgs = PartyOrganization.objects.visible_to(request.user).active()
    return orgs.filter(subtree_q(root.path, "region__path")) if root is not None else orgs


@capability_required(Cap.ORGS_VIEW, Cap.EXPORT)
def coverage_export(request: AuthedHttpRequest) -> HttpResponse:
    root = current_root(request)
    data = coverage_breakdown(request, root)
    rows: list[list[Any]] = []

    def add(dimension: str, label: str, f: coverage_services.Figures) -> None:
        rows.append(
            [
                dimension,
                label,
                f.total,
                f.org_covered,
                f.org_rate if f.org_rate is not None else "",
                f.work_covered,
                f.work_rate if f.work_rate is not None else "",
                f.gaps,
                f.formal_members,
                f.probationary_members,
            ]
        )

    add("合计", root.full_name if root else "全部", data.overall)
    for region, figures in data.by_region:
        add("区划", region.name, figures)
    for _, label, figures in data.by_kind:
        add("类型", label, figures)
    for _, label, figures in data.by_industry:
        add("行业门类", label, figures)
    for _, label, figures in data.by_size:
        add("规模", label, figures)
    headers = [
        "维度",
        "名称",
        "两新组织数",
        "组织覆盖数",
        "组织覆盖率(%)",
        "工作覆盖数",
        "工作覆盖率(%)",
        "两个覆盖空白数",
        "正式党员",
        "预备党员",
    ]
    return export_response(
        request,
        what="organizations.coverage",
        count=len(rows),
        basename="两新覆盖率",
        headers=headers,
        rows=rows,
    )


@login_required
@require_POST
def snapshot_take(request: AuthedHttpRequest) -> HttpResponse:
    need_capability(request, Cap.ORGS_MANAGE)
    snap = coverage_services.take_snapshot(actor=request.user)
    messages.success(request, f"已生成 {snap.taken_on:%Y-%m-%d} 的覆盖率快照")
    return redirect(request.POST.get("next") or "organizations:coverage")


# --- policy -----------------------------------------------------------------------------


@capability_required(Cap.ORGS_POLICY)
@require_http_methods(["GET", "POST"])
def policy(request: AuthedHttpRequest) -> HttpResponse:
    current = CoveragePolicy.current()
    if request.method == "POST":
        values: dict[str, Any] = {}
        for name in policy_services.FIELDS:
            number = parse_id(request.POST.get(name))
            if number is None or number > 1_000_000:
                label = CoveragePolicy._meta.get_field(name).verbose_name  # type: ignore[union-attr]
                messages.error(request, f"{label}应为非负整数（不超过1000000）")
                return redirect("organizations:policy")
            values[name] = number
        try:
            policy_services.update_policy(actor=request.user, **values)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "规则参数已保存，下次规则检查时生效")
        return redirect("organizations:policy")
    fields = [
        (name, current._meta.get_field(name), getattr(current, name))
        for name in policy_services.FIELDS
    ]
    return render(
        request,
        "organizations/policy.html",
        {"policy": current, "fields": fields, "breadcrumbs": [BASE_CRUMB, ("覆盖规则参数", None)]},
    )
