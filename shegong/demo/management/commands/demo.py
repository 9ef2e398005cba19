from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError

from shegong.core.management.base import Command as ShegongCommand
from shegong.demo.generator import CITY_CODE, DEMO_PASSWORD, SIZES, generate
from shegong.regions.models import Region


class Command(ShegongCommand):
    help = "生成演示城市（区划、单位、每个角色一个账号及演示业务数据），全部经由业务服务写入"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default="small",
            help="规模：small 小、city 中、metro 大",
        )
        parser.add_argument(
            "--seed", type=int, default=20261128, help="随机数种子（相同种子生成相同数据）"
        )
        parser.add_argument(
            "--appeals",
            type=int,
            default=None,
            help="诉求件数（默认按规模：small 300、city 2万、metro 100万）",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="演示城市已存在时不再生成（仍列出演示账号）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["appeals"] is not None and options["appeals"] < 0:
            raise CommandError("诉求件数不能为负数")
        call_command("migrate", interactive=False, verbosity=0)
        if Region.objects.filter(code=CITY_CODE).exists():
            if options["if_empty"]:
                self.stdout.write("演示城市已存在，跳过生成。")
                self._print_accounts(None)
                return
            raise CommandError(
                "演示城市已存在。如需重新生成，请先删除数据目录（SHEGONG_DATA_DIR）中的数据库。"
            )
        result = generate(
            options["size"],
            seed=options["seed"],
            log=lambda m: self.stdout.write(m),
            appeals=options["appeals"],
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"演示城市已生成（{options['size']}）：区划 {result.regions:,} 个，"
                f"单位 {result.units:,} 个，"
                f"用户 {result.users:,} 个，诉求 {result.appeals:,} 件，"
                f"用时 {result.seconds:.1f} 秒"
            )
        )
        self._print_accounts(result.accounts)

    def _print_accounts(self, accounts: list[tuple[str, str, str]] | None) -> None:
        from shegong.accounts.models import User

        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        if accounts is None:
            names = [
                "admin",
                "dept_admin",
                "dispatcher",
                "handler",
                "handler_edu",
                "street",
                "street_b",
                "community",
                "secretary",
                "volunteer_mgr",
                "leader",
                "district_leader",
                "auditor",
            ]
            for user in User.objects.filter(username__in=names).select_related("region", "unit"):
                self.stdout.write(
                    f"  {user.username:<16} {user.get_role_display() or '超级管理员':<12} "
                    f"{user.jurisdiction_label}"
                )
            return
        for username, label, scope in accounts:
            self.stdout.write(f"  {username:<16} {label:<24} {scope}")
