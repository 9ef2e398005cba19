"""The steps between the password and the first page: second factor, then a new password.

The login view marks the session (``FORM_LOGIN``: the password step is done) and, where due,
``MUST_CHANGE`` (an administrator's reset or an expired password). Every authenticated session
is checked: one without the mark (from before these steps, or from any other way in) is ended
and sent to the login page; one with it, until the steps are done, is redirected to the step on
every page (its address keeps ``next``) and answered 401 on every API call: a user who must have
a second factor and has none is sent to enrolment, one who has it enters a code first
(django-otp's ``OTPMiddleware`` says whether the session is verified). Bearer tokens are a
separate credential of the API only: under /api/ a request carrying one is judged by the token
alone (``core.api``); elsewhere the header is ignored (docs/security.md).

Tests sign in with Django's ``force_login``, which cannot do the steps: under the test settings
only (``SHEGONG_TRUST_FORCED_LOGIN``, False by default) a session without the mark counts as
having done them.

Django admin's own login page is not an entrance: it redirects to the login view, so no
session starts without the steps.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from shegong.core.api import carries_bearer_token

from .models import User

FORM_LOGIN = "sg_form_login"
MUST_CHANGE = "sg_must_change_password"


def pending_step(request: HttpRequest, user: User) -> str | None:
    """The URL name of the step this session still owes, or None."""
    from .second_factor import confirmed_device, requires_second_factor

    if not request.session.get(FORM_LOGIN):
        if getattr(settings, "SHEGONG_TRUST_FORCED_LOGIN", False):  # force_login, tests only
            return None
        return "accounts:login"  # the password step was never done in this session
    if not _verified(user):
        # Whoever has a device uses it (enrolled by choice or by duty); whoever must have one
        # and has none enrols first.
        if confirmed_device(user) is not None:
            return "accounts:otp-verify"
        if requires_second_factor(user):
            return "accounts:otp-enrol"
    if request.session.get(MUST_CHANGE):
        return "accounts:password-change"
    return None


def _verified(user: User) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


class LoginStepsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.path == reverse("admin:login"):
            target = safe_next(request, reverse("admin:index"))
            if user.is_authenticated:  # Django admin checks is_staff on the page itself
                return redirect(target)
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
        api = request.path.startswith("/api/")
        if api and carries_bearer_token(request):
            # The API judges the token alone, never the session beside it (core.api).
            return self.get_response(request)
        if isinstance(user, User) and user.is_authenticated:
            step = pending_step(request, user)
            if step == "accounts:login":
                logout(request)  # a session that skipped the password step is no session
                if request.path in _open_paths(step):
                    return self.get_response(request)
                if api:
                    return _unauthorised()
                return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
            if step is not None and request.path not in _open_paths(step):
                if api:
                    return _unauthorised()
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(step)}?{query}")
        return self.get_response(request)


def _unauthorised() -> JsonResponse:
    return JsonResponse(
        {"detail": "请先完成登录验证（双因素认证或修改密码）"},
        status=401,
        json_dumps_params={"ensure_ascii": False},
    )


def _open_paths(step: str) -> set[str]:
    return {reverse(step), reverse("accounts:logout"), reverse("accounts:login")}
