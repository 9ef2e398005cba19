"""Activities, their slots and roster: sign-ups, QR check-in, hours confirmation, and
the slots whose records are due."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from .. import services
from ..choices import (
    ActivityStatus,
    SignupStatus,
)
from ..filters import ActivityFilterSet
from ..forms import (
    ActivityForm,
    SlotForm,
)
from ..models import (
    Activity,
    Signup,
    Slot,
    Team,
    Volunteer,
)
from .common import query_string, visible_regions


@capability_required(Cap.VOLUNTEERS_VIEW)
def activity_list(request: AuthedHttpRequest) -> HttpResponse:
    filterset = ActivityFilterSet(
        request.GET,
        queryset=Activity.objects.visible_to(request.user).select_related("team", "region"),
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/activity_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_string(request),
            "can_create": has_capability(request.user, Cap.VOLUNTEER_ACTIVITIES),
            "breadcrumbs": [("活动与签到", None)],
        },
    )


@capability_required(Cap.VOLUNTEER_ACTIVITIES)
@require_http_methods(["GET", "POST"])
def activity_new(request: AuthedHttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST or None)
    form.fields["team"].widget.choices = [
        (t.pk, t.name) for t in Team.objects.visible_to(request.user).filter(is_active=True)
    ]
    form.fields["region"].widget.choices = [(r.pk, r.full_name) for r in visible_regions(request)]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = services.create_activity(
                actor=request.user,
                team_id=d["team"],
                title=d["title"],
                description=d["description"],
                category=d["category"],
                region_id=d["region"],
                address=d["address"],
                contact_name=d["contact_name"],
                recruit_start=d["recruit_start"],
                recruit_end=d["recruit_end"],
                min_age=d["min_age"],
                max_age=d["max_age"],
                risky=d["risky"],
                insurance_confirmed=d["insurance_confirmed"],
                skill_names=form.skill_list(),
                slots=[services.SlotInput(d["slot_start"], d["slot_end"], d["capacity"])],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存为草稿，确认无误后请发布")
            return redirect("volunteers:activity", pk=activity.pk)
    return render(
        request,
        "volunteers/activity_form.html",
        {
            "form": form,
            "breadcrumbs": [("活动与签到", "/volunteers/activities/"), ("新建活动", None)],
        },
        status=422 if request.method == "POST" else 200,
    )


@capability_required(Cap.VOLUNTEERS_VIEW)
def activity_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    activity = get_visible_or_404(Activity, request.user, pk=pk)
    from ..choices import ACTIVITY_TRANSITIONS

    return render(
        request,
        "volunteers/activity_detail.html",
        {
            "activity": activity,
            "slots": Slot.objects.visible_to(request.user).filter(activity=activity),
            "skills": activity.required_skills.all(),
            "transitions": [
                (s, ActivityStatus(s).label) for s in sorted(ACTIVITY_TRANSITIONS[activity.status])
            ],
            "can_act": has_capability(request.user, Cap.VOLUNTEER_ACTIVITIES),
            "slot_form": SlotForm(),
            "breadcrumbs": [("活动与签到", "/volunteers/activities/"), (activity.title, None)],
        },
    )


@login_required
@require_POST
def activity_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEER_ACTIVITIES)
    activity = get_visible_or_404(Activity, request.user, pk=pk)
    try:
        services.change_activity_status(
            actor=request.user,
            activity_id=activity.pk,
            to=request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已更新活动状态")
    return redirect("volunteers:activity", pk=activity.pk)


@login_required
@require_POST
def slot_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEER_ACTIVITIES)
    activity = get_visible_or_404(Activity, request.user, pk=pk)
    form = SlotForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请检查填写的内容：" + form.error_text())
        return redirect("volunteers:activity", pk=activity.pk)
    d = form.cleaned_data
    try:
        services.add_slot(
            actor=request.user,
            activity_id=activity.pk,
            slot=services.SlotInput(d["starts_at"], d["ends_at"], d["capacity"]),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已增加时段")
    return redirect("volunteers:activity", pk=activity.pk)


def _qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return str(image.to_string(encoding="unicode"))


@capability_required(Cap.VOLUNTEERS_VIEW)
def slot_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The roster of a slot: manager check-in/out, absence, hours confirmation, QR code."""
    slot = get_visible_or_404(Slot, request.user, pk=pk)
    signups = (
        Signup.objects.visible_to(request.user)
        .filter(slot=slot)
        .select_related("volunteer")
        .order_by("status", "created_at")
    )
    policy = services.get_policy()
    due = services.deadline_of(slot, policy)
    anomalies = services.scan_anomalies(s.pk for s in signups)
    for s in signups:
        s.scan_anomaly = anomalies.get(s.pk, "")  # type: ignore[attr-defined]
    return render(
        request,
        "volunteers/slot_detail.html",
        {
            "slot": slot,
            "activity": slot.activity,
            "signups": signups,
            "can_act": has_capability(request.user, Cap.VOLUNTEER_ACTIVITIES),
            "ttl": policy.token_ttl_seconds,
            "deadline": due.end_date,
            "provisional": due.provisional,
            "days": policy.record_deadline_working_days,
            "late": timezone.localdate() > due.end_date and not due.provisional,
            "breadcrumbs": [
                ("活动与签到", "/volunteers/activities/"),
                (slot.activity.title, reverse("volunteers:activity", args=[slot.activity_id])),
                (f"{timezone.localtime(slot.starts_at):%m-%d %H:%M}", None),
            ],
        },
    )


@capability_required(Cap.VOLUNTEERS_VIEW)
def pending_records(request: AuthedHttpRequest) -> HttpResponse:
    """待确认时长: ended slots whose hours are not all recorded, by deadline (办法 第十一条)."""
    rows = services.pending_records(request.user)
    return render(
        request,
        "volunteers/pending.html",
        {
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "overdue": sum(1 for r in rows if r.overdue),
            "days": services.get_policy().record_deadline_working_days,
            "breadcrumbs": [("待确认时长", None)],
        },
    )


@capability_required(Cap.VOLUNTEER_ACTIVITIES)
def slot_qr(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """HTMX partial (polled): a fresh signed check-in token as a QR code and a link."""
    try:
        slot, token = services.checkin_qr_token(actor=request.user, slot_id=pk)
    except DomainError:
        from django.http import Http404

        raise Http404 from None
    url = request.build_absolute_uri(reverse("volunteer_portal:checkin", args=[token]))
    return render(
        request,
        "volunteers/partials/_qr.html",
        {
            "slot": slot,
            "url": url,
            "svg": mark_safe(_qr_svg(url)),  # noqa: S308 — generated from our own URL
            "refresh": max(10, services.get_policy().token_ttl_seconds // 2),
        },
    )


@login_required
@require_POST
def signup_action(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEER_ACTIVITIES)
    signup = get_visible_or_404(Signup, request.user, pk=pk)
    try:
        if action == "check":
            at = request.POST.get("at", "").strip()
            when = None
            if at:
                when = timezone.make_aware(datetime.fromisoformat(at))
            services.manager_check(actor=request.user, signup_id=signup.pk, at=when)
        elif action == "absent":
            services.mark_absent(actor=request.user, signup_id=signup.pk)
        elif action == "confirm":
            raw = request.POST.get("hours", "").strip()
            services.confirm_hours(
                actor=request.user,
                signup_id=signup.pk,
                hours=Decimal(raw) if raw else None,
                note=request.POST.get("note", ""),
            )
        elif action == "cancel":
            services.cancel_signup(
                actor=request.user, signup_id=signup.pk, reason=request.POST.get("reason", "")
            )
        else:
            raise PermissionDenied
    except DomainError as exc:
        messages.error(request, exc.message)
    except (ValueError, InvalidOperation):
        messages.error(request, "请填写正确的时间或时长")
    else:
        messages.success(request, "已保存")
    return redirect("volunteers:slot", pk=signup.slot_id)


@login_required
@require_POST
def slot_signup(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Staff sign a resident up (e.g. without a phone) by volunteer number."""
    need_capability(request, Cap.VOLUNTEER_ACTIVITIES)
    slot = get_visible_or_404(Slot, request.user, pk=pk)
    number = request.POST.get("number", "").strip().upper()
    volunteer = Volunteer.objects.visible_to(request.user).filter(number=number).first()
    if volunteer is None:
        messages.error(request, f"找不到编号为 {number} 的志愿者（或不在您的管辖范围内）")
        return redirect("volunteers:slot", pk=slot.pk)
    try:
        row = services.sign_up(volunteer_id=volunteer.pk, slot_id=slot.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, "已录用" if row.status == SignupStatus.CONFIRMED else "名额已满，已列入候补"
        )
    return redirect("volunteers:slot", pk=slot.pk)


@login_required
@require_POST
def slot_confirm_all(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEER_ACTIVITIES)
    slot = get_visible_or_404(Slot, request.user, pk=pk)
    try:
        count = services.confirm_slot_hours(
            actor=request.user, slot_id=slot.pk, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已确认 {count} 人的服务时长")
    return redirect("volunteers:slot", pk=slot.pk)
