"""scripts/check-module-size.py: a module over the limit fails lint; migrations and the
named exceptions do not."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check-module-size.py"
spec = importlib.util.spec_from_file_location("check_module_size", SCRIPT)
assert spec is not None
assert spec.loader is not None
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def _module(root: Path, relative: str, lines: int) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x = 1\n" * lines, encoding="utf-8")


def test_a_module_over_the_limit_fails(tmp_path: Path) -> None:
    _module(tmp_path, "shegong/app/views.py", check.LIMIT + 1)
    assert check.main(["--root", str(tmp_path)]) == 1


def test_a_module_at_the_limit_passes(tmp_path: Path) -> None:
    _module(tmp_path, "shegong/app/views.py", check.LIMIT)
    assert check.main(["--root", str(tmp_path)]) == 0


def test_migrations_are_not_counted(tmp_path: Path) -> None:
    _module(tmp_path, "shegong/app/migrations/0001_initial.py", check.LIMIT * 3)
    assert check.main(["--root", str(tmp_path)]) == 0


def test_a_named_exception_passes(tmp_path: Path) -> None:
    _module(tmp_path, next(iter(check.EXCEPTIONS)), check.LIMIT * 2)
    assert check.main(["--root", str(tmp_path)]) == 0
