from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from shegong.core.management.base import Command as ShegongCommand
from shegong.volunteers.services.certificates import resign_certificates


class Command(ShegongCommand):
    help = (
        "更换证明签名密钥：用当前密钥重新签署用旧密钥（SHEGONG_CERT_SIGNING_KEY_FALLBACKS）"
        "签名且完整校验通过的志愿服务证明；未重新签署的（被改动、台账有变动，或在 "
        "--issued-before 当天及以后出具）逐一列出，并以状态码 1 退出"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--issued-before",
            type=date.fromisoformat,
            help="旧密钥可能泄露的日期（如 2026-12-01）：此后用旧密钥签名的证明不重新签署，"
            "留待核查后重新出具",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = options.get("issued_before")
        report = resign_certificates(
            issued_before=timezone.make_aware(datetime.combine(cutoff, time.min))
            if cutoff
            else None
        )
        self.stdout.write(
            f"已用当前密钥重新签名 {len(report.resigned)} 份证明；"
            f"{report.current} 份原已使用当前密钥"
        )
        for number in report.unverifiable[:50]:
            self.stderr.write(f"证明 {number}：签名或所依据的记录校验未通过，未重新签名")
        for number in report.held[:50]:
            self.stderr.write(
                f"证明 {number}：在截止日期之后用旧密钥签名，未重新签名，请核查后重新出具"
            )
        left = len(report.unverifiable) + len(report.held)
        if left:
            raise CommandError(
                f"{left} 份证明未重新签名（校验未通过 {len(report.unverifiable)} 份，"
                f"截止日期后签名 {len(report.held)} 份），请核查后重新出具"
            )
