"""Cancelling an activity while someone signs up: the two take their locks in the same
order (activity row, then slot rows), so the sign-up cannot land CONFIRMED on a cancelled
activity.

PostgreSQL only: it needs real row locks. On SQLite every transaction is IMMEDIATE (one
writer at a time), so the interleaving this guards against cannot happen there.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from shegong.core.exceptions import DomainError
from shegong.volunteers import services
from shegong.volunteers.models import Activity, Signup, Slot

pytestmark = pytest.mark.django_db(transaction=True)


def _need_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite serialises every write transaction, no race to test")


def test_sign_up_waits_for_a_cancellation_and_then_fails(kit: Any) -> None:
    _need_postgres()
    activity = kit.activity(capacity=5)
    slot = activity.slots.get()
    earlier = kit.volunteer()
    services.sign_up(volunteer_id=earlier.pk, slot_id=slot.pk)
    late = kit.volunteer()
    locked, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def cancel() -> None:
        try:
            with transaction.atomic():
                # the cancellation's first lock, held while the sign-up starts
                Activity.objects.select_for_update().get(pk=activity.pk)
                locked.set()
                release.wait(timeout=10)
                services.change_activity_status(
                    actor=kit.vm_north, activity_id=activity.pk, to="cancelled", reason="暴雨"
                )
        finally:
            connections.close_all()

    def sign_up() -> None:
        try:
            outcome["result"] = services.sign_up(volunteer_id=late.pk, slot_id=slot.pk).status
        except Exception as exc:
            outcome["result"] = exc
        finally:
            connections.close_all()

    canceller = threading.Thread(target=cancel)
    canceller.start()
    assert locked.wait(timeout=10)
    signer = threading.Thread(target=sign_up)
    signer.start()
    time.sleep(0.5)
    # the sign-up is blocked on the activity row, not racing ahead on the slot alone
    assert signer.is_alive(), outcome
    release.set()
    canceller.join(timeout=30)
    signer.join(timeout=30)
    assert isinstance(outcome["result"], DomainError), outcome
    assert not Signup.objects.filter(slot=slot, status="confirmed").exists()
    assert Slot.objects.get(pk=slot.pk).taken == 0


def test_lock_order_is_activity_then_slot(kit: Any) -> None:
    _need_postgres()
    activity = kit.activity(capacity=5)
    slot = activity.slots.get()
    v = kit.volunteer()

    def order(queries: list[dict[str, str]]) -> list[str]:
        seen = []
        for q in queries:
            sql = q["sql"]
            if "FOR UPDATE" in sql:
                table = sql.split(" FROM ", 1)[1].split()[0].strip('"')
                if table in ("volunteers_activity", "volunteers_slot"):
                    seen.append(table)
        return seen

    with CaptureQueriesContext(connection) as signing:
        services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    assert order(signing.captured_queries)[:2] == ["volunteers_activity", "volunteers_slot"]
    with CaptureQueriesContext(connection) as cancelling:
        services.change_activity_status(
            actor=kit.vm_north, activity_id=activity.pk, to="cancelled", reason="暴雨"
        )
    assert order(cancelling.captured_queries)[:2] == ["volunteers_activity", "volunteers_slot"]
