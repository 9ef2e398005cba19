"""A small Open311 GeoReport v2 client (XML and JSON), written from the spec, not the server.

https://wiki.open311.org/GeoReport_v2 — it checks what the spec promises and fails loudly
otherwise: ``services.json`` is a list of services, ``services/{code}.json`` one object with
``attributes``, POST and GET of requests answer lists of objects (one object for a single
request), errors are ``[{"code": <the HTTP status>, "description": "…"}]``, datetimes are
ISO 8601 with a time zone, text is UTF-8 JSON.

With ``fmt="xml"`` it speaks the spec's required format instead: every URL ends in ``.xml``,
answers are UTF-8 XML documents whose root is ``<services>`` (of ``<service>``),
``<service_definition>`` (with ``<attributes><attribute>…<values><value>``),
``<service_requests>`` (of ``<request>``, for POST and both GETs) or, for errors,
``<errors>`` (of ``<error>`` with ``<code>`` and ``<description>``). Each element's children
are the fields; an empty element is ``None``; ``true``/``false`` fields become booleans and
``order`` and an error's ``code`` numbers, so callers see the same shapes as in JSON.

The transport is any callable ``(method, path, params, headers, body, content_type) ->
(status, content_type, bytes)``; ``Open311Client.for_django(client)`` wraps a
``django.test.Client`` and ``Open311Client.for_url(base)`` talks to a real server (stdlib).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Transport = Callable[
    [str, str, Mapping[str, str], Mapping[str, str], bytes | None, str | None],
    tuple[int, str, bytes],
]

SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
SERVICE_TYPES = {"realtime", "batch", "blackbox"}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
ATTRIBUTE_FIELDS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
}
CREATED_FIELDS = {"service_request_id", "service_notice", "account_id", "token"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
DATETIME_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")
XML_ROOTS = {  # resource → (document element, element of each list item or None)
    "services": ("services", "service"),
    "service": ("service_definition", None),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
XML_BOOLEANS = {"metadata", "variable", "required"}
XML_INTEGERS = {"order"}
XML_LISTS = {"attributes": "attribute", "values": "value"}


class SpecViolation(AssertionError):
    """The server answered something GeoReport v2 does not allow."""


class Open311Error(Exception):
    """The server refused, in the spec's error format."""

    def __init__(self, status: int, errors: list[dict[str, Any]], raw: bytes) -> None:
        self.status = status
        self.errors = errors
        self.raw = raw
        super().__init__(f"{status}: {self.description}")

    @property
    def description(self) -> str:
        return "；".join(str(e["description"]) for e in self.errors)


@dataclass
class Exchange:
    """One request/response pair, kept so tests can inspect raw bytes."""

    method: str
    path: str
    status: int
    content_type: str
    body: bytes


@dataclass
class Open311Client:
    transport: Transport
    jurisdiction_id: str | None = None
    fmt: str = "json"  # or "xml", the spec's required format
    base: str = "/open311/v2/"
    history: list[Exchange] = field(default_factory=list)

    # --- transports ------------------------------------------------------------------------

    @classmethod
    def for_django(cls, client: Any, **kwargs: Any) -> Open311Client:
        """Wrap a ``django.test.Client``."""

        def transport(
            method: str,
            path: str,
            params: Mapping[str, str],
            headers: Mapping[str, str],
            body: bytes | None,
            content_type: str | None,
        ) -> tuple[int, str, bytes]:
            query = urllib.parse.urlencode(params)
            url = f"{path}?{query}" if query else path
            response = client.generic(
                method,
                url,
                data=body or b"",
                content_type=content_type or "application/octet-stream",
                headers=dict(headers),
            )
            return response.status_code, response.get("Content-Type", ""), response.content

        return cls(transport, **kwargs)

    @classmethod
    def for_url(cls, root: str, timeout: float = 30, **kwargs: Any) -> Open311Client:
        """Talk to a running server, e.g. ``for_url("https://shegong.example.cn")``."""

        def transport(
            method: str,
            path: str,
            params: Mapping[str, str],
            headers: Mapping[str, str],
            body: bytes | None,
            content_type: str | None,
        ) -> tuple[int, str, bytes]:
            query = urllib.parse.urlencode(params)
            url = root.rstrip("/") + path + (f"?{query}" if query else "")
            all_headers = dict(headers)
            if content_type:
                all_headers["Content-Type"] = content_type
            req = urllib.request.Request(url, data=body, method=method, headers=all_headers)  # noqa: S310
            try:
                with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                    return resp.status, resp.headers.get("Content-Type", ""), resp.read()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.headers.get("Content-Type", ""), exc.read()

        return cls(transport, **kwargs)

    # --- the five methods ------------------------------------------------------------------

    def services(self) -> list[dict[str, Any]]:
        """GET services.json → the list of services."""
        data = self._call("GET", "services", "services")
        self._expect_list(data, "services")
        for service in data:
            self._expect_fields(service, SERVICE_FIELDS, "service")
            if service["type"] not in SERVICE_TYPES:
                raise SpecViolation(f"unknown service type {service['type']!r}")
            if not isinstance(service["metadata"], bool):
                raise SpecViolation("metadata must be true or false")
        return data

    def service(self, service_code: str) -> dict[str, Any]:
        """GET services/{service_code}.json → the service definition (one object)."""
        path = f"services/{urllib.parse.quote(service_code, safe='')}"
        data = self._call("GET", path, "service")
        if not isinstance(data, dict):
            raise SpecViolation("a service definition is one object")
        self._expect_fields(data, {"service_code", "attributes"}, "service definition")
        if data["service_code"] != service_code:
            raise SpecViolation("service definition for another service_code")
        for attribute in data["attributes"]:
            self._expect_fields(attribute, ATTRIBUTE_FIELDS, "attribute")
            if attribute["datatype"] not in DATATYPES:
                raise SpecViolation(f"unknown datatype {attribute['datatype']!r}")
            if attribute["datatype"].endswith("valuelist"):
                values = attribute.get("values")
                if not values or not all({"key", "name"} <= set(v) for v in values):
                    raise SpecViolation("list attributes need values with key and name")
        return data

    def create(
        self, idempotency_key: str | None = None, *, as_json: bool = False, **fields: Any
    ) -> dict[str, Any]:
        """POST requests.json. ``attribute={"code": value}`` becomes ``attribute[code]=value``.

        Form-encoded as the spec says (``as_json=True`` sends a JSON object instead). Returns
        the one object of the spec's list-wrapped answer.
        """
        flat: dict[str, str] = {}
        for name, value in fields.items():
            if name == "attribute":
                for code, item in dict(value).items():
                    flat[f"attribute[{code}]"] = _form_value(item)
            elif value is not None:
                flat[name] = _form_value(value)
        if self.jurisdiction_id is not None:
            flat.setdefault("jurisdiction_id", self.jurisdiction_id)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        if as_json:
            body = json.dumps(flat, ensure_ascii=False).encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode(flat).encode("ascii")
            content_type = "application/x-www-form-urlencoded"
        data = self._call(
            "POST", "requests", "requests", headers=headers, body=body, ctype=content_type
        )
        self._expect_list(data, "POST requests")
        if len(data) != 1:
            raise SpecViolation("POST requests answers a list of exactly one object")
        self._expect_fields(data[0], CREATED_FIELDS, "created request")
        if not data[0]["service_request_id"] and not data[0]["token"]:
            raise SpecViolation("either service_request_id or token is required")
        return data[0]

    def get(self, service_request_id: str) -> dict[str, Any]:
        """GET requests/{id}.json → the one request (the spec wraps it in a list)."""
        path = f"requests/{urllib.parse.quote(service_request_id, safe='')}"
        data = self._call("GET", path, "requests")
        self._expect_list(data, "GET request")
        if len(data) != 1:
            raise SpecViolation("GET requests/{id} answers a list of exactly one object")
        request = self._check_request(data[0])
        if request["service_request_id"] != service_request_id:
            raise SpecViolation("answered another service_request_id")
        return request

    def search(self, **filters: Any) -> list[dict[str, Any]]:
        """GET requests.json with service_request_id, service_code, start_date, end_date,
        status (lists are sent comma-separated; datetimes as ISO 8601)."""
        params: dict[str, str] = {}
        for name, value in filters.items():
            if value is None:
                continue
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, list | tuple | set):
                value = ",".join(str(v) for v in value)
            params[name] = str(value)
        data = self._call("GET", "requests", "requests", params=params)
        self._expect_list(data, "GET requests")
        if len(data) > 1000:
            raise SpecViolation("at most 1000 requests per call")
        return [self._check_request(r) for r in data]

    # --- raw access and checks -------------------------------------------------------------

    def raw(
        self,
        method: str,
        path: str,
        resource: str = "requests",
        *,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Any call (``path`` without the format extension); returns (status, parsed answer)
        without raising on errors."""
        try:
            return 200, self._call(method, path, resource, params=params or {})
        except Open311Error as exc:
            return exc.status, exc.errors

    def _call(
        self,
        method: str,
        path: str,
        resource: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        ctype: str | None = None,
    ) -> Any:
        params = dict(params or {})
        if self.jurisdiction_id is not None and method == "GET":
            params.setdefault("jurisdiction_id", self.jurisdiction_id)
        path = f"{path}.{self.fmt}"
        status, content_type, raw = self.transport(
            method, self.base + path, params, headers or {}, body, ctype
        )
        self.history.append(Exchange(method, path, status, content_type, raw))
        media, _, charset = content_type.partition(";")
        if charset and "utf-8" not in charset.lower():
            raise SpecViolation(f"{method} {path}: text must be UTF-8, got {charset!r}")
        if self.fmt == "xml":
            if media.strip() not in ("text/xml", "application/xml"):
                raise SpecViolation(f"{method} {path}: Content-Type {content_type!r}, not XML")
            data = _from_xml(raw, "errors" if status >= 400 else resource, f"{method} {path}")
        else:
            if media.strip() != "application/json":
                raise SpecViolation(f"{method} {path}: Content-Type {content_type!r}, not JSON")
            try:
                data = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise SpecViolation(f"{method} {path}: invalid JSON ({exc})") from exc
        if status >= 400:
            self._expect_list(data, "error")
            for error in data:
                self._expect_fields(error, {"code", "description"}, "error")
                if error["code"] != status:
                    raise SpecViolation(f"error code {error['code']} != HTTP status {status}")
                if not isinstance(error["description"], str) or not error["description"]:
                    raise SpecViolation("error description must be text")
            raise Open311Error(status, data, raw)
        if status not in (200, 201):
            raise SpecViolation(f"{method} {path}: unexpected status {status}")
        return data

    def _check_request(self, request: Any) -> dict[str, Any]:
        self._expect_fields(request, REQUEST_FIELDS, "service request")
        if request["status"] not in ("open", "closed"):
            raise SpecViolation(f"status must be open or closed, not {request['status']!r}")
        for name in DATETIME_FIELDS:
            value = request[name]
            if value is None and name != "requested_datetime":
                continue
            try:
                parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError as exc:
                raise SpecViolation(f"{name} is not ISO 8601: {value!r}") from exc
            if parsed.tzinfo is None:
                raise SpecViolation(f"{name} has no time zone: {value!r}")
        return request

    @staticmethod
    def _expect_list(data: Any, what: str) -> None:
        if not isinstance(data, list):
            raise SpecViolation(f"{what}: the spec answers a JSON list, got {type(data).__name__}")

    @staticmethod
    def _expect_fields(obj: Any, names: set[str], what: str) -> None:
        if not isinstance(obj, dict):
            raise SpecViolation(f"{what}: expected an object, got {type(obj).__name__}")
        missing = names - set(obj)
        if missing:
            raise SpecViolation(f"{what}: missing {sorted(missing)}")


def _from_xml(raw: bytes, resource: str, what: str) -> Any:
    """An XML answer as the JSON-shaped data of the same resource (see the module doc)."""
    try:
        root = ET.fromstring(raw)  # noqa: S314 — a test client reading our own server
    except ET.ParseError as exc:
        raise SpecViolation(f"{what}: invalid XML ({exc})") from exc
    root_tag, item_tag = XML_ROOTS[resource]
    if root.tag != root_tag:
        raise SpecViolation(f"{what}: XML root <{root.tag}>, the spec says <{root_tag}>")
    if item_tag is None:
        return _xml_object(root)
    items = []
    for child in root:
        if child.tag != item_tag:
            raise SpecViolation(f"{what}: <{child.tag}> inside <{root_tag}>, expected <{item_tag}>")
        items.append(_xml_object(child))
    if resource == "errors":
        for error in items:
            try:
                error["code"] = int(error.get("code") or "")
            except ValueError:
                raise SpecViolation(f"{what}: <code> of an error must be a number") from None
    return items


def _xml_object(element: ET.Element) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for child in element:
        if child.tag in obj:
            raise SpecViolation(f"<{child.tag}> appears twice in <{element.tag}>")
        obj[child.tag] = _xml_value(child)
    return obj


def _xml_value(element: ET.Element) -> Any:
    name = element.tag
    if name in XML_LISTS:
        items = []
        for child in element:
            if child.tag != XML_LISTS[name]:
                raise SpecViolation(f"<{child.tag}> inside <{name}>, expected <{XML_LISTS[name]}>")
            items.append(_xml_object(child))
        return items
    if len(element):
        raise SpecViolation(f"<{name}> should hold text, not elements")
    text = element.text
    if text is None or text == "":
        return None
    if name in XML_BOOLEANS:
        if text not in ("true", "false"):
            raise SpecViolation(f"<{name}> must be true or false, not {text!r}")
        return text == "true"
    if name in XML_INTEGERS:
        try:
            return int(text)
        except ValueError:
            raise SpecViolation(f"<{name}> must be a number, not {text!r}") from None
    return text


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
