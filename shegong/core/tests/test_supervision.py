"""The task worker is supervised (issue 16 item 5): a killed worker is restarted, tasks it
left RUNNING are recovered after their lease, and no child outlives ``shegong serve``."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shegong.core import supervise
from shegong.core.models import WorkerHeartbeat
from shegong.core.tasks import send_sms_message
from shegong.core.worker_lease import LOST_CLASS, recover_stale_tasks
from shegong.triage.tasks import triage_appeal_task

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)


def _running(task_path: str, worker: str, started: datetime) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        started_at=started,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path=task_path,
        worker_ids=[worker],
        queue_name="default",
        backend_name="default",
        run_after=started,
    )


def _status(result: DBTaskResult) -> str:
    result.refresh_from_db()
    return str(result.status)


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.django_db
def test_an_idempotent_task_of_a_dead_worker_is_queued_again(clock: None) -> None:
    result = _running(triage_appeal_task.module_path, "dead", NOW - timedelta(minutes=5))
    recover_stale_tasks()
    assert _status(result) == TaskResultStatus.READY


@pytest.mark.django_db
def test_any_other_task_of_a_dead_worker_fails_with_the_reason(clock: None) -> None:
    result = _running(send_sms_message.module_path, "dead", NOW - timedelta(minutes=5))
    recover_stale_tasks()
    result.refresh_from_db()
    assert (result.status, result.exception_class_path) == (TaskResultStatus.FAILED, LOST_CLASS)


@pytest.mark.django_db
def test_the_failure_is_explained_in_chinese(clock: None) -> None:
    result = _running(send_sms_message.module_path, "dead", NOW - timedelta(minutes=5))
    recover_stale_tasks()
    result.refresh_from_db()
    assert "不能自动重做" in result.traceback


@pytest.mark.django_db
def test_a_task_of_a_live_worker_is_left_alone(clock: None) -> None:
    WorkerHeartbeat.objects.create(worker_id="alive", host="h", pid=1, beat_at=NOW)
    result = _running(triage_appeal_task.module_path, "alive", NOW - timedelta(hours=2))
    recover_stale_tasks()
    assert _status(result) == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_task_started_within_the_lease_is_left_alone(clock: None) -> None:
    result = _running(triage_appeal_task.module_path, "dead", NOW - timedelta(seconds=30))
    recover_stale_tasks()
    assert _status(result) == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_silent_worker_loses_its_task(clock: None) -> None:
    WorkerHeartbeat.objects.create(
        worker_id="silent", host="h", pid=1, beat_at=NOW - timedelta(minutes=2)
    )
    result = _running(triage_appeal_task.module_path, "silent", NOW - timedelta(minutes=5))
    recover_stale_tasks()
    assert _status(result) == TaskResultStatus.READY


def test_every_periodic_job_may_run_again() -> None:
    from shegong.core.periodic import REGISTRY, _load_jobs
    from shegong.core.worker_lease import IDEMPOTENT

    _load_jobs()
    assert {job.task.module_path for job in REGISTRY.values()} <= IDEMPOTENT


def test_the_supervisor_restarts_a_process_that_exits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervise, "MIN_BACKOFF", 0.05)
    said: list[str] = []
    keeper = supervise.Supervisor(
        [sys.executable, "-c", "raise SystemExit(3)"], write=said.append, poll=0.05
    )
    keeper.start()
    deadline = time.monotonic() + 30
    while keeper.restarts < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    keeper.stop()
    assert keeper.restarts >= 2
    assert "后台任务进程已退出（退出码 3）" in said[0]


def test_the_supervisor_backs_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervise, "MIN_BACKOFF", 0.05)
    said: list[str] = []
    keeper = supervise.Supervisor(
        [sys.executable, "-c", "raise SystemExit(1)"], write=said.append, poll=0.05
    )
    keeper.start()
    deadline = time.monotonic() + 30
    while keeper.restarts < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    keeper.stop()
    assert [line.split("，")[1] for line in said[:3]] == [
        "0.05 秒后重新启动",
        "0.1 秒后重新启动",
        "0.2 秒后重新启动",
    ]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its new parent) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
from shegong.core.lifeline import die_with_parent
die_with_parent({parent})
print(os.getpid(), flush=True)
time.sleep(120)
"""
PARENT = """
import subprocess, sys, os, time
child = subprocess.Popen([sys.executable, "-c", {child!r}.format(parent=os.getpid())],
                         stdout=subprocess.PIPE, text=True)
print(child.stdout.readline().strip(), flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
def test_a_child_ends_when_its_parent_is_killed() -> None:
    root = str(Path(__file__).resolve().parents[3])
    child = CHILD.replace("{root!r}", repr(root)).replace("{parent}", "{parent}")
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.replace("{child!r}", repr(child))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline().strip())
    parent.kill()
    parent.wait()
    assert _wait(lambda: not _alive(child_pid), 15)


def _migrated_copy(target: Path) -> None:
    """The test database's schema for a server of our own (SQLite: a backup copy)."""
    source = str(connection.settings_dict["NAME"])
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _worker_pids(db: Path) -> list[int]:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            rows = conn.execute("SELECT pid FROM core_workerheartbeat ORDER BY id").fetchall()
    except sqlite3.Error:
        return []
    return [int(row[0]) for row in rows]


@pytest.mark.django_db
@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
def test_serve_restarts_a_killed_worker_and_takes_it_down_when_killed(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the embedded server is measured on SQLite (the PostgreSQL run has no file)")
    db = tmp_path / "shegong.sqlite3"
    _migrated_copy(db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "SHEGONG_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{db}",
        "SHEGONG_TASKS": "database",
        "SHEGONG_WORKER_HEARTBEAT": "1",
        "DJANGO_SETTINGS_MODULE": "shegong.conf.settings",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "shegong.cli", "serve", "--no-migrate", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait(lambda: bool(_worker_pids(db)), 120), "the worker never beat"
        first = _worker_pids(db)[0]
        os.kill(first, signal.SIGKILL)
        assert _wait(lambda: any(p != first for p in _worker_pids(db)), 120), "not restarted"
        second = next(p for p in _worker_pids(db) if p != first)
        server.kill()
        server.wait()
        assert _wait(lambda: not _alive(second), 20), "the worker outlived serve"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
