"""The demo appeals: built through the services, audit-chained, in several states."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from shegong.appeals.choices import AppealStatus, EventKind, WorkOrderRole, WorkOrderStatus
from shegong.appeals.models import Appeal, AppealEvent, ExtensionRequest, WorkOrder, masked_copy
from shegong.core.audit import verify_chain
from shegong.core.models import AuditEvent
from shegong.demo import appeals as demo_appeals
from shegong.demo.appeals import APPEAL_COUNTS, arrivals, id_number, load_messages, localise
from shegong.demo.generator import generate
from shegong.lib.validators import validate_id_number, validate_mobile

# The full small demo has ~300 appeals (about 25 s of service calls on a 2-core machine);
# the test runs the same generator with fewer so it stays under 20 s.
TEST_COUNT = 120


@pytest.fixture
def small_demo(db, monkeypatch):
    monkeypatch.setitem(APPEAL_COUNTS, "small", TEST_COUNT)
    return generate("small", log=lambda _m: None)


def test_small_demo_appeals_go_through_the_services(small_demo) -> None:
    assert small_demo.appeals == TEST_COUNT == Appeal.objects.count()
    assert AuditEvent.objects.filter(action="appeal_registered").count() == TEST_COUNT
    assert verify_chain().ok

    statuses = set(Appeal.objects.values_list("status", flat=True))
    assert AppealStatus.CLOSED in statuses
    assert statuses & {AppealStatus.REGISTERED, AppealStatus.ACCEPTED, AppealStatus.DISPATCHED}
    assert len(statuses) >= 4, statuses

    # Every appeal has a timeline and a policy; nothing is dated in the future.
    assert not Appeal.objects.annotate(n=Count("events")).filter(n=0).exists()
    assert not Appeal.objects.filter(policy__isnull=True).exists()
    now = timezone.now()
    assert not AppealEvent.objects.filter(at__gt=now).exists()
    assert Appeal.objects.filter(registered_at__lt=now - timedelta(days=60)).exists()

    # Closed appeals were answered: reply text, reply time, a replied and closed lead order.
    closed = Appeal.objects.filter(status=AppealStatus.CLOSED)
    assert not closed.filter(reply_text="").exists()
    assert not closed.filter(replied_at__isnull=True).exists()
    for appeal in closed[:20]:
        kinds = list(appeal.events.values_list("kind", flat=True))
        assert kinds[0] == EventKind.REGISTERED
        assert kinds[-1] == EventKind.CLOSED
        assert appeal.work_orders.filter(
            role=WorkOrderRole.LEAD, status=WorkOrderStatus.CLOSED
        ).exists()

    # The harder paths happen too: returns, extensions, and open orders past their deadline.
    assert Appeal.objects.filter(returns__gt=0).exists()
    assert ExtensionRequest.objects.exists()
    assert WorkOrder.objects.filter(
        status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED], due_at__lt=now
    ).exists()
    assert AppealEvent.objects.filter(kind=EventKind.BREACHED).exists()

    # Search by viewers who may not see identities reads the stored masked copy (issue #12).
    stale = [
        pk
        for pk, title, body, copy in Appeal.objects.values_list(
            "pk", "title", "body", "masked_search_text"
        )
        if copy != masked_copy(title, body)
    ]
    assert stale == []

    # Petitioners' numbers are valid (decrypted through the Sensitive wrapper).
    for appeal in Appeal.objects.exclude(petitioner=None).select_related("petitioner")[:30]:
        validate_mobile(appeal.petitioner.phone.reveal())
        if appeal.petitioner.id_number:
            validate_id_number(appeal.petitioner.id_number.reveal())


def test_people_texts_and_arrivals_are_valid_and_deterministic(tmp_path) -> None:
    rng = random.Random(7)
    now = timezone.now()
    for _ in range(200):
        validate_id_number(id_number(rng, "339901", now))
        validate_mobile(demo_appeals.mobile(rng))
    assert arrivals(50, random.Random(3), now) == arrivals(50, random.Random(3), now)
    times = [at for at, _ in arrivals(500, random.Random(3), now)]
    assert times == sorted(times)
    assert now - timedelta(days=121) < times[0]
    assert times[-1] < now

    messages, source = load_messages(tmp_path)  # no shared data here: the built-in list
    assert len(messages) == len(demo_appeals.FALLBACK_MESSAGES) >= 30
    assert "内置" in source
    assert (
        localise("A市A3区某小区，K8县，西地省", "示范市", "东城区")
        == "示范市东城区某小区，东城区，本省"
    )
