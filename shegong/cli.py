"""社工平台命令行 shegong：

shegong serve [--host 127.0.0.1 --port 8000]   启动网页服务（同时启动后台任务进程）
shegong demo --size {small,city,metro}           生成演示城市
shegong migrate | createsuperuser | worker | scheduler
                                                 数据库迁移 | 创建超级管理员 | 后台任务 | 定时任务
shegong verify-audit | rotate-keys | keys        校验审计链 | 更换加密密钥 | 管理密钥
shegong backup | restore <文件>                   备份内置数据库 | 从备份恢复
shegong anonymise-appeals [--dry-run]            匿名化办结满期的诉求（不可恢复）
shegong <其他管理命令> ...                        查看某条命令的说明：shegong <命令> --help
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "verify-audit": "verify_audit",
    "rotate-keys": "rotate_keys",
    "create-superuser": "createsuperuser",
    "anonymise-appeals": "anonymise_appeals",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    command = ALIASES.get(
        args[0], args[0].replace("-", "_") if args[0] not in {"runserver"} else args[0]
    )
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shegong", command, *args[1:]])


if __name__ == "__main__":
    main()
