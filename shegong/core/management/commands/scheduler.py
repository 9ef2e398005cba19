from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shegong.core.periodic import run_due_jobs, scheduler_loop


class Command(BaseCommand):
    help = "Enqueue periodic jobs whose slot is due (--once for cron, else loop)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--tick", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            names = run_due_jobs()
            self.stdout.write(f"enqueued: {', '.join(names) or 'nothing due'}")
            return
        scheduler_loop(tick=options["tick"])
