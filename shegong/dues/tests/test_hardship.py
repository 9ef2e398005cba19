from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from shegong.core.exceptions import DomainError, TransitionNotAllowed
from shegong.core.models import AuditEvent
from shegong.dues.choices import HARDSHIP_TRANSITIONS, HardshipStatus
from shegong.dues.models import DuesAssessment
from shegong.dues.services import assessments, hardship

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 3, 15), tick=False):
        yield


def _proposal(party, amount="0"):
    a = assessments.set_assessment(
        actor=party.world.secretary,
        member_id=party.member.pk,
        year=2026,
        category="salaried",
        base="4000",
    )
    return hardship.propose_hardship(
        actor=party.world.secretary, assessment_id=a.pk, amount=amount, reason="重病住院，无收入"
    )


def test_branch_secretary_cannot_approve_their_own_branch(party):
    row = _proposal(party)
    with pytest.raises(DomainError, match="上级党委审批"):
        hardship.decide_hardship(actor=party.world.secretary, hardship_id=row.pk, action="approve")


def test_administrator_of_the_committee_above_approves(party):
    row = _proposal(party, "5")
    hardship.decide_hardship(actor=party.committee_secretary, hardship_id=row.pk, action="approve")
    a = DuesAssessment.objects.get(member=party.member, year=2026)
    assert (a.monthly_amount, a.computed_amount, a.hardship_approved_by) == (
        Decimal("5.00"),
        Decimal("40.00"),
        "北街道党工委",
    )


def test_street_staff_in_scope_approves_a_waiver(party):
    row = _proposal(party, "0")
    hardship.decide_hardship(actor=party.world.street_north, hardship_id=row.pk, action="approve")
    a = DuesAssessment.objects.get(member=party.member, year=2026)
    assert a.monthly_amount == Decimal("0.00")


def test_street_staff_of_another_street_does_not_see_the_proposal(party):
    row = _proposal(party)
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        hardship.decide_hardship(
            actor=party.world.street_south, hardship_id=row.pk, action="approve"
        )


def test_approval_is_audited(party):
    row = _proposal(party)
    hardship.decide_hardship(actor=party.world.street_north, hardship_id=row.pk, action="approve")
    assert AuditEvent.objects.filter(action="dues_hardship_approved").count() == 1


def test_a_decided_proposal_cannot_be_decided_again(party):
    row = _proposal(party)
    hardship.decide_hardship(actor=party.world.street_north, hardship_id=row.pk, action="reject")
    with pytest.raises(TransitionNotAllowed):
        hardship.decide_hardship(
            actor=party.world.street_north, hardship_id=row.pk, action="approve"
        )


def test_a_reduction_above_the_computed_amount_is_refused(party):
    with pytest.raises(DomainError, match="应低于"):
        _proposal(party, "50")


def test_rejection_leaves_the_amount(party):
    row = _proposal(party)
    hardship.decide_hardship(actor=party.world.street_north, hardship_id=row.pk, action="reject")
    assert DuesAssessment.objects.get(member=party.member).monthly_amount == Decimal("40.00")


def test_transitions_all_start_from_proposed():
    assert {src for src, _ in HARDSHIP_TRANSITIONS} == {HardshipStatus.PROPOSED}


def test_rebase_below_the_hardship_amount_drops_the_hardship(party):
    row = _proposal(party, "30")
    hardship.decide_hardship(actor=party.world.street_north, hardship_id=row.pk, action="approve")
    a = assessments.set_assessment(
        actor=party.world.secretary,
        member_id=party.member.pk,
        year=2026,
        category="salaried",
        base="2000",
    )
    assert (a.monthly_amount, a.hardship_amount) == (Decimal("10.00"), None)


def test_staff_who_administer_the_branch_itself_cannot_approve_it(party):
    from shegong.organizations.services import orgs

    orgs.set_org_administrator(
        actor=party.world.root, org_id=party.branch.pk, user_id=party.world.street_north.pk
    )
    row = _proposal(party)
    with pytest.raises(DomainError, match="上级党委审批"):
        hardship.decide_hardship(
            actor=party.world.street_north, hardship_id=row.pk, action="approve"
        )


def test_the_proposer_cannot_approve_their_own_proposal(party):
    a = assessments.set_assessment(
        actor=party.world.street_north,
        member_id=party.member.pk,
        year=2026,
        category="salaried",
        base="4000",
    )
    row = hardship.propose_hardship(
        actor=party.world.street_north, assessment_id=a.pk, amount="0", reason="失业"
    )
    with pytest.raises(DomainError, match="不能审批自己提出的"):
        hardship.decide_hardship(
            actor=party.world.street_north, hardship_id=row.pk, action="approve"
        )


def test_the_proposer_cannot_reject_their_own_proposal(party):
    a = assessments.set_assessment(
        actor=party.world.street_north,
        member_id=party.member.pk,
        year=2026,
        category="salaried",
        base="4000",
    )
    row = hardship.propose_hardship(
        actor=party.world.street_north, assessment_id=a.pk, amount="0", reason="失业"
    )
    with pytest.raises(DomainError, match="不能审批自己提出的"):
        hardship.decide_hardship(
            actor=party.world.street_north, hardship_id=row.pk, action="reject"
        )
