"""Lint-level check: capabilities are named by ``Cap.X``, never by a string literal.

A literal ``"appeals.veiw"`` is a silent deny; ``Cap.APPEALS_VEIW`` is an AttributeError at
import. Only ``core/roles.py`` (where ``Cap`` is defined) spells the strings; migrations and
tests are not scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

from shegong.core.roles import Cap

ROOT = Path(__file__).resolve().parents[2]  # the shegong package
DEFINED_IN = ROOT / "core" / "roles.py"

# Functions whose capability argument (by position, 0-based) must not be a literal.
CAPABILITY_ARGS = {
    "has_capability": (0, 1),  # user.has_capability(cap) / permissions.has_capability(u, cap)
    "require_capability": (1,),
    "need_capability": (1,),
    "capability_required": (0, 1, 2),
}


def _capability_values() -> set[str]:
    return {v for k, v in vars(Cap).items() if k.isupper() and isinstance(v, str)}


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def literal_capabilities(source: str, known: set[str]) -> list[tuple[int, str]]:
    """(line, literal) for every capability spelled as a string in ``source``: any string
    equal to a known capability, and any literal passed where a capability is expected."""
    found: set[tuple[int, str]] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in known:
            found.add((node.lineno, node.value))
        if not isinstance(node, ast.Call):
            continue
        positions = CAPABILITY_ARGS.get(_callee(node) or "", ())
        args = [a for i, a in enumerate(node.args) if i in positions]
        args += [k.value for k in node.keywords if k.arg == "capability"]
        for arg in args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value:
                found.add((arg.lineno, arg.value))
    return sorted(found)


def _code_modules() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if path != DEFINED_IN and not {"tests", "migrations"} & set(path.parts)
    ]


def test_no_capability_string_literal_outside_roles() -> None:
    known = _capability_values()
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{line}: {value!r}"
        for path in _code_modules()
        for line, value in literal_capabilities(path.read_text(encoding="utf-8"), known)
    ]
    assert offenders == [], "name capabilities as Cap.X (shegong.core.roles): " + "; ".join(
        offenders
    )


def test_the_scan_sees_a_literal_capability() -> None:
    source = 'if not user.has_capability("appeals.view"):\n    pass\n'
    assert literal_capabilities(source, _capability_values()) == [(1, "appeals.view")]


def test_the_scan_sees_a_misspelt_capability_passed_to_a_check() -> None:
    source = 'require_capability(actor, "appeals.veiw", "您的角色不能查看诉求")\n'
    assert literal_capabilities(source, _capability_values()) == [(1, "appeals.veiw")]


def test_the_scan_sees_a_literal_scope_capability() -> None:
    source = 'scope = Scope(capability="organizations.view", region="region")\n'
    assert literal_capabilities(source, _capability_values()) == [(1, "organizations.view")]


def test_the_scan_accepts_cap_constants() -> None:
    source = (
        "require_capability(actor, Cap.APPEALS_VIEW)\nscope = Scope(capability=Cap.UNITS_VIEW)\n"
    )
    assert literal_capabilities(source, _capability_values()) == []


def test_the_scan_covers_core_and_the_apps() -> None:
    scanned = {path.relative_to(ROOT).parts[0] for path in _code_modules()}
    assert {"core", "accounts", "appeals", "organizations", "volunteers"} <= scanned
