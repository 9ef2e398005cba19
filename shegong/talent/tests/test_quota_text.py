"""Where the 优秀 quota is shown, the page says plainly what it comes to per unit — the
rule rounds down (unchanged: the department must confirm any change), so a unit of fewer
than 5 people has no 优秀 place at 20%, and a reviewer should read that before grading."""

from __future__ import annotations

import time_machine

from shegong.talent.models import Cycle
from shegong.talent.sample import make_person
from shegong.talent.services import evaluation

from .conftest import ClientFor, TalentKit, at


def _cycle(kit: TalentKit, extra: int) -> Cycle:
    for i in range(extra):
        make_person(
            kit.world.dept_admin,
            seq=300 + i,
            unit_id=kit.world.street_unit_n.pk,
            region_id=kit.world.north_one.pk,
        )
    return evaluation.open_cycle(
        actor=kit.world.dept_admin, year=2026, region_id=kit.world.north.pk
    )


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_the_cycle_page_says_a_small_unit_has_no_place(
    kit: TalentKit, client_for: ClientFor
) -> None:
    cycle = _cycle(kit, extra=2)  # 4 people in the north street office
    body = client_for(kit.world.street_north).get(f"/talent/cycles/{cycle.pk}/").content.decode()
    assert "本单位共4人，按20%计优秀名额为0个" in body


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_the_cycle_page_says_why_a_small_unit_has_no_place(
    kit: TalentKit, client_for: ClientFor
) -> None:
    cycle = _cycle(kit, extra=2)
    body = client_for(kit.world.street_north).get(f"/talent/cycles/{cycle.pk}/").content.decode()
    assert "不足5人的单位按现行规则没有优秀名额" in body


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_the_cycle_page_states_the_quota_of_a_unit_of_five(
    kit: TalentKit, client_for: ClientFor
) -> None:
    cycle = _cycle(kit, extra=3)  # 5 people: 1 place
    body = client_for(kit.world.street_north).get(f"/talent/cycles/{cycle.pk}/").content.decode()
    assert "本单位共5人，按20%计优秀名额为1个，已评0个" in body


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_the_reviewer_page_states_the_quota_of_the_unit(
    kit: TalentKit, client_for: ClientFor
) -> None:
    cycle = _cycle(kit, extra=2)
    row = cycle.evaluations.get(person=kit.colleague)
    body = client_for(kit.world.street_north).get(f"/talent/evaluations/{row.pk}/")
    assert "本单位共4人，按20%计优秀名额为0个" in body.content.decode()
