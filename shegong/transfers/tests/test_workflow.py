"""Transitions, approvals at both ends by scope, and the member's branch invariant."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import IntegrityError, transaction

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError, TransitionNotAllowed
from shegong.core.models import AuditEvent
from shegong.members.choices import Stage, Standing
from shegong.members.models import Member
from shegong.transfers.choices import (
    START_STATUS,
    TRANSITIONS,
    TransferAction,
    TransferKind,
    TransferStatus,
)
from shegong.transfers.exceptions import ALREADY_OPEN, TransferAlreadyOpen
from shegong.transfers.models import Transfer
from shegong.transfers.services import (
    act_on_transfer,
    start_inbound_transfer,
    start_transfer,
)
from shegong.transfers.services.workflow import INBOUND_REFUSED

from .factories import Party, fresh, id_number, person

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 10)
A = TransferAction


def _within(party: Party, member: Member) -> Transfer:
    return start_transfer(
        actor=fresh(party.secretary_a),
        member_id=member.pk,
        kind=TransferKind.WITHIN,
        to_organization_id=party.branch_c.pk,
        reason="居住地变更",
        dues_paid_through=date(2026, 5, 1),
        today=TODAY,
    )


def _out(party: Party, member: Member) -> Transfer:
    return start_transfer(
        actor=fresh(party.secretary_a),
        member_id=member.pk,
        kind=TransferKind.OUT,
        outside_organization="中共上海市某街道工作委员会",
        today=TODAY,
    )


def _inbound(party: Party, seq: int = 901) -> Transfer:
    return start_inbound_transfer(
        actor=fresh(party.secretary_c),
        to_organization_id=party.branch_c.pk,
        person=person("外地来", id_number(seq)),
        outside_organization="中共杭州市某支部委员会",
        outside_letter_number="浙组转2026第12号",
        today=TODAY,
    )


def _act(user: User, transfer: Transfer, action: str, note: str = "") -> Transfer:
    return act_on_transfer(
        actor=fresh(user), transfer_id=transfer.pk, action=action, note=note, today=TODAY
    )


def test_within_city_moves_the_member_when_the_receiving_branch_accepts(party: Party) -> None:
    member = party.member()
    transfer = _within(party, member)
    assert (transfer.status, Member.objects.get(pk=member.pk).standing) == (
        TransferStatus.PENDING_OUT,
        Standing.TRANSFERRING,
    )
    _act(party.committee_north, transfer, A.APPROVE_OUT)
    assert Member.objects.get(pk=member.pk).organization_id == party.branch_a.pk
    done = _act(party.secretary_c, transfer, A.RECEIVE)
    moved = Member.objects.get(pk=member.pk)
    assert (done.status, moved.organization_id, moved.standing, moved.joined_branch_on) == (
        TransferStatus.COMPLETED,
        party.branch_c.pk,
        Standing.ACTIVE,
        TODAY,
    )


def test_approval_issues_the_letter_with_the_policy_validity(party: Party) -> None:
    transfer = _act(party.committee_north, _within(party, party.member()), A.APPROVE_OUT)
    assert (transfer.letter_issued_on, transfer.letter_valid_until) == (TODAY, date(2026, 9, 10))


def test_the_sending_branch_cannot_approve_its_own_transfer_out(party: Party) -> None:
    transfer = _within(party, party.member())
    with pytest.raises(DomainError, match="转出方上级党委"):
        _act(party.secretary_a, transfer, A.APPROVE_OUT)


def test_the_receiving_branch_cannot_approve_the_sending_side(party: Party) -> None:
    transfer = _within(party, party.member())
    with pytest.raises(DomainError):
        _act(party.secretary_c, transfer, A.APPROVE_OUT)


def test_the_sender_cannot_receive_for_the_other_branch(party: Party) -> None:
    transfer = _act(party.committee_north, _within(party, party.member()), A.APPROVE_OUT)
    with pytest.raises(DomainError, match="接收方"):
        _act(party.committee_north, transfer, A.RECEIVE)


def test_the_receiving_branchs_superior_may_receive(party: Party) -> None:
    transfer = _act(party.committee_north, _within(party, party.member()), A.APPROVE_OUT)
    assert _act(party.committee_south, transfer, A.RECEIVE).status == TransferStatus.COMPLETED


def test_street_staff_covering_the_superior_may_approve(party: Party) -> None:
    transfer = _within(party, party.member())
    street = party.world.street_north
    assert _act(street, transfer, A.APPROVE_OUT).status == TransferStatus.PENDING_IN


def test_street_staff_of_another_street_cannot_act(party: Party) -> None:
    transfer = _within(party, party.member())
    with pytest.raises(DomainError):
        _act(party.world.street_south, transfer, A.APPROVE_OUT)


def test_out_of_city_ends_with_the_member_transferred_out_in_the_last_branch(
    party: Party,
) -> None:
    member = party.member()
    transfer = _act(party.committee_north, _out(party, member), A.APPROVE_OUT)
    _act(party.secretary_a, transfer, A.CONFIRM_OUT)
    gone = Member.objects.get(pk=member.pk)
    assert (gone.organization_id, gone.standing, gone.left_on) == (
        party.branch_a.pk,
        Standing.TRANSFERRED_OUT,
        TODAY,
    )


def test_out_of_city_needs_the_destination(party: Party) -> None:
    with pytest.raises(DomainError, match="转往的党组织"):
        start_transfer(
            actor=fresh(party.secretary_a),
            member_id=party.member().pk,
            kind=TransferKind.OUT,
            today=TODAY,
        )


def test_inbound_creates_a_member_transferring_in_the_receiving_branch(party: Party) -> None:
    transfer = _inbound(party)
    member = transfer.member
    assert (member.organization_id, member.standing, transfer.created_member) == (
        party.branch_c.pk,
        Standing.TRANSFERRING,
        True,
    )


def test_inbound_received_puts_the_member_on_the_roll(party: Party) -> None:
    transfer = _act(party.secretary_c, _inbound(party), A.RECEIVE)
    member = Member.objects.get(pk=transfer.member_id)
    assert (member.standing, member.joined_branch_on) == (Standing.ACTIVE, TODAY)


def test_inbound_reuses_the_record_of_a_member_who_left_the_city(party: Party) -> None:
    member = party.member(standing=Standing.TRANSFERRED_OUT)
    transfer = start_inbound_transfer(
        actor=fresh(party.secretary_c),
        to_organization_id=party.branch_c.pk,
        person=person("回来了", id_number(party.seq)),
        outside_organization="中共杭州市某支部委员会",
        today=TODAY,
    )
    assert (transfer.member_id, Member.objects.get(pk=member.pk).organization_id) == (
        member.pk,
        party.branch_c.pk,
    )


def test_cancelling_a_reused_inbound_restores_the_last_branch(party: Party) -> None:
    member = party.member(standing=Standing.TRANSFERRED_OUT)
    transfer = start_inbound_transfer(
        actor=fresh(party.secretary_c),
        to_organization_id=party.branch_c.pk,
        person=person("回来了", id_number(party.seq)),
        outside_organization="中共杭州市某支部委员会",
        today=TODAY,
    )
    _act(party.secretary_c, transfer, A.CANCEL, "信息有误")
    back = Member.objects.get(pk=member.pk)
    assert (back.organization_id, back.standing) == (party.branch_a.pk, Standing.TRANSFERRED_OUT)


def test_inbound_of_someone_on_the_roll_here_is_refused(party: Party) -> None:
    member = party.member()
    with pytest.raises(DomainError, match=INBOUND_REFUSED):
        _inbound(party, seq=party.seq)
    assert Member.objects.get(pk=member.pk).organization_id == party.branch_a.pk


def test_inbound_with_a_bad_id_number_is_refused_in_chinese(party: Party) -> None:
    with pytest.raises(DomainError, match="身份证号"):
        start_inbound_transfer(
            actor=fresh(party.secretary_c),
            to_organization_id=party.branch_c.pk,
            person=person("错号", "110101199001011234"),
            outside_organization="外地",
            today=TODAY,
        )


def test_inbound_for_a_branch_outside_scope_is_refused(party: Party) -> None:
    with pytest.raises(DomainError, match="您管理的党组织"):
        start_inbound_transfer(
            actor=fresh(party.secretary_a),
            to_organization_id=party.branch_c.pk,
            person=person("外地来", id_number(950)),
            outside_organization="外地",
            today=TODAY,
        )


def test_a_second_open_transfer_of_the_same_member_is_refused(party: Party) -> None:
    member = party.member()
    _within(party, member)
    with pytest.raises(TransferAlreadyOpen, match=ALREADY_OPEN):
        _out(party, member)


def test_the_database_refuses_a_second_open_transfer(party: Party) -> None:
    first = _within(party, party.member())
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            kind=TransferKind.OUT,
            status=TransferStatus.RETURNED,
            member_id=first.member_id,
            from_organization=party.branch_a,
            outside_organization="外地",
            started_on=TODAY,
        )


def test_a_closed_transfer_does_not_block_a_new_one(party: Party) -> None:
    member = party.member()
    _act(party.secretary_a, _within(party, member), A.CANCEL, "改为转出本市")
    assert _out(party, member).status == TransferStatus.PENDING_OUT


def test_return_needs_a_reason(party: Party) -> None:
    transfer = _within(party, party.member())
    with pytest.raises(DomainError, match="退回理由"):
        _act(party.committee_north, transfer, A.RETURN)


def test_returned_then_resubmitted_needs_a_new_approval(party: Party) -> None:
    transfer = _act(party.committee_north, _within(party, party.member()), A.APPROVE_OUT)
    _act(party.secretary_c, transfer, A.RETURN, "介绍信姓名有误")
    again = _act(party.secretary_a, transfer, A.RESUBMIT)
    assert (again.status, again.letter_issued_on) == (TransferStatus.PENDING_OUT, None)


def test_cancel_puts_the_member_back_on_the_roll(party: Party) -> None:
    member = party.member()
    _act(party.secretary_a, _within(party, member), A.CANCEL, "本人不再转接")
    assert Member.objects.get(pk=member.pk).standing == Standing.ACTIVE


def test_receiving_before_approval_is_not_a_transition(party: Party) -> None:
    transfer = _within(party, party.member())
    with pytest.raises(TransitionNotAllowed, match="待转出方党委审批"):
        _act(party.secretary_c, transfer, A.RECEIVE)


def test_only_party_members_are_transferred(party: Party) -> None:
    with pytest.raises(DomainError, match="预备党员和正式党员"):
        _within(party, party.member(stage=Stage.ACTIVIST))


def test_a_secretary_of_another_branch_cannot_start_a_transfer(party: Party) -> None:
    member = party.member()
    with pytest.raises(DomainError, match="不存在或不在您的管辖范围内"):
        start_transfer(
            actor=fresh(party.secretary_c),
            member_id=member.pk,
            kind=TransferKind.WITHIN,
            to_organization_id=party.branch_b.pk,
            today=TODAY,
        )


def test_a_secretary_of_another_branch_cannot_act(party: Party) -> None:
    transfer = start_transfer(
        actor=fresh(party.secretary_a),
        member_id=party.member().pk,
        kind=TransferKind.WITHIN,
        to_organization_id=party.branch_b.pk,
        today=TODAY,
    )
    with pytest.raises(DomainError, match="不存在或不在您的管辖范围内"):
        _act(party.secretary_c, transfer, A.CANCEL, "x")
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING_OUT


def test_every_step_is_audited(party: Party) -> None:
    transfer = _act(party.committee_north, _within(party, party.member()), A.APPROVE_OUT)
    actions = list(
        AuditEvent.objects.filter(target_id=str(transfer.pk), target_type="transfers.transfer")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["transfer_started", "transfer_approved_out"]


def test_the_timeline_has_one_step_per_action(party: Party) -> None:
    transfer = _act(party.committee_north, _within(party, party.member()), A.APPROVE_OUT)
    assert [s.action for s in transfer.steps.all()] == [A.START, A.APPROVE_OUT]


# --- every row of TRANSITIONS --------------------------------------------------------------

_ACTORS = {
    A.APPROVE_OUT: "committee_north",
    A.RECEIVE: "secretary_c",
    A.CONFIRM_OUT: "secretary_a",
    A.RESUBMIT: "secretary_a",
    A.CANCEL: "secretary_a",
}


def _bring_to(party: Party, kind: str, status: str) -> Transfer:
    starters = {TransferKind.WITHIN: _within, TransferKind.OUT: _out}
    transfer = _inbound(party) if kind == TransferKind.IN else starters[kind](party, party.member())
    inbound = kind == TransferKind.IN
    if status == START_STATUS[kind]:
        return transfer
    if status == TransferStatus.RETURNED:
        who = party.secretary_c if inbound else party.committee_north
        return _act(who, transfer, A.RETURN, "材料不全")
    assert status == TransferStatus.PENDING_IN
    return _act(party.committee_north, transfer, A.APPROVE_OUT)


def _actor_for(party: Party, kind: str, status: str, action: str) -> User:
    if kind == TransferKind.IN:
        return party.secretary_c
    if action == A.RETURN:
        return (
            party.secretary_c
            if (status, kind) == (TransferStatus.PENDING_IN, TransferKind.WITHIN)
            else party.committee_north
        )
    user: User = getattr(party, _ACTORS[TransferAction(action)])
    return user


@pytest.mark.parametrize(
    ("kind", "status", "action", "target"),
    [
        (kind, status, action, target)
        for kind, table in TRANSITIONS.items()
        for (status, action), target in table.items()
    ],
)
def test_every_transition_of_the_table(
    party: Party, kind: str, status: str, action: str, target: str
) -> None:
    transfer = _bring_to(party, kind, status)
    actor = _actor_for(party, kind, status, action)
    assert _act(actor, transfer, action, "说明").status == target


def test_no_transition_leaves_a_closed_state() -> None:
    closed = {TransferStatus.COMPLETED, TransferStatus.CANCELLED}
    assert [s for table in TRANSITIONS.values() for (s, _) in table if s in closed] == []


@time_machine.travel(date(2026, 6, 10))
def test_start_defaults_to_the_local_date(party: Party) -> None:
    transfer = start_transfer(
        actor=fresh(party.secretary_a),
        member_id=party.member().pk,
        kind=TransferKind.OUT,
        outside_organization="外地",
    )
    assert transfer.started_on == TODAY


def test_a_probationary_arrival_stores_its_probation_end_for_the_pipeline(party: Party) -> None:
    # 发展党员 orders by the stored next deadline: an arriving 预备党员 admitted 2026-01-15
    # is due for 转正 one year on.
    transfer = start_inbound_transfer(
        actor=fresh(party.secretary_c),
        to_organization_id=party.branch_c.pk,
        person=person("外地预备", id_number(907), Stage.PROBATIONARY, date(2026, 1, 15)),
        outside_organization="中共杭州市某支部委员会",
        outside_letter_number="浙组转2026第13号",
        today=TODAY,
    )
    member = Member.objects.get(pk=transfer.member_id)
    assert (member.next_due_code, member.next_due_on) == ("probation_end", date(2027, 1, 15))
