"""A person's post (and with it the level on the ladder) changes only through an approved
晋升/降级 decision, or when the person is first registered or imported: the edit form
shows the post read-only with a link to propose a decision, and ``update_person`` refuses
a different post in Chinese (a manager used to move someone else's post on the form, only
audited)."""

from __future__ import annotations

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.talent.models import Person
from shegong.talent.services import decisions, people

from .conftest import ClientFor, TalentKit, at

REFUSED = "岗位只能通过审批通过的晋升或降级决定调整"


def _input(kit: TalentKit, post: str | None, note: str = "") -> people.PersonInput:
    return people.PersonInput(
        category="community_worker",
        name="",
        id_number="",
        unit_id=kit.world.street_unit_n.pk,
        region_id=kit.world.north_one.pk,
        post=post,
        started_on=kit.worker.started_on,
        degree="bachelor",
        note=note,
    )


def _form(kit: TalentKit, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category": "community_worker",
        "unit": kit.world.street_unit_n.pk,
        "region": kit.world.north_one.pk,
        "started_on": "2019-07-01",
        "degree": "bachelor",
        "account": kit.sw_user.username,
        "note": "已核对",
    }
    data.update(extra)
    return data


def _post(kit: TalentKit) -> str:
    return Person.objects.get(pk=kit.worker.pk).post


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_the_service_refuses_a_post_change(kit: TalentKit) -> None:
    with pytest.raises(DomainError, match=REFUSED):
        people.update_person(
            actor=kit.world.dept_admin, person_id=kit.worker.pk, data=_input(kit, "社区副职")
        )
    assert _post(kit) == "其他社区工作者"


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_the_service_refuses_clearing_the_post(kit: TalentKit) -> None:
    with pytest.raises(DomainError, match=REFUSED):
        people.update_person(
            actor=kit.world.dept_admin, person_id=kit.worker.pk, data=_input(kit, "")
        )
    assert _post(kit) == "其他社区工作者"


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_the_service_keeps_the_post_when_none_is_given(kit: TalentKit) -> None:
    people.update_person(
        actor=kit.world.dept_admin, person_id=kit.worker.pk, data=_input(kit, None, "已核对")
    )
    worker = Person.objects.get(pk=kit.worker.pk)
    assert (worker.post, worker.note) == ("其他社区工作者", "已核对")


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_the_form_shows_the_post_read_only_with_a_link_to_propose(
    kit: TalentKit, client_for: ClientFor
) -> None:
    response = client_for(kit.world.dept_admin).get(f"/talent/people/{kit.worker.pk}/edit/")
    body = response.content.decode()
    link = f'href="/talent/people/{kit.worker.pk}/?propose=1#propose-decision"'
    assert ('name="post"' in body, 'data-testid="post-read-only"' in body, link in body) == (
        False,
        True,
        True,
    )


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_the_form_refuses_a_posted_post_change(kit: TalentKit, client_for: ClientFor) -> None:
    response = client_for(kit.world.dept_admin).post(
        f"/talent/people/{kit.worker.pk}/edit/", _form(kit, post="社区正职")
    )
    body = response.content.decode()
    assert (response.status_code, REFUSED in body, _post(kit)) == (200, True, "其他社区工作者")


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_the_form_saves_the_rest_and_keeps_the_post(kit: TalentKit, client_for: ClientFor) -> None:
    response = client_for(kit.world.dept_admin).post(
        f"/talent/people/{kit.worker.pk}/edit/", _form(kit)
    )
    worker = Person.objects.get(pk=kit.worker.pk)
    assert (response.status_code, worker.post, worker.note) == (302, "其他社区工作者", "已核对")


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_a_new_person_gets_the_post_typed(kit: TalentKit, client_for: ClientFor) -> None:
    from shegong.talent.sample import id_number

    response = client_for(kit.world.dept_admin).post(
        "/talent/new/",
        {
            "category": "community_worker",
            "name": "周社工",
            "id_number": id_number(811),
            "unit": kit.world.street_unit_n.pk,
            "region": kit.world.north_one.pk,
            "post": "社区副职",
            "started_on": "2020-01-01",
        },
    )
    created = Person.objects.exclude(pk__in=[kit.worker.pk, kit.colleague.pk, kit.south_worker.pk])
    assert (response.status_code, [p.post for p in created]) == (302, ["社区副职"])


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_an_approved_promotion_still_moves_the_post(kit: TalentKit) -> None:
    decision = decisions.propose(
        actor=kit.world.street_north,
        person_id=kit.worker.pk,
        kind="promotion",
        title="晋升社区副职",
        basis="连续两年优秀",
        post="社区副职",
    )
    decisions.decide(actor=kit.world.dept_admin, decision_id=decision.pk, approve=True, note="同意")
    assert _post(kit) == "社区副职"
