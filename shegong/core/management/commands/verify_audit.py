from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction

from shegong.core import audit
from shegong.core.audit_checkpoint import archive_checkpoints, checkpoint_file
from shegong.core.management.base import Command as ShegongCommand


class Command(ShegongCommand):
    help = (
        "重新计算审计日志的哈希链并与库外校验点比对；发现异常时指出第一条有问题的记录，"
        "并以状态码 1 退出"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--new-chain",
            action="store_true",
            help="数据库是有意重建的：把旧的校验点归档，从现在的审计链重新开始（记入审计日志）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_chain"]:
            archived = archive_checkpoints()
            with transaction.atomic():
                audit.record(
                    "audit_checkpoints_archived",
                    actor=None,
                    note=f"旧校验点已归档到 {archived}" if archived else "没有旧校验点",
                )
            self.stdout.write(
                f"旧校验点已归档：{archived}" if archived else f"没有旧校验点：{checkpoint_file()}"
            )
        report = audit.verify_chain()
        if not report.ok:
            raise CommandError(f"审计链异常：{report.detail}")
        self.stdout.write(
            self.style.SUCCESS(
                f"审计链完整：已校验 {report.checked} 条，校验点已写入 {checkpoint_file()}"
            )
        )
