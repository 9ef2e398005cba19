"""`manage.py compliance [--today YYYY-MM-DD]`: run the compliance engine over every branch."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError, CommandParser

from shegong.core.management.base import Command as ShegongCommand


class Command(ShegongCommand):
    help = "组织生活合规检查：判定全部党支部上一季度和本季度的合规情况，生成/消除合规问题"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="按指定日期判定（YYYY-MM-DD），默认今天")

    def handle(self, *args: object, **options: str | None) -> None:
        from shegong.compliance.services.engine import run_compliance

        today = None
        raw = options.get("today")
        if raw:
            try:
                today = date.fromisoformat(raw)
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        result = run_compliance(today=today)
        self.stdout.write(
            f"已检查党支部 {result.branches} 个：新发现问题 {result.opened} 个，"
            f"仍存在 {result.refreshed} 个，自动消除 {result.auto_resolved} 个，"
            f"上报上级 {result.escalated} 个"
        )
