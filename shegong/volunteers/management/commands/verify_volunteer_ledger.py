from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shegong.volunteers.services.ledger import verify_ledger


class Command(BaseCommand):
    help = "Re-walk every volunteer's hours hash chain; exit 1 listing the broken ones"

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_ledger()
        if not report.ok:
            for problem in report.problems[:50]:
                self.stderr.write(
                    f"志愿者 {problem['volunteer']} 第 {problem['seq']} 条：{problem['detail']}"
                )
            raise CommandError(f"志愿服务时长台账异常：{len(report.problems)} 位志愿者的记录被改动")
        self.stdout.write(
            self.style.SUCCESS(
                f"志愿服务时长台账完整：{report.volunteers} 位志愿者，{report.entries} 条记录"
            )
        )
