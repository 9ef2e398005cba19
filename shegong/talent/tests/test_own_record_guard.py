"""Staff cannot change their own talent record: the checks against grading, proposing and
approving for oneself rest on ``Person.account``, so a manager who could unlink their own
account (or edit their own post) could grade or promote themselves."""

from __future__ import annotations

import time_machine

from shegong.talent.models import Person
from shegong.talent.services import people

from .conftest import ClientFor, TalentKit, at


def _own(kit: TalentKit) -> Person:
    people.link_account(
        actor=kit.world.dept_admin, person_id=kit.colleague.pk, account=kit.world.street_north
    )
    Person.objects.filter(pk=kit.colleague.pk).update(post="其他社区工作者")
    return Person.objects.get(pk=kit.colleague.pk)


def _form(kit: TalentKit, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category": "community_worker",
        "unit": kit.world.street_unit_n.pk,
        "region": kit.world.north_one.pk,
        "post": "社区正职",
        "started_on": "2019-07-01",
        "account": kit.world.street_north.username,
    }
    data.update(changes)
    return data


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_staff_cannot_edit_their_own_post(kit: TalentKit, client_for: ClientFor) -> None:
    own = _own(kit)
    response = client_for(kit.world.street_north).post(f"/talent/people/{own.pk}/edit/", _form(kit))
    body = response.content.decode()
    assert (response.status_code, "不能修改本人的人才档案" in body) == (200, True)
    assert Person.objects.get(pk=own.pk).post == "其他社区工作者"


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_staff_cannot_unlink_their_own_account(kit: TalentKit, client_for: ClientFor) -> None:
    own = _own(kit)
    response = client_for(kit.world.street_north).post(
        f"/talent/people/{own.pk}/edit/", _form(kit, post="其他社区工作者", account="")
    )
    assert "不能修改本人的人才档案" in response.content.decode()
    assert Person.objects.get(pk=own.pk).account_id == kit.world.street_north.pk


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_another_manager_may_edit_the_record(kit: TalentKit) -> None:
    own = _own(kit)
    data = people.PersonInput(
        category="community_worker",
        name="",
        id_number="",
        unit_id=kit.world.street_unit_n.pk,
        region_id=kit.world.north_one.pk,
        post="社区副职",
        started_on=own.started_on or kit.worker.started_on,
    )
    people.update_person(actor=kit.world.dept_admin, person_id=own.pk, data=data)
    assert Person.objects.get(pk=own.pk).post == "社区副职"
