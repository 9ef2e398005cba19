"""Two volunteers take the last place at the same moment: exactly one gets it.

Runs with real transactions and several threads (one database connection each). On
PostgreSQL the slot row lock (SELECT … FOR UPDATE) serialises them; on SQLite every
transaction is IMMEDIATE, so the second writer waits for the first. A barrier releases the
threads at once; there is no hook that delays the winner, so the race window is only the
natural one and a run without the lock could still pass by luck (it overbooks reliably
only with many threads). The deterministic lock-order check — one transaction held open
while another must wait — is in ``test_cancel_race.py`` (PostgreSQL). Skipped on the
in-memory SQLite test database, which threads cannot share.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from shegong.volunteers import services
from shegong.volunteers.models import Signup, Slot

pytestmark = pytest.mark.django_db(transaction=True)


def _race(slot_id: int, volunteer_ids: list[int]) -> list[Any]:
    barrier = threading.Barrier(len(volunteer_ids))
    results: list[Any] = [None] * len(volunteer_ids)

    def run(index: int, vid: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = services.sign_up(volunteer_id=vid, slot_id=slot_id).status
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, v)) for i, v in enumerate(volunteer_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_volunteers_take_the_last_place_at_once(kit: Any) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite cannot be shared between threads")
    activity = kit.activity(capacity=2)
    slot = activity.slots.get()
    first = kit.volunteer()
    services.sign_up(volunteer_id=first.pk, slot_id=slot.pk)  # one place left
    a, b = kit.volunteer(), kit.volunteer()
    results = _race(slot.pk, [a.pk, b.pk])
    assert sorted(map(str, results)) == ["confirmed", "waitlisted"], results
    slot.refresh_from_db()
    assert slot.taken == 2 == Signup.objects.filter(slot=slot, status="confirmed").count()
    assert Signup.objects.filter(slot=slot, status="waitlisted").count() == 1


def test_many_at_once_never_overbook(kit: Any) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("in-memory SQLite cannot be shared between threads")
    activity = kit.activity(capacity=3)
    slot = activity.slots.get()
    people = [kit.volunteer().pk for _ in range(6)]
    results = _race(slot.pk, people)
    assert sorted(map(str, results)) == ["confirmed"] * 3 + ["waitlisted"] * 3, results
    assert Slot.objects.get(pk=slot.pk).taken == 3
