"""The cockpit page: every panel the viewer may see, drawn with the vendored ECharts."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.panels import panels_for
from shegong.core.permissions import capability_required
from shegong.core.roles import Cap
from shegong.regions.models import Region

from . import boundaries
from .figures import PanelData, display, panel_data
from .query import BadFilter, Filters, build_query, read_filters

SMALL_PANELS = ("appeals",)  # the home page's smaller version


def cockpit_panels(
    request: AuthedHttpRequest, *, keys: tuple[str, ...] | None = None
) -> tuple[Filters | None, list[PanelData], str]:
    """``(filters, panels, error)`` for the request's filters; a bad filter gives its
    Chinese message and no panels."""
    try:
        filters = read_filters(request.user, request.GET)
    except BadFilter as exc:
        return None, [], exc.message
    query = build_query(request.user, filters)
    panels = [
        panel_data(p, query) for p in panels_for(request.user) if keys is None or p.key in keys
    ]
    return filters, panels, ""


def _children(request: AuthedHttpRequest, filters: Filters) -> list[Region]:
    region = filters.region
    if region is None:
        return list(Region.objects.visible_to(request.user).filter(parent__isnull=True))
    rows = [region, *Region.objects.visible_to(request.user).filter(parent=region).order_by("code")]
    if region.parent_id and request.user.region and region.pk != request.user.region.pk:
        rows.insert(0, request.user.region)
    return rows


def _filter_query(filters: Filters) -> str:
    """The filters as the panels' query string (normalised: what the page shows)."""
    params = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if filters.region is not None:
        params["region"] = str(filters.region.pk)
    if filters.category:
        params["category"] = filters.category
    return urlencode(params)


@capability_required(Cap.COCKPIT_VIEW)
@require_GET
def cockpit(request: AuthedHttpRequest) -> HttpResponse:
    """The page and its filters; each panel is counted by its own request
    (``panel``, HTMX on load), so the page appears at once and a slow panel holds up no
    other. ``?full=1`` counts every panel in this request (without JavaScript)."""
    full = request.GET.get("full") == "1"
    if full:
        filters, panels, error = cockpit_panels(request)
    else:
        try:
            filters, error = read_filters(request.user, request.GET), ""
        except BadFilter as exc:
            filters, error = None, exc.message
        panels = []
    status = 400 if error else 200
    pending = [] if full or filters is None else list(panels_for(request.user))
    return render(
        request,
        "cockpit/cockpit.html",
        {
            "filters": filters,
            "panels": panels,
            "display": display(panels),
            "pending": pending,
            "filter_query": _filter_query(filters) if filters else "",
            "data_id": "cockpit-data",
            "error": error,
            "form_values": {
                "start": filters.start.isoformat() if filters else request.GET.get("start", ""),
                "end": filters.end.isoformat() if filters else request.GET.get("end", ""),
                "category": filters.category if filters else request.GET.get("category", ""),
            },
            "regions": _children(request, filters) if filters else [],
            "breadcrumbs": [("领导驾驶舱", None)],
            "has_map": boundaries.current() is not None,
            "can_upload": request.user.has_capability(Cap.REPORTS_MANAGE),
        },
        status=status,
    )


@capability_required(Cap.COCKPIT_VIEW)
@require_GET
def panel(request: AuthedHttpRequest, key: str) -> HttpResponse:
    """One panel of the cockpit (HTMX fragment), counted for the request's filters."""
    if not any(p.key == key for p in panels_for(request.user)):
        raise Http404
    _, panels, error = cockpit_panels(request, keys=(key,))
    return render(
        request,
        "cockpit/_panel_frame.html",
        {
            "key": key,
            "panels": panels,
            "display": display(panels),
            "data_id": f"cockpit-data-{key}",
            "error": error,
            "has_map": boundaries.current() is not None,
        },
        status=400 if error else 200,
    )


@capability_required(Cap.COCKPIT_VIEW)
@require_GET
def summary(request: AuthedHttpRequest) -> HttpResponse:
    """The home page's smaller cockpit (HTMX): the key figures of the last 30 days."""
    filters, panels, error = cockpit_panels(request, keys=SMALL_PANELS)
    kpis = [(p, [f for f in p["figures"] if f["chart"] == "kpi"]) for p in panels]
    return render(
        request,
        "cockpit/summary.html",
        {"filters": filters, "kpis": kpis, "error": error},
    )


@capability_required(Cap.COCKPIT_VIEW)
@require_GET
def boundaries_json(request: AuthedHttpRequest) -> HttpResponse:
    """The uploaded boundaries inside the viewer's region (for ECharts' registerMap)."""
    row = boundaries.Boundaries.objects.first()
    if row is None:
        return JsonResponse({"type": "FeatureCollection", "features": []})
    path = request.user.scope_region_path
    if path is None and not request.user.is_superuser:
        return JsonResponse({"type": "FeatureCollection", "features": []})
    return JsonResponse(boundaries.features_within(row, path))


@capability_required(Cap.REPORTS_MANAGE)
def boundaries_upload(request: AuthedHttpRequest) -> HttpResponse:
    """The administrator uploads the region boundaries (GeoJSON) the map draws."""
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要上传的 GeoJSON 文件"
        elif upload.size is not None and upload.size > boundaries.MAX_BYTES:
            error = f"文件过大：不能超过 {boundaries.MAX_BYTES // 1024 // 1024} MB"
        else:
            try:
                boundaries.upload_boundaries(actor=request.user, data=upload.read())
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, "区划边界已上传，驾驶舱地图将按新边界绘制")
                return redirect("cockpit:boundaries")
    return render(
        request,
        "cockpit/boundaries.html",
        {
            "current": boundaries.current(),
            "error": error,
            "max_mb": boundaries.MAX_BYTES // 1024 // 1024,
            "breadcrumbs": [("领导驾驶舱", None), ("区划边界", None)],
        },
        status=400 if error else 200,
    )
