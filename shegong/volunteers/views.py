"""Staff pages of the volunteer service (``/volunteers/``): volunteers, teams, activities
with their roster, QR check-in and hours confirmation, the hours ledger, certificates,
honours, policy, imports and exports. Every row comes through ``visible_to``; every change
through ``services``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response, file_response
from shegong.core.importing import ImportUploadForm, UploadInvalid, read_posted_table
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.core.staging import StagingError, discard
from shegong.core.tabular import TableError
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region
from shegong.units.models import Unit

from . import services
from .choices import (
    ActivityStatus,
    AttendanceState,
    AwardLevel,
    EvaluationRating,
    RecordKind,
    RecordStatus,
    SignupStatus,
)
from .filters import ActivityFilterSet, HoursFilterSet, VolunteerFilterSet
from .forms import (
    ActivityForm,
    AwardForm,
    EvaluationForm,
    PolicyForm,
    SlotForm,
    TeamForm,
    TrainingForm,
    VolunteerRegisterForm,
)
from .models import (
    Activity,
    Certificate,
    EvaluationRecord,
    HoursEntry,
    LedgerVerification,
    Membership,
    Signup,
    Slot,
    Team,
    Volunteer,
)
from .services import records as record_services
from .services import transfer
from .services.certificates import verify_certificate


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _regions(request: HttpRequest, min_level: int = RegionLevel.STREET) -> Any:
    return (
        Region.objects.visible_to(request.user)
        .filter(level__gte=min_level, level__lte=RegionLevel.COMMUNITY, is_active=True)
        .order_by("path")[:2000]
    )


# --- volunteers --------------------------------------------------------------------------


@capability_required(Cap.VOLUNTEERS_VIEW)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    filterset = VolunteerFilterSet(
        request.GET, queryset=Volunteer.objects.visible_to(request.user).select_related("region")
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "query": _query(request),
        "can_manage": has_capability(request.user, Cap.VOLUNTEERS_MANAGE),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "breadcrumbs": [("志愿者", None)],
        "page_title": "志愿者",
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "volunteers/partials/_volunteer_table.html", context)
    return render(request, "volunteers/volunteer_list.html", context)


@capability_required(Cap.VOLUNTEERS_VIEW, Cap.EXPORT)
def volunteer_export(request: HttpRequest) -> HttpResponse:
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


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_new(request: HttpRequest) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEERS_MANAGE)
    form = VolunteerRegisterForm(request.POST or None)
    form.fields["region"].widget.choices = [("", "请选择")] + [
        (r.pk, r.full_name) for r in _regions(request, RegionLevel.COMMUNITY)
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
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    entries = volunteer.entries.select_related("region").order_by("-seq")
    chain = services.verify_volunteer(volunteer)
    teams = _record_teams(request, volunteer)
    panels = [_records_context(request, volunteer, kind, teams=teams) for kind in RecordKind]
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
            "regions": _regions(request, RegionLevel.COMMUNITY),
            "today": timezone.localdate(),
            "panels": panels,
            "rating_summary": _rating_summary(panels[-1]["rows"]),
            "breadcrumbs": [("志愿者", "/volunteers/"), (volunteer.number, None)],
        },
    )


# --- training, award and evaluation records (记录办法 第八至十条) ---------------------------

RECORD_FORMS: dict[str, type[TrainingForm | AwardForm | EvaluationForm]] = {
    RecordKind.TRAINING: TrainingForm,
    RecordKind.AWARD: AwardForm,
    RecordKind.EVALUATION: EvaluationForm,
}


def _record_kind(kind: str) -> str:
    if kind not in RecordKind.values:
        raise Http404
    return kind


def _record_teams(request: HttpRequest, volunteer: Volunteer) -> list[Team]:
    """The teams (in scope, current membership) a record of ``volunteer`` can be made for."""
    return list(
        Team.objects.visible_to(request.user)
        .filter(memberships__volunteer=volunteer, memberships__left_at=None)
        .distinct()
        .order_by("name")
    )


def _records_context(
    request: HttpRequest,
    volunteer: Volunteer,
    kind: str,
    *,
    error: str = "",
    ok: str = "",
    teams: list[Team] | None = None,
) -> dict[str, Any]:
    """One records panel (培训记录 / 表彰奖励 / 服务评价) of a volunteer, scoped."""
    model = record_services.record_model(kind)
    rows = list(
        model.objects.visible_to(request.user).filter(volunteer=volunteer).select_related("team")
    )
    if kind == RecordKind.EVALUATION:  # 第十一条 covers service and evaluation records
        record_services.mark_lateness(rows)
    context: dict[str, Any] = {
        "kind": kind,
        "label": RecordKind(kind).label,
        "v": volunteer,
        "rows": rows,
        "valid_count": sum(1 for r in rows if r.status == RecordStatus.VALID),
        "can_write": has_capability(request.user, record_services.CAPABILITY[kind]),
        "teams": _record_teams(request, volunteer) if teams is None else teams,
        "today": timezone.localdate(),
        "levels": AwardLevel.choices,
        "ratings": EvaluationRating.choices,
        "error": error,
        "ok": ok,
    }
    if kind == RecordKind.EVALUATION:
        evaluated = (
            EvaluationRecord.objects.visible_to(request.user)
            .filter(volunteer=volunteer, status=RecordStatus.VALID, signup__isnull=False)
            .values_list("signup_id", flat=True)
        )
        context["open_signups"] = (
            Signup.objects.visible_to(request.user)
            .filter(
                volunteer=volunteer,
                status=SignupStatus.CONFIRMED,
                attendance=AttendanceState.CONFIRMED,
            )
            .exclude(pk__in=list(evaluated))
            .select_related("slot__activity")
            .order_by("-slot__starts_at")[:50]
        )
    return context


def _rating_summary(rows: list[Any]) -> str:
    """“优秀 3 · 良好 1” over the valid evaluations (shown next to the star level)."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.status == RecordStatus.VALID:
            counts[row.rating] = counts.get(row.rating, 0) + 1
    return " · ".join(
        f"{label} {counts[value]}" for value, label in EvaluationRating.choices if value in counts
    )


def _records_response(
    request: HttpRequest,
    volunteer: Volunteer,
    kind: str,
    *,
    error: str = "",
    ok: str = "",
    posted: Any = None,
) -> HttpResponse:
    """``posted``: the add form's input, shown again with the error (nothing typed is lost)."""
    if request.htmx:  # type: ignore[attr-defined]
        panel = _records_context(request, volunteer, kind, error=error, ok=ok)
        panel["posted"] = posted or {}
        # The panel, plus out-of-band updates of its tab's count and (evaluations) the
        # 服务评价 summary on the same page.
        return render(
            request,
            "volunteers/partials/_records_write.html",
            {
                "panel": panel,
                "rating_summary": _rating_summary(panel["rows"])
                if kind == RecordKind.EVALUATION
                else None,
            },
        )
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect(reverse("volunteers:detail", args=[volunteer.pk]) + f"#records-{kind}")


def _service_fields(kind: str, form: Any) -> dict[str, Any]:
    names = record_services.EDITABLE[kind]
    if kind == RecordKind.EVALUATION:
        names = (*names, "signup", "title", "service_date")
    data = form.fields_for_service(names)
    if kind == RecordKind.EVALUATION:
        data["signup_id"] = data.pop("signup")
    return data


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_records(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """GET: the panel; POST: add a record (the form's fields go to the service)."""
    need_capability(request, Cap.VOLUNTEERS_VIEW)
    kind = _record_kind(kind)
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    if request.method == "GET":
        return render(
            request,
            "volunteers/partials/_records.html",
            {"panel": _records_context(request, volunteer, kind)},
        )
    need_capability(request, record_services.CAPABILITY[kind])
    form = RECORD_FORMS[kind](request.POST)
    if not form.is_valid():
        return _records_response(
            request, volunteer, kind, error=form.error_text(), posted=request.POST
        )
    data = _service_fields(kind, form)
    team_id = form.cleaned_data.get("team") or None
    try:
        if kind == RecordKind.TRAINING:
            services.add_training(
                actor=request.user, volunteer_id=volunteer.pk, team_id=team_id, **data
            )
        elif kind == RecordKind.AWARD:
            services.add_award(
                actor=request.user, volunteer_id=volunteer.pk, team_id=team_id, **data
            )
        else:
            signup_id = data.pop("signup_id")
            if signup_id:
                signup = get_visible_or_404(Signup, request.user, pk=signup_id)
                if signup.volunteer_id != volunteer.pk:
                    raise DomainError("报名记录不属于该志愿者")
                data.pop("title")
                data.pop("service_date")
                services.add_evaluation(actor=request.user, signup_id=signup.pk, **data)
            else:
                services.add_evaluation(
                    actor=request.user, volunteer_id=volunteer.pk, team_id=team_id, **data
                )
    except DomainError as exc:
        return _records_response(request, volunteer, kind, error=exc.message, posted=request.POST)
    return _records_response(request, volunteer, kind, ok="已记录")


@login_required
@require_POST
def record_correct(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """第十三条: correct a record on the volunteer's request (reason required, audited)."""
    kind = _record_kind(kind)
    need_capability(request, record_services.CAPABILITY[kind])
    row = get_visible_or_404(record_services.record_model(kind), request.user, pk=record_id)
    form = RECORD_FORMS[kind](request.POST)
    volunteer = row.volunteer
    if not form.is_valid():
        return _records_response(request, volunteer, kind, error=form.error_text())
    changes = form.fields_for_service(record_services.EDITABLE[kind])
    try:
        services.correct_record(
            actor=request.user,
            kind=kind,
            record_id=row.pk,
            reason=form.cleaned_data.get("reason") or "",
            **changes,
        )
    except DomainError as exc:
        return _records_response(request, volunteer, kind, error=exc.message)
    return _records_response(request, volunteer, kind, ok="已更正（原内容记入审计日志）")


@login_required
@require_POST
def record_void(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """作废 a record (kept, with its reason)."""
    kind = _record_kind(kind)
    need_capability(request, record_services.CAPABILITY[kind])
    row = get_visible_or_404(record_services.record_model(kind), request.user, pk=record_id)
    volunteer = row.volunteer
    try:
        services.void_record(
            actor=request.user,
            kind=kind,
            record_id=row.pk,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        return _records_response(request, volunteer, kind, error=exc.message)
    return _records_response(request, volunteer, kind, ok="已作废（记录保留）")


@login_required
@require_POST
def volunteer_status(request: HttpRequest, pk: int) -> HttpResponse:
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
def volunteer_contact(request: HttpRequest, pk: int) -> HttpResponse:
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
            region_id=int(region) if region.isdigit() else None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("volunteers:detail", pk=volunteer.pk)


@login_required
@require_POST
def volunteer_record_hours(request: HttpRequest, pk: int) -> HttpResponse:
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
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
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
def volunteer_certify(request: HttpRequest, pk: int) -> HttpResponse:
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


# --- imports -----------------------------------------------------------------------------

IMPORTS = {
    "volunteers": ("志愿者", transfer.VOLUNTEER_SPEC, transfer.import_volunteers),
    "hours": ("服务时长", transfer.HOURS_SPEC, transfer.import_hours),
    "trainings": ("培训记录", transfer.TRAINING_SPEC, transfer.import_trainings),
}


@capability_required(Cap.VOLUNTEERS_MANAGE)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in IMPORTS:
        raise PermissionDenied
    label, spec, _ = IMPORTS[kind]
    example = transfer.template_example(kind, actor=request.user)
    return file_response(f"{label}导入模板", [c.name for c in spec], example, "xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Upload → dry run (every bad row) → confirm → all-or-nothing commit of the same file."""
    need_capability(request, Cap.VOLUNTEERS_MANAGE)
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


# --- teams -------------------------------------------------------------------------------


def _team_form(request: HttpRequest, data: Any = None) -> TeamForm:
    form = TeamForm(data)
    form.fields["region"].widget.choices = [(r.pk, r.full_name) for r in _regions(request)]
    form.fields["unit"].widget.choices = [("", "（不挂靠）")] + [
        (u.pk, u.name) for u in Unit.objects.visible_to(request.user).order_by("path")[:500]
    ]
    return form


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEERS_VIEW)
    form = _team_form(request, request.POST or None)
    if request.method == "POST":
        need_capability(request, Cap.VOLUNTEERS_MANAGE)
        if form.is_valid():
            data = form.cleaned_data
            try:
                team = services.create_team(
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    region_id=data["region"],
                    unit_id=data["unit"],
                    credit_code=data["credit_code"],
                    description=data["description"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已建立 {team.name}")
                return redirect("volunteers:team", pk=team.pk)
        else:
            messages.error(request, "请检查填写的内容：" + form.error_text())
    teams = Team.objects.visible_to(request.user).select_related("region", "unit")
    page = Paginator(teams, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/team_list.html",
        {
            "page": page,
            "form": form,
            "can_manage": has_capability(request.user, Cap.VOLUNTEERS_MANAGE),
            "breadcrumbs": [("志愿服务队伍", None)],
        },
    )


@capability_required(Cap.VOLUNTEERS_VIEW)
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_visible_or_404(Team, request.user, pk=pk)
    return render(
        request,
        "volunteers/team_detail.html",
        {
            "team": team,
            "members": Membership.objects.filter(team=team, left_at=None)
            .select_related("volunteer")
            .order_by("-role", "joined_at")[:500],
            "activities": Activity.objects.visible_to(request.user).filter(team=team)[:50],
            "managers": team.managers.all(),
            "can_manage": has_capability(request.user, Cap.VOLUNTEERS_MANAGE),
            "breadcrumbs": [("志愿服务队伍", "/volunteers/teams/"), (team.name, None)],
        },
    )


@login_required
@require_POST
def team_add_member(request: HttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEERS_MANAGE)
    team = get_visible_or_404(Team, request.user, pk=pk)
    number = request.POST.get("number", "").strip().upper()
    volunteer = Volunteer.objects.visible_to(request.user).filter(number=number).first()
    if volunteer is None:
        messages.error(request, f"找不到编号为 {number} 的志愿者（或不在您的管辖范围内）")
        return redirect("volunteers:team", pk=team.pk)
    try:
        services.add_member(
            actor=request.user,
            team_id=team.pk,
            volunteer_id=volunteer.pk,
            role=request.POST.get("role", "member"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已加入")
    return redirect("volunteers:team", pk=team.pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEERS_MANAGE)
    # Out of scope is 404, like every other address (the service re-checks in its lock).
    visible = Membership.objects.filter(team__in=Team.objects.visible_to(request.user))
    if not visible.filter(pk=pk).exists():
        raise Http404
    try:
        membership = services.remove_member(actor=request.user, membership_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("volunteers:teams")
    messages.success(request, "已移出队伍")
    return redirect("volunteers:team", pk=membership.team_id)


# --- activities --------------------------------------------------------------------------


@capability_required(Cap.VOLUNTEERS_VIEW)
def activity_list(request: HttpRequest) -> HttpResponse:
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
            "query": _query(request),
            "can_create": has_capability(request.user, Cap.VOLUNTEER_ACTIVITIES),
            "breadcrumbs": [("活动与签到", None)],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEER_ACTIVITIES)
    form = ActivityForm(request.POST or None)
    form.fields["team"].widget.choices = [
        (t.pk, t.name) for t in Team.objects.visible_to(request.user).filter(is_active=True)
    ]
    form.fields["region"].widget.choices = [(r.pk, r.full_name) for r in _regions(request)]
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
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_visible_or_404(Activity, request.user, pk=pk)
    from .choices import ACTIVITY_TRANSITIONS

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
def activity_status(request: HttpRequest, pk: int) -> HttpResponse:
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
def slot_add(request: HttpRequest, pk: int) -> HttpResponse:
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
def slot_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
def pending_records(request: HttpRequest) -> HttpResponse:
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
def slot_qr(request: HttpRequest, pk: int) -> HttpResponse:
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
def signup_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
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
def slot_signup(request: HttpRequest, pk: int) -> HttpResponse:
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
def slot_confirm_all(request: HttpRequest, pk: int) -> HttpResponse:
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


# --- ledger, certificates, honours, policy -----------------------------------------------


@capability_required(Cap.VOLUNTEERS_VIEW)
def hours_list(request: HttpRequest) -> HttpResponse:
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
            "query": _query(request),
            "can_export": has_capability(request.user, Cap.EXPORT),
            "can_import": has_capability(request.user, Cap.VOLUNTEERS_MANAGE),
            "last_check": LedgerVerification.objects.first(),
            "breadcrumbs": [("服务时长台账", None)],
        },
    )


@capability_required(Cap.VOLUNTEERS_VIEW, Cap.EXPORT)
def hours_export(request: HttpRequest) -> HttpResponse:
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
def certificate_list(request: HttpRequest) -> HttpResponse:
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
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
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
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
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
def honours(request: HttpRequest) -> HttpResponse:
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


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEER_POLICY)
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
