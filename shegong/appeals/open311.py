"""Open311 GeoReport v2: the public API for citizens' apps and third-party clients.

Spec: https://wiki.open311.org/GeoReport_v2 — services, service definitions, POST a request,
GET requests, GET a request, each in XML (the spec's required format) and JSON. Mapping to
Shegong, privacy rules and idempotency are documented in docs/open311.md.

This module: the views and the public reads (``public_appeals()``, the serializer, GET
search). The catalogue and the error are in ``open311_spec.py``, JSON/XML writing and the
``endpoint`` decorator in ``open311_wire.py``, POST parsing and submission in
``open311_intake.py``. The views are thin: parse the request, call
``intake_queue.submit_public_appeal`` (the one intake path, channel ``api``, written by the
group-commit writer) or read ``public_appeals()``, serialize. Public reads never carry
personal data: no petitioner, no body, no detailed address, no free text staff wrote for
the petitioner (replies, reasons), and nothing about confidential or accusation appeals.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpResponse, QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from shegong.accounts.http import HtmxHttpRequest

from .choices import OPEN_APPEAL_STATES, OPEN_ORDER_STATES, AppealKind, AppealStatus, EventKind
from .models import Appeal, AppealEvent, WorkOrder
from .open311_intake import create
from .open311_spec import Open311Error, check_service, service_definition, service_list
from .open311_wire import Reply, csv_values, endpoint, errors, render
from .services.identity import public_text

MAX_RESULTS = 1000  # GeoReport v2: at most 1000 requests per GET requests call
DEFAULT_WINDOW = timedelta(days=90)  # GeoReport v2: default and maximum date range

# --- public reads ----------------------------------------------------------------------------


def public_appeals() -> QuerySet[Appeal]:
    """Every appeal the public Open311 API may show — the one place that rule lives.

    The API has no user, so it cannot start from ``visible_to``; this filter is its scope.
    Privacy rule: an appeal whose petitioner asked for identity protection
    (``identity_confidential``) and every 检举控告 (信访工作条例 第三十条; intake always marks
    them confidential, excluded here again by kind) is never listed and is 404 by id — its
    existence, place, kind and progress are only for the petitioner (portal, tracking code)
    and for staff. For the rest, serializers expose only non-personal fields: number, kind,
    title, status, times, region name, lead unit — never body, petitioner or address.
    """
    return Appeal.objects.filter(identity_confidential=False).exclude(kind=AppealKind.XF_ACCUSATION)


# Events whose public note is fixed text (numbers, unit names); all others carry free text
# staff wrote for the petitioner (reply, reasons) and are shown publicly only by this label.
SAFE_NOTE_KINDS = {
    EventKind.REGISTERED,
    EventKind.INFO_ADDED,
    EventKind.ACCEPTED,
    EventKind.FORWARDED,
    EventKind.DISPATCHED,
    EventKind.REASSIGNED,
    EventKind.ESCALATED,
    EventKind.CONTACTED,
    EventKind.CLOSED,
    EventKind.MERGED,
    EventKind.SPLIT,
}
GENERIC_NOTES: dict[str, str] = {
    EventKind.REJECTED: "不予受理，理由已告知诉求人",
    EventKind.REDIRECTED: "已告知诉求人通过其他法定途径解决",
    EventKind.REPLIED: "已答复诉求人",
    EventKind.EXTENSION_DECIDED: "办理期限已调整",
}

# Public text (status notes, the default title) goes through ``services.identity.public_text``:
# the same identifier detector as every other public surface.


def _with_public_fields(qs: QuerySet[Appeal]) -> QuerySet[Appeal]:
    latest_public = AppealEvent.objects.filter(appeal=OuterRef("pk"), public=True).order_by(
        "-at", "-pk"
    )
    latest = AppealEvent.objects.filter(appeal=OuterRef("pk")).order_by("-at", "-pk")
    open_due = (
        WorkOrder.objects.filter(
            appeal=OuterRef("pk"), status__in=list(OPEN_ORDER_STATES), due_at__isnull=False
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return (
        qs.select_related("region", "lead_unit")
        .only(
            "number",
            "kind",
            "status",
            "title",
            "registered_at",
            "updated_at",
            "triage_due_at",
            "region__code",
            "region__full_name",
            "lead_unit__name",
        )
        .annotate(
            note_kind=Subquery(latest_public.values("kind")[:1]),
            note_text=Subquery(latest_public.values("public_note")[:1]),
            last_event_at=Subquery(latest.values("at")[:1]),
            open_due_at=Subquery(open_due),
        )
    )


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _status_notes(kind: str | None, text: str | None) -> str:
    if not kind:
        return ""
    if kind in SAFE_NOTE_KINDS:
        return public_text(text)
    return GENERIC_NOTES.get(kind) or dict(EventKind.choices).get(kind, "")


def serialize(appeal: Appeal) -> dict[str, Any]:
    is_open = appeal.status in OPEN_APPEAL_STATES
    last_event_at: datetime | None = getattr(appeal, "last_event_at", None)
    updated = max(filter(None, [appeal.updated_at, last_event_at]))
    expected = (getattr(appeal, "open_due_at", None) or appeal.triage_due_at) if is_open else None
    return {
        "service_request_id": appeal.number,
        "status": "open" if is_open else "closed",
        "status_notes": _status_notes(
            getattr(appeal, "note_kind", None), getattr(appeal, "note_text", None)
        ),
        "service_name": AppealKind(appeal.kind).label,
        "service_code": appeal.kind,
        "description": public_text(appeal.title),
        "agency_responsible": appeal.lead_unit.name if appeal.lead_unit else "",
        "service_notice": f"当前状态：{AppealStatus(appeal.status).label}",
        "requested_datetime": _iso(appeal.registered_at),
        "updated_datetime": _iso(updated),
        "expected_datetime": _iso(expected),
        "address": appeal.region.full_name,
        "address_id": appeal.region.code,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


# --- views -----------------------------------------------------------------------------------


@endpoint("GET")
def services_view(request: HtmxHttpRequest) -> Reply:
    """GET services.json / services.xml"""
    return Reply(service_list(), "services", "service")


@endpoint("GET")
def service_definition_view(request: HtmxHttpRequest, service_code: str) -> Reply:
    """GET services/{service_code}.json / .xml"""
    check_service(service_code)
    return Reply(service_definition(service_code), "service_definition")


@endpoint("GET")
def request_view(request: HtmxHttpRequest, service_request_id: str) -> Reply:
    """GET requests/{service_request_id}.json / .xml — a list of one, as the spec says."""
    number = service_request_id.strip().upper()
    appeal = _with_public_fields(public_appeals().filter(number=number)).first()
    if appeal is None:
        raise Open311Error(404, f"未找到编号为 {number[:40]} 的公开诉求")
    return Reply([serialize(appeal)], "service_requests", "request")


@csrf_exempt
@endpoint("GET", "POST")
def requests_view(request: HtmxHttpRequest) -> Reply:
    """GET requests.json (search) and POST requests.json (submit); the same in .xml."""
    if request.method == "POST":
        return create(request)
    return Reply(search(request.GET), "service_requests", "request")


def not_found_view(request: HtmxHttpRequest, **kwargs: Any) -> HttpResponse:
    fmt = "xml" if request.path.lower().endswith(".xml") else "json"
    return render(fmt, errors(404, "未知的接口地址，请参阅 GeoReport v2 规范"))


# --- GET requests ----------------------------------------------------------------------------


def search(params: QueryDict) -> list[dict[str, Any]]:
    """Filters: service_request_id (overrides all others), service_code, status,
    start_date/end_date on the registration time (default and maximum: 90 days)."""
    qs = public_appeals()
    ids = csv_values(params.getlist("service_request_id"))
    if ids:
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, f"一次最多查询{MAX_RESULTS}个编号")
        qs = qs.filter(number__in=[i.upper() for i in ids])
    else:
        codes = csv_values(params.getlist("service_code"))
        for code in codes:
            check_service(code)
        if codes:
            qs = qs.filter(kind__in=codes)
        statuses = set(csv_values(params.getlist("status")))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status 只能是 open 或 closed")
        if statuses == {"open"}:
            qs = qs.filter(status__in=list(OPEN_APPEAL_STATES))
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=list(OPEN_APPEAL_STATES))
        start, end = _date_range(params.get("start_date"), params.get("end_date"))
        qs = qs.filter(registered_at__gte=start, registered_at__lte=end)
    rows = _with_public_fields(qs).order_by("-registered_at", "-pk")[:MAX_RESULTS]
    return [serialize(appeal) for appeal in rows]


def _parse_when(value: str, name: str, *, end: bool) -> datetime:
    text = value.strip()
    # "+08:00" arrives as " 08:00" when the client forgot to URL-encode the plus sign.
    text = re.sub(r"(T[\d:.]+) (\d{2}:?\d{2})$", r"\1+\2", text)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = parse_date(text)
            parsed = datetime.combine(day, time.max if end else time.min) if day else None
        else:
            parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, f"{name} 不是有效的 ISO 8601 时间，例如 2026-01-01T00:00:00+08:00")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _date_range(start_value: str | None, end_value: str | None) -> tuple[datetime, datetime]:
    start = _parse_when(start_value, "start_date", end=False) if start_value else None
    end = _parse_when(end_value, "end_date", end=True) if end_value else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - DEFAULT_WINDOW
    if end is None:
        end = start + DEFAULT_WINDOW
    if start > end:
        raise Open311Error(400, "start_date 不能晚于 end_date")
    if end - start > DEFAULT_WINDOW:
        raise Open311Error(400, "查询的时间范围不能超过90天")
    return start, end
