from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from shegong.core.management.base import Command as ShegongCommand
from shegong.volunteers.services.ledger import anchor_unanchored, verify_ledger


class Command(ShegongCommand):
    help = (
        "逐一重新计算每位志愿者的服务时长哈希链，并与审计链中登记的末条记录核对；"
        "发现异常时列出并以状态码 1 退出"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--anchor-missing",
            action="store_true",
            help="升级后运行一次：为登记功能上线前写入且校验完整的台账补登末条记录",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["anchor_missing"]:
            done = anchor_unanchored()
            self.stdout.write(f"已在审计链中登记 {done} 位志愿者的台账末条记录")
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
