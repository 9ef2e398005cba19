"""Open311 on the wire: a view's :class:`Reply` written as JSON or XML (the spec's two
formats), errors in the spec's shape, and :func:`endpoint`, the decorator every Open311
view wears (format, method, jurisdiction, errors)."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # writing only: nothing here parses XML
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.http import HttpResponse, JsonResponse

from shegong.accounts.http import HtmxHttpRequest
from shegong.core.middleware import handles_raw_text
from shegong.lib.text import printable_for_xml

from .open311_spec import Open311Error, check_jurisdiction


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


def errors(status: int, description: str) -> Reply:
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


def endpoint(*methods: str) -> Callable[[Callable[..., Reply]], Callable[..., HttpResponse]]:
    """Format (``.json`` or ``.xml``; anything else 400), method (405), jurisdiction_id
    (404) and error translation, answered in the requested format."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: Callable[..., Reply]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HtmxHttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return render("json", errors(400, "仅支持 JSON 和 XML 格式（.json 或 .xml）"))
            if request.method not in allowed:
                reply = errors(405, f"该接口不支持 {request.method} 方法")
                reply.headers["Allow"] = ", ".join(sorted(allowed))
                return render(fmt, reply)
            try:
                check_jurisdiction(request.GET.get("jurisdiction_id"))
                reply = view(request, **kwargs)
            except Open311Error as exc:
                reply = errors(exc.status, exc.description)
            return render(fmt, reply)

        # The POST body is read and normalised here (strict UTF-8, errors in the spec format).
        return handles_raw_text(wrapper)

    return decorate


def csv_values(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
