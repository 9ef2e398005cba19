"""Open311 GeoReport v2: the public API for citizens' apps and third-party clients.

Spec: https://wiki.open311.org/GeoReport_v2 — services, service definitions, POST a request,
GET requests, GET a request, each in XML (the spec's required format) and JSON. Mapping to
Shegong, privacy rules and idempotency are documented in docs/open311.md.

The views are thin: parse the request, call ``intake_queue.submit_public_appeal`` (the one
intake path, channel ``api``, written by the group-commit writer) or read
``public_appeals()``, serialize. Public reads never carry personal data: no petitioner, no
body, no detailed address, no free text staff wrote for the petitioner (replies, reasons),
and nothing about confidential or accusation appeals.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET  # writing only: nothing here parses XML
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from shegong.core.exceptions import DomainError
from shegong.core.middleware import handles_raw_text
from shegong.lib.text import (
    InvalidText,
    normalise_data,
    normalise_text,
    parse_form,
    printable_for_xml,
)
from shegong.regions import locate
from shegong.regions.cache import active_region_by_code
from shegong.regions.models import Region

from .choices import (
    KIND_STREAM,
    OPEN_APPEAL_STATES,
    OPEN_ORDER_STATES,
    AppealKind,
    AppealStatus,
    Channel,
    EventKind,
    Stream,
    Urgency,
)
from .models import Appeal, AppealEvent, IdempotencyRecord, WorkOrder
from .services.identity import public_text
from .services.intake import IntakeData, IntakeError
from .services.intake_queue import submit_public_appeal

MAX_RESULTS = 1000  # GeoReport v2: at most 1000 requests per GET requests call
DEFAULT_WINDOW = timedelta(days=90)  # GeoReport v2: default and maximum date range
DEDUP_WINDOW = timedelta(minutes=10)  # identical submissions without a key
MAX_KEY_LENGTH = 100
TITLE_LENGTH = 30

# --- services --------------------------------------------------------------------------------

SERVICE_DESCRIPTIONS: dict[str, str] = {
    AppealKind.XF_SUGGESTION: (
        "对国家机关及其工作人员的工作提出建议、意见（信访工作条例 第十七条）。"
        "须填写姓名（first_name/last_name）和联系电话（phone）。"
    ),
    AppealKind.XF_ACCUSATION: (
        "检举、控告国家机关及其工作人员的违法失职行为。诉求人身份严格保密，"
        "办理情况不在公开接口中显示，请凭编号和查询码在群众门户查询。"
    ),
    AppealKind.XF_CLAIM: (
        "维护自身合法权益的申诉、求决事项。须填写姓名（first_name/last_name）和联系电话"
        "（phone）；依法应通过诉讼、仲裁、行政复议等途径解决的，将告知相应途径。"
    ),
    AppealKind.HL_CONSULT: "咨询政策规定、办事流程等（12345热线）。",
    AppealKind.HL_HELP: "生活中遇到困难、需要帮助的事项（12345热线）。",
    AppealKind.HL_COMPLAINT: "对公共服务、城市管理、市场秩序等问题的投诉（12345热线）。",
    AppealKind.HL_REPORT: "举报违法违规行为（12345热线）；如需身份保密请选择 confidential=true。",
    AppealKind.HL_SUGGEST: "对城市管理和公共服务的建议（12345热线）。",
    AppealKind.PEOPLE_SUGGESTION: "围绕经济社会发展和民生改善提出的人民建议。",
}

SERVICE_KEYWORDS: dict[str, str] = {
    AppealKind.XF_SUGGESTION: "信访,建议,意见",
    AppealKind.XF_ACCUSATION: "信访,检举,控告",
    AppealKind.XF_CLAIM: "信访,申诉,求决",
    AppealKind.HL_CONSULT: "12345,咨询,政策",
    AppealKind.HL_HELP: "12345,求助,困难",
    AppealKind.HL_COMPLAINT: "12345,投诉",
    AppealKind.HL_REPORT: "12345,举报",
    AppealKind.HL_SUGGEST: "12345,建议",
    AppealKind.PEOPLE_SUGGESTION: "人民建议,建言献策",
}

# Every kind may be submitted publicly. Accusations are accepted but never listed publicly.
PUBLIC_SERVICE_CODES: tuple[str, ...] = tuple(AppealKind.values)

TRUE_VALUES = {"true", "1", "yes", "是"}
FALSE_VALUES = {"false", "0", "no", "否", ""}


def service_list() -> list[dict[str, Any]]:
    return [
        {
            "service_code": code,
            "service_name": AppealKind(code).label,
            "description": SERVICE_DESCRIPTIONS[code],
            "metadata": True,
            "type": "realtime",
            "keywords": SERVICE_KEYWORDS[code],
            "group": Stream(KIND_STREAM[code]).label,
        }
        for code in PUBLIC_SERVICE_CODES
    ]


def service_definition(code: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "region_code",
                "datatype": "string",
                "required": False,
                "datatype_description": (
                    "区划代码，如 339901001001；也可用 address_id 传入。不填时按经纬度"
                    "（lat/long，已载入区划边界时）或地址（address_string）中的社区、街道名称确定"
                ),
                "order": 1,
                "description": "发生地所在的行政区划（社区/村或街道）代码",
            },
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 2,
                "description": "紧急程度（默认：一般）",
                "values": [{"key": key, "name": label} for key, label in Urgency.choices],
            },
            {
                "variable": True,
                "code": "confidential",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 3,
                "description": "身份保密：保密的诉求不在公开接口中显示"
                + ("（检举控告类始终保密）" if code == AppealKind.XF_ACCUSATION else ""),
                "values": [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}],
            },
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": "2–200字；不填时取诉求内容的前30个字",
                "order": 4,
                "description": "标题（公开显示，请勿填写姓名、电话等个人信息）",
            },
            {
                "variable": True,
                "code": "submission_id",
                "datatype": "string",
                "required": False,
                "datatype_description": "不超过100个字符；也可用 Idempotency-Key 请求头传入",
                "order": 5,
                "description": "提交编号：重试同一提交时使用相同编号，不会重复登记",
            },
        ],
    }


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


# --- plumbing --------------------------------------------------------------------------------


class Open311Error(Exception):
    """An error answered in the spec's format: ``[{"code": status, "description": …}]`` in
    JSON, ``<errors><error><code/><description/></error></errors>`` in XML."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass
class Reply:
    """What a view answers, before it is written as JSON or XML.

    ``root`` is the XML document element; ``item`` names each element of a list answer
    (``None``: ``data`` is one object whose fields are the root's children).
    """

    data: Any
    root: str
    item: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


FORMATS = ("json", "xml")
# XML element of each item of a list-valued field (GeoReport v2 service definition).
XML_LIST_ITEMS = {"attributes": "attribute", "values": "value"}


def _errors(status: int, description: str) -> Reply:
    return Reply([{"code": status, "description": description}], "errors", "error", status)


def _json(reply: Reply) -> HttpResponse:
    return JsonResponse(
        reply.data,
        status=reply.status,
        safe=False,
        json_dumps_params={"ensure_ascii": False},
        content_type="application/json; charset=utf-8",
    )


def _xml_field(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _xml_field(element, XML_LIST_ITEMS.get(name, "item"), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _xml_field(element, key, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = printable_for_xml(str(value))


def _xml(reply: Reply) -> HttpResponse:
    root = ET.Element(reply.root)
    if reply.item is None:
        for key, value in reply.data.items():
            _xml_field(root, key, value)
    else:
        for item in reply.data:
            _xml_field(root, reply.item, item)
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
    return HttpResponse(
        body.encode("utf-8"), status=reply.status, content_type="text/xml; charset=utf-8"
    )


def render(fmt: str, reply: Reply) -> HttpResponse:
    response = _xml(reply) if fmt == "xml" else _json(reply)
    for name, value in reply.headers.items():
        response[name] = value
    return response


def _check_jurisdiction(value: str | None) -> None:
    value = (value or "").strip()
    if value and value != settings.SHEGONG_CITY_NAME:
        raise Open311Error(404, f"未知的 jurisdiction_id：{value[:50]}")


def _check_service(code: str) -> None:
    if code not in PUBLIC_SERVICE_CODES:
        raise Open311Error(404, f"未知的服务类型：{code[:50]}")


def endpoint(*methods: str) -> Callable[[Callable[..., Reply]], Callable[..., HttpResponse]]:
    """Format (``.json`` or ``.xml``; anything else 400), method (405), jurisdiction_id
    (404) and error translation, answered in the requested format."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: Callable[..., Reply]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return render("json", _errors(400, "仅支持 JSON 和 XML 格式（.json 或 .xml）"))
            if request.method not in allowed:
                reply = _errors(405, f"该接口不支持 {request.method} 方法")
                reply.headers["Allow"] = ", ".join(sorted(allowed))
                return render(fmt, reply)
            try:
                _check_jurisdiction(request.GET.get("jurisdiction_id"))
                reply = view(request, **kwargs)
            except Open311Error as exc:
                reply = _errors(exc.status, exc.description)
            return render(fmt, reply)

        # The POST body is read and normalised here (strict UTF-8, errors in the spec format).
        return handles_raw_text(wrapper)

    return decorate


def _csv(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


# --- views -----------------------------------------------------------------------------------


@endpoint("GET")
def services_view(request: HttpRequest) -> Reply:
    """GET services.json / services.xml"""
    return Reply(service_list(), "services", "service")


@endpoint("GET")
def service_definition_view(request: HttpRequest, service_code: str) -> Reply:
    """GET services/{service_code}.json / .xml"""
    _check_service(service_code)
    return Reply(service_definition(service_code), "service_definition")


@endpoint("GET")
def request_view(request: HttpRequest, service_request_id: str) -> Reply:
    """GET requests/{service_request_id}.json / .xml — a list of one, as the spec says."""
    number = service_request_id.strip().upper()
    appeal = _with_public_fields(public_appeals().filter(number=number)).first()
    if appeal is None:
        raise Open311Error(404, f"未找到编号为 {number[:40]} 的公开诉求")
    return Reply([serialize(appeal)], "service_requests", "request")


@csrf_exempt
@endpoint("GET", "POST")
def requests_view(request: HttpRequest) -> Reply:
    """GET requests.json (search) and POST requests.json (submit); the same in .xml."""
    if request.method == "POST":
        return _create(request)
    return Reply(search(request.GET), "service_requests", "request")


def not_found_view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    fmt = "xml" if request.path.lower().endswith(".xml") else "json"
    return render(fmt, _errors(404, "未知的接口地址，请参阅 GeoReport v2 规范"))


# --- GET requests ----------------------------------------------------------------------------


def search(params: Any) -> list[dict[str, Any]]:
    """Filters: service_request_id (overrides all others), service_code, status,
    start_date/end_date on the registration time (default and maximum: 90 days)."""
    qs = public_appeals()
    ids = _csv(params.getlist("service_request_id"))
    if ids:
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, f"一次最多查询{MAX_RESULTS}个编号")
        qs = qs.filter(number__in=[i.upper() for i in ids])
    else:
        codes = _csv(params.getlist("service_code"))
        for code in codes:
            _check_service(code)
        if codes:
            qs = qs.filter(kind__in=codes)
        statuses = set(_csv(params.getlist("status")))
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


# --- POST requests ---------------------------------------------------------------------------

_ATTRIBUTE_KEY = re.compile(r"attribute\[([^\[\]]+)\](?:\[\])?")


def _text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise Open311Error(400, f"字段 {name[:50]} 的格式无效")


def _post_fields(request: HttpRequest) -> tuple[dict[str, str], dict[str, str]]:
    """(fields, attributes) from a form-encoded body (the spec) or a JSON object.

    Attributes come as ``attribute[code]=value``; in JSON also as ``{"attribute": {...}}``.
    """
    items: Iterable[tuple[str, Any]]
    try:
        if request.content_type == "application/json":
            try:
                payload = normalise_data(json.loads(normalise_text(request.body) or "{}"))
            except InvalidText:
                raise
            except ValueError:
                raise Open311Error(400, "请求体不是有效的 JSON") from None
            if not isinstance(payload, dict):
                raise Open311Error(400, "请求体应为 JSON 对象")
            items = payload.items()
        elif request.content_type == "application/x-www-form-urlencoded":
            items = parse_form(request.body, request.encoding or settings.DEFAULT_CHARSET)
        else:  # multipart: decoded by Django
            items = [
                (
                    normalise_text(key),
                    normalise_text(request.POST.get(key, ""), field=f"字段 {key[:50]} "),
                )
                for key in request.POST
            ]
    except InvalidText as exc:
        raise Open311Error(400, exc.message) from None
    fields: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for key, value in items:
        if key == "attribute" and isinstance(value, Mapping):
            for code, item in value.items():
                attributes[str(code)] = _text(f"attribute[{code}]", item).strip()
            continue
        match = _ATTRIBUTE_KEY.fullmatch(key)
        if match:
            attributes[match.group(1)] = _text(key, value).strip()
        else:
            fields[key] = _text(key, value).strip()
    return fields, attributes


def _person_name(first: str, last: str) -> str:
    """Chinese names are family name first (last_name + first_name, no space)."""
    if (first + last).isascii():
        return " ".join(part for part in (first, last) if part)
    return last + first


def _default_title(description: str, *private: str) -> str:
    """The first 30 characters of the description — public, so without contact details and
    without the name and detailed address the submitter gave in their own fields."""
    text = public_text(" ".join(description.split()))
    for value in private:
        if len(value) >= 2:
            text = text.replace(value, "***")
    return text[:TITLE_LENGTH].strip()


def _coordinates(fields: dict[str, str]) -> tuple[float, float] | None:
    """(longitude, latitude) from ``long``/``lat`` (WGS-84 decimal degrees), if sent."""
    lat, lon = fields.get("lat", ""), fields.get("long", "")
    if not lat and not lon:
        return None
    try:
        point = (float(lon), float(lat))
    except ValueError:
        raise Open311Error(
            400, "经纬度（lat/long）应同时提供且为十进制数字，例如 lat=30.2741&long=120.1551"
        ) from None
    if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):  # NaN fails too
        raise Open311Error(400, "经纬度（lat/long）超出范围：纬度 -90～90，经度 -180～180")
    return point


def _locate(fields: dict[str, str]) -> tuple[Region | None, str]:
    """The region of a submission without a region code: from ``lat``/``long`` when region
    boundaries are loaded, else from the region names in ``address_string`` — or the precise
    reason neither works (see docs/open311.md)."""
    point = _coordinates(fields)
    with_boundaries = locate.boundaries_loaded()
    note = ""
    if point is not None:
        if with_boundaries:
            region = locate.region_at(*point)
            if region is not None:
                return region, ""
            where = f"lat={fields['lat']}，long={fields['long']}"
            note = f"经纬度（{where}）不在本市已载入边界的任何区划内"
        else:
            note = "本平台尚未载入区划边界，无法按经纬度（lat/long）定位"
    alternatives = "区划代码（attribute[region_code] 或 address_id）" + (
        "或经纬度（lat/long）" if with_boundaries and point is None else ""
    )
    address = fields.get("address_string", "")
    if address:
        resolution = locate.resolve_address(address, hint=f"；也可提供{alternatives}")
        if resolution.region is not None:
            return resolution.region, ""
        return None, "；".join(filter(None, [note, resolution.problem]))
    problem = (
        f"请提供发生地：{alternatives}，或写明社区或街道名称的地址（address_string，"
        f"例如“{locate.example_address()}幸福路8号”）"
    )
    return None, "；".join(filter(None, [note, problem]))


def _intake_data(fields: dict[str, str], attributes: dict[str, str]) -> tuple[IntakeData, Region]:
    service_code = fields.get("service_code", "")
    if not service_code:
        raise Open311Error(400, "请选择服务类型（service_code）")
    _check_service(service_code)
    problems: list[str] = []
    description = fields.get("description", "")
    if not description:
        problems.append("请填写诉求内容（description）")
    region_code = attributes.get("region_code", "")
    address_id = fields.get("address_id", "")
    region = None
    if region_code and address_id and region_code != address_id:
        problems.append("attribute[region_code] 与 address_id 不一致")
    elif not (region_code or address_id):
        region, problem = _locate(fields)
        if problem:
            problems.append(problem)
    else:
        code = region_code or address_id
        region = active_region_by_code(code)
        if region is None:
            problems.append(f"区划代码“{code[:30]}”不存在或已停用")
    confidential = attributes.get("confidential", "").lower()
    if confidential not in TRUE_VALUES | FALSE_VALUES:
        problems.append("身份保密（attribute[confidential]）只能是 true 或 false")
    address = fields.get("address_string", "")
    if len(address) > 255:
        problems.append("详细地址（address_string）不超过255个字")
    if problems:
        raise Open311Error(400, "；".join(problems))
    assert region is not None
    name = _person_name(fields.get("first_name", ""), fields.get("last_name", ""))
    data = IntakeData(
        kind=service_code,
        channel=Channel.API,
        title=attributes.get("title") or _default_title(description, name, address),
        body=description,
        region_id=region.pk,
        address=address,
        urgency=attributes.get("urgency") or Urgency.NORMAL,
        name=name,
        phone=fields.get("phone", ""),
        identity_confidential=confidential in TRUE_VALUES,
    )
    return data, region


def _submission_key(request: HttpRequest, attributes: dict[str, str]) -> str:
    header = request.headers.get("Idempotency-Key", "").strip()
    attribute = attributes.get("submission_id", "")
    if header and attribute and header != attribute:
        raise Open311Error(400, "Idempotency-Key 请求头与 attribute[submission_id] 不一致")
    key = header or attribute
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Open311Error(400, f"提交编号（Idempotency-Key）不超过{MAX_KEY_LENGTH}个可见字符")
    return key


def _auto_key(data: IntakeData, bucket: int) -> str:
    """Key for a submission without one: the normalized payload (incl. phone) + time bucket."""
    digest = hashlib.sha256(f"{data.fingerprint()}|{bucket}".encode()).hexdigest()
    return f"open311-auto:{bucket}:{digest}"


def _create(request: HttpRequest) -> Reply:
    fields, attributes = _post_fields(request)
    _check_jurisdiction(fields.get("jurisdiction_id"))
    data, region = _intake_data(fields, attributes)
    now = timezone.now()
    client_key = _submission_key(request, attributes)
    appeal: Appeal | None = None
    code: str | None = None
    if client_key:
        key = f"open311:{client_key}"
        data.source_ref = client_key
    else:
        # An accidental double submit (same payload and phone) within 10 minutes is the
        # same request: this bucket's key, or the previous bucket's if still in the window.
        bucket = int(now.timestamp() // DEDUP_WINDOW.total_seconds())
        key = _auto_key(data, bucket)
        earlier = (
            IdempotencyRecord.objects.filter(
                key=_auto_key(data, bucket - 1), created_at__gte=now - DEDUP_WINDOW
            )
            .select_related("appeal")
            .first()
        )
        appeal = earlier.appeal if earlier is not None else None
    if appeal is None:
        try:
            appeal, code = submit_public_appeal(
                data=data, idempotency_key=key, now=now, region=region
            )
        except IntakeError as exc:
            raise Open311Error(400, exc.message) from None
        except DomainError as exc:
            status = (
                409
                if exc.code == "idempotency_conflict"
                # The intake writer could not answer: the citizen's request was fine, retry.
                else 503
                if exc.code in {"busy", "intake_failed"}
                else 400
            )
            raise Open311Error(status, exc.message) from None
    created = {
        "service_request_id": appeal.number,
        "service_notice": _submit_notice(appeal, code),
        "account_id": None,
        "token": None,
    }
    # Cache-Control: the answer carries the one-time tracking code.
    return Reply([created], "service_requests", "request", 201, {"Cache-Control": "no-store"})


def _submit_notice(appeal: Appeal, code: str | None) -> str:
    if code:
        notice = (
            f"您的诉求已登记，编号 {appeal.number}。查询码：{code}，请妥善保存（仅显示这一次）。"
        )
    else:
        notice = (
            f"该提交此前已登记，编号 {appeal.number}。查询码只在首次提交时显示，"
            "本次无法再次提供；如已遗失，请联系受理机构。"
        )
    if appeal.identity_confidential or appeal.kind == AppealKind.XF_ACCUSATION:
        notice += "为保护您的身份，该诉求不在公开接口中显示，请凭编号和查询码在群众门户查询。"
    return notice
