"""scripts/check-loose-types.py: counts of Any and type: ignore per app only fall."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check-loose-types.py"

SERVICE = '''"""A service."""
from typing import Any


def act(*, actor: Any, data: "dict[str, Any]") -> None:
    """Mentions ``# type: ignore`` and Any in prose: neither counts."""
    value = data["x"]  # type: ignore[index]
'''


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_loose_types", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up while being built
    spec.loader.exec_module(module)
    return module


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    write(tmp_path, "shegong/__init__.py", "")
    write(tmp_path, "shegong/urls.py", "from typing import Any\nurlpatterns: list[Any] = []\n")
    write(tmp_path, "shegong/units/__init__.py", "")
    write(tmp_path, "shegong/units/services.py", SERVICE)
    write(
        tmp_path,
        "shegong/units/tests/test_services.py",
        "import typing\n\n\ndef test_x(world: typing.Any) -> None:\n    pass\n",
    )
    write(
        tmp_path,
        "shegong/units/migrations/0001_initial.py",
        "from typing import Any\nx: Any = 1  # type: ignore\n",
    )
    return tmp_path


def test_counts_per_app_code_and_tests_apart(check: ModuleType, tree: Path) -> None:
    assert check.counts(check.scan(tree)) == {
        "units": {"any": 2, "type_ignore": 1, "tests_any": 1, "tests_type_ignore": 0},
        "urls": {"any": 1, "type_ignore": 0, "tests_any": 0, "tests_type_ignore": 0},
    }


def test_same_counts_pass(
    check: ModuleType, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check.main(["--root", str(tree), "--write"]) == 0
    assert check.main(["--root", str(tree)]) == 0
    assert "宽松类型与基线一致" in capsys.readouterr().out


def test_a_rise_fails_naming_the_app_count_and_line(
    check: ModuleType, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check.main(["--root", str(tree), "--write"])
    capsys.readouterr()
    write(tree, "shegong/units/views.py", "x = 1  # type: ignore[assignment]\n")
    assert check.main(["--root", str(tree)]) == 1
    err = capsys.readouterr().err
    assert "units：# type: ignore（代码） 基线 1，现在 2（+1）" in err
    assert "shegong/units/views.py:1: x = 1  # type: ignore[assignment]" in err


def test_a_rise_in_one_app_is_not_paid_by_a_fall_in_another(
    check: ModuleType, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check.main(["--root", str(tree), "--write"])
    write(tree, "shegong/urls.py", "urlpatterns: list[object] = []\n")
    write(tree, "shegong/units/forms.py", "from typing import Any\n\nFIELDS: Any = ()\n")
    assert check.main(["--root", str(tree)]) == 1


def test_a_fall_passes_and_asks_to_lower_the_baseline(
    check: ModuleType, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check.main(["--root", str(tree), "--write"])
    capsys.readouterr()
    write(tree, "shegong/units/services.py", SERVICE.replace("  # type: ignore[index]", ""))
    assert check.main(["--root", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "units：# type: ignore（代码） 1 → 0" in out
    assert "--write" in out


def test_write_lowers_the_baseline(check: ModuleType, tree: Path) -> None:
    check.main(["--root", str(tree), "--write"])
    write(tree, "shegong/units/services.py", SERVICE.replace("actor: Any", "actor: object"))
    check.main(["--root", str(tree), "--write"])
    data = json.loads((tree / ".ci" / "loose-types.json").read_text(encoding="utf-8"))
    assert data["apps"]["units"]["any"] == 1


def test_a_missing_baseline_fails(
    check: ModuleType, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check.main(["--root", str(tree)]) == 1
    assert "--write" in capsys.readouterr().err


def test_with_git_only_the_lines_added_since_the_baseline_are_shown(
    check: ModuleType, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check.main(["--root", str(tree), "--write"])
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "baseline"], check=True)
    capsys.readouterr()
    write(
        tree,
        "shegong/units/services.py",
        SERVICE + "\n\ndef other(x: Any) -> None:\n    pass\n",
    )
    assert check.main(["--root", str(tree)]) == 1
    err = capsys.readouterr().err
    assert "新增的行" in err
    assert "shegong/units/services.py:10: def other(x: Any) -> None:" in err
    assert "services.py:5:" not in err


def test_with_git_every_line_of_a_new_file_is_new(
    check: ModuleType, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check.main(["--root", str(tree), "--write"])
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "baseline"], check=True)
    capsys.readouterr()
    write(tree, "shegong/units/forms.py", "x = 1  # type: ignore[assignment]\n")
    assert check.main(["--root", str(tree)]) == 1
    err = capsys.readouterr().err
    assert "shegong/units/forms.py:1: x = 1  # type: ignore[assignment]" in err
    assert "services.py:7:" not in err
