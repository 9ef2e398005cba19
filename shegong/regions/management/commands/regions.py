"""``shegong regions load-boundaries FILE --user NAME``: load region boundaries (GeoJSON).

Optional data: with boundaries loaded, an Open311 ``lat``/``long`` is placed in the smallest
region containing it. See docs/open311.md ("Where the appeal happened").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from shegong.core.management.base import Command as ShegongCommand
from shegong.core.roles import Cap
from shegong.lib.text import InvalidText, normalise_text
from shegong.regions.services import load_boundaries


class Command(ShegongCommand):
    help = "行政区划维护：load-boundaries 载入区划边界（GeoJSON FeatureCollection）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load-boundaries", help="载入区划边界（GeoJSON）")
        load.add_argument("file", help="GeoJSON 文件（FeatureCollection，坐标为 [经度, 纬度]）")
        load.add_argument(
            "--user", required=True, help="以哪个账号的名义载入（需有维护行政区划的权限）"
        )
        load.add_argument(
            "--code-property",
            default="",
            help="要素属性中区划代码的字段名（默认：区划代码/code/adcode）",
        )
        load.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"账号 {options['user']} 不存在或已停用")
        path = Path(options["file"])
        try:
            document = json.loads(normalise_text(path.read_bytes()))
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}（文件不存在或没有读取权限）") from exc
        except InvalidText as exc:
            raise CommandError(exc.message) from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"文件不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）"
            ) from exc
        if not actor.has_capability(Cap.REGIONS_MANAGE):
            raise CommandError(f"账号 {actor.username} 没有维护行政区划的权限")
        report = load_boundaries(
            actor=actor,
            document=document,
            code_property=options["code_property"],
            commit=not options["dry_run"],
        )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(f"有 {len(report.errors)} 个问题，未写入任何边界")
        if report.committed:
            self.stdout.write(self.style.SUCCESS(f"已载入 {report.loaded} 个区划的边界"))
        else:
            self.stdout.write(f"检查通过：{report.loaded} 个区划的边界可以载入（未写入）")
