"""Group commit of public intake: concurrent submissions, one writer, the same rows and
answers as one-by-one intake (numbers, tracking codes, events, idempotency, audit chain)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from shegong.appeals.choices import AppealKind, Channel, EventKind
from shegong.appeals.models import Appeal, AppealEvent, IdempotencyRecord
from shegong.appeals.services import intake_queue
from shegong.appeals.services.intake import (
    IntakeData,
    _prepare,
    find_by_tracking,
    tracking_hash,
)
from shegong.appeals.services.intake_queue import IntakeWriter, _Pending, submit_public_appeal
from shegong.core.audit import verify_chain
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent


def _data(world: Any, i: int, **extra: Any) -> IntakeData:
    values: dict[str, Any] = {
        "kind": AppealKind.HL_COMPLAINT,
        "channel": Channel.API,
        "title": f"噪音扰民{i}",
        "body": f"第{i}号：楼下商铺每天深夜施工，噪音很大，影响休息。",
        "region_id": world.north_one.pk,
        "name": "李四",
        "phone": "13912345678",
    }
    values.update(extra)
    return IntakeData(**values)


def _pending(world: Any, i: int, key: str | None = None, **extra: Any) -> _Pending:
    data = _data(world, i, **extra)
    return _Pending(
        _prepare(
            actor=None,
            data=data,
            idempotency_key=key,
            now=timezone.now(),
            proxied=False,
            region=None,
        )
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_public_submissions_are_written_in_batches(world: Any) -> None:
    writer = IntakeWriter(max_batch=64)
    results: list[tuple[Appeal, str | None]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        try:
            for i in range(10):
                data = _data(world, n * 100 + i)
                item = _prepare(
                    actor=None,
                    data=data,
                    idempotency_key=f"t{n}-{i}",
                    now=timezone.now(),
                    proxied=False,
                    region=None,
                )
                result = writer.submit(item, timeout=30)
                with lock:
                    results.append(result)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.stop()
    assert not errors
    assert len(results) == 60
    assert writer.written == 60
    assert writer.batches < 60  # several submissions shared a transaction
    numbers = {appeal.number for appeal, _ in results}
    assert len(numbers) == 60
    for appeal, code in results:
        assert code
        stored = Appeal.objects.get(pk=appeal.pk)
        assert stored.number == appeal.number
        assert stored.number.endswith(f"{stored.pk:07d}")
        assert stored.tracking_hash == tracking_hash(stored.number, code)
        assert find_by_tracking(stored.number, code) == stored
        assert stored.petitioner is not None
        assert stored.petitioner.phone.reveal() == "13912345678"
        assert stored.policy_id is not None
    assert AppealEvent.objects.filter(kind=EventKind.REGISTERED).count() == 60
    assert IdempotencyRecord.objects.count() == 60
    assert AuditEvent.objects.filter(action="appeal_registered").count() == 60
    assert verify_chain(save=False).ok


@pytest.mark.django_db(transaction=True)
def test_replays_in_and_across_batches_return_the_first_appeal(world: Any) -> None:
    writer = IntakeWriter(max_batch=64)
    first = _pending(world, 1, key="same")
    twin = _pending(world, 1, key="same")  # the same submission, retried at once
    other = _pending(world, 2, key="other")
    writer.write([first, twin, other])  # the batch fails on the key; one by one then
    assert first.result is not None
    assert twin.result is not None
    assert other.result is not None
    assert twin.result[0].pk == first.result[0].pk
    assert first.result[1]
    assert twin.result[1] is None
    later = _pending(world, 1, key="same")
    writer.write([later])  # answered from the existing key, nothing written
    assert later.result is not None
    assert later.result == (first.result[0], None)
    conflict = _pending(world, 3, key="same")  # same key, other content
    writer.write([conflict])
    assert isinstance(conflict.error, DomainError)
    assert conflict.error.code == "idempotency_conflict"
    assert Appeal.objects.count() == 2
    assert verify_chain(save=False).ok


@pytest.mark.django_db(transaction=True)
def test_one_bad_item_does_not_cost_the_others(world: Any, monkeypatch: Any) -> None:
    writer = IntakeWriter(max_batch=64)
    good = _pending(world, 1, key="a")
    bad = _pending(world, 2, key="b")
    bad.item.data.kind = "no-such-kind"  # fails when written (KIND_STREAM lookup)
    writer.write([good, bad])
    assert good.result is not None
    assert good.error is None
    assert bad.result is None
    assert bad.error is not None
    assert Appeal.objects.count() == 1
    assert verify_chain(save=False).ok


@pytest.mark.django_db
def test_inside_a_transaction_intake_is_written_inline(world: Any, settings: Any) -> None:
    settings.SHEGONG_INTAKE_BATCHING = True  # even with batching on
    writer = IntakeWriter(max_batch=8)
    intake_queue._writer, saved = writer, intake_queue._writer
    try:
        appeal, code = submit_public_appeal(data=_data(world, 1), idempotency_key="inline")
    finally:
        intake_queue._writer = saved
        writer.stop()
    assert code
    assert Appeal.objects.filter(pk=appeal.pk).exists()
    assert writer.written == 0  # written inline, not handed to the writer thread
    again, none = submit_public_appeal(data=_data(world, 1), idempotency_key="inline")
    assert again.pk == appeal.pk
    assert none is None


@pytest.mark.django_db(transaction=True)
def test_submit_public_appeal_uses_the_writer_thread(world: Any, settings: Any) -> None:
    settings.SHEGONG_INTAKE_BATCHING = True
    writer = IntakeWriter(max_batch=8)
    intake_queue._writer, saved = writer, intake_queue._writer
    try:
        appeal, code = submit_public_appeal(data=_data(world, 7), idempotency_key="w")
    finally:
        intake_queue._writer = saved
        writer.stop()
    assert writer.written == 1
    assert code
    assert find_by_tracking(appeal.number, code) is not None


@pytest.mark.django_db(transaction=True)
def test_policy_versions_are_cached_and_a_new_version_clears_the_cache(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shegong.appeals.services.policies import policy_for, publish_policy_version

    now = timezone.now()
    policy_for(AppealKind.HL_COMPLAINT, world.north_one, now)  # creates the defaults
    first = policy_for(AppealKind.HL_COMPLAINT, world.north_one, now)  # fills the cache
    with CaptureQueriesContext(connection) as ctx:
        again = policy_for(AppealKind.HL_COMPLAINT, world.north_one, now)
    assert again.pk == first.pk
    assert len(ctx.captured_queries) == 0
    newer = publish_policy_version(
        actor=world.dept_admin,
        kind=AppealKind.HL_COMPLAINT,
        changes={"warn_hours": 12},
        effective_from=now,
    )
    assert policy_for(AppealKind.HL_COMPLAINT, world.north_one, timezone.now()).pk == newer.pk


@pytest.mark.django_db(transaction=True)
def test_region_cache_answers_from_memory_and_expires(world: Any, settings: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shegong.regions import cache

    assert cache.active_region_by_code(world.north_one.code) == world.north_one
    with CaptureQueriesContext(connection) as ctx:
        assert cache.active_region_by_code(world.north_one.code) == world.north_one
    assert len(ctx.captured_queries) == 0
    world.north_one.is_active = False
    world.north_one.save(update_fields=["is_active"])
    settings.SHEGONG_REGION_CACHE_SECONDS = 0  # expired
    assert cache.active_region_by_code(world.north_one.code) is None
