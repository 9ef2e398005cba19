"""Portal pages (no staff login), phone-sized: a resident's 微心愿 and confirmation (phone
verified by SMS code, ``core.sms_verification``); a volunteer's or reported member's
nearby orders, claim, QR check-in/out and report (signed in on the volunteer portal)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import HtmxHttpRequest
from shegong.core import ratelimit
from shegong.core import sms_verification as sms
from shegong.core.exceptions import DomainError
from shegong.lib.masking import mask_phone
from shegong.lib.validators import ValidationFailure, validate_mobile
from shegong.volunteers.portal_session import client_ip, need_volunteer

from .. import services
from ..choices import ClaimStatus, OrderStatus
from ..forms import ConfirmForm, ServiceReportForm, WishForm
from ..models import Claim
from ..services import portal as reads

# Unknown service numbers one client may try on the public confirm page per window.
CONFIRM_MAX_MISSES = 10
CONFIRM_MISS_WINDOW = 3600

SMS_SERVICE = "社区志愿服务"


@require_POST
def sms_code(request: HtmxHttpRequest) -> HttpResponse:
    """HTMX: send a code to the resident's phone; answers a status fragment."""
    try:
        normal = sms.send_code(
            request.POST.get("phone", ""), client_ip(request), service=SMS_SERVICE
        )
        status = {"ok": True, "message": f"验证码已发送至 {mask_phone(normal)}"}
    except sms.SmsCodeError as exc:
        status = {"ok": False, "message": exc.message}
    return render(request, "volunteers/portal/_sms_status.html", {"sms_status": status})


def _phone_ok(form: WishForm | ConfirmForm) -> str | None:
    try:
        phone = validate_mobile(form.cleaned_data["phone"])
    except ValidationFailure as exc:
        form.add_error("phone", exc.message)
        return None
    result = sms.check_code(phone, form.cleaned_data["sms_code"])
    if result != sms.CheckResult.OK:
        form.add_error("sms_code", sms.CHECK_MESSAGES[result])
        return None
    return phone


@never_cache
@require_http_methods(["GET", "POST"])
def wish(request: HtmxHttpRequest) -> HttpResponse:
    form = WishForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (phone := _phone_ok(form)):
        data = form.cleaned_data
        try:
            order = services.portal_wish(
                data=services.NeedData(
                    title=data["title"],
                    description=data.get("description") or "",
                    community_id=data["community"].pk,
                    address=data["address"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    resident_name=data["resident_name"],
                    resident_phone=phone,
                )
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"心愿已提交，编号 {order.number}。社区将安排志愿者帮您实现。"
            )
            return redirect("serving:confirm", number=order.number)
    return render(
        request,
        "serving/portal/wish.html",
        {"form": form, "page_title": "微心愿"},
        status=422 if request.method == "POST" else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HtmxHttpRequest, number: str) -> HttpResponse:
    # The page answers anyone holding a number, so it shows only the number, the community and
    # the status — never the title or the volunteer's report, which could say where a
    # vulnerable resident lives — and a client guessing numbers is stopped after a few misses.
    fail_key = f"serving:confirm:miss:{client_ip(request)}"
    if ratelimit.over(fail_key, CONFIRM_MAX_MISSES):
        return render(
            request,
            "serving/portal/confirm_locked.html",
            {"page_title": "确认服务"},
            status=429,
        )
    order = reads.order_by_number(number)
    if order is None:
        ratelimit.hit(fail_key, CONFIRM_MISS_WINDOW)
        raise Http404
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (phone := _phone_ok(form)):
        try:
            services.confirm_by_resident(order_id=order.pk, phone=phone)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "感谢您的确认！")
            return redirect("serving:confirm", number=order.number)
    return render(
        request,
        "serving/portal/confirm.html",
        {
            "order": order,
            "form": form,
            "can_confirm": order.status in (OrderStatus.DONE, OrderStatus.FULL, OrderStatus.OPEN)
            and order.from_portal | bool(order.resident_phone_bidx),
            "page_title": "确认服务",
        },
        status=422 if request.method == "POST" else 200,
    )


@never_cache
def nearby(request: HtmxHttpRequest) -> HttpResponse:
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    return render(
        request,
        "serving/portal/nearby.html",
        {
            "rows": reads.nearby_orders(volunteer),
            "mine": reads.my_claims(volunteer),
            "page_title": "身边的服务",
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def order(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    try:
        row, claim, blocked = reads.order_for_volunteer(volunteer, pk)
    except LookupError:
        raise Http404 from None
    form = ServiceReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "report":
            if _report(request, volunteer.pk, row.pk, claim, form):
                return redirect("serving:portal-order", pk=row.pk)
        else:
            try:
                if action == "claim":
                    services.claim_order(volunteer_id=volunteer.pk, order_id=row.pk)
                    messages.success(request, "认领成功，请按时到达服务地点，到场后扫码签到")
                elif action == "cancel" and claim is not None:
                    services.cancel_claim(volunteer_id=volunteer.pk, claim_id=claim.pk)
                    messages.success(request, "已取消认领")
                else:
                    raise DomainError("无法执行该操作")
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("serving:portal-order", pk=row.pk)
    return render(
        request,
        "serving/portal/order.html",
        {
            "order": row,
            "claim": claim,
            "blocked": blocked,
            "form": form,
            "can_report": claim is not None and claim.status == ClaimStatus.OUT,
            "page_title": row.title,
        },
        status=422 if request.method == "POST" else 200,
    )


def _report(
    request: HtmxHttpRequest,
    volunteer_id: int,
    order_id: int,
    claim: Claim | None,
    form: ServiceReportForm,
) -> bool:
    """The volunteer's report and photo after checking out; on an error the form is shown
    again with the text kept (nothing stored before the report is accepted)."""
    if claim is None or claim.status != ClaimStatus.OUT:
        form.add_error(None, "签退后才能提交服务情况")
        return False
    if not form.is_valid():
        return False
    text = form.cleaned_data["text"].strip()
    if len(text) < 5:
        form.add_error("text", "请简要填写服务情况（至少5个字）")
        return False
    try:
        with transaction.atomic():
            services.submit_report(volunteer_id=volunteer_id, order_id=order_id, text=text)
            upload = form.cleaned_data.get("photo")
            if upload:
                services.add_photo(
                    volunteer_id=volunteer_id, actor=None, order_id=order_id, upload=upload
                )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(request, "服务情况已提交，等待居民或社区确认")
    return True


@never_cache
@require_http_methods(["GET", "POST"])
def checkin(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The QR's page: sign in on the volunteer portal first, then confirm the scan."""
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    error = ""
    claim = None
    try:
        order_id = services.read_token(token)
        claim = reads.claim_of(volunteer, order_id)
        if claim is None:
            raise DomainError("您没有认领这项服务，不能签到")
        if request.method == "POST":
            claim = services.scan(volunteer_id=volunteer.pk, token=token)
            messages.success(
                request,
                "签到成功"
                if claim.status == ClaimStatus.IN
                else f"签退成功，本次{claim.hours}小时",
            )
            return redirect("serving:portal-order", pk=claim.order_id)
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "serving/portal/checkin.html",
        {
            "claim": claim,
            "error": error,
            "page_title": "扫码签到",
            "action": reverse("serving:checkin", args=[token]),
        },
        status=409 if error and request.method == "POST" else 200,
    )
