"""Leases for tasks of the database queue: a worker that dies mid-task (``kill -9``, out of
memory, a power cut) leaves its task RUNNING for ever unless someone notices.

Every ``shegong worker`` on the database backend registers a :class:`WorkerHeartbeat` row
and beats every ``SHEGONG_WORKER_HEARTBEAT`` seconds. :func:`recover_stale_tasks` (run when a
worker starts and every minute by the scheduler) finds RUNNING tasks whose worker has been
silent for ``SHEGONG_TASK_LEASE`` seconds and

* puts them back in the queue when the task is declared safe to run twice
  (:func:`retry_on_worker_loss`; every periodic job is, by the periodic registry's rule);
* marks the others FAILED with ``WorkerLost`` and a Chinese reason, so a person sees them
  (an SMS that may or may not have left the gateway must not be sent again blindly).

The Redis backend has RQ's own: a job's ``job_timeout`` and the started-job registry's
clean-up move an abandoned job to the failed registry.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

logger = logging.getLogger("shegong.worker")

IDEMPOTENT: set[str] = set()
LOST_CLASS = "shegong.core.worker_lease.WorkerLost"


class WorkerLost(Exception):
    """The worker running the task stopped without finishing it."""


class _NamedTask(Protocol):
    @property
    def module_path(self) -> str: ...


TaskT = TypeVar("TaskT", bound=_NamedTask)


def retry_on_worker_loss(task: TaskT) -> TaskT:
    """Declare ``task`` safe to run again after its worker died (it is idempotent)."""
    IDEMPOTENT.add(task.module_path)
    return task


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def beat(worker_id: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id, host=socket.gethostname()[:100], pid=os.getpid(), beat_at=now
        )


def heartbeat_loop(worker_id: str, stop: threading.Event) -> None:
    """Beat until ``stop`` is set (a daemon thread of the worker)."""
    while not stop.is_set():
        try:
            beat(worker_id)
        except Exception:  # a database hiccup must not end the worker; the next beat retries
            logger.exception("worker heartbeat failed")
        finally:
            close_old_connections()
        stop.wait(settings.SHEGONG_WORKER_HEARTBEAT)


def start_heartbeat(worker_id: str) -> threading.Event:
    beat(worker_id)
    stop = threading.Event()
    threading.Thread(
        target=heartbeat_loop, args=(worker_id, stop), name="shegong-heartbeat", daemon=True
    ).start()
    return stop


def recover_stale_tasks(now: datetime | None = None) -> tuple[int, int]:
    """(tasks put back in the queue, tasks failed) among RUNNING tasks whose worker has
    been silent past the lease."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SHEGONG_TASK_LEASE)
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    requeued = failed = 0
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update().filter(
            status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        )
        for result in running:
            owner = result.worker_ids[-1] if result.worker_ids else ""
            if owner in alive:
                continue
            if result.task_path in IDEMPOTENT:
                result.status = TaskResultStatus.READY
                result.run_after = now
                result.started_at = None
                result.save(update_fields=["status", "run_after", "started_at"])
                requeued += 1
            else:
                result.status = TaskResultStatus.FAILED
                result.finished_at = now
                result.exception_class_path = LOST_CLASS
                result.traceback = (
                    f"后台任务进程 {owner or '（未知）'} 在执行中停止（超过 "
                    f"{settings.SHEGONG_TASK_LEASE} 秒没有心跳）；此任务不能自动重做，请人工检查"
                )
                result.save(
                    update_fields=["status", "finished_at", "exception_class_path", "traceback"]
                )
                failed += 1
        WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    if requeued or failed:
        logger.warning("recovered stale tasks: %s requeued, %s failed", requeued, failed)
    return requeued, failed
