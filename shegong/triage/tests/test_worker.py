"""``shegong worker`` keeps warm state: the triage model and indexes are loaded once per
process before the first task, and the RQ worker does not fork per job."""

from __future__ import annotations

from typing import Any

import pytest

from shegong.core.management.commands import worker
from shegong.triage import services


@pytest.fixture
def counted_model(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    loads: list[int] = []
    monkeypatch.setattr(services, "get_model", lambda: loads.append(1))
    monkeypatch.setattr(services, "_warm_up", lambda: None)
    monkeypatch.setattr(services, "_preloaded_pid", None)
    return loads


@pytest.mark.django_db
def test_preload_loads_the_model_once_per_process(counted_model: list[int]) -> None:
    services.preload()
    services.preload()
    assert len(counted_model) == 1


@pytest.mark.django_db
def test_preload_says_whether_it_loaded(counted_model: list[int]) -> None:
    assert (services.preload(), services.preload()) == (True, False)


@pytest.mark.django_db
def test_preload_builds_the_indexes(counted_model: list[int]) -> None:
    from shegong.triage import indexes

    services.preload()
    assert (indexes._index is not None, indexes._history is not None) == (True, True)


def test_the_worker_preloads_the_triage_app(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(services, "preload", lambda: calls.append(1))
    assert ("triage" in worker.preload_apps(), calls) == (True, [1])


def test_a_failing_preload_does_not_stop_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise OSError("model missing")

    monkeypatch.setattr(services, "preload", broken)
    assert "triage" not in worker.preload_apps()


def _run(monkeypatch: pytest.MonkeyPatch, settings: Any, **options: Any) -> list[Any]:
    calls: list[Any] = []
    monkeypatch.setattr(worker, "call_command", lambda *a, **kw: calls.append((a, kw)))
    monkeypatch.setattr(worker, "preload_apps", lambda: calls.append("preload"))
    settings.TASK_BACKEND = "redis"
    defaults = {"no_scheduler": True, "batch": True, "no_preload": False, "fork": False}
    worker.Command().handle(**{**defaults, **options})
    return calls


def test_the_redis_worker_does_not_fork(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    calls = _run(monkeypatch, settings)
    assert calls[-1][1]["worker_class"] == worker.SIMPLE_WORKER


def test_the_redis_worker_preloads_before_working(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    assert _run(monkeypatch, settings)[0] == "preload"


def test_fork_brings_back_rqs_default_worker(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    calls = _run(monkeypatch, settings, fork=True)
    assert "worker_class" not in calls[-1][1]
