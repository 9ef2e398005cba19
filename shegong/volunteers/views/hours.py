"""The hours ledger (recording, reversing, list and export), certificates, honours and the
service policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from .. import services
from ..filters import HoursFilterSet
from ..forms import (
    PolicyForm,
)
from ..models import (
    Certificate,
    HoursEntry,
    LedgerVerification,
    Volunteer,
)
from ..services import transfer
from ..services.certificates import verify_certificate
from .common import query_string


@login_required
@require_POST
def volunteer_record_hours(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """补录 or 双报到 hours for one volunteer."""
    # Which of the two the service needs depends on the kind; neither is a 403 up front.
    if not (
        has_capability(request.user, Cap.VOLUNTEERS_MANAGE)
        or has_capability(request.user, Cap.VOLUNTEER_ACTIVITIES)
    ):
        raise PermissionDenied
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    post = request.POST
    try:
        hours = Decimal(post.get("hours", ""))
        if not hours.is_finite():  # NaN / Infinity parse as Decimals
            raise InvalidOperation
        day = date.fromisoformat(post.get("service_date", ""))
        region_id = int(post.get("region", "0"))
    except (InvalidOperation, ValueError):
        messages.error(request, "请填写正确的时长（数字，小时）、日期和服务地点")
        return redirect("volunteers:detail", pk=volunteer.pk)
    try:
        services.record_hours(
            actor=request.user,
            volunteer_id=volunteer.pk,
            hours=hours,
            service_date=day,
            title=post.get("title", ""),
            organizer=post.get("organizer", ""),
            content=post.get("content", ""),
            region_id=region_id,
            kind=post.get("kind", "import"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    except PermissionDenied:
        messages.error(request, "您的角色不能登记服务时长")
    else:
        messages.success(request, "已记录服务时长")
    return redirect("volunteers:detail", pk=volunteer.pk)


@login_required
@require_POST
def entry_reverse(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEER_HOURS_CORRECT)
    entry = get_visible_or_404(HoursEntry, request.user, pk=pk)
    try:
        services.reverse_entry(
            actor=request.user, entry_id=entry.pk, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已冲正（原记录保留）")
    return redirect("volunteers:detail", pk=entry.volunteer_id)


@login_required
@require_POST
def volunteer_certify(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEER_CERTIFY)
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    try:
        cert = services.issue_certificate(
            volunteer_id=volunteer.pk,
            actor=request.user,
            include_records=request.POST.get("include_records") == "1",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已出具证明 {cert.number}")
    return redirect("volunteers:detail", pk=volunteer.pk)


# --- ledger, certificates, honours, policy -----------------------------------------------


@capability_required(Cap.VOLUNTEERS_VIEW)
def hours_list(request: AuthedHttpRequest) -> HttpResponse:
    filterset = HoursFilterSet(
        request.GET,
        queryset=HoursEntry.objects.visible_to(request.user)
        .select_related("volunteer", "region")
        .order_by("-recorded_at", "-pk"),
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/hours_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_string(request),
            "can_export": has_capability(request.user, Cap.EXPORT),
            "can_import": has_capability(request.user, Cap.VOLUNTEERS_MANAGE),
            "last_check": LedgerVerification.objects.first(),
            "breadcrumbs": [("服务时长台账", None)],
        },
    )


@capability_required(Cap.VOLUNTEERS_VIEW, Cap.EXPORT)
def hours_export(request: AuthedHttpRequest) -> HttpResponse:
    filterset = HoursFilterSet(
        request.GET,
        queryset=HoursEntry.objects.visible_to(request.user)
        .select_related("volunteer", "region")
        .order_by("volunteer_id", "seq"),
    )
    qs = filterset.qs
    return export_response(
        request,
        what="volunteers.hoursentry",
        count=qs.count(),
        basename="志愿服务时长",
        headers=transfer.HOURS_EXPORT_HEADERS,
        rows=transfer.hours_rows(qs.iterator(chunk_size=2000)),
    )


@capability_required(Cap.VOLUNTEERS_VIEW)
def certificate_list(request: AuthedHttpRequest) -> HttpResponse:
    certs = Certificate.objects.visible_to(request.user).select_related("volunteer")
    page = Paginator(certs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/certificate_list.html",
        {
            "page": page,
            "can_certify": has_capability(request.user, Cap.VOLUNTEER_CERTIFY),
            "breadcrumbs": [("志愿服务记录证明", None)],
        },
    )


@capability_required(Cap.VOLUNTEERS_VIEW)
def certificate_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cert = get_visible_or_404(Certificate, request.user, pk=pk)
    return render(
        request,
        "volunteers/certificate_detail.html",
        {
            "c": cert,
            "result": verify_certificate(cert.verify_code),
            "can_certify": has_capability(request.user, Cap.VOLUNTEER_CERTIFY),
            "breadcrumbs": [("志愿服务记录证明", "/volunteers/certificates/"), (cert.number, None)],
        },
    )


@capability_required(Cap.VOLUNTEER_CERTIFY)
def certificate_pdf(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    cert = get_visible_or_404(Certificate, request.user, pk=pk)
    url = request.build_absolute_uri(reverse("volunteer_portal:verify", args=[cert.verify_code]))
    response = HttpResponse(
        services.certificate_pdf(cert, verify_url=url, actor=request.user),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    return response


@login_required
@require_POST
def certificate_revoke(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEER_CERTIFY)
    cert = get_visible_or_404(Certificate, request.user, pk=pk)
    try:
        services.revoke_certificate(
            actor=request.user, certificate_id=cert.pk, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "证明已作废")
    return redirect("volunteers:certificate", pk=cert.pk)


@capability_required(Cap.VOLUNTEERS_VIEW)
def honours(request: AuthedHttpRequest) -> HttpResponse:
    rows = (
        Volunteer.objects.visible_to(request.user)
        .filter(star_level__gte=1)
        .select_related("region")
        .order_by("-total_hours", "pk")[:200]
    )
    return render(
        request,
        "volunteers/honours.html",
        {"rows": rows, "breadcrumbs": [("星级光荣榜", None)]},
    )


@capability_required(Cap.VOLUNTEER_POLICY)
@require_http_methods(["GET", "POST"])
def policy(request: AuthedHttpRequest) -> HttpResponse:
    current = services.get_policy()
    initial = {f: getattr(current, f) for f in PolicyForm.base_fields}
    initial["star_thresholds"] = ",".join(str(t) for t in current.star_thresholds)
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values["star_thresholds"] = form.thresholds()
        try:
            services.update_policy(actor=request.user, **values)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "规则已保存，星级已按新门槛重新评定")
            return redirect("volunteers:policy")
    return render(
        request,
        "volunteers/policy.html",
        {"form": form, "policy": current, "breadcrumbs": [("志愿服务规则", None)]},
    )
