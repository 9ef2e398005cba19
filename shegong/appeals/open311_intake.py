"""Open311 POST requests.{fmt}: a submission (form-encoded as the spec says, or JSON) read
into the intake service's ``IntakeData`` — the place from a region code, coordinates or the
address — and handed to ``intake_queue.submit_public_appeal``, idempotently (the client's
key, or the payload within ten minutes). See docs/open311.md."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from shegong.accounts.http import HtmxHttpRequest
from shegong.core.exceptions import DomainError
from shegong.lib.text import InvalidText, normalise_data, normalise_text, parse_form
from shegong.regions import locate
from shegong.regions.cache import active_region_by_code
from shegong.regions.models import Region

from .choices import AppealKind, Channel, Urgency
from .models import Appeal, IdempotencyRecord
from .open311_spec import (
    FALSE_VALUES,
    TRUE_VALUES,
    Open311Error,
    check_jurisdiction,
    check_service,
)
from .open311_wire import Reply
from .services.identity import public_text
from .services.intake import IntakeData, IntakeError
from .services.intake_queue import submit_public_appeal

DEDUP_WINDOW = timedelta(minutes=10)  # identical submissions without a key
MAX_KEY_LENGTH = 100
TITLE_LENGTH = 30

_ATTRIBUTE_KEY = re.compile(r"attribute\[([^\[\]]+)\](?:\[\])?")


def _text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise Open311Error(400, f"字段 {name[:50]} 的格式无效")


def _post_fields(request: HtmxHttpRequest) -> tuple[dict[str, str], dict[str, str]]:
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
    check_service(service_code)
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


def _submission_key(request: HtmxHttpRequest, attributes: dict[str, str]) -> str:
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


def create(request: HtmxHttpRequest) -> Reply:
    """POST requests.{fmt}: 201 with the number and the one-time tracking code."""
    fields, attributes = _post_fields(request)
    check_jurisdiction(fields.get("jurisdiction_id"))
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
