"""The HTTP API: one NinjaAPI, session or bearer-token auth, scope enforced by querysets.

A request with ``Authorization: Bearer sg_…`` is authenticated by the token only and is not
CSRF-checked; a request without one is authenticated by the session cookie and CSRF-checked.

Apps add routers in their ``api.py`` and are mounted in :mod:`shegong.urls`. Domain
exceptions map to HTTP here, once: out of scope → 404, illegal transition → 409,
validation → 422, missing capability → 403.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from shegong.lib.text import InvalidText, normalise_data, normalise_text

from .exceptions import DomainError, StaleObject, TransitionNotAllowed


def carries_bearer_token(request: HttpRequest) -> bool:
    """Whether the request presents ``Authorization: Bearer …`` (valid or not)."""
    scheme, _, _rest = request.headers.get("Authorization", "").strip().partition(" ")
    return scheme.lower() == "bearer"


class SessionAuth(APIKeyCookie):
    """The Django login session, CSRF-checked — for requests without a bearer token only.

    CSRF protects cookie sessions: a browser sends the cookie on its own, so a write needs the
    CSRF token too. A request that presents a bearer token is judged by that token alone
    (``TokenAuth``): no CSRF check, and no falling back to a session cookie it also carries —
    an invalid token is 401 even beside a valid session.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if carries_bearer_token(request):
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user: Any = request.user
        return user if user.is_authenticated else None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sg_…`` — tokens are created on the 'API 令牌' page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token_model: Any = apps.get_model("accounts", "ApiToken")
        key_hash = token_model.hash_key(token)
        api_token = (
            token_model.objects.active().select_related("user").filter(key_hash=key_hash).first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            token_model.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


class TextParser(Parser):
    """JSON bodies decoded strictly as UTF-8 and normalised (``lib.text``): control characters
    removed, invalid UTF-8 and lone surrogates refused (400, in Chinese). Form and query
    values are normalised too (the middleware has already removed their controls)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        text = normalise_text(request.body)
        return normalise_data(json.loads(text))  # type: ignore[no-any-return]

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        return {key: _normalised_param(value) for key, value in parsed.items()}


def _normalised_param(value: Any) -> Any:
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, list):
        return [normalise_text(v) if isinstance(v, str) else v for v in value]
    return value


api = NinjaAPI(
    title="社工平台 API",
    version="1",
    description="Shegong API. 所有数据按调用者的管辖范围过滤；越权访问返回 404。",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    parser=TextParser(),
)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps every parser exception as "Cannot parse request body"; say what was wrong.
    cause = exc.__cause__
    if isinstance(cause, InvalidText):
        return api.create_response(request, {"detail": cause.message}, status=400)
    if isinstance(cause, ValueError) and exc.status_code == 400:
        return api.create_response(request, {"detail": "请求体不是有效的 JSON"}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "未找到或无权访问"}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "没有执行此操作的权限"}, status=403)


@api.exception_handler(TransitionNotAllowed)
def _conflict(request: HttpRequest, exc: TransitionNotAllowed) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=409)


@api.exception_handler(StaleObject)
def _stale(request: HttpRequest, exc: StaleObject) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "code": exc.code}, status=409)


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = 404 if exc.code == "not_found" else 422
    return api.create_response(request, {"detail": exc.message, "code": exc.code}, status=status)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.messages}, status=422)


def require_capability(request: HttpRequest, capability: str) -> None:
    user: Any = request.user
    if not user.has_capability(capability):
        raise PermissionDenied("没有执行此操作的权限")
