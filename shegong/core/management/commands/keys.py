from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from shegong.core.management.base import Command as ShegongCommand
from shegong.core.pii import KeyRing, keyring, reset_keyring, write_keyring


class Command(ShegongCommand):
    help = (
        "个人信息加密密钥：keys init 创建密钥文件，keys status 查看密钥情况，"
        "keys add 新增并启用一把 SM4 密钥"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "action", choices=["init", "status", "add"], help="init 创建、status 查看、add 新增"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.SHEGONG_KEYS_FILE
        if options["action"] == "init":
            if path.exists() or settings.SHEGONG_KEYS_JSON:
                raise CommandError(f"密钥文件已存在（{path}），为防止覆盖，未作任何改动")
            write_keyring(KeyRing.generate())
            self.stdout.write(
                self.style.SUCCESS(f"已创建 {path}。请立即备份：密钥丢失，加密的数据将无法恢复")
            )
        elif options["action"] == "add":
            if settings.SHEGONG_KEYS_JSON:
                raise CommandError("密钥来自环境变量 SHEGONG_KEYS，请在那里新增密钥")
            ring = keyring().with_new_active_key()
            write_keyring(ring)
            reset_keyring()
            self.stdout.write(
                self.style.SUCCESS(
                    f"当前启用的密钥为 {ring.active}；请运行 shegong rotate-keys 用新密钥重新加密"
                )
            )
        else:
            ring = keyring()
            self.stdout.write(
                f"密钥来源：{'环境变量 SHEGONG_KEYS' if settings.SHEGONG_KEYS_JSON else path}"
            )
            self.stdout.write(
                f"当前启用的 SM4 密钥：{ring.active}；全部密钥：{'、'.join(sorted(ring.sm4))}"
            )
