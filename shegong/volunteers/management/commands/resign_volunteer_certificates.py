from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shegong.volunteers.services.certificates import resign_certificates


class Command(BaseCommand):
    help = (
        "Certificate key rotation: re-sign with the current key every certificate that "
        "verifies with a key in SHEGONG_CERT_SIGNING_KEY_FALLBACKS and passes the full "
        "check; exit 1 listing those left alone (altered, ledger changed, or issued on or "
        "after --issued-before)"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--issued-before",
            type=date.fromisoformat,
            help="YYYY-MM-DD: when the old key may have leaked; later certificates signed "
            "with it are held for review and re-issue instead of being re-signed",
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
