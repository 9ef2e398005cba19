from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import render

from shegong.lib.text import InvalidText, has_controls, parse_form, strip_controls

from .audit import request_ip


class RequestContextMiddleware:
    """Makes the client address available to audit records without passing the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            request_ip.reset(token)


def handles_raw_text(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view that reads and normalises its own request body (answering refusals in its
    own format, e.g. Open311); :class:`TextInputMiddleware` then cleans only its query."""
    view.handles_raw_text = True  # type: ignore[attr-defined]
    return view


class TextInputMiddleware:
    """Every form field and query parameter enters as normalised text (``lib.text``).

    Query strings and form bodies (urlencoded and multipart values) lose C0 control
    characters other than tab and newlines before any view or form sees them — one place, so
    no form can forget it (PostgreSQL refuses NUL; XLSX/XML cannot hold any of them). A
    urlencoded body that is not valid UTF-8 (Django would silently turn it into U+FFFD) is
    refused with 400 and a Chinese message. JSON bodies of the API are normalised by its
    parser (``core.api.TextParser``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        request.GET = _cleaned(request.GET)  # type: ignore[assignment]
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if getattr(view_func, "handles_raw_text", False):
            return None
        if request.content_type == "application/x-www-form-urlencoded":
            try:
                parse_form(request.body, request.encoding or settings.DEFAULT_CHARSET)
            except InvalidText as exc:
                return _refuse(request, exc.message)
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            request.POST = _cleaned(request.POST)  # type: ignore[assignment]
        return None


def _cleaned(data: QueryDict) -> QueryDict:
    if not any(has_controls(key) or any(map(has_controls, data.getlist(key))) for key in data):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key in data:
        cleaned.setlist(strip_controls(key), [strip_controls(v) for v in data.getlist(key)])
    cleaned._mutable = False
    return cleaned


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class MethodNotAllowedPageMiddleware:
    """Opening the address of an action that only takes a form submission (``require_POST``)
    gets Django's 405 with an empty body — a blank page. A browser's GET gets a Chinese page
    in the shell instead (``templates/405.html``); the status and ``Allow`` header stay."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.method in ("GET", "HEAD")
            and not getattr(response, "streaming", False)
            and not response.content
            and "html" in response.get("Content-Type", "")
        ):
            page = render(request, "405.html", status=405)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response
