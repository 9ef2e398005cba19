from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from shegong.core.backup import BackupError, create_backup
from shegong.core.management.base import Command as ShegongCommand


class Command(ShegongCommand):
    help = "备份内置数据库：数据库副本和清单（各表行数、审计链末条）打包为一个文件"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--output",
            help="备份文件路径（默认保存在数据目录的备份子目录中，文件名含时间）",
        )

    def handle(self, *args: object, **options: object) -> None:
        output = Path(
            str(options["output"] or "")
            or Path(settings.DATA_DIR) / "backups" / f"shegong-{datetime.now():%Y%m%d-%H%M%S}.zip"
        )
        try:
            manifest = create_backup(output)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        rows = sum(manifest.tables.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{output}（{len(manifest.tables)} 张表，{rows} 行，"
                f"审计链 {manifest.audit_last_seq} 条）。密钥文件不在备份中，请另行保管。"
            )
        )
