"""`manage.py appeals_rollup [--rebuild]`: bring the cockpit's daily rollup of appeals up to
date (the appeals written since its last run), or recompute all of it."""

from __future__ import annotations

from django.core.management.base import CommandParser

from shegong.core.management.base import Command as ShegongCommand


class Command(ShegongCommand):
    help = "驾驶舱诉求日汇总：补算上次以来有变动的日期，或用 --rebuild 全部重算"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="清空并全部重算")

    def handle(self, *args: object, **options: object) -> None:
        from shegong.appeals import rollup

        if options.get("rebuild"):
            rows = rollup.rebuild()
            self.stdout.write(f"诉求日汇总已全部重算：共 {rows} 行")
        else:
            days = rollup.sync()
            self.stdout.write(f"诉求日汇总已更新：重算 {days} 天")
