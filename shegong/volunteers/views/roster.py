"""The volunteer roster: list, export, registration, a volunteer's page, status and
contact changes, and the spreadsheet imports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response, file_response
from shegong.core.importing import ImportUploadForm, UploadInvalid, read_posted_table
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.core.staging import StagingError, discard
from shegong.core.tabular import TableError
from shegong.lib.text import parse_id
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from .. import services
from ..choices import (
    RecordKind,
)
from ..filters import VolunteerFilterSet
from ..forms import (
    VolunteerRegisterForm,
)
from ..models import (
    Certificate,
    Membership,
    Volunteer,
)
from ..services import transfer
from .common import query_string, visible_regions
from .records import rating_summary, record_teams, records_context


@capability_required(Cap.VOLUNTEERS_VIEW)
def volunteer_list(request: AuthedHttpRequest) -> HttpResponse:
    filterset = VolunteerFilterSet(
        request.GET, queryset=Volunteer.objects.visible_to(request.user).select_related("region")
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "query": query_string(request),
        "can_manage": has_capability(request.user, Cap.VOLUNTEERS_MANAGE),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "breadcrumbs": [("志愿者", None)],
        "page_title": "志愿者",
    }
    if request.htmx:
        return render(request, "volunteers/partials/_volunteer_table.html", context)
    return render(request, "volunteers/volunteer_list.html", context)


@capability_required(Cap.VOLUNTEERS_VIEW, Cap.EXPORT)
def volunteer_export(request: AuthedHttpRequest) -> HttpResponse:
    filterset = VolunteerFilterSet(
        request.GET,
        queryset=Volunteer.objects.visible_to(request.user)
        .select_related("region")
        .prefetch_related("skills"),
    )
    qs = filterset.qs
    return export_response(
        request,
        what="volunteers.volunteer",
        count=qs.count(),
        basename="志愿者花名册",
        headers=transfer.ROSTER_HEADERS,
        rows=transfer.roster_rows(qs.iterator(chunk_size=2000)),
    )


@capability_required(Cap.VOLUNTEERS_MANAGE)
@require_http_methods(["GET", "POST"])
def volunteer_new(request: AuthedHttpRequest) -> HttpResponse:
    form = VolunteerRegisterForm(request.POST or None)
    form.fields["region"].widget.choices = [("", "请选择")] + [
        (r.pk, r.full_name) for r in visible_regions(request, RegionLevel.COMMUNITY)
    ]
    form.fields["service_regions"].choices = [  # type: ignore[attr-defined]
        (r.pk, r.full_name)
        for r in Region.objects.visible_to(request.user)
        .filter(level=RegionLevel.STREET, is_active=True)
        .order_by("code")
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            volunteer = services.register_volunteer(
                actor=request.user,
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                region_id=data["region"],
                skills=form.skill_list(),
                service_categories=data["service_categories"],
                availability=data["availability"],
                guardian_name=data["guardian_name"],
                guardian_phone=data["guardian_phone"],
                guardian_relation=data["guardian_relation"],
                guardian_consent=data["guardian_consent"],
                publicity_consent=data["publicity_consent"],
                service_region_ids=data["service_regions"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记志愿者 {volunteer.number}")
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(
        request,
        "volunteers/volunteer_form.html",
        {"form": form, "breadcrumbs": [("志愿者", "/volunteers/"), ("登记志愿者", None)]},
        status=422 if request.method == "POST" else 200,
    )


@capability_required(Cap.VOLUNTEERS_VIEW)
def volunteer_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    entries = volunteer.entries.select_related("region").order_by("-seq")
    chain = services.verify_volunteer(volunteer)
    teams = record_teams(request, volunteer)
    panels = [records_context(request, volunteer, kind, teams=teams) for kind in RecordKind]
    reversed_ids = set(
        volunteer.entries.filter(reverses__isnull=False).values_list("reverses_id", flat=True)
    )
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "v": volunteer,
            "entries": entries[:200],
            "reversed_ids": reversed_ids,
            "chain": chain,
            "memberships": Membership.objects.filter(volunteer=volunteer, left_at=None)
            .select_related("team")
            .order_by("team__name"),
            "signups": volunteer.signups.select_related("slot__activity").order_by("-created_at")[
                :50
            ],
            "certificates": Certificate.objects.visible_to(request.user)
            .filter(volunteer=volunteer)
            .order_by("-issued_at"),
            "skills": volunteer.skills.all(),
            "service_regions": [r.name for r in volunteer.service_regions.all()],
            "can_manage": has_capability(request.user, Cap.VOLUNTEERS_MANAGE),
            "can_correct": has_capability(request.user, Cap.VOLUNTEER_HOURS_CORRECT),
            "can_certify": has_capability(request.user, Cap.VOLUNTEER_CERTIFY),
            "regions": visible_regions(request, RegionLevel.COMMUNITY),
            "today": timezone.localdate(),
            "panels": panels,
            "rating_summary": rating_summary(panels[-1]["rows"]),
            "breadcrumbs": [("志愿者", "/volunteers/"), (volunteer.number, None)],
        },
    )


@login_required
@require_POST
def volunteer_status(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEERS_MANAGE)
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    try:
        services.update_volunteer(
            actor=request.user, volunteer_id=volunteer.pk, status=request.POST.get("status")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("volunteers:detail", pk=volunteer.pk)


@login_required
@require_POST
def volunteer_contact(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Staff change a volunteer's mobile number and/or residence."""
    need_capability(request, Cap.VOLUNTEERS_MANAGE)
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    phone = request.POST.get("phone", "").strip()
    region = request.POST.get("region", "").strip()
    try:
        services.change_contact(
            actor=request.user,
            volunteer_id=volunteer.pk,
            phone=phone or None,
            region_id=parse_id(region),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("volunteers:detail", pk=volunteer.pk)


# --- imports -----------------------------------------------------------------------------

IMPORTS = {
    "volunteers": ("志愿者", transfer.VOLUNTEER_SPEC, services.import_volunteers),
    "hours": ("服务时长", transfer.HOURS_SPEC, services.import_hours),
    "trainings": ("培训记录", transfer.TRAINING_SPEC, services.import_trainings),
}


@capability_required(Cap.VOLUNTEERS_MANAGE)
def import_template(request: AuthedHttpRequest, kind: str) -> HttpResponse:
    if kind not in IMPORTS:
        raise PermissionDenied
    label, spec, _ = IMPORTS[kind]
    example = transfer.template_example(kind, actor=request.user)
    return file_response(f"{label}导入模板", [c.name for c in spec], example, "xlsx")


@capability_required(Cap.VOLUNTEERS_MANAGE)
@require_http_methods(["GET", "POST"])
def import_view(request: AuthedHttpRequest, kind: str) -> HttpResponse:
    """Upload → dry run (every bad row) → confirm → all-or-nothing commit of the same file."""
    if kind not in IMPORTS:
        raise PermissionDenied
    label, spec, importer = IMPORTS[kind]
    context: dict[str, Any] = {
        "kind": kind,
        "label": label,
        "columns": [c.name for c in spec],
        "form": ImportUploadForm(),
        "breadcrumbs": [("志愿者", "/volunteers/"), (f"导入{label}", None)],
    }
    if request.method == "POST":
        try:
            posted = read_posted_table(request, spec)
            report = importer(actor=request.user, rows=posted.table.rows, commit=posted.commit)
        except UploadInvalid as exc:
            context["form"] = exc.form
            return render(request, "volunteers/import.html", context, status=422)
        except (StagingError, TableError) as exc:
            context["file_error"] = exc.message
            return render(request, "volunteers/import.html", context, status=422)
        token, filename, table = posted.token, posted.filename, posted.table
        if report.committed:
            discard(request.user, token)
            messages.success(request, f"导入完成：共 {report.created} 条")
            return redirect("volunteers:hours" if kind == "hours" else "volunteers:list")
        context.update(
            {
                "report": report,
                "token": token,
                "filename": filename,
                "warnings": [*table.warnings, *report.notes],
            }
        )
    return render(request, "volunteers/import.html", context)
