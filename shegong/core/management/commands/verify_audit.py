from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shegong.core.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit hash chain; exit 1 and name the first bad event if broken"

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"审计链异常：{report.detail}（第 {report.first_bad_seq} 条）")
        self.stdout.write(self.style.SUCCESS(f"审计链完整：已校验 {report.checked} 条"))
