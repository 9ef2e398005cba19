"""Volunteer API (scoped like the pages): volunteers (masked), their totals and star level,
activities, the hours ledger, training/award/evaluation records (read-only), sign-ups'
hours confirmation, certificate verification."""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from . import services
from .choices import RecordStatus
from .filters import ActivityFilterSet, HoursFilterSet, VolunteerFilterSet
from .models import (
    Activity,
    AwardRecord,
    EvaluationRecord,
    HoursEntry,
    Signup,
    TrainingRecord,
    Volunteer,
)

router = Router(tags=["志愿服务"])


class VolunteerOut(Schema):
    id: int
    number: str
    name_masked: str
    phone_masked: str
    gender: str
    birth_year: int
    region_id: int
    status: str
    total_hours: Decimal
    star_level: int

    @staticmethod
    def resolve_name_masked(obj: Volunteer) -> str:
        return str(obj.name)

    @staticmethod
    def resolve_phone_masked(obj: Volunteer) -> str:
        return str(obj.phone)

    @staticmethod
    def resolve_birth_year(obj: Volunteer) -> int:
        return obj.birth_date.year


class VolunteerFilter(FilterSchema):
    q: str | None = None
    star: int | None = None
    status: str | None = None
    team: int | None = None


class ActivityOut(Schema):
    id: int
    title: str
    team_id: int
    region_id: int
    status: str
    recruit_start: Any
    recruit_end: Any
    min_age: int | None
    max_age: int | None
    risky: bool


class ActivityFilter(FilterSchema):
    q: str | None = None
    status: str | None = None
    team: int | None = None


class EntryOut(Schema):
    id: int
    volunteer_id: int
    seq: int
    kind: str
    hours: Decimal
    service_date: Any
    title: str
    organizer: str
    region_id: int
    confirmer_repr: str
    recorded_at: Any
    reverses_id: int | None
    hash: str


class EntryFilter(FilterSchema):
    volunteer: str | None = None
    kind: str | None = None
    since: str | None = None
    until: str | None = None
    activity: int | None = None


class RecordOut(Schema):
    """Common fields of a training, award or evaluation record (no personal data: the
    volunteer is named by id and public number only)."""

    id: int
    volunteer_id: int
    volunteer_number: str
    team_id: int | None
    recorder_name: str
    status: str
    revision: int
    recorded_at: Any
    void_reason: str

    @staticmethod
    def resolve_volunteer_number(obj: Any) -> str:
        return str(obj.volunteer.number)


class TrainingOut(RecordOut):
    title: str
    content: str
    hours: Decimal
    organizer: str
    held_on: Any


class AwardOut(RecordOut):
    title: str
    awarded_on: Any
    grantor: str
    level: str
    government: bool
    proof_note: str


class VolunteerEvaluationOut(RecordOut):
    signup_id: int | None
    activity_id: int | None
    title: str
    service_date: Any
    rating: str
    comment: str
    evaluated_on: Any


class RecordFilter(FilterSchema):
    volunteer: int | None = None
    include_voided: bool = False


def _records(request: HttpRequest, model: Any, filters: RecordFilter) -> Any:
    require_capability(request, Cap.VOLUNTEERS_VIEW)
    qs = model.objects.visible_to(request.user).select_related("volunteer").order_by("pk")
    if filters.volunteer is not None:
        qs = qs.filter(volunteer_id=filters.volunteer)
    if not filters.include_voided:
        qs = qs.filter(status=RecordStatus.VALID)
    return qs


class ConfirmIn(Schema):
    hours: Decimal | None = None
    note: str = ""


class VerifyOut(Schema):
    verdict: str
    label: str
    detail: str
    number: str | None = None
    name_masked: str | None = None
    id_masked: str | None = None
    hours: Decimal | None = None
    issuer_name: str | None = None
    record_current: bool | None = None


@router.get("/volunteers", response=list[VolunteerOut])
@paginate
def list_volunteers(request: HttpRequest, filters: Query[VolunteerFilter]) -> Any:
    require_capability(request, Cap.VOLUNTEERS_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return VolunteerFilterSet(data, queryset=Volunteer.objects.visible_to(request.user)).qs


@router.get("/volunteers/{volunteer_id}", response=VolunteerOut)
def get_volunteer(request: HttpRequest, volunteer_id: int) -> Any:
    """One primary-key read: the total and star level are maintained on the row."""
    require_capability(request, Cap.VOLUNTEERS_VIEW)
    return get_visible_or_404(Volunteer, request.user, pk=volunteer_id)


@router.get("/volunteer-activities", response=list[ActivityOut])
@paginate
def list_activities(request: HttpRequest, filters: Query[ActivityFilter]) -> Any:
    require_capability(request, Cap.VOLUNTEERS_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return ActivityFilterSet(data, queryset=Activity.objects.visible_to(request.user)).qs


@router.get("/volunteer-hours", response=list[EntryOut])
@paginate
def list_hours(request: HttpRequest, filters: Query[EntryFilter]) -> Any:
    require_capability(request, Cap.VOLUNTEERS_VIEW)
    data = {k: v for k, v in filters.dict().items() if v is not None}
    return HoursFilterSet(
        data, queryset=HoursEntry.objects.visible_to(request.user).order_by("volunteer_id", "seq")
    ).qs


@router.get("/volunteer-trainings", response=list[TrainingOut])
@paginate
def list_trainings(request: HttpRequest, filters: Query[RecordFilter]) -> Any:
    """培训记录 (记录办法 第八条); voided rows only with ``include_voided=true``."""
    return _records(request, TrainingRecord, filters)


@router.get("/volunteer-awards", response=list[AwardOut])
@paginate
def list_awards(request: HttpRequest, filters: Query[RecordFilter]) -> Any:
    """表彰奖励记录 (记录办法 第九条)."""
    return _records(request, AwardRecord, filters)


@router.get("/volunteer-evaluations", response=list[VolunteerEvaluationOut])
@paginate
def list_evaluations(request: HttpRequest, filters: Query[RecordFilter]) -> Any:
    """服务评价 (记录办法 第十条)."""
    return _records(request, EvaluationRecord, filters)


@router.post("/volunteer-signups/{signup_id}/confirm", response=EntryOut)
def confirm_signup_hours(request: AuthedHttpRequest, signup_id: int, payload: ConfirmIn) -> Any:
    require_capability(request, Cap.VOLUNTEER_ACTIVITIES)
    signup = get_visible_or_404(Signup, request.user, pk=signup_id)
    return services.confirm_hours(
        actor=request.user, signup_id=signup.pk, hours=payload.hours, note=payload.note
    )


@router.get(
    "/volunteer-certificates/verify/{code}", response={200: VerifyOut, 429: VerifyOut}, auth=None
)
def verify_certificate(request: HttpRequest, code: str) -> Any:
    """Public, like the verification page: only what the certificate shows, by its verify
    code; failed look-ups are rate-limited per client address (429)."""
    result = services.public_verify(code, client=request.META.get("REMOTE_ADDR") or "")
    cert = result.certificate
    if result.verdict == "throttled":
        return Status(
            429, {"verdict": result.verdict, "label": result.label, "detail": result.detail}
        )
    return {
        "verdict": result.verdict,
        "label": result.label,
        "detail": result.detail,
        "number": cert.number if cert else None,
        "name_masked": cert.name_masked if cert else None,
        "id_masked": cert.id_masked if cert else None,
        "hours": cert.hours if cert else None,
        "issuer_name": cert.issuer_name if cert else None,
        "record_current": result.record_current,
    }
