"""The volunteer portal's session, without views: who is signed in (``SESSION_KEY`` holds
the volunteer's id and an expiry, separate from staff authentication), signing in, and the
redirect to the portal's sign-in page. Used by the volunteer portal's views and by other
apps' portal pages (serving), which import this module rather than a views module."""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from shegong.accounts.http import HtmxHttpRequest

from .models import Volunteer

SESSION_KEY = "volunteer_portal"


def current_volunteer(request: HtmxHttpRequest) -> Volunteer | None:
    data = request.session.get(SESSION_KEY)
    if not data or data.get("expires", 0) < time.time():
        return None
    return Volunteer.objects.select_related("region").filter(pk=data.get("id")).first()


def sign_in(request: HtmxHttpRequest, volunteer: Volunteer) -> None:
    request.session.cycle_key()  # no session fixation
    request.session[SESSION_KEY] = {"id": volunteer.pk, "expires": time.time() + 8 * 3600}


def need_volunteer(request: HtmxHttpRequest) -> Volunteer | HttpResponse:
    """The signed-in volunteer, or the redirect to the portal's sign-in page."""
    volunteer = current_volunteer(request)
    if volunteer is None:
        messages.info(request, "请先用手机号码登录")
        login = reverse("volunteer_portal:login")
        return HttpResponseRedirect(f"{login}?next={request.get_full_path()}")
    return volunteer


def client_ip(request: HtmxHttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def next_url(request: HtmxHttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default
