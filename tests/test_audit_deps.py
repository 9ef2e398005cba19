"""scripts/audit-deps.py: a known vulnerability fails CI; a vulnerability service that
answered for nothing is reported as "not checked", never as passed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "audit-deps.py"
spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
assert spec is not None
assert spec.loader is not None
audit = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = audit  # the script's dataclass looks its module up
spec.loader.exec_module(audit)

CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
VULNERABLE = {
    "name": "requests",
    "version": "2.0.0",
    "vulns": [{"id": "PYSEC-2023-74", "fix_versions": ["2.31.0"], "aliases": []}],
}
SKIPPED = {"name": "rq", "skip_reason": "Dependency not found on PyPI and could not be audited"}


def test_a_known_vulnerability_fails() -> None:
    verdict = audit.judge({"dependencies": [CLEAN, VULNERABLE]}, required=False)
    assert verdict.code == 1


def test_the_vulnerability_is_named_with_its_fix() -> None:
    verdict = audit.judge({"dependencies": [CLEAN, VULNERABLE]}, required=False)
    assert "requests 2.0.0：PYSEC-2023-74（修复版本：2.31.0）" in verdict.lines


def test_no_vulnerability_passes() -> None:
    assert audit.judge({"dependencies": [CLEAN]}, required=False).code == 0


def test_nothing_answered_says_not_checked() -> None:
    verdict = audit.judge({"dependencies": [SKIPPED]}, required=False)
    assert verdict.lines[0].startswith("依赖漏洞检查未执行")


def test_nothing_answered_never_says_no_vulnerabilities() -> None:
    verdict = audit.judge({"dependencies": [SKIPPED]}, required=False)
    assert not any("未发现" in line for line in verdict.lines)


def test_unreachable_service_fails_when_the_check_is_required() -> None:
    verdict = audit.judge(None, required=True, error="ConnectionError")
    assert verdict.code == audit.UNREACHABLE_EXIT


def test_unreachable_service_does_not_block_an_offline_build() -> None:
    assert audit.judge(None, required=False, error="ConnectionError").code == 0


def test_unchecked_dependencies_are_named_beside_the_answered_ones() -> None:
    verdict = audit.judge({"dependencies": [CLEAN, SKIPPED]}, required=False)
    assert verdict.lines[-1] == "另有 1 个依赖未能核查（漏洞库无答复）：rq"


def test_a_vulnerability_fails_even_when_others_were_not_checked() -> None:
    verdict = audit.judge({"dependencies": [VULNERABLE, SKIPPED]}, required=False)
    assert verdict.code == 1


MISSING = "/usr/bin/python: No module named pip_audit"
OFFLINE = (
    "ERROR:pip_audit._cli:Could not connect to PyPI's vulnerability feed\n"
    "Tip: your network may be blocking this service. Try another service with `-s SERVICE`"
)


def test_a_report_missing_for_no_network_reason_means_not_run() -> None:
    with pytest.raises(audit.NotRun, match="No module named pip_audit"):
        audit.read_report("", MISSING)


def test_not_run_is_a_hard_failure() -> None:
    assert audit.not_run("pip-audit 没有给出报告").code == 2


def test_not_run_says_it_did_not_run() -> None:
    assert audit.not_run("当前 Python 环境没有安装 pip-audit").lines[0] == (
        "依赖漏洞检查没有运行：当前 Python 环境没有安装 pip-audit。"
    )


def test_a_service_that_did_not_answer_is_not_a_failure() -> None:
    report, error = audit.read_report("", OFFLINE)
    assert audit.judge(report, required=False, error=error).code == 0


def test_main_fails_when_pip_audit_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit.importlib.util, "find_spec", lambda name: None)
    assert audit.main([]) == 2
