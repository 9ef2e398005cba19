"""Hold the measured test coverage against the floor in .ci/coverage-floor.

`make test` runs the non-browser suite on SQLite under coverage (pytest-cov, settings in
pyproject.toml [tool.coverage.*]) and then this script:

- total below the floor: exit 1 (add tests for the new code, never lower the floor);
- total at least one point above the floor: says to raise the floor to the new whole number;
  with SHEGONG_COVERAGE_RATCHET=1 that is an error too (CI prints the advice only: a
  total a hundredth either side of a whole number must not decide a landing);
- otherwise: prints the total and the floor.

Messages are Chinese like every other command output a person reads.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR_FILE = ROOT / ".ci" / "coverage-floor"


def read_floor(path: Path) -> int:
    text = path.read_text(encoding="utf-8").split("#", 1)[0].strip()
    return int(text)


def measured_total(data_file: Path) -> float:
    import coverage

    cov = coverage.Coverage(data_file=str(data_file), config_file=str(ROOT / "pyproject.toml"))
    cov.load()
    return float(cov.report(file=io.StringIO()))


def verdict(total: float, floor: int, *, ratchet: bool) -> tuple[int, str]:
    """(exit code, message) for a measured ``total`` against ``floor``."""
    if total < floor:
        return 1, (
            f"测试覆盖率 {total:.2f}% 低于下限 {floor}%（.ci/coverage-floor）："
            "请为新增或改动的代码补充测试，不要调低下限。"
        )
    if total >= floor + 1:
        message = (
            f"测试覆盖率 {total:.2f}% 比下限 {floor}% 高出一个百分点以上："
            f"请把 .ci/coverage-floor 改为 {math.floor(total)} 并提交。"
        )
        return (1 if ratchet else 0), message
    return 0, f"测试覆盖率 {total:.2f}%（下限 {floor}%）。"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="对照 .ci/coverage-floor 检查测试覆盖率")
    parser.add_argument("--data-file", type=Path, default=ROOT / ".coverage", help="覆盖率数据文件")
    parser.add_argument("--floor-file", type=Path, default=FLOOR_FILE, help="覆盖率下限文件")
    args = parser.parse_args(argv)
    if not args.data_file.exists():
        print(f"找不到覆盖率数据 {args.data_file}：请先运行 make test。", file=sys.stderr)
        return 1
    floor = read_floor(args.floor_file)
    ratchet = os.environ.get("SHEGONG_COVERAGE_RATCHET", "") == "1"
    code, message = verdict(measured_total(args.data_file), floor, ratchet=ratchet)
    print(message, file=sys.stderr if code else sys.stdout)
    return code


if __name__ == "__main__":
    sys.exit(main())
