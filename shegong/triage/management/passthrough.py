"""Management commands that hand their arguments to ``shegong.textmining.cli.main``."""

from __future__ import annotations

import argparse
from typing import Any, TextIO, cast

from django.core.management.base import CommandError, CommandParser

from shegong.core.management.base import Command as ShegongCommand


class PassThroughParser(CommandParser):
    """Keeps Django's own options; everything else goes to ``options["argv"]``."""

    def parse_args(  # type: ignore[override]
        self, args: Any = None, namespace: Any = None
    ) -> argparse.Namespace:
        ns, rest = self.parse_known_args(args, namespace)
        ns.argv = rest
        return ns


class PassThroughCommand(ShegongCommand):
    subcommand = ""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, allow_abbrev=False, **kwargs)
        parser.__class__ = PassThroughParser
        return parser

    def run_cli(self, argv: list[str]) -> None:
        from shegong.textmining.cli import main

        # the raw streams: OutputWrapper would append a newline to every partial write
        out = cast(TextIO, getattr(self.stdout, "_out", self.stdout))
        err = cast(TextIO, getattr(self.stderr, "_out", self.stderr))
        code = main(argv, stdout=out, stderr=err)
        if code:
            raise CommandError(f"{argv[0]} 失败（退出码 {code}）", returncode=code)

    def handle(self, *args: Any, **options: Any) -> None:
        self.run_cli([self.subcommand, *args, *options.get("argv", [])])
