"""The members API (django-ninja), scoped through ``visible_to`` like the pages: members
(list with the page's filters, detail, create, update) and 发展党员 (a member's steps and
deadlines, record a step). Personal data is masked; the full value only through the
audited reveal path of the pages."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import FieldErrorOut, require_capability
from shegong.core.pagination import CappedLimitOffsetPagination
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.core.tree import subtree_q
from shegong.lib.text import MAX_ID
from shegong.organizations.models import PartyOrganization

from .choices import Stage, Standing, WorkerGroup
from .models import DevelopmentEvent, Member, MemberQuerySet
from .services import development
from .services.development import StepInput, StepRefused
from .services.people import MemberInput, create_member, update_member

router = Router(tags=["党员"])


class MemberOut(Schema):
    id: int
    organization_id: int
    name_masked: str
    id_number_masked: str
    gender: str
    birth_date: date | None
    stage: str
    standing: str
    applied_on: date | None
    admitted_on: date | None
    confirmed_on: date | None
    joined_branch_on: date
    party_years: int | None
    is_floating: bool
    floating_destination: str
    floating_since: date | None
    worker_group: str
    platform_id: int | None
    employer_id: int | None
    employer_name: str
    roster_stage: str

    @staticmethod
    def resolve_name_masked(obj: Member) -> str:
        return str(obj.name)

    @staticmethod
    def resolve_id_number_masked(obj: Member) -> str:
        return str(obj.id_number)

    @staticmethod
    def resolve_party_years(obj: Member) -> int | None:
        return obj.party_standing_years(timezone.localdate())


class MemberIn(Schema):
    name: str
    id_number: str
    organization_id: int
    stage: str = Stage.FULL
    phone: str = ""
    ethnicity: str = ""
    education: str = ""
    applied_on: date | None = None
    admitted_on: date | None = None
    confirmed_on: date | None = None
    joined_branch_on: date | None = None
    is_floating: bool = False
    floating_destination: str = ""
    floating_since: date | None = None
    worker_group: str = ""
    platform_id: int | None = None
    employer_id: int | None = None
    employer_name: str = ""
    note: str = ""


class MemberFilter(Schema):
    org: int | None = None
    stage: str | None = None
    standing: str | None = None
    floating: bool | None = None
    worker_group: str | None = None


PersonId = Annotated[int, Field(ge=1, le=MAX_ID)]


class StepIn(Schema):
    kind: str
    on: date
    decision_body: str = ""
    document_ref: str = ""
    extension_months: Annotated[int, Field(ge=0, le=development.MAX_EXTENSION_MONTHS)] = 0
    training_hours: Annotated[
        Decimal, Field(ge=0, le=development.MAX_TRAINING_HOURS, decimal_places=1)
    ] = Decimal(0)
    training_days: Annotated[int, Field(ge=0, le=development.MAX_TRAINING_DAYS)] = 0
    volunteer_form_issued_on: date | None = None
    publicity_first_day: date | None = None
    publicity_last_day: date | None = None
    leaving_unit_on: date | None = None
    special_case: bool = False
    people_ids: Annotated[list[PersonId], Field(max_length=development.MAX_PEOPLE)] = []
    note: str = ""


class StepOut(Schema):
    id: int
    member_id: int
    kind: str
    on: date
    decision_body: str
    document_ref: str
    extension_months: int


class DevelopmentDeadlineOut(Schema):
    code: str
    what: str
    due: date
    days_left: int
    basis: str


class DevelopmentOut(Schema):
    member_id: int
    stage: str
    steps: list[StepOut]
    deadlines: list[DevelopmentDeadlineOut]


class RefusedOut(Schema):
    """A step the rules refuse (``code``, ``violations``) or a body that did not validate
    (``detail`` a list of field errors)."""

    detail: str | list[FieldErrorOut]
    code: str = ""
    violations: list[str] = []


@router.get("/members", response=list[MemberOut])
@paginate(CappedLimitOffsetPagination)
def list_members(request: AuthedHttpRequest, filters: Query[MemberFilter]) -> MemberQuerySet:
    require_capability(request, Cap.MEMBERS_VIEW)
    qs = Member.objects.visible_to(request.user)
    if filters.org is not None:
        org = PartyOrganization.objects.visible_to(request.user).filter(pk=filters.org).first()
        qs = qs.filter(subtree_q(org.path, "organization__path")) if org else qs.none()
    if filters.stage in Stage.values:
        qs = qs.filter(stage=filters.stage)
    if filters.standing in Standing.values:
        qs = qs.filter(standing=filters.standing)
    elif filters.standing != "all":
        qs = qs.on_roll()
    if filters.floating is not None:
        qs = qs.filter(is_floating=filters.floating)
    if filters.worker_group in WorkerGroup.values and filters.worker_group:
        qs = qs.filter(worker_group=filters.worker_group)
    return qs.order_by("organization__path", "pk")


@router.get("/members/{member_id}", response=MemberOut)
def get_member(request: AuthedHttpRequest, member_id: int) -> Member:
    require_capability(request, Cap.MEMBERS_VIEW)
    return get_visible_or_404(Member, request.user, pk=member_id)


@router.post("/members", response={201: MemberOut})
def create(request: AuthedHttpRequest, payload: MemberIn) -> Status[Member]:
    require_capability(request, Cap.MEMBERS_MANAGE)
    return Status(201, create_member(actor=request.user, data=MemberInput(**payload.dict())))


@router.put("/members/{member_id}", response=MemberOut)
def update(request: AuthedHttpRequest, member_id: int, payload: MemberIn) -> Member:
    require_capability(request, Cap.MEMBERS_MANAGE)
    member = get_visible_or_404(Member, request.user, pk=member_id)
    data = MemberInput(**{**payload.dict(), "organization_id": member.organization_id})
    return update_member(actor=request.user, member_id=member.pk, data=data)


@router.get("/members/{member_id}/development", response=DevelopmentOut)
def get_development(request: AuthedHttpRequest, member_id: int) -> dict[str, object]:
    require_capability(request, Cap.MEMBERS_VIEW)
    member = get_visible_or_404(Member, request.user, pk=member_id)
    rows = list(member.development_events.order_by("on", "pk"))
    return {
        "member_id": member.pk,
        "stage": member.stage,
        "steps": rows,
        "deadlines": development.deadlines_of(member, rows, timezone.localdate()),
    }


@router.post("/members/{member_id}/development", response={201: StepOut, 422: RefusedOut})
def record(
    request: AuthedHttpRequest, member_id: int, payload: StepIn
) -> Status[DevelopmentEvent] | Status[dict[str, object]]:
    require_capability(request, Cap.MEMBERS_MANAGE)
    get_visible_or_404(Member, request.user, pk=member_id)
    try:
        event = development.record_step(
            actor=request.user, member_id=member_id, step=StepInput(**payload.dict())
        )
    except StepRefused as exc:
        refused: dict[str, object] = {
            "detail": exc.message,
            "code": exc.code,
            "violations": exc.violations,
        }
        return Status(422, refused)
    return Status(201, event)
