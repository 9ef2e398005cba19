"""Helpers of the study pages: the year asked for, form errors, the page crumbs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.lib.text import parse_id

BASE_CRUMB = ("理论学习", "/study/")
T = TypeVar("T")


def year_of(request: AuthedHttpRequest, default: int) -> int:
    """``?year=`` when it is a sensible year, else ``default``."""
    value = parse_id(request.GET.get("year", ""))
    if value is not None and 2000 <= value <= 2100:
        return value
    return default


def form_errors(form: forms.Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}：{errors[0]}" if label else str(errors[0]))
    return "请检查填写的内容：" + "；".join(parts)


def attempt(request: AuthedHttpRequest, action: Callable[[], T], done: str) -> T | None:
    """Run a service call: a success message, or the domain error's Chinese message."""
    try:
        result = action()
    except DomainError as exc:
        messages.error(request, str(exc))
        return None
    messages.success(request, done)
    return result


def require_citywide(request: AuthedHttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user.has_citywide_scope):
        raise PermissionDenied


def unprocessable(response: HttpResponse) -> HttpResponse:
    """A form page re-rendered after bad input answers 422 (nothing saved)."""
    response.status_code = 422
    return response
