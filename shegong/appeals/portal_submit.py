"""The citizen portal's submission: the form of a stream (hotline, petition, suggestion),
the SMS check of the phone, idempotent submission through ``intake_queue``, and the receipt
with the one-time tracking code. See docs/portal.md."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts.http import HtmxHttpRequest
from shegong.core import sms_verification as sms
from shegong.core.exceptions import DomainError
from shegong.lib.masking import mask_phone
from shegong.lib.validators import ValidationFailure, validate_mobile

from . import hooks
from .choices import AppealKind, Channel, Stream
from .models import Appeal, IdempotencyRecord
from .portal_forms import INTAKE_FIELD, KIND_HELP, STREAM_TITLES, PortalSubmitForm
from .portal_policy import STREAM_SAMPLE_KIND, city_policy, next_step, stream_promises
from .services.intake import IntakeData, IntakeError
from .services.intake_queue import submit_public_appeal

RECEIPT_SESSION = "portal_receipt"
RECEIPT_REPLAY_SECONDS = 300


def _receipt_cache_key(token: str) -> str:
    return "portal:receipt:" + hashlib.sha256(token.encode()).hexdigest()


def _show_receipt(
    request: HtmxHttpRequest, appeal: Appeal, code: str | None, token: str
) -> HttpResponse:
    """Keep the number and (once) the code in the session, then go to the receipt page.

    A replay of the same form (double click, refresh, back + resubmit) has no code of its
    own: it takes the one parked for a few minutes under the form token, if the first
    response was never shown (the browser follows only the last response)."""
    if code is None:
        code = cache.get(_receipt_cache_key(token))
    request.session[RECEIPT_SESSION] = {"number": appeal.number, "code": code, "token": token}
    return redirect("portal:receipt")


def _render_submit(
    request: HtmxHttpRequest, form: PortalSubmitForm, stream: str, status: int = 200, **extra: Any
) -> HttpResponse:
    policy = city_policy(STREAM_SAMPLE_KIND[stream])
    phone = form.value_of("phone") or ""
    try:
        phone_ok = bool(phone) and sms.is_verified(request.session, _normal_phone(phone))
    except ValueError:
        phone_ok = False
    chosen = form.value_of("kind") or form.fields["kind"].initial
    context = {
        "form": form,
        "stream": stream,
        "stream_title": STREAM_TITLES[stream],
        "promises": stream_promises(stream, policy),
        "kind_options": [
            {
                "value": value,
                "label": label,
                "help": KIND_HELP[value][1],
                "checked": value == chosen,
            }
            for value, label in form.kind_choices
        ],
        "single_kind": len(form.kind_choices) == 1,
        "require_sms": sms.require_sms(),
        "phone_verified": phone_ok,
        "is_petition": stream == Stream.PETITION,
        "page_title": STREAM_TITLES[stream],
        "sms_status": None,
        "cooldown": sms.setting("SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS"),
    }
    context.update(extra)
    return render(request, "appeals/portal/submit.html", context, status=status)


def _normal_phone(phone: str) -> str:
    try:
        return validate_mobile(phone)
    except ValidationFailure as exc:
        raise ValueError(exc.message) from None


def _send_code(request: HtmxHttpRequest, phone: str) -> dict[str, Any]:
    try:
        normal = sms.send_code(phone, request.META.get("REMOTE_ADDR") or "unknown")
    except sms.SmsCodeError as exc:
        return {"ok": False, "message": exc.message}
    minutes = max(1, sms.setting("SHEGONG_PORTAL_SMS_CODE_TTL_SECONDS") // 60)
    return {
        "ok": True,
        "message": f"验证码已发送至 {mask_phone(normal)}，{minutes}分钟内有效",
    }


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HtmxHttpRequest) -> HttpResponse:
    stream = request.GET.get("stream") or request.POST.get("stream") or ""
    if stream not in Stream.values:
        return redirect("portal:home")
    if request.method == "GET":
        form = PortalSubmitForm(stream, initial={"token": str(uuid.uuid4())})
        return _render_submit(request, form, stream)

    action = request.POST.get("action", "submit")
    if action in ("regions", "send_code"):
        # Without JavaScript: refresh the cascader or send the code, keep what was typed.
        values: dict[str, Any] = {k: request.POST.get(k, "") for k in PortalSubmitForm.base_fields}
        values["identity_confidential"] = bool(request.POST.get("identity_confidential"))
        form = PortalSubmitForm(stream, initial=values)
        status = _send_code(request, values["phone"]) if action == "send_code" else None
        return _render_submit(request, form, stream, sms_status=status)

    token = request.POST.get("token", "")
    try:
        token = str(uuid.UUID(token))
    except ValueError:
        token = ""
    key = f"portal:{token}" if token else None
    if key:
        seen = IdempotencyRecord.objects.filter(key=key).select_related("appeal").first()
        if seen is not None:
            publication = hooks.portal_publication.get()
            if publication is not None:
                # Back, ticked the box, sent again: the appeal stands, the consent counts.
                publication.submitted(
                    hooks.PortalSubmission(
                        appeal=seen.appeal,
                        theme=None,
                        publication_consent=bool(request.POST.get("publication_consent")),
                        resubmitted=True,
                    )
                )
            return _show_receipt(request, seen.appeal, None, token)

    form = PortalSubmitForm(stream, request.POST)
    verified = False
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        code = form.cleaned_data["sms_code"].strip()
        if phone:
            verified = sms.is_verified(request.session, phone)
            if not verified and code:
                result = sms.check_code(phone, code)
                verified = result == sms.CheckResult.OK
                if verified:
                    sms.mark_verified(request.session, phone)
                else:
                    form.add_error("sms_code", sms.CHECK_MESSAGES[result])
            elif not verified and sms.require_sms():
                form.add_error("sms_code", "请填写短信验证码（点击“获取验证码”）")
    if not form.is_valid():
        return _render_submit(request, form, stream, status=400)

    cleaned = form.cleaned_data
    data = IntakeData(
        kind=cleaned["kind"],
        channel=Channel.PORTAL,
        title=cleaned["title"],
        body=cleaned["body"],
        region_id=cleaned["region_id"],
        address=cleaned["address"],
        name=cleaned["name"],
        phone=cleaned["phone"],
        id_number=cleaned["id_number"],
        identity_confidential=cleaned["identity_confidential"],
        phone_verified=verified,
    )
    try:
        appeal, code = submit_public_appeal(data=data, idempotency_key=key)
    except IntakeError as exc:
        for field, message in exc.errors.items():
            name = INTAKE_FIELD.get(field, field)
            form.add_error(name if name in form.fields else None, message)
        return _render_submit(request, form, stream, status=400)
    except DomainError as exc:
        # Same form token, different content (back, edit, resubmit): the first one stands.
        form.add_error(None, exc.message + "。如需反映新的问题，请重新打开填写页面。")
        return _render_submit(request, form, stream, status=409)
    # The suggestions app (registered in its ready()) links a suggestion sent from a 征集主题
    # page to that theme and records the consent to publish; it never raises.
    publication = hooks.portal_publication.get()
    if publication is not None:
        publication.submitted(
            hooks.PortalSubmission(
                appeal=appeal,
                theme=request.GET.get("theme"),
                publication_consent=bool(cleaned["publication_consent"]),
                resubmitted=False,
            )
        )
    if code is not None:
        cache.set(_receipt_cache_key(token), code, RECEIPT_REPLAY_SECONDS)
    return _show_receipt(request, appeal, code, token)


@require_POST
def sms_code(request: HtmxHttpRequest) -> HttpResponse:
    """HTMX: send a code to the phone typed in the form; answers a status fragment."""
    status = _send_code(request, request.POST.get("phone", ""))
    return render(
        request,
        "appeals/portal/_sms_status.html",
        {"sms_status": status, "cooldown": sms.setting("SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS")},
    )


@never_cache
@require_GET
def receipt(request: HtmxHttpRequest) -> HttpResponse:
    data = request.session.pop(RECEIPT_SESSION, None)
    context: dict[str, Any] = {"page_title": "提交成功", "receipt": None}
    if data:
        appeal = Appeal.objects.select_related("policy").filter(number=data["number"]).first()
        if appeal is not None:
            if data.get("code") and data.get("token"):
                cache.delete(_receipt_cache_key(data["token"]))
            context["receipt"] = {
                "number": appeal.number,
                "code": data.get("code"),
                "stream_label": Stream(appeal.stream).label,
                "kind_label": AppealKind(appeal.kind).label,
                "next_step": next_step(appeal),
                "confidential": appeal.identity_confidential,
                "track_url": reverse("portal:track") + f"?number={appeal.number}",
            }
    return render(request, "appeals/portal/receipt.html", context)
