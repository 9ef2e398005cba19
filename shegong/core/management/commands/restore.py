from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction

from shegong.core import audit
from shegong.core.audit_checkpoint import archive_checkpoints
from shegong.core.backup import BackupError, restore_backup
from shegong.core.management.base import Command as ShegongCommand


class Command(ShegongCommand):
    help = (
        "从备份文件恢复内置数据库：先校验（校验值、完整性、各表行数、审计链），"
        "通过后把当前数据库移到一旁再换上备份。请先停止网页服务和后台任务进程"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("backup", metavar="备份文件", help="备份命令生成的备份文件")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    def handle(self, *args: object, **options: object) -> None:
        backup = Path(str(options["backup"]))
        if not options["yes"]:
            answer = input(f"将用 {backup} 替换当前数据库（当前数据库会保留在一旁）。继续？[y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("已取消，数据库没有改动")
        try:
            restored = restore_backup(backup)
        except BackupError as exc:
            raise CommandError(f"{exc.message}。数据库没有改动") from exc
        archived = archive_checkpoints()
        manifest = restored.manifest
        with transaction.atomic():
            audit.record(
                "database_restored",
                actor=None,
                note=(
                    f"从 {backup.name} 恢复（备份时间 {manifest.created_at[:19]} UTC，审计链 "
                    f"{manifest.audit_last_seq} 条）；原数据库保留为 {restored.moved_aside.name}"
                    + (f"；旧校验点归档为 {archived.name}" if archived else "")
                ),
            )
        report = audit.verify_chain()
        if not report.ok:
            raise CommandError(f"恢复后审计链校验未通过：{report.detail}")
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：{len(manifest.tables)} 张表的行数与清单一致，审计链完整"
                f"（{report.checked} 条）。原数据库保留为 {restored.moved_aside}"
            )
        )
