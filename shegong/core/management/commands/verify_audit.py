from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from shegong.core.audit import verify_chain
from shegong.core.management.base import Command as ShegongCommand


class Command(ShegongCommand):
    help = "重新计算审计日志的哈希链；发现异常时指出第一条有问题的记录，并以状态码 1 退出"

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"审计链异常：{report.detail}")
        self.stdout.write(self.style.SUCCESS(f"审计链完整：已校验 {report.checked} 条"))
