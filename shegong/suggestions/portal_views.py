"""Public portal pages (no login): themed solicitations and the transparency page.

Everything shown here comes from ``services.themes.portal_*`` and
``services.publication``/``services.figures``, which decide what the public may read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from shegong.accounts.http import HtmxHttpRequest
from shegong.appeals.choices import Stream

from .filters import PublicAppealFilterSet
from .services import figures
from .services import publication as pub
from .services import themes as th

FILTER_KEYS = ("q", "stream", "unit", "district", "month")


@require_GET
def theme_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request,
        "suggestions/portal/theme_list.html",
        {"page_title": "征集主题", **th.portal_themes()},
    )


@require_GET
def theme_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    theme = th.portal_theme(pk)
    if theme is None:
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "suggestions/portal/theme_detail.html",
        {
            "page_title": theme.title,
            "theme": theme,
            "accepting": theme.is_accepting(today),
            "upcoming": theme.status == "open" and theme.start_date > today,
            "days_left": (theme.end_date - today).days if theme.is_accepting(today) else None,
            "submit_url": f"{reverse('portal:submit')}?stream={Stream.SUGGESTION}&theme={theme.pk}",
        },
    )


@require_GET
def open_list(request: HtmxHttpRequest) -> HttpResponse:
    filterset = PublicAppealFilterSet(request.GET, queryset=pub.public_consents())
    page = Paginator(filterset.qs, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    options = pub.public_filter_options()
    return render(
        request,
        "suggestions/portal/open_list.html",
        {
            "page_title": "办理公开",
            "page": page,
            "items": [pub.public_item(c) for c in page],
            "query": query.urlencode(),
            "values": {k: request.GET.get(k, "") for k in FILTER_KEYS},
            "streams": Stream.choices,
            "months": [m.strftime("%Y-%m") for m in figures.recent_months()],
            **options,
        },
    )


@require_GET
def open_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    consent = pub.public_consents().filter(pk=pk).first()
    if consent is None:
        raise Http404
    item = pub.public_item(consent, with_reply=True)
    return render(
        request,
        "suggestions/portal/open_detail.html",
        {"page_title": item.title, "item": item},
    )


def _month(value: str, months: list[date]) -> date:
    for month in months:
        if month.strftime("%Y-%m") == value:
            return month
    return months[0]


@require_GET
def open_units(request: HtmxHttpRequest) -> HttpResponse:
    months = figures.recent_months()
    month = _month(request.GET.get("month", ""), months)
    rows = figures.unit_month_figures(month)
    total = figures.totals(rows)
    label = f"{month.year}年{month.month}月"
    chart: dict[str, Any] = {
        "title": f"{label}各单位收到与答复的诉求（件）",
        "units": [r.unit_name for r in rows],
        "received": [r.received for r in rows],
        "replied": [r.replied for r in rows],
        "urls": [
            reverse("suggestions_portal:open") + f"?unit={r.unit_id}&month={month:%Y-%m}"
            for r in rows
        ],
    }
    return render(
        request,
        "suggestions/portal/open_units.html",
        {
            "page_title": "各单位办理情况",
            "rows": rows,
            "total": total,
            "month": month,
            "month_label": label,
            "months": [(m.strftime("%Y-%m"), f"{m.year}年{m.month}月") for m in months],
            "definitions": figures.DEFINITIONS,
            "chart": chart,
        },
    )
