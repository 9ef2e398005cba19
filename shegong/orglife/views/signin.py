"""The page a member's phone opens from the meeting's QR code (public: no staff login).

The member proves who they are with the phone number on their member record and an SMS code
(``core.sms_verification``: per-phone limits, single-use codes), or — when signed in with a
platform account linked to their record — with one button. The page shows the meeting (the
scanner holds its current code) but never who is on the roll: the code is sent to any valid
number, and "not on the roll" is said only after the phone was proved. Only forged codes are
counted per address (``core.ratelimit``; past the limit the page refuses that address for a
while): a venue's members share one address (Wi-Fi, carrier NAT), so wrong SMS codes are left
to the per-phone limit of ``core.sms_verification`` and never lock the room out. The codes
one meeting's page may send are capped (``services.signin_sms_cap``: three per member).

A code on the screen lives ``qr_ttl_seconds()``; waiting for an SMS may take longer, so
opening a current code grants this browser session ``GRANT_SECONDS`` to finish signing in to
that meeting (on that day) with the same link, even once the code itself has expired."""

from __future__ import annotations

import time

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import HtmxHttpRequest
from shegong.accounts.models import User
from shegong.core import ratelimit
from shegong.core import sms_verification as sms
from shegong.core.exceptions import DomainError
from shegong.lib.masking import mask_phone
from shegong.lib.validators import ValidationFailure, validate_mobile

from .. import services
from ..forms import SignInForm
from ..models import Attendance, Meeting

SMS_SERVICE = "党员组织生活"
FAIL_LIMIT = 10  # forged codes posted per address per window
FAIL_WINDOW = 600
SMS_WINDOW = 26 * 3600  # a meeting's sign-in lasts its day
SMS_CAP_REACHED = "本次会议发送的验证码已达上限，请支部书记代为登记出席情况"
GRANT_KEY = "orglife_signin_grant"
GRANT_SECONDS = 15 * 60
TOO_MANY = "无效的签到二维码过多，请10分钟后再试，或请支部书记代为登记"
CLOSED_CODES = ("token_expired", "token_invalid", "meeting_closed")


def _ip(request: HtmxHttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _fail_key(request: HtmxHttpRequest) -> str:
    return f"orglife:signin:fail:{_ip(request)}"


def _gate(request: HtmxHttpRequest, token: str) -> Meeting:
    """The meeting of a current code (and a grant for this session), or of an expired code
    this session opened while it was current (within the grant). DomainError otherwise."""
    try:
        meeting = services.meeting_of_token(token)
    except DomainError as exc:
        if exc.code != "token_expired":
            raise
        meeting_id = services.read_token(token, max_age=GRANT_SECONDS)
        grant = request.session.get(GRANT_KEY) or {}
        if grant.get("meeting") != meeting_id or grant.get("expires", 0) < time.time():
            raise
        return services.open_meeting(meeting_id)
    grant = request.session.get(GRANT_KEY) or {}
    if grant.get("meeting") != meeting.pk or grant.get("expires", 0) < time.time():
        request.session[GRANT_KEY] = {"meeting": meeting.pk, "expires": time.time() + GRANT_SECONDS}
    return meeting


def _member_user(request: HtmxHttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and getattr(user, "party_member", None) is not None:
        return user
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HtmxHttpRequest, token: str) -> HttpResponse:
    context: dict[str, object] = {"page_title": "组织生活扫码签到", "token": token}
    if request.method == "POST" and ratelimit.over(_fail_key(request), FAIL_LIMIT):
        context["error"] = TOO_MANY
        return render(request, "orglife/signin.html", context, status=429)
    try:
        meeting = _gate(request, token)
    except DomainError as exc:
        if request.method == "POST" and exc.code == "token_invalid":
            ratelimit.hit(_fail_key(request), FAIL_WINDOW)
        context["error"] = exc.message
        return render(request, "orglife/signin.html", context, status=410)
    member_user = _member_user(request)
    form = SignInForm(request.POST or None)
    context.update(meeting=meeting, linked=member_user is not None, form=form)
    if request.method == "GET":
        return render(request, "orglife/signin.html", context)
    row: Attendance | None
    try:
        if request.POST.get("by_account") and member_user is not None:
            row = services.sign_in_by_account(actor=member_user, meeting_id=meeting.pk)
        else:
            row = _by_phone(form, meeting)
    except DomainError as exc:
        context["error"] = exc.message
        return render(
            request, "orglife/signin.html", context, status=410 if exc.code in CLOSED_CODES else 403
        )
    if row is None:
        return render(request, "orglife/signin.html", context, status=400)
    context["done"] = row
    return render(request, "orglife/signin.html", context)


def _by_phone(form: SignInForm, meeting: Meeting) -> Attendance | None:
    if not form.is_valid():
        return None
    try:
        phone = validate_mobile(form.cleaned_data["phone"])
    except ValidationFailure as exc:
        form.add_error("phone", exc.message)
        return None
    result = sms.check_code(phone, form.cleaned_data["sms_code"])
    if result != sms.CheckResult.OK:
        form.add_error("sms_code", sms.CHECK_MESSAGES[result])
        return None
    return services.sign_in_by_phone(meeting_id=meeting.pk, phone=phone)


@require_POST
def signin_sms(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """HTMX: send the code to the number typed (any valid number: the roll is not revealed)."""
    try:
        meeting = _gate(request, token)
        sent_key = f"orglife:signin:sms:{meeting.pk}"
        if ratelimit.over(sent_key, services.signin_sms_cap(meeting)):
            raise DomainError(SMS_CAP_REACHED)
        normal = sms.send_code(request.POST.get("phone", ""), _ip(request), service=SMS_SERVICE)
        ratelimit.hit(sent_key, SMS_WINDOW)
    except DomainError as exc:  # SmsCodeError is one
        status = {"ok": False, "message": exc.message}
    else:
        minutes = max(1, sms.setting("SHEGONG_PORTAL_SMS_CODE_TTL_SECONDS") // 60)
        status = {
            "ok": True,
            "message": f"验证码已发送至 {mask_phone(normal)}，{minutes}分钟内有效",
        }
    return render(request, "orglife/partials/_sms_status.html", {"sms_status": status})
