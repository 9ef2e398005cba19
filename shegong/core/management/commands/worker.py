"""Run background tasks and the periodic scheduler.

Database backend (default): the django-tasks-db worker in this process plus the periodic
scheduler in a thread. Redis backend (SHEGONG_TASKS=redis): the RQ worker, non-forking
(``ShegongSimpleWorker``, RQ's ``SimpleWorker``: every job runs in this long-lived
process, so what it keeps warm — the triage model and indexes — is loaded once, not once
per job as with RQ's default fork-per-job ``Worker``; ``--fork`` brings that one back).
Run one or more per server; periodic jobs are claimed once per slot however many run.

Before the first task, every installed app whose ``AppConfig`` has a ``worker_preload()``
method gets it called once (the triage app loads its model and builds its indexes there),
so the first jobs are as fast as the rest (one line each on stdout: 已预加载 智能分拣（2.3 秒）).
Apps are found by that method name; core imports none of them. ``--max-jobs N`` exits
after N jobs so a process manager (supervisor, systemd ``Restart=always``) starts a fresh
one: memory a long-lived worker gathered is given back.

On the database backend each worker beats a heartbeat and recovers, when it starts, the
tasks a dead worker left RUNNING (``core.worker_lease``). ``--parent-pid`` (passed by
``shegong serve``) ends the worker with its parent (``core.lifeline``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import close_old_connections
from rq.job import Job
from rq.queue import Queue
from rq.worker import SimpleWorker

from shegong.core.lifeline import die_with_parent
from shegong.core.management.base import Command as ShegongCommand
from shegong.core.periodic import scheduler_loop
from shegong.core.worker_lease import new_worker_id, recover_stale_tasks, start_heartbeat

logger = logging.getLogger("shegong.worker")


class ShegongSimpleWorker(SimpleWorker):
    """RQ's non-forking worker, closing database connections that are broken or past
    ``CONN_MAX_AGE`` around each job, as Django does around a request (and django-tasks-db's
    worker around a task): a long-lived worker survives a database restart. A failing close
    is logged, never raised: it must not end RQ's work loop (the job's own outcome stands)."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        _close_old_connections()
        try:
            super().execute_job(job, queue)
        finally:
            _close_old_connections()


def _close_old_connections() -> None:
    try:
        close_old_connections()
    except Exception:
        logger.exception("closing old database connections around a job failed")


SIMPLE_WORKER = f"{__name__}.ShegongSimpleWorker"


def preload_apps(write: Callable[[str], object] | None = None) -> list[str]:
    """Call ``worker_preload()`` of every app config that has one; returns their labels and
    says each (``已预加载 智能分拣（2.3 秒）``) through ``write``. A failing preload is logged
    and skipped: its app loads lazily on first use instead."""
    done = []
    for config in apps.get_app_configs():
        hook = getattr(config, "worker_preload", None)
        if not callable(hook):
            continue
        started = time.perf_counter()
        try:
            hook()
        except Exception:
            logger.exception("worker preload of %s failed", config.label)
            if write is not None:
                write(f"预加载 {config.verbose_name} 失败，将在首次使用时加载（详见日志）")
            continue
        seconds = time.perf_counter() - started
        logger.info("preloaded %s in %.1f s", config.label, seconds)
        if write is not None:
            write(f"已预加载 {config.verbose_name}（{seconds:.1f} 秒）")
        done.append(config.label)
    return done


class Command(ShegongCommand):
    help = "运行后台任务进程（含定时任务调度）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-scheduler", action="store_true", help="不运行定时任务调度")
        parser.add_argument("--batch", action="store_true", help="处理完队列中的任务后退出")
        parser.add_argument(
            "--no-preload", action="store_true", help="启动时不预加载模型和索引（首次使用时加载）"
        )
        parser.add_argument(
            "--max-jobs",
            type=int,
            default=None,
            help="处理这么多任务后退出（由 supervisor/systemd 重启，以回收内存）",
        )
        parser.add_argument(
            "--parent-pid",
            type=int,
            default=None,
            help="内部使用：该进程退出时本进程随之退出（由网页服务命令传入）",
        )
        parser.add_argument(
            "--fork",
            action="store_true",
            help="Redis 后端：每个任务在新派生的子进程中运行（RQ 默认方式，较慢）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASK_BACKEND == "immediate":
            raise CommandError("SHEGONG_TASKS=immediate 时任务在请求中直接执行，不需要后台任务进程")
        if options.get("parent_pid"):
            die_with_parent(options["parent_pid"])
        if not options["no_preload"]:
            preload_apps(self.stdout.write)
        if not options["no_scheduler"] and not options["batch"]:
            threading.Thread(target=scheduler_loop, name="shegong-scheduler", daemon=True).start()
        if settings.TASK_BACKEND == "redis":
            extra: dict[str, object] = {"burst": True} if options["batch"] else {}
            if options.get("max_jobs"):
                extra["max_jobs"] = options["max_jobs"]
            if not options["fork"]:
                extra["worker_class"] = SIMPLE_WORKER
            # django-tasks-rq needs its own Job class in the worker.
            call_command("rqworker", "default", job_class="django_tasks_rq.Job", **extra)
        else:
            extra = {"batch": True} if options["batch"] else {}
            if options.get("max_jobs"):
                extra["max_tasks"] = options["max_jobs"]
            # Tasks a dead worker left RUNNING are recovered before this one starts; its own
            # heartbeat lets the next one recover after it (core.worker_lease).
            worker_id = new_worker_id()
            requeued, failed = recover_stale_tasks()
            if requeued or failed:
                self.stdout.write(f"已恢复中断的任务：重新排队 {requeued} 个，标记失败 {failed} 个")
            stop = start_heartbeat(worker_id)
            try:
                call_command(
                    "db_worker",
                    queue_name="*",
                    no_startup_delay=True,
                    reload=False,
                    worker_id=worker_id,
                    **extra,
                )
            finally:
                stop.set()
