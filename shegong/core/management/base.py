"""The base of every ``shegong`` command: what a person reads is Chinese.

Django prints a failed command as ``CommandError: …`` and its ``--help`` in English
("usage:", "options:", the common options). :class:`Command` prints ``错误：…`` and a
Chinese ``--help``; the exit code is unchanged (1, or the error's ``returncode``).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
    SystemCheckError,
)

# Help texts of the options Django adds to every command.
COMMON_OPTION_HELP = {
    "-h": "显示本帮助后退出",
    "--version": "显示版本号后退出",
    "--verbosity": "输出详细程度：0 最少，1 正常，2 详细，3 非常详细",
    "--settings": "配置模块的 Python 路径（默认读取环境变量 DJANGO_SETTINGS_MODULE）",
    "--pythonpath": "加入 Python 搜索路径的目录",
    "--traceback": "出错时显示完整的调用栈",
    "--no-color": "不使用彩色输出",
    "--force-color": "强制使用彩色输出",
    "--skip-checks": "跳过系统检查",
}


class ChineseHelpFormatter(DjangoHelpFormatter):
    def add_usage(self, usage: Any, actions: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) < 2 and "prefix" not in kwargs:
            kwargs["prefix"] = "用法："
        super().add_usage(usage, actions, *args, **kwargs)


class Command(BaseCommand):
    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser._positionals.title = "参数"
        parser._optionals.title = "选项"
        for action in parser._actions:
            for option in action.option_strings:
                if option in COMMON_OPTION_HELP:
                    action.help = COMMON_OPTION_HELP[option]
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
            return super().execute(*args, **options)
        try:
            return super().execute(*args, **options)
        except SystemCheckError:
            raise  # Django formats the failed checks itself
        except CommandError as exc:
            self.stderr.write(f"错误：{exc}")
            sys.exit(exc.returncode)
