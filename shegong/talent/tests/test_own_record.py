"""Nobody grades, answers the appeal of, proposes or approves a decision about themselves."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.talent.models import Cycle, Evaluation
from shegong.talent.services import decisions, evaluation
from shegong.talent.services.people import link_account

from .conftest import ClientFor, TalentKit, at


def _link(kit: TalentKit, account: User) -> None:
    """``account`` becomes the platform account of ``kit.colleague``."""
    link_account(actor=kit.world.dept_admin, person_id=kit.colleague.pk, account=account)


def _cycle(kit: TalentKit) -> Cycle:
    return evaluation.open_cycle(
        actor=kit.world.dept_admin, year=2026, region_id=kit.world.north.pk
    )


def _own_row(cycle: Cycle, kit: TalentKit) -> Evaluation:
    return cycle.evaluations.get(person=kit.colleague)


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_reviewer_cannot_grade_themselves(kit: TalentKit) -> None:
    _link(kit, kit.world.street_north)
    cycle = _cycle(kit)
    with pytest.raises(DomainError, match="本人"):
        evaluation.grade(
            actor=kit.world.street_north,
            evaluation_id=_own_row(cycle, kit).pk,
            grade="优秀",
            comment="自评优秀",
        )


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_reviewer_cannot_answer_their_own_appeal(kit: TalentKit) -> None:
    cycle = _cycle(kit)
    for row in cycle.evaluations.all():
        evaluation.grade(
            actor=kit.world.dept_admin, evaluation_id=row.pk, grade="基本称职", comment="一般"
        )
    evaluation.advance(actor=kit.world.dept_admin, cycle_id=cycle.pk)
    evaluation.advance(
        actor=kit.world.dept_admin, cycle_id=cycle.pk, publicity_until=date(2027, 1, 20)
    )
    _link(kit, kit.world.street_north)
    row = _own_row(cycle, kit)
    evaluation.appeal_grade(actor=kit.world.street_north, evaluation_id=row.pk, text="有误")
    with pytest.raises(DomainError, match="本人"):
        evaluation.answer_appeal(
            actor=kit.world.street_north,
            evaluation_id=row.pk,
            result="改为称职",
            new_grade="称职",
        )


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_nobody_proposes_a_decision_about_themselves(kit: TalentKit) -> None:
    _link(kit, kit.world.street_north)
    with pytest.raises(DomainError, match="本人"):
        decisions.propose(
            actor=kit.world.street_north,
            person_id=kit.colleague.pk,
            kind="award",
            title="表彰",
            basis="优秀",
        )


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_approver_cannot_decide_about_themselves(kit: TalentKit) -> None:
    d = decisions.propose(
        actor=kit.world.street_north,
        person_id=kit.colleague.pk,
        kind="award",
        title="表彰",
        basis="优秀",
    )
    _link(kit, kit.world.dept_admin)
    with pytest.raises(DomainError, match="本人"):
        decisions.decide(actor=kit.world.dept_admin, decision_id=d.pk, approve=True, note="同意")


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_refused_appeal_answer_keeps_the_typed_text(kit: TalentKit, client_for: ClientFor) -> None:
    cycle = _cycle(kit)
    for row in cycle.evaluations.all():
        evaluation.grade(
            actor=kit.world.dept_admin, evaluation_id=row.pk, grade="基本称职", comment="一般"
        )
    evaluation.advance(actor=kit.world.dept_admin, cycle_id=cycle.pk)
    evaluation.advance(
        actor=kit.world.dept_admin, cycle_id=cycle.pk, publicity_until=date(2027, 1, 20)
    )
    _link(kit, kit.world.street_north)
    row = _own_row(cycle, kit)
    evaluation.appeal_grade(actor=kit.world.street_north, evaluation_id=row.pk, text="有误")
    response = client_for(kit.world.street_north).post(
        f"/talent/evaluations/{row.pk}/",
        {"answer": "1", "result": "复核后维持原等次说明", "grade": ""},
    )
    body = response.content.decode()
    assert ("不能答复本人" in body, ">复核后维持原等次说明</textarea>" in body) == (True, True)
