"""The volunteer portal (phone first, no staff login), mounted at ``/volunteer/``.

A volunteer signs in with phone + SMS code (``core.sms_verification``, the citizen
portal's limits and cache); the session then carries the volunteer's id under its own key,
separate from staff authentication (``request.user`` stays anonymous). Pages: register,
sign in/out, open activities, sign up/cancel, check in by QR token URL, my hours, my
certificates (issue, download) — plus two public pages: certificate verification and the
honours list. Every change goes through ``services``. Signing in and out, the SMS codes and
the session are in ``portal_auth``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shegong.accounts.http import HtmxHttpRequest
from shegong.core import sms_verification as sms
from shegong.core.exceptions import DomainError
from shegong.lib.text import parse_id
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from . import services
from .choices import ActivityStatus, GuardianConsent, RecordStatus, SignupStatus
from .forms import PhoneChangeForm, PortalRegisterForm
from .models import (
    Activity,
    AwardRecord,
    Certificate,
    EvaluationRecord,
    HoursEntry,
    Signup,
    TrainingRecord,
    Volunteer,
)
from .portal_auth import GUARDIAN_SESSION_KEY, guardian_confirmed, sms_code_ok
from .portal_session import (
    SESSION_KEY as SESSION_KEY,  # re-exported: tests sign a volunteer in with it
)
from .portal_session import client_ip, current_volunteer, need_volunteer, next_url, sign_in

# --- pages -------------------------------------------------------------------------------


@never_cache
@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    volunteer = current_volunteer(request)
    context: dict[str, Any] = {"page_title": "志愿服务", "volunteer": volunteer}
    if volunteer is not None:
        now = timezone.now()
        context["upcoming"] = (
            Signup.objects.filter(
                volunteer=volunteer,
                status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED],
                slot__ends_at__gte=now - timedelta(hours=3),
            )
            .select_related("slot__activity")
            .order_by("slot__starts_at")[:20]
        )
        policy = services.get_policy()
        thresholds = policy.star_thresholds
        nxt = next((t for t in thresholds if volunteer.total_hours < t), None)
        context["next_star"] = (nxt, nxt - volunteer.total_hours) if nxt else None
        context["record_counts"] = _own_record_counts(volunteer)
    return render(request, "volunteers/portal/home.html", context)


def _own_records(volunteer: Volunteer) -> dict[str, Any]:
    """The volunteer's own valid training, award and evaluation records (read-only)."""
    return {
        "trainings": TrainingRecord.objects.filter(
            volunteer=volunteer, status=RecordStatus.VALID
        ).order_by("-held_on", "-pk"),
        "awards": AwardRecord.objects.filter(
            volunteer=volunteer, status=RecordStatus.VALID
        ).order_by("-awarded_on", "-pk"),
        "evaluations": EvaluationRecord.objects.filter(
            volunteer=volunteer, status=RecordStatus.VALID
        ).order_by("-evaluated_on", "-pk"),
    }


def _own_record_counts(volunteer: Volunteer) -> dict[str, int]:
    return {name: qs.count() for name, qs in _own_records(volunteer).items()}


@never_cache
@require_GET
def my_records(request: HtmxHttpRequest) -> HttpResponse:
    """培训、表彰奖励、服务评价 (记录办法 第八至十条), read-only; corrections are asked
    of the recording unit (第十三条)."""
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    return render(
        request,
        "volunteers/portal/records.html",
        {"page_title": "我的培训、表彰与评价", "volunteer": volunteer, **_own_records(volunteer)},
    )


def _streets() -> QuerySet[Region]:
    return (
        Region.objects.filter(level=RegionLevel.STREET, is_active=True)
        .select_related("parent")
        .order_by("code")
    )


@require_GET
def communities(request: HtmxHttpRequest) -> HttpResponse:
    """HTMX: the communities of a street, for the cascading select."""
    parent = parse_id(request.GET.get("street"))
    rows = (
        Region.objects.filter(
            parent_id=parent, is_active=True, level=RegionLevel.COMMUNITY
        ).order_by("code")
        if parent is not None
        else Region.objects.none()
    )
    return render(request, "volunteers/portal/_communities.html", {"communities": rows})


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HtmxHttpRequest) -> HttpResponse:
    form = PortalRegisterForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    form.fields["service_regions"].choices = [  # type: ignore[attr-defined]
        (s.pk, f"{s.parent.name if s.parent else ''}{s.name}") for s in _streets()
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            phone = services.registry.validate_mobile(data["phone"])
        except DomainError as exc:
            form.add_error("phone", exc.message)
        else:
            guardian_ok = guardian_confirmed(request, form)
            # The phone's code, once right, holds for this session: a form sent back for
            # another reason (the guardian's code, a field) does not need a new one.
            verified = not form.errors and (
                sms.is_verified(request.session, phone) or sms_code_ok(form, phone)
            )
            if verified:
                sms.mark_verified(request.session, phone)
                try:
                    volunteer = services.register_volunteer(
                        actor=None,
                        name=data["name"],
                        id_number=data["id_number"],
                        phone=phone,
                        region_id=data["region"],
                        skills=form.skill_list(),
                        service_categories=data["service_categories"],
                        availability=data["availability"],
                        guardian_name=data["guardian_name"],
                        guardian_phone=data["guardian_phone"],
                        guardian_relation=data["guardian_relation"],
                        guardian_consent=guardian_ok,
                        guardian_consent_method=GuardianConsent.SMS if guardian_ok else "",
                        publicity_consent=data["publicity_consent"],
                        service_region_ids=data["service_regions"],
                        phone_verified=True,
                        source="portal",
                    )
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    request.session.pop(GUARDIAN_SESSION_KEY, None)
                    sign_in(request, volunteer)
                    messages.success(request, f"注册成功，您的志愿者编号是 {volunteer.number}")
                    return redirect("volunteer_portal:home")
    street = request.POST.get("street", "")
    street_pk = parse_id(street)
    return render(
        request,
        "volunteers/portal/register.html",
        {
            "page_title": "注册志愿者",
            "form": form,
            "streets": _streets(),
            "street": street,
            "communities": Region.objects.filter(parent_id=street_pk).order_by("code")
            if street_pk is not None
            else [],
            "selected_region": str(request.POST.get("region", "")),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_GET
def activity_list(request: HtmxHttpRequest) -> HttpResponse:
    volunteer = current_volunteer(request)
    now = timezone.now()
    if volunteer is not None:
        qs = services.offered_activities(volunteer, now=now)
    else:
        qs = Activity.objects.filter(
            status=ActivityStatus.PUBLISHED, recruit_start__lte=now, recruit_end__gte=now
        ).order_by("recruit_end", "pk")
    page = Paginator(qs.select_related("region", "team"), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/portal/activity_list.html",
        {"page_title": "找活动", "page": page, "volunteer": volunteer},
    )


@never_cache
@require_GET
def activity_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    activity = Activity.objects.public().select_related("region", "team").filter(pk=pk).first()
    if activity is None:
        raise Http404
    volunteer = current_volunteer(request)
    now = timezone.now()
    mine: dict[int, Signup] = {}
    problem = None
    if volunteer is not None:
        mine = {
            s.slot_id: s
            for s in Signup.objects.filter(
                volunteer=volunteer,
                slot__activity=activity,
                status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED],
            )
        }
        problem = services.eligibility(volunteer, activity, now=now)
    slots = []
    for slot in activity.slots.all():
        signup = mine.get(slot.pk)
        slots.append(
            {
                "slot": slot,
                "signup": signup,
                "position": services.waitlist_position(signup)
                if signup and signup.status == SignupStatus.WAITLISTED
                else None,
                "open": slot.starts_at > now,
            }
        )
    return render(
        request,
        "volunteers/portal/activity_detail.html",
        {
            "page_title": activity.title,
            "activity": activity,
            "slots": slots,
            "volunteer": volunteer,
            "problem": problem,
            "skills": activity.required_skills.all(),
        },
    )


@require_POST
def signup(request: HtmxHttpRequest, slot_id: int) -> HttpResponse:
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    try:
        row = services.sign_up(volunteer_id=volunteer.pk, slot_id=slot_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        activity_id = (
            Activity.objects.filter(slots__pk=slot_id).values_list("pk", flat=True).first()
        )
        return redirect(
            reverse("volunteer_portal:activity", args=[activity_id])
            if activity_id
            else reverse("volunteer_portal:activities")
        )
    if row.status == SignupStatus.CONFIRMED:
        messages.success(request, "报名成功，请准时参加，到场后扫描现场二维码签到")
    else:
        messages.info(
            request,
            f"名额已满，您已进入候补（第{services.waitlist_position(row)}位），有人取消时会短信通知您",
        )
    return redirect("volunteer_portal:activity", pk=row.slot.activity_id)


@require_POST
def cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    try:
        row = services.cancel_signup(
            signup_id=pk, volunteer_id=volunteer.pk, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, "已取消报名（开始前临时取消会被记录）" if row.late_cancel else "已取消报名"
        )
    return redirect(next_url(request, reverse("volunteer_portal:home")))


@never_cache
@require_http_methods(["GET", "POST"])
def checkin(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The page a volunteer's phone opens from the QR code: confirm → check in/out."""
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    context: dict[str, Any] = {"page_title": "扫码签到", "token": token}
    try:
        slot_id, _ = services.read_token(token)
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "volunteers/portal/checkin.html", context, status=410)
    signup = (
        Signup.objects.select_related("slot__activity")
        .filter(slot_id=slot_id, volunteer=volunteer, status=SignupStatus.CONFIRMED)
        .first()
    )
    context["signup"] = signup
    if signup is None:
        context["error"] = "您没有被录用参加这个时段，不能签到"
        return render(request, "volunteers/portal/checkin.html", context, status=403)
    if request.method == "POST":
        try:
            signup = services.scan_checkin(
                volunteer_id=volunteer.pk,
                token=token,
                ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "volunteers/portal/checkin.html", context, status=409)
        context["signup"] = signup
        context["done"] = True
    return render(request, "volunteers/portal/checkin.html", context)


def _me(
    request: HtmxHttpRequest,
    volunteer: Volunteer,
    phone_form: PhoneChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    street = str(volunteer.region.parent_id or "")
    return render(
        request,
        "volunteers/portal/me.html",
        {
            "page_title": "我的信息",
            "volunteer": volunteer,
            "form": phone_form or PhoneChangeForm(),
            "streets": _streets(),
            "street": street,
            "communities": Region.objects.filter(
                parent_id=volunteer.region.parent_id, is_active=True
            ).order_by("code"),
            "selected_region": str(volunteer.region_id),
        },
        status=status,
    )


@never_cache
@require_GET
def me(request: HtmxHttpRequest) -> HttpResponse:
    """我的信息: masked number, residence; change the number (SMS to the new one) or move."""
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    return _me(request, volunteer)


@never_cache
@require_POST
def me_phone(request: HtmxHttpRequest) -> HttpResponse:
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    form = PhoneChangeForm(request.POST)
    if form.is_valid():
        try:
            phone = services.registry.validate_mobile(form.cleaned_data["phone"])
        except DomainError as exc:
            form.add_error("phone", exc.message)
        else:
            if sms_code_ok(form, phone):
                try:
                    services.change_contact(
                        actor=None, volunteer_id=volunteer.pk, phone=phone, phone_verified=True
                    )
                except DomainError as exc:
                    form.add_error("phone", exc.message)
                else:
                    messages.success(request, "手机号码已更换，以后请用新号码登录")
                    return redirect("volunteer_portal:me")
    return _me(request, volunteer, form, status=422)


@never_cache
@require_POST
def me_region(request: HtmxHttpRequest) -> HttpResponse:
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    region_pk = parse_id(request.POST.get("region"))
    try:
        services.change_contact(actor=None, volunteer_id=volunteer.pk, region_id=region_pk or 0)
    except DomainError as exc:
        messages.error(request, "请选择居住的社区" if region_pk is None else exc.message)
    else:
        messages.success(request, "居住社区已更新")
    return redirect("volunteer_portal:me")


@never_cache
@require_GET
def my_hours(request: HtmxHttpRequest) -> HttpResponse:
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    entries = (
        HoursEntry.objects.filter(volunteer=volunteer).select_related("region").order_by("-seq")
    )
    page = Paginator(entries, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/portal/hours.html",
        {"page_title": "我的服务时长", "volunteer": volunteer, "page": page},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def my_certificates(request: HtmxHttpRequest) -> HttpResponse:
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    if request.method == "POST":
        try:
            cert = services.issue_certificate(
                volunteer_id=volunteer.pk,
                include_records=request.POST.get("include_records") == "1",
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已出具证明 {cert.number}，可下载打印")
        return redirect("volunteer_portal:certificates")
    return render(
        request,
        "volunteers/portal/certificates.html",
        {
            "page_title": "我的志愿服务记录证明",
            "volunteer": volunteer,
            "certificates": Certificate.objects.filter(volunteer=volunteer).order_by("-issued_at"),
        },
    )


def verify_url(request: HtmxHttpRequest, cert: Certificate) -> str:
    return request.build_absolute_uri(reverse("volunteer_portal:verify", args=[cert.verify_code]))


@require_GET
def certificate_pdf(request: HtmxHttpRequest, number: str) -> HttpResponse:
    volunteer = need_volunteer(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    cert = (
        Certificate.objects.select_related("volunteer")
        .filter(number=number, volunteer=volunteer)
        .first()
    )
    if cert is None:
        raise Http404
    pdf = services.certificate_pdf(cert, verify_url=verify_url(request, cert))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    return response


@require_GET
def verify(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """Public: is this certificate genuine? Shows only what it shows (by verify code)."""
    result = services.public_verify(code, client=client_ip(request))
    status = {"not_found": 404, "throttled": 429}.get(result.verdict, 200)
    return render(
        request,
        "volunteers/portal/verify.html",
        {"page_title": "证明查验", "result": result},
        status=status,
    )


@require_GET
def verify_lookup(request: HtmxHttpRequest) -> HttpResponse:
    """Type the verify code printed under the QR code (the certificate number alone is not
    enough: it would let anyone enumerate certificates)."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("volunteer_portal:verify", code=code)
    return render(request, "volunteers/portal/verify_lookup.html", {"page_title": "证明查验"})


@require_GET
def honours(request: HtmxHttpRequest) -> HttpResponse:
    """Public honours list: star volunteers who agreed to be shown (条例 第二十条), with
    masked names only."""
    rows = (
        Volunteer.objects.filter(star_level__gte=1, publicity_consent=True)
        .select_related("region")
        .order_by("-total_hours", "pk")[:100]
    )
    items = [
        {
            "name": str(v.name),  # Sensitive: masked
            "star": v.star_label,
            "hours": v.total_hours,
            "region": v.region.name,
        }
        for v in rows
    ]
    return render(
        request,
        "volunteers/portal/honours.html",
        {"page_title": "星级志愿者光荣榜", "items": items},
    )
