"""The transfers API (django-ninja), scoped through ``visible_to`` like the pages."""

from datetime import date
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.pagination import CappedLimitOffsetPagination
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.members.models import Member, MemberQuerySet

from . import services
from .choices import TransferAction, TransferKind, TransferStatus
from .models import Transfer, TransferQuerySet
from .services.workflow import InboundPerson

router = Router(tags=["组织关系转接"])


class Pagination(CappedLimitOffsetPagination):
    """The project's capped pagination with a bounded offset (a huge one overflows
    SQLite's integers)."""

    class Input(CappedLimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=10**9, description="跳过的条数")


class TransferOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    member_id: int
    from_organization_id: int | None
    to_organization_id: int | None
    outside_organization: str
    outside_letter_number: str
    reason: str
    dues_paid_through: date | None
    started_on: date
    letter_issued_on: date | None
    letter_valid_until: date | None
    completed_on: date | None


class TransferStepOut(Schema):
    action: str
    from_status: str
    to_status: str
    note: str
    at: str


class TransferDetailOut(TransferOut):
    steps: list[TransferStepOut]
    letter_expired: bool
    actions: list[str]


class TransferFilter(Schema):
    direction: Literal["", "in", "out"] = ""
    open: bool = False
    status: Literal["", "pending_out", "pending_in", "returned", "completed", "cancelled"] = ""
    kind: Literal["", "within", "out", "in"] = ""


class TransferStartIn(Schema):
    member_id: int
    kind: Literal["within", "out"]
    to_organization_id: int | None = None
    outside_organization: str = ""
    reason: str = ""
    dues_paid_through: date | None = None


class InboundIn(Schema):
    to_organization_id: int
    name: str
    id_number: str
    stage: Literal["full", "probationary"] = "full"
    phone: str = ""
    admitted_on: date | None = None
    confirmed_on: date | None = None
    outside_organization: str
    outside_letter_number: str = ""
    letter_valid_until: date | None = None
    reason: str = ""
    dues_paid_through: date | None = None


class ActIn(Schema):
    action: Literal["approve_out", "receive", "confirm_out", "return", "resubmit", "cancel"]
    note: str = ""


class TransferSuggestionOut(Schema):
    member_id: int = Field(alias="pk")
    organization_id: int
    away_since: date = Field(alias="floating_since")
    due_on: date

    @staticmethod
    def resolve_due_on(obj: Member) -> date:
        return services.suggestion_of(obj).due_on


def _detail(request: AuthedHttpRequest, transfer: Transfer) -> TransferDetailOut:
    today = timezone.localdate()
    base = TransferOut.from_orm(transfer).dict()
    return TransferDetailOut(
        **base,
        steps=[
            TransferStepOut(
                action=s.action,
                from_status=s.from_status,
                to_status=s.to_status,
                note=s.note,
                at=s.at.isoformat(),
            )
            for s in transfer.steps.all()
        ],
        letter_expired=transfer.letter_expired(today),
        actions=services.actions_for(request.user, transfer),
    )


@router.get("/transfers", response=list[TransferOut])
@paginate(Pagination)
def list_transfers(request: AuthedHttpRequest, filters: Query[TransferFilter]) -> TransferQuerySet:
    require_capability(request, Cap.MEMBERS_VIEW)
    return services.filtered_transfers(
        request.user,
        direction=filters.direction,
        open_only=filters.open,
        status=filters.status,
        kind=filters.kind,
    )


@router.get("/transfers/suggestions", response=list[TransferSuggestionOut])
@paginate(Pagination)
def list_suggestions(request: AuthedHttpRequest) -> MemberQuerySet:
    require_capability(request, Cap.MEMBERS_VIEW)
    return services.away_members(request.user, today=timezone.localdate())


@router.post("/transfers/inbound", response={201: TransferDetailOut})
def start_inbound(request: AuthedHttpRequest, payload: InboundIn) -> Status[TransferDetailOut]:
    data = payload.dict()
    person = InboundPerson(
        name=data.pop("name"),
        id_number=data.pop("id_number"),
        stage=data.pop("stage"),
        phone=data.pop("phone"),
        admitted_on=data.pop("admitted_on"),
        confirmed_on=data.pop("confirmed_on"),
    )
    transfer = services.start_inbound_transfer(actor=request.user, person=person, **data)
    return Status(201, _detail(request, transfer))


@router.get("/transfers/{transfer_id}", response=TransferDetailOut)
def get_transfer(request: AuthedHttpRequest, transfer_id: int) -> TransferDetailOut:
    require_capability(request, Cap.MEMBERS_VIEW)
    return _detail(request, get_visible_or_404(Transfer, request.user, pk=transfer_id))


@router.post("/transfers", response={201: TransferDetailOut})
def start_transfer(
    request: AuthedHttpRequest, payload: TransferStartIn
) -> Status[TransferDetailOut]:
    transfer = services.start_transfer(actor=request.user, **payload.dict())
    return Status(201, _detail(request, transfer))


@router.post("/transfers/{transfer_id}/act", response=TransferDetailOut)
def act(request: AuthedHttpRequest, transfer_id: int, payload: ActIn) -> TransferDetailOut:
    require_capability(request, Cap.TRANSFERS_MANAGE)
    get_visible_or_404(Transfer, request.user, pk=transfer_id)
    transfer = services.act_on_transfer(
        actor=request.user, transfer_id=transfer_id, action=payload.action, note=payload.note
    )
    return _detail(request, transfer)


# Keep the literal lists in step with the choices (checked by the tests).
API_STATUSES = tuple(TransferStatus.values)
API_KINDS = tuple(TransferKind.values)
API_ACTIONS = tuple(a for a in TransferAction.values if a != TransferAction.START)
