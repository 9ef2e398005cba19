from __future__ import annotations

from typing import Any

from shegong.core.management.base import Command as ShegongCommand
from shegong.core.periodic import run_due_jobs, scheduler_loop


class Command(ShegongCommand):
    help = "把到期的定时任务放入队列（--once 只运行一次，供 cron 调用；否则持续运行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="只检查一次后退出")
        parser.add_argument("--tick", type=float, default=30.0, help="检查间隔（秒）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            names = run_due_jobs()
            self.stdout.write(f"已放入队列：{'、'.join(names)}" if names else "没有到期的定时任务")
            return
        scheduler_loop(tick=options["tick"])
