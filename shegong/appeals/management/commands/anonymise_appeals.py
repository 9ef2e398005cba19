"""shegong anonymise-appeals [--dry-run]: the daily anonymisation job, by hand."""

from __future__ import annotations

from argparse import ArgumentParser

from shegong.core.management.base import Command as ShegongCommand

from ...services.anonymise import anonymise_due, configured_years, cutoff, preview

SHOWN = 20


class Command(ShegongCommand):
    help = (
        "匿名化办结满期的诉求（年限由 SHEGONG_APPEAL_ANONYMISE_YEARS 设置；未设置时不启用，"
        "命令和每天的定时任务都不做任何处理）："
        "删除诉求人及代表人的姓名、身份证号、电话、住址，去除正文等文字中的身份信息，"
        "删除含个人信息的附件；保留类别、区划、日期、承办单位、结果和考核统计。"
        "此操作不可恢复，请先用 --dry-run 查看将处理的诉求。每天的定时任务也会执行同样的处理。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="只统计将被匿名化的诉求、诉求人和附件，不做任何修改",
        )

    def handle(self, *args: str, **options: object) -> None:
        years = configured_years()
        if years is None:
            self.stdout.write(
                "未配置诉求匿名化：请先设置 SHEGONG_APPEAL_ANONYMISE_YEARS（办结后保留的年数，"
                "至少 1 年，见 docs/privacy.md）。未做任何处理。"
            )
            return
        limit = cutoff(years=years)
        if options["dry_run"]:
            outcome = preview(years=years)
            self.stdout.write(
                f"试运行：办结满 {years} 年（{limit:%Y-%m-%d} 之前）的诉求 {outcome.appeals} 件"
                f"将被匿名化；将清除身份信息的诉求人 {outcome.petitioners} 人，"
                f"因仍有未到期诉求而保留身份的 {outcome.petitioners_kept} 人；"
                f"将删除附件 {outcome.attachments} 个。未做任何修改。"
            )
            if outcome.numbers:
                shown = "、".join(outcome.numbers[:SHOWN])
                more = f" 等 {outcome.appeals} 件" if outcome.appeals > SHOWN else ""
                self.stdout.write(f"诉求编号：{shown}{more}")
            return
        outcome = anonymise_due(years=years)
        if not outcome.appeals and not outcome.failed:
            self.stdout.write(f"没有办结满 {years} 年（{limit:%Y-%m-%d} 之前）待匿名化的诉求。")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"已匿名化诉求 {outcome.appeals} 件（{outcome.batches} 批，每批记一条审计日志）；"
                f"清除诉求人身份信息 {outcome.petitioners} 人，"
                f"保留身份（仍有未到期诉求）{outcome.petitioners_kept} 人；"
                f"删除附件 {outcome.attachments} 个。"
            )
        )
        if outcome.failed:
            self.stdout.write(
                self.style.WARNING(
                    f"有 {outcome.failed} 件诉求匿名化失败，已跳过，下次运行时重试（详见日志）："
                    + "、".join(outcome.failed_numbers[:SHOWN])
                )
            )
