"""The public citizen portal (no login): choose, submit, receipt, track, add information.

Every appeal goes through ``services.intake`` (channel 网上（群众门户）, no actor). The time
limits the citizen reads come from the city-wide policies, never from numbers in this file.
Rate limits and the SMS check live in :mod:`shegong.core.sms_verification`; the tracking
brute-force guard is below. See docs/portal.md.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.core import ratelimit
from shegong.core import sms_verification as sms
from shegong.core.exceptions import DomainError
from shegong.lib.masking import mask_phone
from shegong.lib.validators import ValidationFailure, validate_mobile
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from . import hooks
from .choices import (
    OPEN_ORDER_STATES,
    AppealKind,
    AppealStatus,
    Channel,
    ClockKey,
    Stream,
    TimeUnit,
    Urgency,
    WorkOrderRole,
)
from .models import Appeal, AppealPolicy, IdempotencyRecord, PolicyClock
from .portal_forms import (
    EMPTY_CHILD_LABEL,
    INTAKE_FIELD,
    KIND_HELP,
    STREAM_TITLES,
    InfoForm,
    PortalSubmitForm,
    RatingForm,
    TrackForm,
    active_children,
)
from .services.identity import public_text
from .services.intake import (
    IntakeData,
    IntakeError,
    add_citizen_information,
    find_by_tracking,
)
from .services.intake_queue import submit_public_appeal
from .services.policies import ensure_default_policies
from .services.revisit import record_revisit

RECEIPT_SESSION = "portal_receipt"
TRACK_SESSION = "portal_track"
TRACK_FAILURES = "SHEGONG_PORTAL_TRACK_MAX_FAILURES"
TRACK_WINDOW = "SHEGONG_PORTAL_TRACK_WINDOW_SECONDS"
RECEIPT_REPLAY_SECONDS = 300
GENERIC_TRACK_ERROR = "编号或查询码不正确"

# The kind whose city-wide policy describes each stream on the home page.
STREAM_SAMPLE_KIND: dict[str, str] = {
    Stream.HOTLINE: AppealKind.HL_COMPLAINT,
    Stream.PETITION: AppealKind.XF_CLAIM,
    Stream.SUGGESTION: AppealKind.PEOPLE_SUGGESTION,
}


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


# --- policies in words ------------------------------------------------------------------------


def clock_text(clock: PolicyClock | None) -> str:
    """``15日`` / ``5个工作日`` / ``2小时``; empty when the policy has no such clock."""
    if clock is None:
        return ""
    if clock.unit == TimeUnit.WORKING_DAY:
        return f"{clock.value}个工作日"
    if clock.unit == TimeUnit.HOUR:
        return f"{clock.value}小时"
    return f"{clock.value}日"


def city_policy(kind: str, now: datetime | None = None) -> AppealPolicy | None:
    """The city-wide policy version in force for ``kind`` (regional versions aside)."""
    now = now or timezone.now()
    qs = (
        AppealPolicy.objects.filter(kind=kind, region__isnull=True, effective_from__lte=now)
        .order_by("-effective_from", "-version")
        .prefetch_related("clocks")
    )
    policy = qs.first()
    if policy is None:
        ensure_default_policies()
        policy = qs.first()
    return policy


def stream_promises(stream: str, policy: AppealPolicy | None) -> list[str]:
    """What the citizen can expect, in plain words, from the policy's clocks."""
    if policy is None:
        return []
    triage = clock_text(policy.clock(ClockKey.TRIAGE))
    handle = clock_text(policy.clock(ClockKey.HANDLE))
    lines: list[str] = []
    if stream == Stream.HOTLINE:
        if triage:
            lines.append(f"网上提交后{triage}内受理，即时派单到承办单位")
        variants = [
            ("紧急事项", Urgency.URGENT),
            ("水电气热", Urgency.UTILITY),
            ("一般诉求", Urgency.NORMAL),
            ("复杂疑难", Urgency.COMPLEX),
        ]
        parts = [
            f"{label}{text}"
            for label, variant in variants
            if (text := clock_text(policy.clock(ClockKey.HANDLE, variant)))
        ]
        if parts:
            lines.append("办理答复时限：" + "、".join(parts))
    else:
        if triage:
            lines.append(f"{triage}内告知您是否受理")
        if handle:
            verb = "办结" if stream == Stream.PETITION else "办理并反馈"
            lines.append(f"受理后{handle}内{verb}")
        if stream == Stream.PETITION and policy.max_extension_days:
            lines.append(f"情况复杂需要延期的，最多延长{policy.max_extension_days}日并告知您理由")
    return lines


def _local(dt: datetime, with_time: bool) -> str:
    return f"{timezone.localtime(dt):%Y-%m-%d %H:%M}" if with_time else f"{dt:%Y-%m-%d}"


def next_step(appeal: Appeal) -> dict[str, str]:
    """The statutory next step after registration, from the appeal's own policy version."""
    policy = appeal.policy
    clock = policy.clock(ClockKey.TRIAGE)
    limit = clock_text(clock)
    due = ""
    if appeal.triage_due_at:
        local = timezone.localtime(appeal.triage_due_at)
        due = _local(local, clock is not None and clock.unit == TimeUnit.HOUR)
    if appeal.stream == Stream.HOTLINE:
        handle = clock_text(policy.clock(ClockKey.HANDLE, appeal.urgency))
        text = f"我们将在{limit}内受理并派单给承办单位" if limit else "我们将尽快受理并派单"
        if due:
            text += f"（{due}前）"
        if handle:
            text += f"，承办单位一般在{handle}内答复您"
    else:
        text = f"我们将在{limit}内告知您是否受理" if limit else "我们将尽快告知您是否受理"
        if due:
            text += f"（{due}前）"
    return {
        "text": text + "。",
        "basis": citable_basis(clock.legal_basis if clock else policy.legal_basis),
    }


# A citizen is told the rule only when it is law in force: a draft standard (征求意见稿, 草案)
# — in the defaults, another city's — or a platform default is where a number came from, for
# the staff's 办理规则 page, not a basis to cite on a receipt.
NOT_CITABLE = ("征求意见稿", "草案", "平台默认", "DB11")


def citable_basis(basis: str) -> str:
    """``basis`` with every part that is not citable to a citizen left out ("" if none is);
    parts are separated by "；" as in the policy defaults."""
    parts = [p.strip() for p in (basis or "").split("；")]
    return "；".join(p for p in parts if p and not any(m in p for m in NOT_CITABLE))


# --- home and regions ----------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    cards = []
    for stream, who, what in (
        (
            Stream.HOTLINE,
            "生活中遇到的困难和问题",
            "如噪音扰民、路灯损坏、物业纠纷、政策咨询、求助、投诉、举报等。",
        ),
        (
            Stream.PETITION,
            "对国家机关及其工作人员的意见",
            "申诉求决、建议意见、检举控告，依照《信访工作条例》办理。"
            "申诉求决和建议意见须填写真实姓名；检举控告依法为您保密。",
        ),
        (
            Stream.SUGGESTION,
            "对城市发展和治理的好点子",
            "对经济社会发展、公共服务、城市管理提出意见建议。",
        ),
    ):
        policy = city_policy(STREAM_SAMPLE_KIND[stream], now)
        cards.append(
            {
                "stream": stream,
                "title": STREAM_TITLES[stream],
                "who": who,
                "what": what,
                "promises": stream_promises(stream, policy),
                "url": reverse("portal:submit") + f"?stream={stream}",
            }
        )
    return render(request, "appeals/portal/home.html", {"cards": cards, "page_title": "首页"})


@require_GET
def region_options(request: HttpRequest) -> HttpResponse:
    """``<option>``s of the active children of ``?parent=<id>`` (the cascader's HTMX call)."""
    parent_id = request.GET.get("parent", "")
    parent = None
    if parent_id.isdigit():
        parent = (
            Region.objects.filter(
                pk=int(parent_id),
                is_active=True,
                level__in=[RegionLevel.DISTRICT, RegionLevel.STREET],
            )
            .select_related("parent")
            .first()
        )
    if parent is None or (parent.parent is not None and not parent.parent.is_active):
        options: list[Region] = []
        empty = "请先选择上一级"
    else:
        options = list(active_children(parent))
        empty = EMPTY_CHILD_LABEL[RegionLevel(parent.level + 1)]
    return render(
        request, "appeals/portal/_region_options.html", {"options": options, "empty": empty}
    )


# --- submit ------------------------------------------------------------------------------------


def _receipt_cache_key(token: str) -> str:
    return "portal:receipt:" + hashlib.sha256(token.encode()).hexdigest()


def _show_receipt(request: HttpRequest, appeal: Appeal, code: str | None, token: str) -> Any:
    """Keep the number and (once) the code in the session, then go to the receipt page.

    A replay of the same form (double click, refresh, back + resubmit) has no code of its
    own: it takes the one parked for a few minutes under the form token, if the first
    response was never shown (the browser follows only the last response)."""
    if code is None:
        code = cache.get(_receipt_cache_key(token))
    request.session[RECEIPT_SESSION] = {"number": appeal.number, "code": code, "token": token}
    return redirect("portal:receipt")


def _render_submit(
    request: HttpRequest, form: PortalSubmitForm, stream: str, status: int = 200, **extra: Any
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


def _send_code(request: HttpRequest, phone: str) -> dict[str, Any]:
    try:
        normal = sms.send_code(phone, _ip(request))
    except sms.SmsCodeError as exc:
        return {"ok": False, "message": exc.message}
    minutes = max(1, sms.setting("SHEGONG_PORTAL_SMS_CODE_TTL_SECONDS") // 60)
    return {
        "ok": True,
        "message": f"验证码已发送至 {mask_phone(normal)}，{minutes}分钟内有效",
    }


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
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
def sms_code(request: HttpRequest) -> HttpResponse:
    """HTMX: send a code to the phone typed in the form; answers a status fragment."""
    status = _send_code(request, request.POST.get("phone", ""))
    return render(
        request,
        "appeals/portal/_sms_status.html",
        {"sms_status": status, "cooldown": sms.setting("SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS")},
    )


@never_cache
@require_GET
def receipt(request: HttpRequest) -> HttpResponse:
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


# --- track -------------------------------------------------------------------------------------


def _fail_key(request: HttpRequest) -> str:
    return f"portal:track:fail:{_ip(request)}"


def _track_locked(request: HttpRequest) -> bool:
    return ratelimit.over(_fail_key(request), int(getattr(settings, TRACK_FAILURES, 10)))


def _track_failed(request: HttpRequest) -> None:
    ratelimit.hit(_fail_key(request), int(getattr(settings, TRACK_WINDOW, 3600)))


def _tracked_appeal(request: HttpRequest) -> Appeal | None:
    held = request.session.get(TRACK_SESSION)
    if not held:
        return None
    appeal = (
        Appeal.objects.select_related("lead_unit")
        .filter(pk=held.get("id"), tracking_hash=held.get("hash"))
        .first()
    )
    if appeal is None:
        request.session.pop(TRACK_SESSION, None)
    return appeal


def public_view(appeal: Appeal) -> dict[str, Any]:
    """Only what the citizen may read: no staff notes, no staff names, no personal data."""
    lead = (
        appeal.work_orders.filter(role=WorkOrderRole.LEAD, status__in=list(OPEN_ORDER_STATES))
        .order_by("-dispatched_at")
        .only("due_at", "due_provisional")
        .first()
    )
    timeline = [
        {"at": at, "text": public_text(text, staff_written=True)}
        for at, text in appeal.events.filter(public=True)
        .exclude(Q(public_note="") | Q(public_note__isnull=True))
        .order_by("at", "pk")
        .values_list("at", "public_note")
    ]
    answered = appeal.status in (AppealStatus.REPLIED, AppealStatus.CLOSED)
    return {
        "number": appeal.number,
        "kind_label": AppealKind(appeal.kind).label,
        "title": public_text(appeal.title),
        "status": appeal.status,
        "status_label": AppealStatus(appeal.status).label,
        "registered_at": appeal.registered_at,
        "lead_unit": appeal.lead_unit.name if appeal.lead_unit_id else "",  # type: ignore[union-attr]
        "due_at": lead.due_at if lead is not None and appeal.is_open else None,
        "due_provisional": bool(lead and lead.due_provisional),
        "triage_due_at": (
            appeal.triage_due_at if appeal.status == AppealStatus.REGISTERED else None
        ),
        "reply_text": public_text(appeal.reply_text, staff_written=True) if answered else "",
        "replied_at": appeal.replied_at if answered else None,
        "is_open": appeal.is_open,
        "timeline": timeline,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    appeal = _tracked_appeal(request)
    lookup = TrackForm(initial={"number": request.GET.get("number", "")[:32]})
    info = InfoForm()
    bound_rating: RatingForm | None = None
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "lookup")
        if action == "leave":
            request.session.pop(TRACK_SESSION, None)
            return redirect("portal:track")
        if action == "rate":
            if appeal is None:
                messages.info(request, "查询已过期，请重新输入编号和查询码")
                return redirect("portal:track")
            rating = RatingForm(request.POST)
            bound_rating = rating
            if rating.is_valid():
                try:
                    record_revisit(
                        actor=None,
                        appeal_id=appeal.pk,
                        by_citizen=True,
                        method="portal",
                        contacted=rating.cleaned_data["contacted"] == "yes",
                        resolved=rating.cleaned_data["resolved"] == "yes",
                        satisfaction=rating.cleaned_data["satisfaction"],
                        comment=rating.cleaned_data["comment"],
                    )
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(
                        request, "感谢您的评价。对办理结果不满意或问题未解决的，我们将重新办理。"
                    )
                return redirect("portal:track")
            status = 400
        elif action == "withdraw_publication":
            if appeal is None:
                messages.info(request, "查询已过期，请重新输入编号和查询码")
                return redirect("portal:track")
            publication = hooks.portal_publication.get()
            if publication is not None and publication.withdraw(appeal):
                messages.success(request, "已撤回公开同意，本诉求不会在“办理公开”页面显示")
            return redirect("portal:track")
        elif action == "info":
            if appeal is None:
                messages.info(request, "查询已过期，请重新输入编号和查询码")
                return redirect("portal:track")
            info = InfoForm(request.POST)
            if info.is_valid():
                try:
                    add_citizen_information(appeal=appeal, text=info.cleaned_data["text"])
                except DomainError as exc:
                    info.add_error("text", exc.message)
                else:
                    messages.success(request, "补充材料已提交，工作人员会一并办理")
                    return redirect("portal:track")
            status = 400
        else:
            lookup = TrackForm(request.POST)
            appeal = None
            if _track_locked(request):
                error = "查询失败次数过多，为保护您的信息，请1小时后再试。如需帮助请拨打12345热线。"
                status = 429
            elif lookup.is_valid():
                found = find_by_tracking(lookup.cleaned_data["number"], lookup.cleaned_data["code"])
                if found is None:
                    _track_failed(request)
                    error = GENERIC_TRACK_ERROR
                    status = 400
                else:
                    request.session[TRACK_SESSION] = {"id": found.pk, "hash": found.tracking_hash}
                    return redirect("portal:track")
            else:
                status = 400
    can_rate = (
        appeal is not None
        and appeal.status == AppealStatus.REPLIED
        and not appeal.revisits.filter(round=appeal.round).exists()
    )
    publication = hooks.portal_publication.get()
    context = {
        "rating": (bound_rating or RatingForm()) if can_rate else None,
        "publication_consent": (
            publication.active_consent(appeal) if appeal and publication is not None else None
        ),
        "page_title": "查询办理进度",
        "lookup": lookup,
        "info": info,
        "error": error,
        "appeal": public_view(appeal) if appeal is not None else None,
    }
    return render(request, "appeals/portal/track.html", context, status=status)
