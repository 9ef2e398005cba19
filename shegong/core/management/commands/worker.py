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
from django.core.management.base import BaseCommand, CommandError

from shegong.core.periodic import scheduler_loop


class Command(BaseCommand):
    help = "Run the background task worker with the periodic scheduler"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-scheduler", action="store_true")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASK_BACKEND == "immediate":
            raise CommandError("SHEGONG_TASKS=immediate runs tasks inline; no worker is needed")
        if not options["no_scheduler"] and not options["batch"]:
            threading.Thread(target=scheduler_loop, name="shegong-scheduler", daemon=True).start()
        if settings.TASK_BACKEND == "redis":
            extra = {"burst": True} if options["batch"] else {}
            # django-tasks-rq needs its own Job class in the worker.
            call_command("rqworker", "default", job_class="django_tasks_rq.Job", **extra)
        else:
            extra = {"batch": True} if options["batch"] else {}
            call_command("db_worker", queue_name="*", no_startup_delay=True, reload=False, **extra)
