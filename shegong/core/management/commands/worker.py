"""Run background tasks and the periodic scheduler.

Database backend (default): the django-tasks-db worker in this process plus the periodic
scheduler in a thread. Redis backend (SHEGONG_TASKS=redis): the RQ worker. Run one or
more per server; periodic jobs are claimed once per slot however many run.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from shegong.core.management.base import Command as ShegongCommand
from shegong.core.periodic import scheduler_loop


class Command(ShegongCommand):
    help = "运行后台任务进程（含定时任务调度）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-scheduler", action="store_true", help="不运行定时任务调度")
        parser.add_argument("--batch", action="store_true", help="处理完队列中的任务后退出")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASK_BACKEND == "immediate":
            raise CommandError("SHEGONG_TASKS=immediate 时任务在请求中直接执行，不需要后台任务进程")
        if not options["no_scheduler"] and not options["batch"]:
            threading.Thread(target=scheduler_loop, name="shegong-scheduler", daemon=True).start()
        if settings.TASK_BACKEND == "redis":
            extra = {"burst": True} if options["batch"] else {}
            # django-tasks-rq needs its own Job class in the worker.
            call_command("rqworker", "default", job_class="django_tasks_rq.Job", **extra)
        else:
            extra = {"batch": True} if options["batch"] else {}
            call_command("db_worker", queue_name="*", no_startup_delay=True, reload=False, **extra)
