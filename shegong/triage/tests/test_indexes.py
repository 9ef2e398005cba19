"""The worker's indexes: the routing history on disk (a worker that starts loads it and
catches up from its mark instead of reading every closed appeal again) and the
near-duplicate index of a long-lived worker (rebuilt instead of growing forever)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.textmining import RoutingHistory
from shegong.triage import indexes


@pytest.fixture
def closed(world: Any, make_appeal: Any, settings: Any, tmp_path: Any) -> Any:
    """``closed(i)`` closes a fresh appeal (handled by 市住建局); snapshots go to tmp_path."""
    settings.DATA_DIR = tmp_path
    later = timezone.now()

    def close(i: int) -> Appeal:
        a, _code = make_appeal(title=f"工资拖欠{i}", body=f"第{i}次反映：老板拖欠工人工资。")
        Appeal.objects.filter(pk=a.pk).update(
            status=AppealStatus.CLOSED,
            closed_at=later + timedelta(seconds=i),
            lead_unit=world.unit_a,
            category_l1="劳动和社会保障",
        )
        return a

    return close


@pytest.fixture
def records_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many history records each build step read from the database."""
    read: list[int] = []
    original = RoutingHistory.add_many

    def counting(self: RoutingHistory, records: Any) -> int:
        records = list(records)
        read.append(len(records))
        return original(self, records)

    monkeypatch.setattr(RoutingHistory, "add_many", counting)
    return read


def _saved_then_restarted(closed: Any, n: int) -> None:
    for i in range(n):
        closed(i)
    with indexes._lock:
        indexes.save_snapshot()
    indexes.reset_caches()  # a new worker process


def test_a_restarted_worker_loads_the_snapshot(closed: Any, records_read: list[int]) -> None:
    _saved_then_restarted(closed, 3)
    records_read.clear()
    with indexes._lock:
        size = len(indexes.get_routing_history())
    assert (size, records_read) == (3, [])


def test_a_loaded_snapshot_catches_up(closed: Any) -> None:
    _saved_then_restarted(closed, 3)
    closed(3)
    with indexes._lock:
        assert len(indexes.get_routing_history()) == 4


def test_the_category_counts_come_with_it(closed: Any) -> None:
    _saved_then_restarted(closed, 3)
    with indexes._lock:
        indexes.get_routing_history()
    assert sum(indexes._category_units[("劳动和社会保障", "")].values()) == 3


def test_a_snapshot_of_another_database_is_ignored(closed: Any, records_read: list[int]) -> None:
    _saved_then_restarted(closed, 3)
    state = indexes.snapshot_dir() / "state.json"
    state.write_text(json.dumps({**json.loads(state.read_text()), "database": "other"}))
    records_read.clear()
    with indexes._lock:
        indexes.get_routing_history()
    assert records_read == [3]  # built from the database


def test_a_snapshot_whose_last_appeal_is_gone_is_ignored(
    closed: Any, records_read: list[int]
) -> None:
    _saved_then_restarted(closed, 3)
    Appeal.objects.filter(pk=Appeal.objects.order_by("-pk")[0].pk).update(closed_at=None)
    records_read.clear()
    with indexes._lock:
        indexes.get_routing_history()
    assert records_read == [2]


def test_a_long_lived_workers_duplicate_index_forgets_old_appeals(
    world: Any, make_appeal: Any
) -> None:
    """Out of the 90-day window and 30 days more: the index was rebuilt without it."""
    old, _code = make_appeal(title="楼道堆放杂物", body="三号楼楼道堆满杂物，存在消防隐患。")
    registered = old.registered_at
    with indexes._lock:
        indexes.get_index(registered)
        later = registered + timedelta(days=indexes.DUPLICATE_DAYS + indexes.INDEX_REBUILD_DAYS + 1)
        assert str(old.pk) not in indexes.get_index(later)


def test_the_duplicate_index_is_not_rebuilt_within_the_slack(world: Any) -> None:
    start = timezone.now()
    with indexes._lock:
        first = indexes.get_index(start)
        later = start + timedelta(days=indexes.INDEX_REBUILD_DAYS - 1)
        assert indexes.get_index(later) is first


def test_a_batch_catches_up_once(world: Any, django_assert_num_queries: Any) -> None:
    with indexes.one_catch_up(), django_assert_num_queries(0):
        indexes.get_index()
        indexes.get_routing_history()


def test_a_batch_triages_every_appeal(world: Any, make_appeal: Any) -> None:
    from shegong.triage.models import TriageResult
    from shegong.triage.services import triage_many

    first, _code = make_appeal(title="楼道堆放杂物", body="三号楼楼道堆满杂物，存在消防隐患。")
    second, _code = make_appeal(title="楼道堆放杂物", body="三号楼楼道堆满杂物，存在消防隐患。")
    TriageResult.objects.all().delete()
    triage_many([first.pk, second.pk])
    dup = TriageResult.objects.get(appeal=second).duplicates
    assert [d["appeal_id"] for d in dup] == [first.pk]
