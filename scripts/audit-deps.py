"""Known vulnerabilities in the installed dependencies (pip-audit), for CI (.ci/run).

Runs ``pip-audit`` over the environment of this interpreter (the project itself, installed
editable, is left out) and judges its JSON report:

* a known vulnerability in any dependency: every one is listed, exit 1 (CI fails);
* the vulnerability service could not be reached, or answered for no dependency at all
  (offline, or a PyPI mirror without per-version data): it says so, in Chinese, and says
  that nothing was checked — never "no known vulnerabilities". Exit 0, so an offline build
  is not blocked, unless ``SHEGONG_AUDIT_REQUIRED=1`` (a release build with network): then
  exit 2;
* pip-audit did not run at all (not installed, or it stopped without a report for a reason
  other than the network): exit 2 with the reason, always — a check that never ran is a
  broken build, not an offline one;
* some dependencies answered, some not: the unchecked ones are counted and named; the
  result is the answered ones' (exit 1 on a vulnerability, else 0).

``--service osv`` asks OSV instead of PyPI (pip-audit's ``-s``). docs/security.md
("依赖漏洞检查") describes the behaviour.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field

UNREACHABLE_EXIT = 2
NOT_RUN_EXIT = 2
# What pip-audit (or requests beneath it) says when the vulnerability service cannot be
# reached or fails to answer; any other stop without a report means pip-audit did not run.
NETWORK_SIGNS = (
    "network may be blocking",
    "Could not connect",
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "Max retries exceeded",
    "NameResolutionError",
    "not redirecting",
    "HTTPError",
    "ServiceError",
)


@dataclass
class Verdict:
    code: int
    lines: list[str] = field(default_factory=list)


def judge(report: dict[str, object] | None, *, required: bool, error: str = "") -> Verdict:
    """The verdict on pip-audit's JSON report (``None``: pip-audit gave none)."""
    deps = report.get("dependencies", []) if report else []
    deps = deps if isinstance(deps, list) else []
    audited = [d for d in deps if isinstance(d, dict) and "skip_reason" not in d]
    skipped = [d for d in deps if isinstance(d, dict) and "skip_reason" in d]
    if report is None or not audited:
        why = error or f"{len(skipped)} 个依赖均未得到漏洞库的答复"
        lines = [
            "依赖漏洞检查未执行：漏洞库无法访问或没有答复（" + why + "）。",
            "这不是“通过”：本次检查没有证明依赖没有已知漏洞。",
        ]
        if required:
            lines.append("SHEGONG_AUDIT_REQUIRED=1：漏洞库不可达视为失败。")
        return Verdict(UNREACHABLE_EXIT if required else 0, lines)
    lines: list[str] = []
    found = 0
    for dep in audited:
        for vuln in dep.get("vulns") or []:
            found += 1
            fixes = "、".join(vuln.get("fix_versions") or []) or "暂无"
            lines.append(f"{dep['name']} {dep['version']}：{vuln.get('id')}（修复版本：{fixes}）")
    if skipped:
        names = "、".join(str(d.get("name")) for d in skipped)
        lines.append(f"另有 {len(skipped)} 个依赖未能核查（漏洞库无答复）：{names}")
    if found:
        lines.insert(0, f"发现 {found} 个已知漏洞，请升级下列依赖：")
        return Verdict(1, lines)
    lines.insert(0, f"已核查 {len(audited)} 个依赖，未发现已知漏洞。")
    return Verdict(0, lines)


class NotRun(Exception):
    """pip-audit did not run (the message says why, in Chinese)."""


def not_run(reason: str) -> Verdict:
    return Verdict(
        NOT_RUN_EXIT,
        [
            f"依赖漏洞检查没有运行：{reason}。",
            "这是构建环境的问题，不是漏洞库无法访问：请安装 pip-audit（开发依赖）后重试。",
        ],
    )


def run_pip_audit(service: str) -> tuple[dict[str, object] | None, str]:
    """pip-audit's report, or None and the last line it printed when the service did not
    answer; raises NotRun when pip-audit is missing or stopped for any other reason."""
    if importlib.util.find_spec("pip_audit") is None:
        raise NotRun("当前 Python 环境没有安装 pip-audit")
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--skip-editable"]
    command += ["--local", "--progress-spinner", "off", "--timeout", "15", "-s", service]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    return read_report(done.stdout, done.stderr)


def read_report(stdout: str, stderr: str) -> tuple[dict[str, object] | None, str]:
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        last = (stderr.strip().splitlines() or ["pip-audit 没有输出"])[-1][:300]
        if not any(sign in stderr for sign in NETWORK_SIGNS):
            raise NotRun(f"pip-audit 没有给出报告（{last}）") from None
        return None, last
    if not isinstance(report, dict):
        raise NotRun("pip-audit 的报告不是预期的 JSON 对象")
    return report, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="依赖漏洞检查（pip-audit）")
    parser.add_argument("--service", choices=["pypi", "osv"], default="pypi")
    args = parser.parse_args(argv)
    try:
        report, error = run_pip_audit(args.service)
    except NotRun as exc:
        verdict = not_run(str(exc))
        print("\n".join(verdict.lines))
        return verdict.code
    verdict = judge(report, required=os.environ.get("SHEGONG_AUDIT_REQUIRED") == "1", error=error)
    print("\n".join(verdict.lines))
    return verdict.code


if __name__ == "__main__":
    sys.exit(main())
