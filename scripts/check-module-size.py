"""Hold every Python module of the project under a size a person can hold in their head.

A module under ``shegong/`` (migrations left out) longer than ``LIMIT`` lines fails
``make lint`` unless it is named in ``EXCEPTIONS`` with the reason it is long. A module
past the limit is split into a package by concern (``docs/architecture.md``, "Layout"),
keeping its import path through the package's ``__init__``.

    python scripts/check-module-size.py            # the project
    python scripts/check-module-size.py --root DIR # another tree (the script's own tests)

Messages are Chinese like every other command output a person reads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 600

# path relative to the root → why it may be longer (a table, not logic).
EXCEPTIONS: dict[str, str] = {
    "shegong/core/tests/route_matrix_table.py": (
        "the permission matrix: one row per route, read as a table, not as code"
    ),
}


def oversized(root: Path, limit: int = LIMIT) -> list[tuple[str, int]]:
    """(path, lines) of every module over ``limit`` that is not an exception."""
    found = []
    for path in sorted((root / "shegong").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/migrations/" in relative or relative in EXCEPTIONS:
            continue
        with path.open(encoding="utf-8") as handle:
            lines = sum(1 for _ in handle)
        if lines > limit:
            found.append((relative, lines))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="检查模块长度（不超过600行）")
    parser.add_argument("--root", type=Path, default=ROOT, help="项目根目录")
    args = parser.parse_args(argv)
    found = oversized(args.root)
    for relative, lines in found:
        print(
            f"{relative}：{lines} 行，超过 {LIMIT} 行；请按职责拆分为包（见 docs/architecture.md）"
        )
    if found:
        return 1
    print(f"模块长度检查通过：均不超过 {LIMIT} 行")
    return 0


if __name__ == "__main__":
    sys.exit(main())
