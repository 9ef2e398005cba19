"""A class page lists only the enrolments of people in the viewer's scope — on the page,
in the API and in the export — and the count it shows is theirs: a district-wide class
organised by the north street office, with one enrolment from each street, shows the
north street staff the north enrolment only (the south one used to be listed, its name
masked but its existence and unit shown)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shegong.talent.models import TrainingClass
from shegong.talent.services import training

from .conftest import ClientFor, TalentKit, at


@pytest.fixture
def district_class(kit: TalentKit) -> TrainingClass:
    w = kit.world
    now = timezone.now()
    klass = training.create_class(
        actor=w.dept_admin,
        title="全区社区工作者培训",
        kind="course",
        unit_id=w.street_unit_n.pk,
        region_id=w.district.pk,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=3),
        capacity=10,
        hours=3,
    )
    training.enrol(actor=w.dept_admin, class_id=klass.pk, person_id=kit.worker.pk)
    training.enrol(actor=w.dept_admin, class_id=klass.pk, person_id=kit.south_worker.pk)
    return klass


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_page_lists_only_enrolments_in_scope(
    kit: TalentKit, district_class: TrainingClass, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_north).get(f"/talent/classes/{district_class.pk}/")
    body = response.content.decode()
    table = body.split('data-testid="enrolments"', 1)[1].split("</table>", 1)[0]
    assert (kit.world.street_unit_n.name in table, kit.world.street_unit_s.name in table) == (
        True,
        False,
    )


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_page_counts_only_enrolments_in_scope(
    kit: TalentKit, district_class: TrainingClass, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_north).get(f"/talent/classes/{district_class.pk}/")
    assert "本辖区已报名 1 人" in response.content.decode()


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_department_sees_every_enrolment(
    kit: TalentKit, district_class: TrainingClass, client_for: ClientFor
) -> None:
    response = client_for(kit.world.dept_admin).get(f"/talent/classes/{district_class.pk}/")
    assert "本辖区已报名 2 人" in response.content.decode()


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_api_lists_only_enrolments_in_scope(
    kit: TalentKit, district_class: TrainingClass, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_north).get(
        f"/api/talent/classes/{district_class.pk}/enrolments"
    )
    data = response.json()
    assert (data["count"], [e["person_id"] for e in data["items"]]) == (1, [kit.worker.pk])


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_api_is_404_for_a_class_out_of_scope(
    kit: TalentKit, district_class: TrainingClass, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_south).get(
        f"/api/talent/classes/{district_class.pk}/enrolments"
    )
    assert response.status_code == 404


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_the_export_lists_only_enrolments_in_scope(
    kit: TalentKit, district_class: TrainingClass, client_for: ClientFor
) -> None:
    response = client_for(kit.world.street_north).get(
        f"/talent/classes/{district_class.pk}/?format=csv"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == [kit.world.street_unit_n.name]


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_attendance_cannot_be_marked_for_an_enrolment_out_of_scope(
    kit: TalentKit, district_class: TrainingClass, client_for: ClientFor
) -> None:
    south = district_class.enrolments.get(person=kit.south_worker)
    response = client_for(kit.world.street_north).post(
        f"/talent/classes/{district_class.pk}/attend/{south.pk}/"
    )
    south.refresh_from_db()
    assert (response.status_code, south.attended_at) == (404, None)
