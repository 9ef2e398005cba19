"""Arrivals checked and recorded like roster entries, refusals that reveal nothing, a
receipt into a dissolved organization, approval at the top of the tree, and who may
download the 介绍信."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.members.choices import Stage, Standing
from shegong.members.models import Member
from shegong.members.services.development import baseline
from shegong.organizations.choices import OrgStatus
from shegong.organizations.models import PartyOrganization
from shegong.transfers.choices import TransferAction as A
from shegong.transfers.choices import TransferKind
from shegong.transfers.exceptions import TransferAlreadyOpen
from shegong.transfers.models import Transfer
from shegong.transfers.services import (
    act_on_transfer,
    actions_for,
    start_inbound_transfer,
    start_transfer,
    workflow,
)
from shegong.transfers.services.letters import letter_file
from shegong.transfers.services.workflow import INBOUND_REFUSED, InboundPerson

from .factories import Party, fresh, id_number, person

TODAY = date(2026, 6, 10)


def _arrive(party: Party, who: InboundPerson) -> Transfer:
    return start_inbound_transfer(
        actor=fresh(party.secretary_c),
        to_organization_id=party.branch_c.pk,
        person=who,
        outside_organization="中共杭州市某支部委员会",
        today=TODAY,
    )


# --- 2: the arriving person is checked and recorded as a roster member --------------------------


def test_a_new_probationary_arrival_has_a_development_baseline(party: Party) -> None:
    transfer = _arrive(
        party, person("外地来", id_number(901), Stage.PROBATIONARY, date(2026, 1, 5))
    )
    member = Member.objects.get(pk=transfer.member_id)
    assert (member.roster_stage, len(baseline(member))) == (Stage.PROBATIONARY, 5)


def test_an_arrival_without_the_admission_date_is_refused(party: Party) -> None:
    who = InboundPerson(name="外地来", id_number=id_number(902), stage=Stage.FULL)
    with pytest.raises(DomainError, match="入党日期"):
        _arrive(party, who)


def test_an_arrival_without_a_name_is_refused(party: Party) -> None:
    with pytest.raises(DomainError, match="姓名"):
        _arrive(party, person(" ", id_number(903)))


def test_a_full_member_arrival_needs_the_confirmation_date(party: Party) -> None:
    who = InboundPerson(
        name="外地来", id_number=id_number(904), stage=Stage.FULL, admitted_on=date(2010, 7, 1)
    )
    with pytest.raises(DomainError, match="转正日期"):
        _arrive(party, who)


def test_a_reused_record_takes_stage_and_dates_from_the_letter(party: Party) -> None:
    member = party.member(stage=Stage.PROBATIONARY, standing=Standing.TRANSFERRED_OUT)
    _arrive(party, person("回来了", id_number(party.seq), Stage.FULL, date(2012, 3, 1)))
    back = Member.objects.get(pk=member.pk)
    assert (back.stage, back.roster_stage, back.admitted_on, back.confirmed_on) == (
        Stage.FULL,
        Stage.FULL,
        date(2012, 3, 1),
        date(2013, 3, 1),
    )


def test_the_update_of_a_reused_record_is_audited(party: Party) -> None:
    member = party.member(stage=Stage.PROBATIONARY, standing=Standing.TRANSFERRED_OUT)
    _arrive(party, person("回来了", id_number(party.seq), Stage.FULL, date(2012, 3, 1)))
    event = AuditEvent.objects.get(action="member_changed", target_id=str(member.pk))
    assert event.changes["stage"] == [Stage.PROBATIONARY, Stage.FULL]


# --- 9: a refusal does not reveal the record's status, and is audited ---------------------------


@pytest.mark.parametrize(
    "standing", [Standing.ACTIVE, Standing.TRANSFERRING, Standing.DECEASED, Standing.REMOVED]
)
def test_every_refused_arrival_gets_the_same_message(party: Party, standing: str) -> None:
    party.member(standing=standing)
    with pytest.raises(DomainError) as caught:
        _arrive(party, person("探查", id_number(party.seq)))
    assert caught.value.message == INBOUND_REFUSED


def test_a_refused_arrival_is_audited(party: Party) -> None:
    member = party.member(standing=Standing.DECEASED)
    with pytest.raises(DomainError):
        _arrive(party, person("探查", id_number(party.seq)))
    event = AuditEvent.objects.get(action="transfer_inbound_refused")
    assert (event.target_id, event.actor_id) == (str(member.pk), party.secretary_c.pk)


# --- 10: the same new ID number registered twice at once -----------------------------------------


def test_a_raced_arrival_of_the_same_id_number_is_refused_in_chinese(
    party: Party, monkeypatch: pytest.MonkeyPatch
) -> None:
    _arrive(party, person("先到", id_number(905)))
    # the second request's look-up ran before the first committed: it finds no record
    monkeypatch.setattr(workflow, "blind_index", lambda purpose, value: "not-yet-committed")
    with pytest.raises(TransferAlreadyOpen):
        _arrive(party, person("后到", id_number(905)))


# --- 11: receiving into an organization that is no longer active ---------------------------------


def test_receiving_into_a_dissolved_organization_is_refused(party: Party) -> None:
    transfer = start_transfer(
        actor=fresh(party.secretary_a),
        member_id=party.member().pk,
        kind=TransferKind.WITHIN,
        to_organization_id=party.branch_c.pk,
        today=TODAY,
    )
    act_on_transfer(
        actor=fresh(party.committee_north),
        transfer_id=transfer.pk,
        action=A.APPROVE_OUT,
        today=TODAY,
    )
    PartyOrganization.objects.filter(pk=party.branch_c.pk).update(status=OrgStatus.DISSOLVED)
    with pytest.raises(DomainError, match="接收党组织已撤销/合并"):
        act_on_transfer(
            actor=fresh(party.secretary_c), transfer_id=transfer.pk, action=A.RECEIVE, today=TODAY
        )


# --- 12: an organization without a 上级党委 does not approve its own transfer out --------------


def _from_the_top(party: Party) -> Transfer:
    return start_transfer(
        actor=fresh(party.committee_north),
        member_id=party.member(party.north_committee).pk,
        kind=TransferKind.OUT,
        outside_organization="中共上海市某支部委员会",
        today=TODAY,
    )


def test_a_top_organization_cannot_approve_its_own_transfer_out(party: Party) -> None:
    transfer = _from_the_top(party)
    with pytest.raises(DomainError, match="不在其管理范围内"):
        act_on_transfer(
            actor=fresh(party.committee_north),
            transfer_id=transfer.pk,
            action=A.APPROVE_OUT,
            today=TODAY,
        )


def test_a_top_organization_shows_its_secretary_no_approval(party: Party) -> None:
    transfer = _from_the_top(party)
    assert A.APPROVE_OUT not in actions_for(fresh(party.committee_north), transfer)


def test_street_staff_approve_the_transfer_out_of_a_top_organization(party: Party) -> None:
    transfer = _from_the_top(party)
    done = act_on_transfer(
        actor=fresh(party.world.street_north),
        transfer_id=transfer.pk,
        action=A.APPROVE_OUT,
        today=TODAY,
    )
    assert done.letter_issued_on == TODAY


# --- 13: organization moves of arrivals are audited ----------------------------------------------


def test_the_start_of_a_reused_arrival_records_the_organization_move(party: Party) -> None:
    party.member(standing=Standing.TRANSFERRED_OUT)
    transfer = _arrive(party, person("回来了", id_number(party.seq)))
    event = AuditEvent.objects.get(action="transfer_started", target_id=str(transfer.pk))
    assert event.changes["organization"] == [party.branch_a.pk, party.branch_c.pk]


def test_cancelling_a_reused_arrival_records_the_organization_move(party: Party) -> None:
    party.member(standing=Standing.TRANSFERRED_OUT)
    transfer = _arrive(party, person("回来了", id_number(party.seq)))
    act_on_transfer(
        actor=fresh(party.secretary_c),
        transfer_id=transfer.pk,
        action=A.CANCEL,
        note="信息有误",
        today=TODAY,
    )
    event = AuditEvent.objects.get(action="transfer_cancelled", target_id=str(transfer.pk))
    assert event.changes["organization"] == [party.branch_c.pk, party.branch_a.pk]


def test_a_member_created_by_an_arrival_is_audited(party: Party) -> None:
    transfer = _arrive(party, person("外地来", id_number(906)))
    assert AuditEvent.objects.filter(
        action="member_created", target_id=str(transfer.member_id)
    ).exists()


# --- 14: the 介绍信 is for those who handle transfers ------------------------------------------


def test_a_viewer_without_transfer_management_cannot_download_the_letter(party: Party) -> None:
    transfer = start_transfer(
        actor=fresh(party.secretary_a),
        member_id=party.member().pk,
        kind=TransferKind.WITHIN,
        to_organization_id=party.branch_c.pk,
        today=TODAY,
    )
    act_on_transfer(
        actor=fresh(party.committee_north),
        transfer_id=transfer.pk,
        action=A.APPROVE_OUT,
        today=TODAY,
    )
    with pytest.raises(PermissionDenied):
        letter_file(actor=fresh(party.world.leader), transfer_id=transfer.pk, fmt="pdf")
