"""A volunteer's records (training, awards, evaluations, lateness): the panels on the
volunteer's page, adding, correcting and voiding a record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from .. import services
from ..choices import (
    AttendanceState,
    AwardLevel,
    EvaluationRating,
    RecordKind,
    RecordStatus,
    SignupStatus,
)
from ..forms import (
    AwardForm,
    EvaluationForm,
    TrainingForm,
)
from ..models import (
    EvaluationRecord,
    Signup,
    Team,
    Volunteer,
)
from ..services import records as record_services

RECORD_FORMS: dict[str, type[TrainingForm | AwardForm | EvaluationForm]] = {
    RecordKind.TRAINING: TrainingForm,
    RecordKind.AWARD: AwardForm,
    RecordKind.EVALUATION: EvaluationForm,
}


def _record_kind(kind: str) -> str:
    if kind not in RecordKind.values:
        raise Http404
    return kind


def record_teams(request: AuthedHttpRequest, volunteer: Volunteer) -> list[Team]:
    """The teams (in scope, current membership) a record of ``volunteer`` can be made for."""
    return list(
        Team.objects.visible_to(request.user)
        .filter(memberships__volunteer=volunteer, memberships__left_at=None)
        .distinct()
        .order_by("name")
    )


def records_context(
    request: AuthedHttpRequest,
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
        "teams": record_teams(request, volunteer) if teams is None else teams,
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


def rating_summary(rows: list[EvaluationRecord]) -> str:
    """“优秀 3 · 良好 1” over the valid evaluations (shown next to the star level)."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.status == RecordStatus.VALID:
            counts[row.rating] = counts.get(row.rating, 0) + 1
    return " · ".join(
        f"{label} {counts[value]}" for value, label in EvaluationRating.choices if value in counts
    )


def _records_response(
    request: AuthedHttpRequest,
    volunteer: Volunteer,
    kind: str,
    *,
    error: str = "",
    ok: str = "",
    posted: QueryDict | None = None,
) -> HttpResponse:
    """``posted``: the add form's input, shown again with the error (nothing typed is lost)."""
    if request.htmx:
        panel = records_context(request, volunteer, kind, error=error, ok=ok)
        panel["posted"] = posted or {}
        # The panel, plus out-of-band updates of its tab's count and (evaluations) the
        # 服务评价 summary on the same page.
        return render(
            request,
            "volunteers/partials/_records_write.html",
            {
                "panel": panel,
                "rating_summary": rating_summary(panel["rows"])
                if kind == RecordKind.EVALUATION
                else None,
            },
        )
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect(reverse("volunteers:detail", args=[volunteer.pk]) + f"#records-{kind}")


def _service_fields(kind: str, form: TrainingForm | AwardForm | EvaluationForm) -> dict[str, Any]:
    names = record_services.EDITABLE[kind]
    if kind == RecordKind.EVALUATION:
        names = (*names, "signup", "title", "service_date")
    data = form.fields_for_service(names)
    if kind == RecordKind.EVALUATION:
        data["signup_id"] = data.pop("signup")
    return data


@capability_required(Cap.VOLUNTEERS_VIEW)
@require_http_methods(["GET", "POST"])
def volunteer_records(request: AuthedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """GET: the panel; POST: add a record (the form's fields go to the service)."""
    kind = _record_kind(kind)
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    if request.method == "GET":
        return render(
            request,
            "volunteers/partials/_records.html",
            {"panel": records_context(request, volunteer, kind)},
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
def record_correct(request: AuthedHttpRequest, kind: str, record_id: int) -> HttpResponse:
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
def record_void(request: AuthedHttpRequest, kind: str, record_id: int) -> HttpResponse:
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
