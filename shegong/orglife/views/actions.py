"""The meeting page's actions (POST, each one service call) and its QR code and photos."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id

from .. import services
from ..models import Meeting


def _back(pk: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("orglife:meeting", args=[pk]) + (f"#{anchor}" if anchor else ""))


def _count(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    number = parse_id(value)
    if number is None:
        raise DomainError("票数请填写整数")
    return number


@capability_required(Cap.ORGLIFE_MANAGE)
@require_POST
def meeting_hold(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Meeting, request.user, pk=pk)  # out of scope: 404
    try:
        services.hold_meeting(actor=request.user, meeting_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已登记为已召开")
    return _back(pk)


@capability_required(Cap.ORGLIFE_MANAGE)
@require_POST
def meeting_cancel(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Meeting, request.user, pk=pk)  # out of scope: 404
    try:
        services.cancel_meeting(
            actor=request.user, meeting_id=pk, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "会议已取消")
    return _back(pk)


@capability_required(Cap.ORGLIFE_MANAGE)
@require_POST
def meeting_minutes(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    meeting = get_visible_or_404(Meeting, request.user, pk=pk)
    try:
        services.save_minutes(
            actor=request.user,
            meeting_id=meeting.pk,
            minutes=request.POST.get("minutes", ""),
            resolutions=request.POST.get("resolutions", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        # nothing lost: the text goes back into the form
        request.session[f"orglife_minutes_{pk}"] = request.POST.get("minutes", "")
    else:
        messages.success(request, "会议记录已保存")
    return _back(pk, "minutes")


@capability_required(Cap.ORGLIFE_MANAGE)
@require_POST
def meeting_attendance(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Meeting, request.user, pk=pk)  # out of scope: 404
    member_id = parse_id(request.POST.get("member"))
    try:
        if member_id is None:
            raise DomainError("请选择党员")
        services.mark_attendance(
            actor=request.user,
            meeting_id=pk,
            member_id=member_id,
            status=request.POST.get("status", ""),
            leave_reason=request.POST.get("leave_reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "出席情况已登记")
    return _back(pk, "attendance")


@capability_required(Cap.ORGLIFE_MANAGE)
@require_POST
def meeting_resolution(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Meeting, request.user, pk=pk)  # out of scope: 404
    try:
        services.record_resolution(
            actor=request.user,
            meeting_id=pk,
            text=request.POST.get("text", ""),
            yes=_count(request.POST.get("yes")),
            no=_count(request.POST.get("no")),
            abstain=_count(request.POST.get("abstain")),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "决议已记录")
    return _back(pk, "resolutions")


@capability_required(Cap.ORGLIFE_MANAGE)
@require_POST
def meeting_grades(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Meeting, request.user, pk=pk)  # out of scope: 404
    grades: dict[int, str] = {}
    for key in request.POST:
        if key.startswith("grade_"):
            member_id = parse_id(key.removeprefix("grade_"))
            if member_id is not None:
                grades[member_id] = request.POST.get(key, "")
    try:
        services.set_grades(actor=request.user, meeting_id=pk, grades=grades)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "评议等次已保存")
    return _back(pk, "grades")


@capability_required(Cap.ORGLIFE_MANAGE)
@require_POST
def meeting_photo_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    get_visible_or_404(Meeting, request.user, pk=pk)  # out of scope: 404
    files = request.FILES.getlist("photos")
    if not files:
        messages.error(request, "请选择要上传的照片")
    added = 0
    for upload in files:
        try:
            services.add_photo(
                actor=request.user, meeting_id=pk, upload=upload, name=upload.name or "照片"
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            added += 1
    if added:
        messages.success(request, f"已上传{added}张照片")
    return _back(pk, "photos")


@capability_required(Cap.ORGLIFE_MANAGE)
@require_POST
def meeting_photo_delete(request: AuthedHttpRequest, pk: int, token: str) -> HttpResponse:
    get_visible_or_404(Meeting, request.user, pk=pk)  # out of scope: 404
    try:
        services.delete_photo(actor=request.user, meeting_id=pk, token=token)
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, exc.message)
    else:
        messages.success(request, "照片已删除")
    return _back(pk, "photos")


@login_required
@require_GET
def meeting_photo(request: AuthedHttpRequest, pk: int, token: str) -> FileResponse:
    """A photo, only through the meeting the user may see (never a public media URL)."""
    require_capability(request.user, Cap.ORGLIFE_VIEW)
    meeting = get_visible_or_404(Meeting, request.user, pk=pk)
    photo = meeting.photos.filter(token=token).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    return str(image.to_string(encoding="unicode"))


@capability_required(Cap.ORGLIFE_MANAGE)
@require_GET
def meeting_qr(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """HTMX partial (polled): a fresh signed sign-in code as a QR code and a link."""
    try:
        meeting, token = services.qr_token(actor=request.user, meeting_id=pk)
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        return render(request, "orglife/partials/_qr.html", {"error": exc.message, "pk": pk})
    url = request.build_absolute_uri(reverse("orglife:signin", args=[token]))
    return render(
        request,
        "orglife/partials/_qr.html",
        {
            "meeting": meeting,
            "pk": meeting.pk,
            "url": url,
            "svg": mark_safe(_qr_svg(url)),  # noqa: S308 — generated from our own URL
            "refresh": max(10, services.qr_ttl_seconds() // 2),
        },
    )
