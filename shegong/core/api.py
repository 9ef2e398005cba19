"""The HTTP API: one NinjaAPI, session or bearer-token auth, scope enforced by querysets.

A request with ``Authorization: Bearer sg_…`` is authenticated by the token only and is not
CSRF-checked; a request without one is authenticated by the session cookie and CSRF-checked.

Apps add routers in their ``api.py`` and are mounted in :mod:`shegong.urls`. Domain
exceptions map to HTTP here, once: out of scope → 404, illegal transition → 409,
validation → 422, missing capability → 403.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from shegong.lib.text import MAX_ID, InvalidText, normalise_data, normalise_text

from . import permissions
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
        user = request.user
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


# No number the API takes may leave a signed 64-bit integer's range: every integer column of
# both databases stops there (beyond it SQLite raises OverflowError, PostgreSQL a DataError,
# a 500 either way), and nothing here counts that high.
_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*")


class BadNumber(InvalidText):
    """A JSON number the API refuses (answered 422 like a field error, ``loc`` the body)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message, field="请求内容中")
        self.kind = kind


def _refuse_constant(name: str) -> float:
    raise BadNumber("有无效的数值（不接受 NaN 或 Infinity）", "finite_number")


def _bounded_number(value: str) -> int | float:
    number = float(value) if any(c in value for c in ".eE") else int(value)
    if abs(number) > MAX_ID:
        raise BadNumber(f"有超出范围的数值（绝对值应不大于 {MAX_ID}）", "less_than_equal")
    return number


class TextParser(Parser):
    """JSON bodies decoded strictly as UTF-8 and normalised (``lib.text``): control characters
    removed, invalid UTF-8 and lone surrogates refused (400, in Chinese). Form and query
    values are normalised too (the middleware has already removed their controls).

    Numbers are bounded here, once for every operation: a JSON number, or a value of a query
    parameter the operation declares as an integer, beyond ``MAX_ID`` is refused, and so are
    JSON's ``NaN`` and ``Infinity`` (422, in Chinese, as a field error would be). A text query
    parameter is not a number, however many digits it has."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        text = normalise_text(request.body)
        parsed = json.loads(
            text,
            parse_int=_bounded_number,
            parse_float=_bounded_number,
            parse_constant=_refuse_constant,
        )
        data: dict[str, Any] = normalise_data(parsed)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        result = {key: _normalised_param(value) for key, value in parsed.items()}
        integer_keys = _integer_query_keys(request)
        errors = [
            {
                "type": "less_than_equal",
                "loc": ["query", key],
                "msg": "",
                "ctx": {"le": MAX_ID},
            }
            for key, value in result.items()
            if key in integer_keys
            and any(_out_of_range(v) for v in (value if isinstance(value, list) else [value]))
        ]
        if errors:
            raise SchemaValidationError(errors)
        return result


def _out_of_range(value: object) -> bool:
    return (
        isinstance(value, str)
        and _INTEGER_TEXT.fullmatch(value) is not None
        and abs(int(value)) > MAX_ID
    )


_ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _integer_query_keys(request: HttpRequest) -> frozenset[str]:
    """The query parameters the requested operation declares as integers (or lists of them).

    Only these are bounded by ``MAX_ID`` here: a text parameter may well be a long run of
    digits (a 20-digit invoice number is an ordinary search term)."""
    match = request.resolver_match
    if match is None or request.method is None:
        return frozenset()
    path = "/" + _ROUTE_PARAMETER.sub(r"{\1}", match.route)
    return _integer_query_parameters().get((request.method.lower(), path), frozenset())


@functools.cache
def _integer_query_parameters() -> dict[tuple[str, str], frozenset[str]]:
    schema = api.get_openapi_schema()
    return {
        (method, path): frozenset(
            parameter["name"]
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query" and _declares_integer(parameter["schema"])
        )
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def _declares_integer(schema: object) -> bool:
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "integer":
        return True
    nested = [*schema.get("anyOf", []), *schema.get("oneOf", []), schema.get("items")]
    return any(_declares_integer(part) for part in nested)


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


# ninja's own HTTP errors carry English text ("Unauthorized", "Cannot parse request body").
_HTTP_MESSAGES = {
    400: "请求内容无法解析，请发送有效的 JSON",
    401: "请先登录，或在请求头中提供有效的 API 令牌",
    403: "没有执行此操作的权限",
    404: "未找到或无权访问",
    405: "不支持此请求方法",
    429: "请求过于频繁，请稍后再试",
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps every parser exception as "Cannot parse request body"; say what was wrong.
    cause = exc.__cause__
    if isinstance(cause, BadNumber):
        error = {"type": cause.kind, "loc": ["body"], "msg": cause.message}
        return api.create_response(request, {"detail": [error]}, status=422)
    if isinstance(cause, InvalidText):
        return api.create_response(request, {"detail": cause.message}, status=400)
    if isinstance(cause, ValueError) and exc.status_code == 400:
        return api.create_response(request, {"detail": "请求体不是有效的 JSON"}, status=400)
    message = str(exc)
    if exc.status_code == 403 and "CSRF" in message:
        message = "CSRF 校验失败：请刷新页面后重试；程序调用请使用 API 令牌（Bearer）"
    elif not any("\u4e00" <= ch <= "\u9fff" for ch in message):
        message = _HTTP_MESSAGES.get(exc.status_code, "请求无法处理")
    return api.create_response(request, {"detail": message}, status=exc.status_code)


# pydantic's own error types, in Chinese ({name} placeholders come from the error's ctx).
PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": "缺少必填项",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_type": "应为是或否（true/false）",
    "bool_parsing": "应为是或否（true/false）",
    "date_type": "应为日期（如 2026-12-01）",
    "date_parsing": "应为日期（如 2026-12-01）",
    "date_from_datetime_parsing": "应为日期（如 2026-12-01）",
    "date_from_datetime_inexact": "应为日期，不带时间",
    "datetime_type": "应为日期时间（如 2026-12-01T09:30:00+08:00）",
    "datetime_parsing": "应为日期时间（如 2026-12-01T09:30:00+08:00）",
    "datetime_from_date_parsing": "应为日期时间（如 2026-12-01T09:30:00+08:00）",
    "time_parsing": "应为时间（如 09:30）",
    "string_too_short": "至少 {min_length} 个字",
    "string_too_long": "最多 {max_length} 个字",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "finite_number": "应为有限的数字",
    "decimal_max_digits": "最多 {max_digits} 位数字",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_whole_digits": "整数部分最多 {whole_digits} 位",
    "literal_error": "不是允许的取值（可选：{expected}）",
    "enum": "不是允许的取值（可选：{expected}）",
    "list_type": "应为列表",
    "set_type": "应为列表",
    "tuple_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "请求内容不是有效的 JSON",
    "json_type": "请求内容不是有效的 JSON",
    "extra_forbidden": "不接受此字段",
    "uuid_parsing": "格式不正确",
    "uuid_type": "格式不正确",
    "url_parsing": "应为有效网址",
    "url_type": "应为有效网址",
    "none_required": "应为空",
    "is_instance_of": "类型不正确",
}
# Prefixes pydantic puts before a validator's own (already Chinese) message.
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def chinese_error_message(error: dict[str, Any]) -> str:
    """One pydantic error's message in Chinese (a validator's own message without prefix)."""
    message = str(error.get("msg", ""))
    for prefix in _PYDANTIC_PREFIXES:
        if message.startswith(prefix):
            return message[len(prefix) :]
    template = PYDANTIC_MESSAGES.get(str(error.get("type", "")))
    if template is None:
        return "格式不正确"
    ctx = {k: str(v).replace("'", "") for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split("（")[0].split(" {")[0] or "格式不正确"


class FieldErrorOut(Schema):
    """One error of a body or parameter that did not validate: a 422's ``detail`` is then a
    list of these (``msg`` in Chinese). Operations that document their own 422 accept this
    form too (``detail: str | list[FieldErrorOut]``)."""

    type: str
    loc: list[str | int]
    msg: str
    ctx: dict[str, object] | None = None


@api.exception_handler(SchemaValidationError)
def _schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    """ninja's 422: the same list of errors (``type``/``loc`` for programs), ``msg`` in
    Chinese."""
    detail = [{**error, "msg": chinese_error_message(error)} for error in exc.errors]
    return api.create_response(request, {"detail": detail}, status=422)


def require_capability(request: HttpRequest, capability: str) -> None:
    """The API check (mapped to a JSON 403 by the error handler): ``permissions`` with the
    API's message."""
    permissions.require_capability(request.user, capability, "没有执行此操作的权限")
