"""``shegong worker`` keeps warm state: the triage model and indexes are loaded once per
process before the first task, and the RQ worker does not fork per job."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

import pytest
from pytest_django.fixtures import Settings

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


@dataclass
class Run:
    events: list[str] = field(default_factory=list)  # "preload", "command"
    kwargs: dict[str, object] = field(default_factory=dict)  # of the last command


def _run(monkeypatch: pytest.MonkeyPatch, settings: Settings, **options: object) -> Run:
    run = Run()

    def command(*args: object, **kwargs: object) -> None:
        run.events.append("command")
        run.kwargs = kwargs

    monkeypatch.setattr(worker, "call_command", command)
    monkeypatch.setattr(worker, "preload_apps", lambda *a: run.events.append("preload"))
    settings.TASK_BACKEND = "redis"
    defaults = {"no_scheduler": True, "batch": True, "no_preload": False, "fork": False}
    worker.Command().handle(**{**defaults, **options})
    return run


def test_the_redis_worker_does_not_fork(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    assert _run(monkeypatch, settings).kwargs["worker_class"] == worker.SIMPLE_WORKER


def test_the_redis_worker_preloads_before_working(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    assert _run(monkeypatch, settings).events == ["preload", "command"]


def test_fork_brings_back_rqs_default_worker(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    assert "worker_class" not in _run(monkeypatch, settings, fork=True).kwargs


def test_no_preload_skips_the_preload(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    assert "preload" not in _run(monkeypatch, settings, no_preload=True).events


def test_max_jobs_reaches_the_rq_worker(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    assert _run(monkeypatch, settings, max_jobs=500).kwargs["max_jobs"] == 500


def test_max_jobs_reaches_the_database_worker(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(worker, "call_command", lambda *a, **kw: calls.append(kw))
    monkeypatch.setattr(worker, "preload_apps", lambda *a: None)
    monkeypatch.setattr(worker, "recover_stale_tasks", lambda: (0, 0))
    monkeypatch.setattr(worker, "start_heartbeat", lambda worker_id: threading.Event())
    settings.TASK_BACKEND = "database"
    options = {"no_scheduler": True, "batch": True, "no_preload": True, "fork": False}
    worker.Command().handle(**options, max_jobs=7)
    assert calls[-1]["max_tasks"] == 7


def test_the_preload_is_said_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "preload", lambda: None)
    lines: list[str] = []
    worker.preload_apps(lines.append)
    assert any(line.startswith("已预加载 智能分拣（") and line.endswith(" 秒）") for line in lines)


def test_the_worker_command_prints_the_preload(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    from io import StringIO

    monkeypatch.setattr(services, "preload", lambda: None)
    monkeypatch.setattr(worker, "call_command", lambda *a, **kw: None)
    settings.TASK_BACKEND = "redis"
    out = StringIO()
    options = {"no_scheduler": True, "batch": True, "no_preload": False, "fork": False}
    worker.Command(stdout=out).handle(**options)
    assert "已预加载 智能分拣（" in out.getvalue()


def _job_run(monkeypatch: pytest.MonkeyPatch, close: Callable[[list[str]], None]) -> list[str]:
    from unittest.mock import Mock

    from rq.worker import SimpleWorker

    events: list[str] = []
    monkeypatch.setattr(worker, "close_old_connections", lambda: close(events))
    monkeypatch.setattr(SimpleWorker, "execute_job", lambda self, job, queue: events.append("job"))
    rq_worker = worker.ShegongSimpleWorker.__new__(worker.ShegongSimpleWorker)
    rq_worker.execute_job(Mock(), Mock())
    return events


def test_connections_are_closed_around_each_job(monkeypatch: pytest.MonkeyPatch) -> None:
    events = _job_run(monkeypatch, lambda events: events.append("close"))
    assert events == ["close", "job", "close"]


def test_a_failing_close_does_not_stop_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(events: list[str]) -> NoReturn:
        events.append("close")
        raise ConnectionError("database restarting")

    assert _job_run(monkeypatch, broken) == ["close", "job", "close"]
