"""The volunteer portal's session: sign-in by phone + SMS code (``core.sms_verification``),
the guardian's consent code, sign-out. The session carries the volunteer's id under its own
key (``SESSION_KEY``), separate from staff authentication."""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import HtmxHttpRequest
from shegong.core import sms_verification as sms
from shegong.core.exceptions import DomainError
from shegong.core.pii import blind_index
from shegong.lib.masking import mask_phone

from . import services
from .forms import LoginForm, PhoneChangeForm, PortalRegisterForm
from .portal_session import SESSION_KEY, client_ip, next_url, sign_in

SMS_SERVICE = "志愿服务"


@require_POST
def sms_code(request: HtmxHttpRequest) -> HttpResponse:
    """HTMX: send a sign-in/registration code; answers a status fragment."""
    try:
        normal = sms.send_code(
            request.POST.get("phone", ""), client_ip(request), service=SMS_SERVICE
        )
        minutes = max(1, sms.setting("SHEGONG_PORTAL_SMS_CODE_TTL_SECONDS") // 60)
        status = {
            "ok": True,
            "message": f"验证码已发送至 {mask_phone(normal)}，{minutes}分钟内有效",
        }
    except sms.SmsCodeError as exc:
        status = {"ok": False, "message": exc.message}
    return render(request, "volunteers/portal/_sms_status.html", {"sms_status": status})


GUARDIAN_SESSION_KEY = "volunteer_guardian_verified"
# Only a code sent with the consent text counts as consent (not a sign-in code, nor one
# the appeals portal sent to the same phone).
GUARDIAN_SCOPE = "guardian_consent"
GUARDIAN_PURPOSE = (
    "您的家人正在注册志愿者，并填写您为监护人。如您同意其参加与年龄相适应的志愿服务，"
    "请将验证码{code}告诉本人填入，{minutes}分钟内有效；如不同意，请忽略本短信。"
)


@require_POST
def guardian_sms_code(request: HtmxHttpRequest) -> HttpResponse:
    """HTMX: send the guardian a code that stands for their consent (山东 第十条, 上海
    第十三条: minors volunteer with the guardian's consent)."""
    try:
        normal = sms.send_code(
            request.POST.get("guardian_phone", ""),
            client_ip(request),
            service=SMS_SERVICE,
            purpose=GUARDIAN_PURPOSE,
            scope=GUARDIAN_SCOPE,
        )
        status = {"ok": True, "message": f"已发送至监护人手机 {mask_phone(normal)}"}
    except sms.SmsCodeError as exc:
        status = {"ok": False, "message": exc.message}
    return render(
        request,
        "volunteers/portal/_sms_status.html",
        {"sms_status": status, "status_id": "guardian-sms-status"},
    )


def guardian_confirmed(request: HtmxHttpRequest, form: PortalRegisterForm) -> bool:
    """The guardian's code was entered. Remembered in the session for this guardian phone
    *and this child's ID number* for a short while, so a registration sent back for another
    reason needs no new code — and a later child on a shared browser gets nothing from it."""
    try:
        phone = services.registry.validate_mobile(form.cleaned_data.get("guardian_phone", ""))
    except DomainError:
        return False
    child = blind_index("id_number", (form.cleaned_data.get("id_number") or "").strip().upper())
    held = request.session.get(GUARDIAN_SESSION_KEY)
    if not isinstance(held, dict):  # absent, or a session from before the binding
        held = {}
    if (
        held.get("phone") == phone
        and held.get("child") == child
        and held.get("expires", 0) > time.time()
    ):
        return True
    code = form.cleaned_data.get("guardian_sms_code", "").strip()
    if not code:
        return False
    result = sms.check_code(phone, code, scope=GUARDIAN_SCOPE)
    if result != sms.CheckResult.OK:
        form.add_error("guardian_sms_code", sms.CHECK_MESSAGES[result])
        return False
    request.session[GUARDIAN_SESSION_KEY] = {
        "phone": phone,
        "child": child,
        "expires": time.time() + sms.setting("SHEGONG_PORTAL_SMS_VERIFIED_SECONDS"),
    }
    return True


def sms_code_ok(form: LoginForm | PortalRegisterForm | PhoneChangeForm, phone: str) -> bool:
    result = sms.check_code(phone, form.cleaned_data.get("sms_code", ""))
    if result != sms.CheckResult.OK:
        form.add_error("sms_code", sms.CHECK_MESSAGES[result])
        return False
    return True


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HtmxHttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = services.registry.validate_mobile(form.cleaned_data["phone"])
        except DomainError as exc:
            form.add_error("phone", exc.message)
        else:
            volunteer = services.find_by_phone(phone)
            if sms_code_ok(form, phone):
                if volunteer is None:
                    messages.info(request, "这个手机号码还没有注册为志愿者，请先注册")
                    return redirect(f"{reverse('volunteer_portal:register')}?phone={phone}")
                sign_in(request, volunteer)
                return redirect(next_url(request, reverse("volunteer_portal:home")))
    return render(
        request,
        "volunteers/portal/login.html",
        {"page_title": "志愿者登录", "form": form, "next": request.GET.get("next", "")},
    )


@require_POST
def logout(request: HtmxHttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(GUARDIAN_SESSION_KEY, None)
    messages.success(request, "您已退出登录")
    return redirect("volunteer_portal:home")
