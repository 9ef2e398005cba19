"""scripts/check-coverage.py: the floor holds, and a rise of a point asks for a higher floor."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check-coverage.py"


@pytest.fixture(scope="module")
def check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_coverage", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_below_the_floor_fails(check: ModuleType) -> None:
    code, message = check.verdict(82.99, 83, ratchet=False)
    assert code == 1
    assert "82.99%" in message
    assert "低于下限 83%" in message


def test_at_or_just_above_the_floor_passes(check: ModuleType) -> None:
    assert check.verdict(83.0, 83, ratchet=True) == (0, "测试覆盖率 83.00%（下限 83%）。")
    assert check.verdict(83.99, 83, ratchet=True)[0] == 0


def test_a_point_above_asks_for_the_new_floor(check: ModuleType) -> None:
    code, message = check.verdict(85.4, 83, ratchet=False)
    assert code == 0
    assert "请把 .ci/coverage-floor 改为 85" in message
    assert check.verdict(84.0, 83, ratchet=True)[0] == 1  # CI: the floor only rises


def test_the_floor_file_is_a_whole_number(check: ModuleType, tmp_path: Path) -> None:
    assert isinstance(check.read_floor(check.FLOOR_FILE), int)
    floor = tmp_path / "floor"
    floor.write_text("71  # raised after the import tests\n", encoding="utf-8")
    assert check.read_floor(floor) == 71


def test_missing_data_says_what_to_run(
    check: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check.main(["--data-file", str(tmp_path / "none")]) == 1
    assert "请先运行 make test" in capsys.readouterr().err
