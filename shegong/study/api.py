"""The study API (django-ninja), scoped through ``visible_to`` like the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import MAX_ID
from shegong.organizations.models import PartyOrganization

from .models import SecretaryReview, StudyPlan, StudyRecord, StudySession
from .services import plans as plan_services
from .services import progress as progress_services
from .services import secretaries as secretary_services
from .services.common import check_year
from .services.progress import Progress

router = Router(tags=["理论学习与书记队伍"])

MAX_OFFSET = 1_000_000  # beyond any list; a larger one overflows the database's OFFSET

# An id inside a JSON list: a positive integer the database can hold (a larger one makes the
# ``pk__in`` query overflow on SQLite).
ListId = Annotated[int, Field(ge=1, le=MAX_ID)]


class PlanOut(Schema):
    id: int
    organization_id: int | None
    year: int
    title: str
    content: str
    planned_hours: Decimal


class PlanIn(Schema):
    organization_id: int | None = None
    year: int
    title: str
    content: str = ""
    planned_hours: Decimal = Decimal(0)


class SessionOut(Schema):
    id: int
    organization_id: int | None
    plan_id: int | None
    kind: str
    topic: str
    held_on: date
    hours: Decimal
    speaker: str
    materials: str
    attendance_recorded_at: datetime | None


class SessionIn(Schema):
    organization_id: int | None = None
    plan_id: int | None = None
    kind: str
    topic: str
    held_on: date
    hours: Decimal
    speaker: str = ""
    materials: str = ""


class AttendanceIn(Schema):
    member_ids: list[ListId] = []
    user_ids: list[ListId] = []


class RecordOut(Schema):
    id: int
    member_id: int | None
    user_id: int | None
    session_id: int | None
    kind: str
    title: str
    studied_on: date
    hours: Decimal


class RecordIn(Schema):
    member_id: int | None = None
    user_id: int | None = None
    kind: str
    title: str
    studied_on: date
    hours: Decimal


class ProgressOut(Schema):
    year: int
    required: Decimal
    done: Decimal
    expected: Decimal
    owed: Decimal
    met: bool
    on_track: bool
    leader: bool


class MemberProgressOut(Schema):
    member_id: int
    progress: ProgressOut


class SecretaryOut(Schema):
    id: int
    organization_id: int
    organization_name: str
    name: str
    started_on: date
    ended_on: date | None
    member_id: int | None
    this_year: ProgressOut | None
    last_year: ProgressOut | None
    gaps: list[str]


class ReviewIn(Schema):
    year: int
    grade: str
    evaluator: str
    comments: str = ""
    reviewed_on: date | None = None


class ReviewOut(Schema):
    id: int
    year: int
    grade: str
    evaluator: str
    comments: str
    reviewed_on: date


class LinkIn(Schema):
    member_id: int | None = None


class LackingOut(Schema):
    id: int
    name: str
    region_id: int


class GapsOut(Schema):
    lacking: list[LackingOut]
    undertrained: list[SecretaryOut]
    lacking_more: bool
    undertrained_more: bool


def _progress(p: Progress) -> ProgressOut:
    return ProgressOut(
        year=p.year,
        required=p.required,
        done=p.done,
        expected=p.expected,
        owed=p.owed,
        met=p.met,
        on_track=p.on_track,
        leader=p.leader,
    )


def _maybe(p: Progress | None) -> ProgressOut | None:
    return _progress(p) if p is not None else None


def _secretary(row: secretary_services.SecretaryRow) -> SecretaryOut:
    post = row.post
    return SecretaryOut(
        id=post.pk,
        organization_id=post.organization_id,
        organization_name=post.organization.name,
        name=post.name,
        started_on=post.started_on,
        ended_on=post.ended_on,
        member_id=row.member.pk if row.member else None,
        this_year=_maybe(row.this_year),
        last_year=_maybe(row.last_year),
        gaps=row.codes,
    )


def _year(year: int | None) -> int:
    """The year asked for (2000..2100, else a Chinese 422), or this year."""
    return check_year(year) if year is not None else timezone.localdate().year


@router.get("/study/plans", response=list[PlanOut])
@paginate
def list_plans(request: AuthedHttpRequest, year: int | None = None) -> QuerySet[StudyPlan]:
    require_capability(request, Cap.STUDY_VIEW)
    rows = StudyPlan.objects.visible_to(request.user)
    return rows.filter(year=check_year(year)) if year is not None else rows


@router.post("/study/plans", response={201: PlanOut})
def create_plan(request: AuthedHttpRequest, payload: PlanIn) -> Status:
    return Status(
        201,
        plan_services.create_plan(
            actor=request.user,
            org_id=payload.organization_id,
            year=payload.year,
            title=payload.title,
            content=payload.content,
            planned_hours=payload.planned_hours,
        ),
    )


@router.get("/study/sessions", response=list[SessionOut])
@paginate
def list_sessions(
    request: AuthedHttpRequest, organization_id: int | None = None
) -> QuerySet[StudySession]:
    require_capability(request, Cap.STUDY_VIEW)
    rows = StudySession.objects.visible_to(request.user)
    return rows.filter(organization_id=organization_id) if organization_id else rows


@router.get("/study/sessions/{session_id}", response=SessionOut)
def get_session(request: AuthedHttpRequest, session_id: int) -> StudySession:
    return get_visible_or_404(StudySession, request.user, pk=session_id)


@router.post("/study/sessions", response={201: SessionOut})
def create_session(request: AuthedHttpRequest, payload: SessionIn) -> Status:
    return Status(
        201,
        plan_services.create_session(
            actor=request.user,
            org_id=payload.organization_id,
            plan_id=payload.plan_id,
            kind=payload.kind,
            topic=payload.topic,
            held_on=payload.held_on,
            hours=payload.hours,
            speaker=payload.speaker,
            materials=payload.materials,
        ),
    )


@router.put("/study/sessions/{session_id}/attendance", response=list[RecordOut])
def set_attendance(
    request: AuthedHttpRequest, session_id: int, payload: AttendanceIn
) -> list[StudyRecord]:
    session = get_visible_or_404(StudySession, request.user, pk=session_id)
    plan_services.record_attendance(
        actor=request.user,
        session_id=session.pk,
        member_ids=payload.member_ids,
        user_ids=payload.user_ids,
    )
    return list(StudyRecord.objects.visible_to(request.user).filter(session=session))


@router.get("/study/records", response=list[RecordOut])
@paginate
def list_records(
    request: AuthedHttpRequest, member_id: int | None = None, year: int | None = None
) -> QuerySet[StudyRecord]:
    require_capability(request, Cap.STUDY_VIEW)
    rows = StudyRecord.objects.visible_to(request.user)
    if member_id is not None:
        rows = rows.filter(member_id=member_id)
    if year is not None:
        rows = rows.filter(studied_on__year=check_year(year))
    return rows


@router.post("/study/records", response={201: RecordOut})
def add_record(request: AuthedHttpRequest, payload: RecordIn) -> Status:
    return Status(201, plan_services.add_record(actor=request.user, **payload.dict()))


@router.get("/study/me/progress", response=ProgressOut)
def my_progress(request: AuthedHttpRequest, year: int | None = None) -> ProgressOut:
    require_capability(request, Cap.STUDY_VIEW)
    return _progress(progress_services.user_progress(request.user, _year(year)))


@router.get("/study/branches/{org_id}/progress", response=list[MemberProgressOut])
def branch_progress(
    request: AuthedHttpRequest, org_id: int, year: int | None = None
) -> list[MemberProgressOut]:
    require_capability(request, Cap.STUDY_VIEW)
    org = get_visible_or_404(PartyOrganization, request.user, pk=org_id)
    rows = progress_services.branch_member_progress(request.user, org, _year(year))
    return [MemberProgressOut(member_id=r.member.pk, progress=_progress(r.progress)) for r in rows]


@router.get("/study/secretaries", response=list[SecretaryOut])
def list_secretaries(
    request: AuthedHttpRequest,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[SecretaryOut]:
    """Secretaries in post in scope, ``limit`` (at most 500) from ``offset``."""
    require_capability(request, Cap.STUDY_VIEW)
    posts = list(secretary_services.visible_secretaries(request.user)[offset : offset + limit])
    return [_secretary(r) for r in secretary_services.secretary_rows(posts)]


@router.get("/study/secretaries/{committee_member_id}", response=SecretaryOut)
def get_secretary(request: AuthedHttpRequest, committee_member_id: int) -> SecretaryOut:
    post = (
        secretary_services.visible_committee(request.user)
        .select_related("organization", "study_profile__member")
        .filter(pk=committee_member_id)
        .first()
    )
    if post is None:
        raise Http404
    return _secretary(secretary_services.secretary_rows([post])[0])


@router.get("/study/secretaries/{committee_member_id}/reviews", response=list[ReviewOut])
def list_reviews(request: AuthedHttpRequest, committee_member_id: int) -> list[SecretaryReview]:
    post = secretary_services.visible_committee(request.user).filter(pk=committee_member_id).first()
    if post is None:
        raise Http404
    return list(secretary_services.reviews_of(post))


@router.post("/study/secretaries/{committee_member_id}/reviews", response={201: ReviewOut})
def add_review(request: AuthedHttpRequest, committee_member_id: int, payload: ReviewIn) -> Status:
    if (
        not secretary_services.visible_committee(request.user)
        .filter(pk=committee_member_id)
        .exists()
    ):
        raise Http404
    return Status(
        201,
        secretary_services.record_review(
            actor=request.user, committee_member_id=committee_member_id, **payload.dict()
        ),
    )


@router.put("/study/secretaries/{committee_member_id}/member", response=SecretaryOut)
def link_member(
    request: AuthedHttpRequest, committee_member_id: int, payload: LinkIn
) -> SecretaryOut:
    if (
        not secretary_services.visible_committee(request.user)
        .filter(pk=committee_member_id)
        .exists()
    ):
        raise Http404
    secretary_services.link_member(
        actor=request.user, committee_member_id=committee_member_id, member_id=payload.member_id
    )
    return get_secretary(request, committee_member_id)


@router.get("/study/gaps", response=GapsOut)
def gaps(
    request: AuthedHttpRequest,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> GapsOut:
    """Both lists, ``limit`` (at most 500) of each from ``offset``; ``*_more`` says whether
    rows follow."""
    require_capability(request, Cap.STUDY_VIEW)
    lacking = list(secretary_services.lacking_secretary(request.user)[offset : offset + limit + 1])
    posts = list(secretary_services.gap_posts(request.user)[offset : offset + limit + 1])
    return GapsOut(
        lacking=[LackingOut(id=o.pk, name=o.name, region_id=o.region_id) for o in lacking[:limit]],
        undertrained=[_secretary(r) for r in secretary_services.secretary_rows(posts[:limit])],
        lacking_more=len(lacking) > limit,
        undertrained_more=len(posts) > limit,
    )
