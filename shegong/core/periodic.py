"""Periodic jobs on top of the django-tasks API.

django-tasks has no scheduler, so Shegong keeps a small registry here. ``shegong worker``
(and ``shegong scheduler`` on its own) wakes every ``tick`` seconds and, for each job whose
current slot (e.g. the day) has not been claimed, inserts a :class:`PeriodicRun` row and
enqueues the task. The unique (job, slot) key means two schedulers on two servers never
enqueue the same slot twice; the tasks themselves are idempotent as well.

Register with::

    register_periodic("audit.verify_chain", verify_audit_chain, every="daily", at="02:30")
"""

from __future__ import annotations

import logging
import time as time_module
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger("shegong.periodic")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task
    every: str  # "daily" | "hourly" | "minutes:<n>"
    at: time | None = None

    def slot(self, now: datetime) -> str | None:
        """The slot key for ``now``, or None if the job is not yet due in this period."""
        local = timezone.localtime(now)
        if self.every == "daily":
            if self.at and local.time() < self.at:
                return None
            return local.strftime("%Y-%m-%d")
        if self.every == "hourly":
            return local.strftime("%Y-%m-%dT%H")
        if self.every.startswith("minutes:"):
            step = int(self.every.split(":", 1)[1])
            minute = (local.hour * 60 + local.minute) // step * step
            return f"{local:%Y-%m-%d}T{minute // 60:02d}:{minute % 60:02d}"
        raise ValueError(f"unknown schedule {self.every!r}")


REGISTRY: dict[str, PeriodicJob] = {}


def register_periodic(name: str, task: Any, *, every: str, at: str | None = None) -> None:
    """Register a periodic job. Periodic tasks are idempotent (see above), so a run cut
    short by a dying worker is run again (``core.worker_lease``)."""
    from .worker_lease import retry_on_worker_loss

    parsed = time.fromisoformat(at) if at else None
    REGISTRY[name] = PeriodicJob(name=name, task=task, every=every, at=parsed)
    retry_on_worker_loss(task)


def _load_jobs() -> None:
    # Jobs are registered in each app's tasks module.
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("shegong."):
            try:
                __import__(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise


def run_due_jobs(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot is unclaimed. Returns the names enqueued."""
    from .models import PeriodicRun

    _load_jobs()
    now = now or timezone.now()
    enqueued = []
    for job in REGISTRY.values():
        slot = job.slot(now)
        if slot is None:
            continue
        try:
            with transaction.atomic():
                run = PeriodicRun.objects.create(job=job.name, slot=slot)
        except IntegrityError:
            continue  # another scheduler claimed it
        result = job.task.enqueue()
        PeriodicRun.objects.filter(pk=run.pk).update(task_result_id=str(result.id))
        logger.info("periodic job %s enqueued for slot %s", job.name, slot)
        enqueued.append(job.name)
    return enqueued


def scheduler_loop(*, tick: float = 30.0, stop_after: timedelta | None = None) -> None:
    started = time_module.monotonic()
    while True:
        try:
            run_due_jobs()
        except Exception:  # keep the scheduler alive; the error is logged with its trace
            logger.exception("periodic scheduler tick failed")
        if stop_after and time_module.monotonic() - started > stop_after.total_seconds():
            return
        time_module.sleep(tick)
