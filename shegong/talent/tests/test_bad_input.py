"""Bad numbers give a Chinese error and keep the input, never a server error; a cycle is
not archived while its publicity runs."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.talent.models import TalentPolicy
from shegong.talent.services import evaluation
from shegong.talent.services.policy import NUMBER_FIELDS

from .conftest import ClientFor, TalentKit, at


@pytest.mark.parametrize("hours", ["NaN", "Infinity", "-Infinity", "sNaN"])
@time_machine.travel(at(2026, 10, 20), tick=False)
def test_hours_not_a_number_is_refused(kit: TalentKit, client_for: ClientFor, hours: str) -> None:
    response = client_for(kit.world.dept_admin).post(
        f"/talent/people/{kit.worker.pk}/hours/",
        {"hours": hours, "studied_on": "2026-10-01", "title": "讲座"},
        follow=True,
    )
    assert "学时应为数字" in response.content.decode()


def _class_form(kit: TalentKit, capacity: str) -> dict[str, object]:
    return {
        "title": "督导培训",
        "kind": "course",
        "unit": kit.world.street_unit_n.pk,
        "region": kit.world.north.pk,
        "starts_at": "2026-11-01T09:00",
        "ends_at": "2026-11-01T12:00",
        "capacity": capacity,
        "hours": "3",
    }


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_huge_capacity_is_refused_with_the_input_kept(
    kit: TalentKit, client_for: ClientFor
) -> None:
    response = client_for(kit.world.dept_admin).post(
        "/talent/classes/new/", _class_form(kit, "99999999999")
    )
    body = response.content.decode()
    assert ("名额应在1到10000之间" in body, 'value="99999999999"' in body) == (True, True)


def _policy_form(**changes: str) -> dict[str, str]:
    current = TalentPolicy.current()
    data = {name: str(getattr(current, name)) for name in NUMBER_FIELDS}
    data.update(
        grades="优秀、称职、基本称职、不称职",
        ladder_posts="社区正职：7-18\n社区副职：4-15\n其他社区工作者：1-12",
        years_per_step="3",
    )
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("validity_years", "99999", "登记有效期"),
        ("hours_assistant", "70000", "应在0到"),
        ("renewal_window_months", "36", "再登记期应短于登记有效期"),
        ("years_per_step", "70000", "每晋一级所需年限"),
    ],
)
@time_machine.travel(at(2026, 10, 20), tick=False)
def test_policy_bounds_are_checked_with_the_input_kept(
    kit: TalentKit, client_for: ClientFor, field: str, value: str, error: str
) -> None:
    response = client_for(kit.world.dept_admin).post(
        "/talent/policy/", _policy_form(**{field: value})
    )
    body = response.content.decode()
    assert (error in body, f'value="{value}"' in body or value in body) == (True, True)


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_cycle_is_not_archived_during_publicity(kit: TalentKit) -> None:
    cycle = evaluation.open_cycle(
        actor=kit.world.dept_admin, year=2026, region_id=kit.world.north.pk
    )
    for row in cycle.evaluations.all():
        evaluation.grade(
            actor=kit.world.dept_admin, evaluation_id=row.pk, grade="称职", comment="按期完成"
        )
    evaluation.advance(actor=kit.world.dept_admin, cycle_id=cycle.pk)
    evaluation.advance(
        actor=kit.world.dept_admin, cycle_id=cycle.pk, publicity_until=date(2027, 1, 20)
    )
    with (
        time_machine.travel(at(2027, 1, 20), tick=False),
        pytest.raises(DomainError, match="公示期"),
    ):
        evaluation.advance(actor=kit.world.dept_admin, cycle_id=cycle.pk)


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_cycle_is_archived_after_publicity(kit: TalentKit) -> None:
    cycle = evaluation.open_cycle(
        actor=kit.world.dept_admin, year=2026, region_id=kit.world.north.pk
    )
    for row in cycle.evaluations.all():
        evaluation.grade(
            actor=kit.world.dept_admin, evaluation_id=row.pk, grade="称职", comment="按期完成"
        )
    evaluation.advance(actor=kit.world.dept_admin, cycle_id=cycle.pk)
    evaluation.advance(
        actor=kit.world.dept_admin, cycle_id=cycle.pk, publicity_until=date(2027, 1, 20)
    )
    with time_machine.travel(at(2027, 1, 21), tick=False):
        closed = evaluation.advance(actor=kit.world.dept_admin, cycle_id=cycle.pk)
    assert closed.status == "closed"
