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
        started_on=own.started_on or kit.worker.started_on,
        note="另一管理员核对",
    )
    people.update_person(actor=kit.world.dept_admin, person_id=own.pk, data=data)
    assert Person.objects.get(pk=own.pk).note == "另一管理员核对"


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_staff_cannot_certify_themselves(kit: TalentKit) -> None:
    """No hours, credential, registration, posting assessment or attendance recorded by the
    account linked to the record (each would turn the person's own status green)."""
    from datetime import date

    import pytest

    from shegong.core.exceptions import DomainError
    from shegong.talent.services import credentials, training

    own, me, admin = _own(kit), kit.world.street_north, kit.world.dept_admin
    c = credentials.add_credential(
        actor=admin, person_id=own.pk, level="assistant", number="A-9", passed_on=date(2026, 3, 1)
    )
    posting = training.start_posting(
        actor=admin,
        person_id=own.pk,
        kind="sink",
        host_unit_id=kit.world.street_unit_n.pk,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 8, 31),
    )
    course = training.create_class(
        actor=admin,
        title="督导培训",
        kind="topic",
        unit_id=kit.world.street_unit_n.pk,
        region_id=kit.world.north.pk,
        starts_at=at(2026, 10, 21, 9),
        ends_at=at(2026, 10, 21, 17),
        capacity=5,
        hours=6,
    )
    enrolment = training.enrol(actor=admin, class_id=course.pk, person_id=own.pk)
    attempts = {
        "attendance": lambda: training.mark_attended(actor=me, enrolment_id=enrolment.pk),
        "hours": lambda: credentials.add_hours(
            actor=me,
            person_id=own.pk,
            hours="90",
            studied_on=date(2026, 10, 1),
            title="自学",
            evidence="笔记",
        ),
        "degree": lambda: credentials.credit_degree(
            actor=me, person_id=own.pk, completed_on=date(2026, 6, 30), evidence="学位证"
        ),
        "credential": lambda: credentials.add_credential(
            actor=me, person_id=own.pk, level="assistant", number="A-10", passed_on=date(2026, 3, 1)
        ),
        "register": lambda: credentials.register(
            actor=me, credential_id=c.pk, on=date(2026, 10, 20)
        ),
        "posting": lambda: training.close_posting(
            actor=me, posting_id=posting.pk, assessment="优", on=date(2026, 9, 1), hours=8
        ),
    }
    refused = {}
    for name, attempt in attempts.items():
        with pytest.raises(DomainError) as info:
            attempt()
        refused[name] = "不能为本人" in info.value.message
    assert refused == dict.fromkeys(attempts, True)
