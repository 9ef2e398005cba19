"""Several people take the last places of a class at the same moment: the class never holds
more enrolments than its capacity (the class row is locked before counting). Threads with
one connection each; skipped on the in-memory SQLite test database, which threads cannot
share (it runs on PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.talent.models import Enrolment
from shegong.talent.sample import make_person
from shegong.talent.services import training

from .conftest import TalentKit

pytestmark = pytest.mark.django_db(transaction=True)


def test_many_at_once_never_overfill(kit: TalentKit) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite cannot be shared between threads")
    admin = kit.world.dept_admin
    now = timezone.now()
    klass = training.create_class(
        actor=admin,
        title="专题培训",
        kind="topic",
        unit_id=kit.world.street_unit_n.pk,
        region_id=kit.world.north.pk,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=4),
        capacity=2,
        hours=4,
    )
    people = [
        make_person(
            admin,
            seq=500 + i,
            unit_id=kit.world.street_unit_n.pk,
            region_id=kit.world.north_one.pk,
        ).pk
        for i in range(5)
    ]
    barrier = threading.Barrier(len(people))
    results: list[str] = [""] * len(people)

    def run(index: int, person_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            training.enrol(actor=admin, class_id=klass.pk, person_id=person_id)
            results[index] = "ok"
        except DomainError as exc:
            results[index] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert (sorted(results), Enrolment.objects.filter(training=klass).count()) == (
        ["full", "full", "full", "ok", "ok"],
        2,
    )
