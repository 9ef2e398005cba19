"""Training classes: enrolment against capacity, QR check-in crediting hours once, the
manager's entry, postings."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.talent.models import HoursRecord, TrainingClass
from shegong.talent.services import training

from .conftest import TalentKit, at


def _class(kit: TalentKit, capacity: int = 2) -> TrainingClass:
    return training.create_class(
        actor=kit.world.street_north,
        title="社区治理专题培训",
        kind="topic",
        unit_id=kit.world.street_unit_n.pk,
        region_id=kit.world.north.pk,
        starts_at=at(2026, 5, 10, 9),
        ends_at=at(2026, 5, 10, 17),
        capacity=capacity,
        hours=6,
    )


@time_machine.travel(at(2026, 5, 1), tick=False)
def test_the_last_place_goes_once(kit: TalentKit) -> None:
    c = _class(kit, capacity=1)
    training.enrol_self(actor=kit.sw_user, class_id=c.pk)
    with pytest.raises(DomainError, match="名额已满"):
        training.enrol(actor=kit.world.street_north, class_id=c.pk, person_id=kit.colleague.pk)


@time_machine.travel(at(2026, 5, 1), tick=False)
def test_a_class_outside_the_persons_region_is_refused(kit: TalentKit) -> None:
    c = training.create_class(
        actor=kit.world.dept_admin,
        title="南街道培训",
        kind="course",
        unit_id=kit.world.street_unit_s.pk,
        region_id=kit.world.south.pk,
        starts_at=at(2026, 5, 10, 9),
        ends_at=at(2026, 5, 10, 17),
        capacity=5,
        hours=3,
    )
    with pytest.raises(DomainError, match="不面向您所在的区域"):
        training.enrol_self(actor=kit.sw_user, class_id=c.pk)


def test_check_in_credits_the_hours_once(kit: TalentKit) -> None:
    with time_machine.travel(at(2026, 5, 1), tick=False):
        c = _class(kit)
        training.enrol_self(actor=kit.sw_user, class_id=c.pk)
    with time_machine.travel(at(2026, 5, 10, 9), tick=False):
        token = training.class_token(c.pk)
        training.check_in(actor=kit.sw_user, token=token)
        with pytest.raises(DomainError, match="已签到"):
            training.check_in(actor=kit.sw_user, token=token)
    assert HoursRecord.objects.filter(person=kit.worker).count() == 1


def test_an_expired_code_is_refused(kit: TalentKit) -> None:
    with time_machine.travel(at(2026, 5, 10, 9), tick=False):
        c = _class(kit)
        token = training.class_token(c.pk)
    with time_machine.travel(at(2026, 5, 10, 10), tick=False), pytest.raises(DomainError) as exc:
        training.check_in(actor=kit.sw_user, token=token)
    assert exc.value.code == "token_expired"


def test_a_volunteer_slot_code_is_not_a_class_code(kit: TalentKit) -> None:
    from shegong.volunteers.services.checkin import checkin_token

    with time_machine.travel(at(2026, 5, 10, 9), tick=False):
        c = _class(kit)
        with pytest.raises(DomainError) as exc:
            training.check_in(actor=kit.sw_user, token=checkin_token(c.pk))
    assert exc.value.code == "token_invalid"


def test_check_in_without_enrolment_is_refused(kit: TalentKit) -> None:
    with time_machine.travel(at(2026, 5, 10, 9), tick=False):
        c = _class(kit)
        with pytest.raises(DomainError, match="未报名"):
            training.check_in(actor=kit.sw_user, token=training.class_token(c.pk))


@time_machine.travel(at(2026, 5, 10, 9), tick=False)
def test_the_organiser_marks_attendance(kit: TalentKit) -> None:
    c = _class(kit)
    e = training.enrol(actor=kit.world.street_north, class_id=c.pk, person_id=kit.colleague.pk)
    record = training.mark_attended(actor=kit.world.street_north, enrolment_id=e.pk)
    assert record.hours == 6


@time_machine.travel(at(2026, 5, 10, 9), tick=False)
def test_another_street_cannot_mark_attendance(kit: TalentKit) -> None:
    c = _class(kit)
    e = training.enrol(actor=kit.world.street_north, class_id=c.pk, person_id=kit.colleague.pk)
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        training.mark_attended(actor=kit.world.street_south, enrolment_id=e.pk)


@time_machine.travel(at(2026, 9, 1), tick=False)
def test_posting_closes_with_assessment_and_hours(kit: TalentKit) -> None:
    p = training.start_posting(
        actor=kit.world.street_north,
        person_id=kit.worker.pk,
        kind="sink",
        host_unit_id=kit.world.street_unit_n.pk,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 8, 31),
    )
    training.close_posting(
        actor=kit.world.street_north,
        posting_id=p.pk,
        assessment="表现良好",
        on=date(2026, 9, 1),
        hours=8,
    )
    assert HoursRecord.objects.get(person=kit.worker).title == "实践锻炼（下沉社区）"


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_open_classes_are_chosen_in_the_database(kit: TalentKit) -> None:
    """200 earlier classes elsewhere in the city do not hide the person's own class."""
    from datetime import timedelta

    from shegong.talent.models import TrainingClass
    from shegong.talent.services.training import open_classes

    start = at(2026, 11, 1)
    TrainingClass.objects.bulk_create(
        TrainingClass(
            title=f"南街道培训{n}",
            kind="course",
            unit=kit.world.street_unit_s,
            region=kit.world.south,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=30,
            hours=2,
        )
        for n in range(200)
    )
    mine = TrainingClass.objects.create(
        title="北一社区培训",
        kind="course",
        unit=kit.world.street_unit_n,
        region=kit.world.north_one,
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=2),
        capacity=30,
        hours=2,
    )
    assert [c.pk for c in open_classes(kit.worker)] == [mine.pk]
