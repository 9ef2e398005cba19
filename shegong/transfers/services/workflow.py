"""Start and move 组织关系转接 along ``TRANSITIONS``; the only writer of
``Member.organization``, ``standing`` and ``joined_branch_on``.

Every write locks the member row first (``select_for_update``), then the transfer, so two
requests on the same member are put in line; the partial unique index on open transfers
refuses a second open transfer even if a check is raced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError, TransitionNotAllowed
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index
from shegong.core.roles import Cap
from shegong.lib.partyrules.months import add_months
from shegong.lib.validators import ValidationFailure, parse_id_number
from shegong.members.choices import MEMBER_STAGES, Stage, Standing
from shegong.members.models import Member
from shegong.members.services.development import store_next_due
from shegong.members.services.people import MemberInput, check_profile
from shegong.organizations.choices import OrgStatus
from shegong.organizations.models import PartyOrganization

from .. import policy
from ..choices import (
    OPEN_STATUSES,
    START_STATUS,
    TRANSITIONS,
    Side,
    TransferAction,
    TransferKind,
    actor_side,
)
from ..exceptions import TransferAlreadyOpen, TransferError
from ..models import Transfer, TransferStep
from .scope import can_act, covers

DENIED = "您的角色不能办理组织关系转接"
NOT_FOUND = "党员不存在或不在您的管辖范围内"
INBOUND_REFUSED = "该身份证号不能登记转入，请联系上级党委核实"


@dataclass(frozen=True)
class InboundPerson:
    """Who arrives from outside the city (as written on the other side's 介绍信)."""

    name: str
    id_number: str
    stage: str = Stage.FULL
    phone: str = ""
    admitted_on: date | None = None
    confirmed_on: date | None = None


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _lock_member(member_id: int) -> Member:
    return Member.objects.select_for_update().get(pk=member_id)


def _check_no_open(member: Member) -> None:
    if Transfer.objects.filter(member_id=member.pk, status__in=OPEN_STATUSES).exists():
        raise TransferAlreadyOpen()


def _insert(transfer: Transfer, today: date) -> Transfer:
    """Insert (a violated one-open index becomes ``TransferAlreadyOpen``) and number it."""
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError as exc:
        raise TransferAlreadyOpen() from exc
    transfer.number = f"ZJ{today.year}{transfer.pk:06d}"
    transfer.save(update_fields=["number"])
    return transfer


def _step(transfer: Transfer, *, actor: User, action: str, source: str, note: str) -> None:
    TransferStep.objects.create(
        transfer=transfer,
        action=action,
        from_status=source,
        to_status=transfer.status,
        actor=actor,
        note=note[:300],
        at=timezone.now(),
    )


def _save_member(member: Member, fields: list[str]) -> None:
    member.save(update_fields=[*fields, "updated_at"])


def start_transfer(
    *,
    actor: User,
    member_id: int,
    kind: str,
    to_organization_id: int | None = None,
    outside_organization: str = "",
    reason: str = "",
    dues_paid_through: date | None = None,
    today: date | None = None,
) -> Transfer:
    """The sending branch starts a 市内 or 转出本市 transfer of one of its members.

    The member must be a 党员 on the roll with no open transfer; the member stays on the
    sending branch's roll with ``standing = transferring`` until the receiving end accepts.
    """
    require_capability(actor, Cap.TRANSFERS_MANAGE, DENIED)
    today = _today(today)
    if kind not in (TransferKind.WITHIN, TransferKind.OUT):
        raise TransferError("请选择转接类型：市内转接或转出本市")
    outside_organization = outside_organization.strip()
    with transaction.atomic():
        if not Member.objects.visible_to(actor).filter(pk=member_id).exists():
            raise DomainError(NOT_FOUND, code="not_found")
        member = _lock_member(member_id)
        if member.standing == Standing.TRANSFERRING:
            raise TransferAlreadyOpen()
        _check_no_open(member)
        if member.standing != Standing.ACTIVE:
            raise TransferError(f"该党员当前为“{member.get_standing_display()}”，不能转接")
        if member.stage not in MEMBER_STAGES:
            raise TransferError("只有预备党员和正式党员办理组织关系转接")
        origin = PartyOrganization.objects.select_related("region", "parent").get(
            pk=member.organization_id
        )
        if not covers(actor, origin):
            raise TransferError("只能为您管理的党组织的党员发起转接")
        destination: PartyOrganization | None = None
        if kind == TransferKind.WITHIN:
            destination = (
                PartyOrganization.objects.filter(pk=to_organization_id, status=OrgStatus.ACTIVE)
                .select_related("region")
                .first()
                if to_organization_id
                else None
            )
            if destination is None:
                raise TransferError("请选择接收党组织")
            if destination.pk == origin.pk:
                raise TransferError("接收党组织不能是党员现在所在的党组织")
            outside_organization = ""
        elif not outside_organization:
            raise TransferError("请填写转往的党组织名称（本市以外）")
        transfer = _insert(
            Transfer(
                kind=kind,
                status=START_STATUS[kind],
                member=member,
                from_organization=origin,
                to_organization=destination,
                outside_organization=outside_organization[:200],
                reason=reason.strip()[:200],
                dues_paid_through=dues_paid_through.replace(day=1) if dues_paid_through else None,
                started_on=today,
                previous_standing=member.standing,
                started_by=actor,
            ),
            today,
        )
        member.standing = Standing.TRANSFERRING
        _save_member(member, ["standing"])
        _step(transfer, actor=actor, action=TransferAction.START, source="", note=reason)
        audit.record(
            "transfer_started",
            actor=actor,
            target=transfer,
            changes={
                "kind": kind,
                "member": member.pk,
                "from": origin.name,
                "to": transfer.to_label,
                "standing": [Standing.ACTIVE, Standing.TRANSFERRING],
            },
            note=reason,
        )
    return transfer


class _Refused(Exception):
    """An arrival whose ID number belongs to a record that cannot arrive (audited, then
    answered with one generic message so its status is not revealed)."""

    def __init__(self, member_id: int, standing: str) -> None:
        super().__init__(standing)
        self.member_id = member_id
        self.standing = standing


def _checked_number(person: InboundPerson, destination: PartyOrganization, today: date) -> str:
    """The person's normalised ID number after the members' profile checks (name, ID
    number, phone, 入党/转正 dates) for a 正式 or 预备党员."""
    if person.stage not in MEMBER_STAGES:
        raise TransferError("只有预备党员和正式党员办理组织关系转接")
    problems = check_profile(
        MemberInput(
            name=person.name,
            id_number=person.id_number,
            organization_id=destination.pk,
            stage=person.stage,
            phone=person.phone,
            admitted_on=person.admitted_on,
            confirmed_on=person.confirmed_on,
        ),
        today=today,
    )
    if problems:
        label, message = problems[0]
        raise TransferError(f"{label}：{message}")
    try:
        return parse_id_number(person.id_number, today=today).number
    except ValidationFailure as exc:  # pragma: no cover - check_profile parsed it already
        raise TransferError(f"身份证号有误：{exc.message}") from exc


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _update_from_letter(member: Member, person: InboundPerson) -> dict[str, object]:
    """A re-used record takes its stage and dates from the letter when the platform has
    recorded no development step for it since; returns the changes ``[old, new]``."""
    if member.development_events.exists():
        return {}
    letter: dict[str, object] = {
        "stage": person.stage,
        "roster_stage": person.stage,
        "admitted_on": person.admitted_on,
        "confirmed_on": person.confirmed_on if person.stage == Stage.FULL else None,
    }
    changes: dict[str, object] = {}
    for field, value in letter.items():
        old = getattr(member, field)
        if old != value:
            changes[field] = [_iso(old), _iso(value)]
            setattr(member, field, value)
    return changes


def _inbound_member(
    *, actor: User, person: InboundPerson, destination: PartyOrganization, today: date
) -> tuple[Member, bool, str, PartyOrganization | None, dict[str, object]]:
    """(member, created, previous standing, previous organization, record changes) for an
    arrival: the record with the same ID number (blind index) when it was transferred out,
    else a new one. Any other record with that number is refused (``_Refused``)."""
    number = _checked_number(person, destination, today)
    existing = (
        Member.objects.select_for_update()
        .filter(id_number_bidx=blind_index("id_number", number))
        .first()
    )
    if existing is not None:
        if existing.standing != Standing.TRANSFERRED_OUT or (
            Transfer.objects.filter(member_id=existing.pk, status__in=OPEN_STATUSES).exists()
        ):
            raise _Refused(existing.pk, existing.standing)
        previous_org = existing.organization
        old_stage = existing.stage
        changes = _update_from_letter(existing, person)
        existing.organization = destination
        existing.standing = Standing.TRANSFERRING
        _save_member(existing, ["organization", "standing", *changes])
        store_next_due(existing)  # the letter's stage and dates give the next deadline
        if changes:
            audit.record("member_changed", actor=actor, target=existing, changes=changes)
        changes = {
            "organization": [previous_org.pk, destination.pk],
            "stage": [old_stage, existing.stage],
        }
        return existing, False, Standing.TRANSFERRED_OUT, previous_org, changes
    parsed = parse_id_number(number, today=today)
    member = Member(
        organization=destination,
        name=person.name.strip()[:50],
        gender=parsed.sex,
        birth_date=parsed.birth_date,
        id_number=parsed.number,
        phone=person.phone.strip(),
        stage=person.stage,
        roster_stage=person.stage,
        standing=Standing.TRANSFERRING,
        admitted_on=person.admitted_on,
        confirmed_on=person.confirmed_on if person.stage == Stage.FULL else None,
        joined_branch_on=today,
        note="外地转入",
    )
    try:
        with transaction.atomic():
            member.save()
            store_next_due(member)
    except IntegrityError as exc:  # the unique blind index: a concurrent arrival of the same ID
        raise TransferAlreadyOpen() from exc
    audit.record(
        "member_created",
        actor=actor,
        target=member,
        changes=audit.diff({}, audit.snapshot(member)),
    )
    changes = {"organization": [None, destination.pk], "stage": [None, member.stage]}
    return member, True, Standing.TRANSFERRED_OUT, None, changes


def _record_refusal(actor: User, destination_id: int, refused: _Refused) -> None:
    with transaction.atomic():
        audit.record(
            "transfer_inbound_refused",
            actor=actor,
            target_type="members.member",
            target_id=str(refused.member_id),
            changes={"standing": refused.standing, "to": destination_id},
            success=False,
        )


def start_inbound_transfer(
    *,
    actor: User,
    to_organization_id: int,
    person: InboundPerson,
    outside_organization: str,
    outside_letter_number: str = "",
    letter_valid_until: date | None = None,
    reason: str = "",
    dues_paid_through: date | None = None,
    today: date | None = None,
) -> Transfer:
    """The receiving branch registers an arrival from outside the city (with the other
    side's 介绍信). The person is checked like a new roster record (members'
    ``check_profile``). The record is found by ID number (blind index) — one that was
    transferred out is re-used — or created, ``standing = transferring`` in the receiving
    branch until it accepts. Any other record with the number is refused with one message
    that does not say why (the attempt is audited)."""
    require_capability(actor, Cap.TRANSFERS_MANAGE, DENIED)
    today = _today(today)
    outside_organization = outside_organization.strip()
    if not outside_organization:
        raise TransferError("请填写转出的外地党组织名称")
    try:
        return _start_inbound(
            actor=actor,
            to_organization_id=to_organization_id,
            person=person,
            outside_organization=outside_organization,
            outside_letter_number=outside_letter_number,
            letter_valid_until=letter_valid_until,
            reason=reason,
            dues_paid_through=dues_paid_through,
            today=today,
        )
    except _Refused as refused:
        _record_refusal(actor, to_organization_id, refused)
        raise TransferError(INBOUND_REFUSED) from None


def _start_inbound(
    *,
    actor: User,
    to_organization_id: int,
    person: InboundPerson,
    outside_organization: str,
    outside_letter_number: str,
    letter_valid_until: date | None,
    reason: str,
    dues_paid_through: date | None,
    today: date,
) -> Transfer:
    with transaction.atomic():
        destination = (
            PartyOrganization.objects.filter(pk=to_organization_id, status=OrgStatus.ACTIVE)
            .select_related("region")
            .first()
        )
        if destination is None or not covers(actor, destination):
            raise TransferError("只能为您管理的党组织登记转入")
        member, created, previous, previous_org, member_changes = _inbound_member(
            actor=actor, person=person, destination=destination, today=today
        )
        transfer = _insert(
            Transfer(
                kind=TransferKind.IN,
                status=START_STATUS[TransferKind.IN],
                member=member,
                to_organization=destination,
                outside_organization=outside_organization[:200],
                outside_letter_number=outside_letter_number.strip()[:60],
                letter_valid_until=letter_valid_until,
                reason=reason.strip()[:200],
                dues_paid_through=dues_paid_through.replace(day=1) if dues_paid_through else None,
                started_on=today,
                created_member=created,
                previous_standing=previous,
                previous_organization=previous_org,
                started_by=actor,
            ),
            today,
        )
        _step(transfer, actor=actor, action=TransferAction.START, source="", note=reason)
        audit.record(
            "transfer_started",
            actor=actor,
            target=transfer,
            changes={
                "kind": TransferKind.IN,
                "member": member.pk,
                "from": outside_organization,
                "to": destination.name,
                "member_created": created,
                "standing": [previous, Standing.TRANSFERRING],
                **member_changes,
            },
            note=reason,
        )
    return transfer


def _lock_active_destination(org_id: int) -> None:
    """Lock the receiving organization so it cannot be dissolved under the receipt; it must
    still be active."""
    status = (
        PartyOrganization.objects.select_for_update()
        .filter(pk=org_id)
        .values_list("status", flat=True)
        .first()
    )
    if status != OrgStatus.ACTIVE:
        raise TransferError("接收党组织已撤销/合并，请退回后重新发起")


def _apply(transfer: Transfer, member: Member, action: str, today: date) -> dict[str, object]:
    """The effects of ``action`` on the transfer and the member; returns audit changes."""
    changes: dict[str, object] = {}
    if action == TransferAction.APPROVE_OUT:
        transfer.letter_issued_on = today
        transfer.letter_valid_until = add_months(today, policy.letter_valid_months())
        changes["letter_valid_until"] = transfer.letter_valid_until.isoformat()
    elif action == TransferAction.RECEIVE:
        old_org = member.organization_id
        if transfer.to_organization_id is not None:
            member.organization_id = transfer.to_organization_id
        member.standing = Standing.ACTIVE
        member.joined_branch_on = today
        member.left_on = None
        _save_member(member, ["organization", "standing", "joined_branch_on", "left_on"])
        transfer.completed_on = today
        changes["organization"] = [old_org, member.organization_id]
        changes["standing"] = [Standing.TRANSFERRING, Standing.ACTIVE]
    elif action == TransferAction.CONFIRM_OUT:
        member.standing = Standing.TRANSFERRED_OUT
        member.left_on = today
        _save_member(member, ["standing", "left_on"])
        transfer.completed_on = today
        changes["standing"] = [Standing.TRANSFERRING, Standing.TRANSFERRED_OUT]
    elif action == TransferAction.RESUBMIT and transfer.kind != TransferKind.IN:
        transfer.letter_issued_on = None
        transfer.letter_valid_until = None
    elif action == TransferAction.CANCEL:
        restored = transfer.previous_standing or Standing.ACTIVE
        member.standing = restored
        fields = ["standing"]
        if transfer.kind == TransferKind.IN and transfer.previous_organization_id is not None:
            changes["organization"] = [member.organization_id, transfer.previous_organization_id]
            member.organization_id = transfer.previous_organization_id
            fields.append("organization")
        _save_member(member, fields)
        changes["standing"] = [Standing.TRANSFERRING, restored]
        changes["stage"] = member.stage
    return changes


def act_on_transfer(
    *,
    actor: User,
    transfer_id: int,
    action: str,
    note: str = "",
    today: date | None = None,
) -> Transfer:
    """Move a transfer one step along ``TRANSITIONS[kind]``.

    The actor must cover the end that owns the step (``choices.actor_side``): the sending
    branch's superior approves out, the receiving branch (or its superior) receives, the
    starting end resubmits or cancels. Returning needs a reason."""
    require_capability(actor, Cap.TRANSFERS_MANAGE, DENIED)
    today = _today(today)
    note = note.strip()
    with transaction.atomic():
        member_id: int | None = (
            Transfer.objects.visible_to(actor)
            .filter(pk=transfer_id)
            .values_list("member_id", flat=True)
            .first()
        )
        if member_id is None:
            raise DomainError("转接不存在或不在您的管辖范围内", code="not_found")
        member = _lock_member(member_id)
        transfer = (
            Transfer.objects.select_for_update(of=("self",))
            .select_related("from_organization__region", "from_organization__parent__region")
            .select_related("to_organization__region")
            .get(pk=transfer_id)
        )
        source = transfer.status
        target = TRANSITIONS[transfer.kind].get((source, action))
        if target is None:
            label = TransferAction(action).label if action in TransferAction.values else action
            raise TransitionNotAllowed(f"转接当前为“{transfer.get_status_display()}”，不能{label}")
        if action == TransferAction.RECEIVE and transfer.to_organization_id is not None:
            _lock_active_destination(transfer.to_organization_id)
        side = actor_side(transfer.kind, source, action)
        if not can_act(actor, transfer, side):
            raise TransferError(f"此步骤应由{Side(side).label}办理，您不在其管理范围内")
        if action == TransferAction.RETURN and not note:
            raise TransferError("退回时请填写退回理由")
        if action == TransferAction.CANCEL and not note:
            raise TransferError("撤销时请填写撤销原因")
        changes = _apply(transfer, member, action, today)
        event = (
            "transfer_approved_out"
            if action == TransferAction.APPROVE_OUT
            else "transfer_received"
            if action == TransferAction.RECEIVE
            else "transfer_out_confirmed"
            if action == TransferAction.CONFIRM_OUT
            else "transfer_returned"
            if action == TransferAction.RETURN
            else "transfer_resubmitted"
            if action == TransferAction.RESUBMIT
            else "transfer_cancelled"
        )
        transfer.status = target
        transfer.save()
        _step(transfer, actor=actor, action=action, source=source, note=note)
        audit.record(
            event,
            actor=actor,
            target=transfer,
            changes={"status": [source, target], "member": member.pk, **changes},
            note=note,
        )
    return transfer
