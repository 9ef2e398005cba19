from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shegong.volunteers.services.certificates import resign_certificates


class Command(BaseCommand):
    help = (
        "Certificate key rotation: re-sign every certificate that verifies with a key in "
        "SHEGONG_CERT_SIGNING_KEY_FALLBACKS with the current key; exit 1 listing those "
        "that verify with no key (altered, or signed with a key nobody kept)"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = resign_certificates()
        self.stdout.write(
            f"已用当前密钥重新签名 {len(report.resigned)} 份证明；"
            f"{report.current} 份原已使用当前密钥"
        )
        if report.unverifiable:
            for number in report.unverifiable[:50]:
                self.stderr.write(f"证明 {number}：签名与任何密钥都不符，未重新签名")
            raise CommandError(
                f"{len(report.unverifiable)} 份证明的签名无法用任何密钥验证（内容被改动，"
                "或签名密钥已丢失），请核查后重新出具"
            )
