"""The worker's indexes: the routing history on disk (a worker that starts loads it and
catches up from its mark instead of reading every closed appeal again) and the
near-duplicate index of a long-lived worker (rebuilt instead of growing forever)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from conftest import World
from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.textmining import HistoryRecord, RoutingHistory
from shegong.triage import indexes

Closer = Callable[[int], Appeal]
MakeAppeal = Callable[..., tuple[Appeal, str]]


@pytest.fixture
def closed(world: World, make_appeal: MakeAppeal, settings: Settings, tmp_path: Path) -> Closer:
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

    def counting(self: RoutingHistory, records: Iterable[HistoryRecord]) -> int:
        records = list(records)
        read.append(len(records))
        return original(self, records)

    monkeypatch.setattr(RoutingHistory, "add_many", counting)
    return read


def _saved_then_restarted(closed: Closer, n: int) -> None:
    for i in range(n):
        closed(i)
    with indexes._lock:
        indexes.save_snapshot()
    indexes.reset_caches()  # a new worker process


def _current() -> Path:
    current = indexes.current_snapshot()
    assert current is not None
    return current


def test_a_restarted_worker_loads_the_snapshot(closed: Closer, records_read: list[int]) -> None:
    _saved_then_restarted(closed, 3)
    records_read.clear()
    with indexes._lock:
        size = len(indexes.get_routing_history())
    assert (size, records_read) == (3, [])


def test_a_loaded_snapshot_catches_up(closed: Closer) -> None:
    _saved_then_restarted(closed, 3)
    closed(3)
    with indexes._lock:
        assert len(indexes.get_routing_history()) == 4


def test_the_category_counts_come_with_it(closed: Closer) -> None:
    _saved_then_restarted(closed, 3)
    with indexes._lock:
        indexes.get_routing_history()
    assert sum(indexes._category_units[("劳动和社会保障", "")].values()) == 3


def test_a_snapshot_of_another_database_is_ignored(closed: Closer, records_read: list[int]) -> None:
    _saved_then_restarted(closed, 3)
    state = _current() / "state.json"
    state.write_text(json.dumps({**json.loads(state.read_text()), "database": "other"}))
    records_read.clear()
    with indexes._lock:
        indexes.get_routing_history()
    assert records_read == [3]  # built from the database


def test_a_snapshot_whose_last_appeal_is_gone_is_ignored(
    closed: Closer, records_read: list[int]
) -> None:
    _saved_then_restarted(closed, 3)
    Appeal.objects.filter(pk=Appeal.objects.order_by("-pk")[0].pk).update(closed_at=None)
    records_read.clear()
    with indexes._lock:
        indexes.get_routing_history()
    assert records_read == [2]


def test_a_long_lived_workers_duplicate_index_forgets_old_appeals(
    world: World, make_appeal: MakeAppeal
) -> None:
    """Out of the 90-day window and 30 days more: the index was rebuilt without it."""
    old, _code = make_appeal(title="楼道堆放杂物", body="三号楼楼道堆满杂物，存在消防隐患。")
    registered = old.registered_at
    with indexes._lock:
        indexes.get_index(registered)
        later = registered + timedelta(days=indexes.DUPLICATE_DAYS + indexes.INDEX_REBUILD_DAYS + 1)
        assert str(old.pk) not in indexes.get_index(later)


def test_the_duplicate_index_is_not_rebuilt_within_the_slack(world: World) -> None:
    start = timezone.now()
    with indexes._lock:
        first = indexes.get_index(start)
        later = start + timedelta(days=indexes.INDEX_REBUILD_DAYS - 1)
        assert indexes.get_index(later) is first


def test_a_batch_catches_up_once(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with indexes.one_catch_up(), django_assert_num_queries(0):
        indexes.get_index()
        indexes.get_routing_history()


def test_a_batch_triages_every_appeal(world: World, make_appeal: MakeAppeal) -> None:
    from shegong.triage.models import TriageResult
    from shegong.triage.services import triage_many

    first, _code = make_appeal(title="楼道堆放杂物", body="三号楼楼道堆满杂物，存在消防隐患。")
    second, _code = make_appeal(title="楼道堆放杂物", body="三号楼楼道堆满杂物，存在消防隐患。")
    TriageResult.objects.all().delete()
    triage_many([first.pk, second.pk])
    dup = TriageResult.objects.get(appeal=second).duplicates
    assert [d["appeal_id"] for d in dup] == [first.pk]


# -- a build that fails half-way (M1) ----------------------------------------------------


def _fail_on_second_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the history dies at its second row (a database error, the task's limit)."""
    import shegong.textmining as textmining

    original = textmining.HistoryRecord
    made: list[int] = []

    def record(*args: object, **kwargs: object) -> object:
        made.append(1)
        if len(made) == 2:
            raise ConnectionError("database gone")
        return original(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(textmining, "HistoryRecord", record)
        with indexes._lock, pytest.raises(ConnectionError):
            indexes.get_routing_history()


def test_a_failed_build_keeps_nothing(closed: Closer, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        closed(i)
    indexes.reset_caches()
    _fail_on_second_row(monkeypatch)
    state = (indexes._history, indexes._history_mark, dict(indexes._category_units))
    assert state == (None, None, {})


def test_the_call_after_a_failed_build_has_every_record(
    closed: Closer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        closed(i)
    indexes.reset_caches()
    _fail_on_second_row(monkeypatch)
    with indexes._lock:
        assert len(indexes.get_routing_history()) == 3


def test_the_call_after_a_failed_catch_up_has_every_record(
    closed: Closer, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed(0)
    with indexes._lock:
        indexes.get_routing_history()
    closed(1)
    closed(2)
    _fail_on_second_row(monkeypatch)
    with indexes._lock:
        assert len(indexes.get_routing_history()) == 3


# -- an unreadable snapshot (M2) -------------------------------------------------------------


@pytest.mark.parametrize("damage", ["empty arrays", "truncated arrays", "bad mark", "bad counts"])
def test_an_unreadable_snapshot_is_built_again(
    closed: Closer, records_read: list[int], damage: str
) -> None:
    _saved_then_restarted(closed, 3)
    src = _current()
    state = json.loads((src / "state.json").read_text())
    if damage == "empty arrays":
        (src / "arrays.npz").write_bytes(b"")
    elif damage == "truncated arrays":
        (src / "arrays.npz").write_bytes((src / "arrays.npz").read_bytes()[:100])
    elif damage == "bad mark":
        (src / "state.json").write_text(json.dumps({**state, "mark": ["yesterday", "x"]}))
    else:
        (src / "state.json").write_text(json.dumps({**state, "category_units": [["劳动"]]}))
    records_read.clear()
    with indexes._lock:
        indexes.get_routing_history()
    assert records_read == [3]


def test_an_unreadable_snapshot_is_moved_aside(closed: Closer) -> None:
    _saved_then_restarted(closed, 3)
    (_current() / "arrays.npz").write_bytes(b"")
    with indexes._lock:
        indexes.get_routing_history()
    bad = list(indexes.snapshot_dir().parent.glob("routing-history.bad-*"))
    assert (len(bad), indexes.current_snapshot()) == (1, None)


def test_an_unreadable_snapshot_is_replaced_by_the_next_save(closed: Closer) -> None:
    _saved_then_restarted(closed, 3)
    (_current() / "arrays.npz").write_bytes(b"")
    with indexes._lock:
        indexes.get_routing_history()
        indexes.save_snapshot()
    indexes.reset_caches()
    with indexes._lock:
        assert len(indexes.get_routing_history()) == 3


def test_a_snapshot_whose_size_differs_is_built_again(
    closed: Closer, records_read: list[int]
) -> None:
    _saved_then_restarted(closed, 3)
    state = _current() / "state.json"
    state.write_text(json.dumps({**json.loads(state.read_text()), "size": 5}))
    records_read.clear()
    with indexes._lock:
        indexes.get_routing_history()
    assert records_read == [3]


# -- versions, the lock, refresh (S1, S2) --------------------------------------------------


def test_a_save_leaves_one_version(closed: Closer) -> None:
    _saved_then_restarted(closed, 2)
    (indexes.snapshot_dir() / ".tmp-stale-1").mkdir()
    with indexes._lock:
        indexes.save_snapshot()
    names = sorted(p.name for p in indexes.snapshot_dir().iterdir())
    assert names == sorted([indexes.CURRENT, _current().name])


def test_a_save_waits_for_the_snapshot_lock(closed: Closer) -> None:
    import fcntl
    import threading

    _saved_then_restarted(closed, 1)
    lock = indexes.snapshot_dir().parent / ".snapshot.lock"
    done = threading.Event()
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        writer = threading.Thread(target=lambda: (indexes.save_snapshot(), done.set()))
        writer.start()
        waited = not done.wait(0.5)
        fcntl.flock(fh, fcntl.LOCK_UN)
    writer.join(10)
    assert (waited, done.is_set()) == (True, True)


def test_the_snapshot_names_the_database_host_port_and_name(closed: Closer) -> None:
    from django.db import connection

    _saved_then_restarted(closed, 1)
    s = connection.settings_dict
    expected = f"{s.get('HOST') or ''}:{s.get('PORT') or ''}/{s.get('NAME') or ''}"
    assert json.loads((_current() / "state.json").read_text())["database"] == expected


def test_an_old_snapshot_is_built_again(closed: Closer, records_read: list[int]) -> None:
    import time_machine

    _saved_then_restarted(closed, 3)
    records_read.clear()
    with time_machine.travel(timezone.now() + timedelta(days=8)), indexes._lock:
        indexes.get_routing_history()
    assert records_read == [3]


def test_a_long_lived_history_is_built_again_after_a_week(closed: Closer) -> None:
    import time_machine

    kept = closed(0)
    closed(1)
    with indexes._lock:
        indexes.get_routing_history()
    Appeal.objects.filter(pk=kept.pk).delete()
    with time_machine.travel(timezone.now() + timedelta(days=8)), indexes._lock:
        assert len(indexes.get_routing_history()) == 1


def test_a_long_lived_history_is_kept_within_the_week(closed: Closer) -> None:
    import time_machine

    kept = closed(0)
    closed(1)
    with indexes._lock:
        indexes.get_routing_history()
    Appeal.objects.filter(pk=kept.pk).delete()
    with time_machine.travel(timezone.now() + timedelta(days=6)), indexes._lock:
        assert len(indexes.get_routing_history()) == 2


# -- the catch-up's signatures -----------------------------------------------------------


def test_a_check_uses_the_signature_of_the_text_it_is_given(make_appeal: MakeAppeal) -> None:
    """The catch-up keeps the signatures of what it indexed for the batch's checks; an
    appeal whose text changed since is signed anew, never with the stale signature."""
    from shegong.textmining.normalize import match_key

    appeal, _code = make_appeal(title="路灯不亮", body="北一社区3号楼前路灯坏了两周。")
    with indexes.one_catch_up():
        appeal.body = "北一社区5号楼电梯停运三天，老人上下楼困难。"
        key, sig = indexes.text_signature(appeal)
        fresh = indexes.get_index().signature(indexes._text(appeal))
    assert (key, sig.tolist()) == (match_key(indexes._text(appeal)), fresh.tolist())


def test_the_catch_up_keeps_the_signatures_of_the_batch(make_appeal: MakeAppeal) -> None:
    appeal, _code = make_appeal(title="路灯不亮", body="北一社区3号楼前路灯坏了两周。")
    with indexes.one_catch_up():
        kept = indexes._recent.get(str(appeal.pk))
        fresh = indexes.get_index().signature(indexes._text(appeal))
    assert (kept[2].tolist() if kept else None) == fresh.tolist()
