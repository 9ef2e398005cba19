"""Every audit action recorded anywhere in the code has a Chinese name; changes read as
"字段：旧 → 新", not as Python dicts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import shegong
from shegong.core import audit
from shegong.core.audit_display import action_label, action_labels, change_lines

ROOT = Path(shegong.__file__).parent
# f-string action names, expanded over the values their placeholder takes.
FSTRING_VALUES = {"kind": ("training", "award", "evaluation")}


class _Resolver:
    """String values an expression passed as an action name can take (constants, both
    branches of ``a if c else b``, module constants, a local assigned once, a parameter
    resolved at the function's call sites in the same module, simple f-strings)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.module_consts = {
            t.id: n.value
            for n in tree.body
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        }

    def _function(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def values(self, expr: ast.expr | None, at: ast.AST) -> set[str] | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            a, b = self.values(expr.body, at), self.values(expr.orelse, at)
            return None if a is None or b is None else a | b
        if isinstance(expr, ast.JoinedStr):
            results = {""}
            for part in expr.values:
                if isinstance(part, ast.Constant):
                    results = {r + str(part.value) for r in results}
                elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name):
                    options = FSTRING_VALUES.get(part.value.id)
                    if options is None:
                        return None
                    results = {r + o for r in results for o in options}
                else:
                    return None
            return results
        if isinstance(expr, ast.Name):
            function = self._function(at)
            if function is not None:
                for node in ast.walk(function):
                    if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == expr.id for t in node.targets
                    ):
                        return self.values(node.value, node)
                params = [a.arg for a in function.args.args]
                if expr.id in params:
                    return self._from_call_sites(function, params.index(expr.id), expr.id)
            if expr.id in self.module_consts:
                return self.values(self.module_consts[expr.id], self.tree)
        return None

    def _from_call_sites(self, function: ast.FunctionDef, index: int, name: str) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function.name:
                arg = node.args[index] if len(node.args) > index else None
                arg = arg or next((k.value for k in node.keywords if k.arg == name), None)
                values = self.values(arg, node)
                assert values is not None, f"cannot resolve {function.name}() call"
                found |= values
        return found


def change_keys() -> dict[str, str]:
    """Keys of ``changes={...}`` dict literals passed to ``audit.record``/``Entry``."""
    keys: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in ("record", "Entry"):
                continue
            for keyword in node.keywords:
                if keyword.arg == "changes" and isinstance(keyword.value, ast.Dict):
                    for key in keyword.value.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            keys.setdefault(key.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return keys


def target_types() -> dict[str, str]:
    """``target_type="…"`` of audit calls and ``what="…"`` of exports in the code."""
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    value = keyword.value
                    if (
                        keyword.arg in ("target_type", "what")
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                    ):
                        found.setdefault(value.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def recorded_actions() -> tuple[dict[str, list[str]], list[str]]:
    """Action names passed to ``audit.record(...)`` / ``audit.Entry(...)`` in the code."""
    names: dict[str, list[str]] = {}
    unresolved: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        resolver = _Resolver(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                if not (isinstance(func.value, ast.Name) and func.value.id == "audit"):
                    continue
                name = func.attr
            elif isinstance(func, ast.Name):
                name = func.id
            else:
                continue
            if name not in ("record", "Entry"):
                continue
            if path.name == "audit.py" and path.parent.name == "core":
                continue  # the definition forwards its own argument
            arg = node.args[0] if node.args else None
            arg = arg or next((k.value for k in node.keywords if k.arg == "action"), None)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            values = resolver.values(arg, node)
            if values is None:
                unresolved.append(where)
                continue
            for value in values:
                names.setdefault(value, []).append(where)
    return names, unresolved


def test_every_recorded_action_has_a_chinese_label() -> None:
    names, unresolved = recorded_actions()
    assert not unresolved, f"action names the scan cannot read: {unresolved}"
    assert len(names) > 100  # the scan found the code's actions
    labels = action_labels()
    missing = {name: where[0] for name, where in names.items() if name not in labels}
    assert not missing, f"register a Chinese label (<app>/audit_labels.py) for: {missing}"


def test_every_key_of_recorded_changes_has_a_chinese_label() -> None:
    from shegong.core.audit_display import field_label

    keys = change_keys()
    assert len(keys) > 50  # the scan found the code's change keys
    missing = {key: where for key, where in keys.items() if field_label(key) == key}
    assert not missing, f"register a field label (<app>/audit_labels.py) for: {missing}"


def test_every_audit_target_and_export_has_a_chinese_name() -> None:
    from shegong.core.audit_display import model_label

    types = target_types()
    assert {"appeals.ranking", "units.unit", "core.keyring"} <= set(types)
    missing = {name: where for name, where in types.items() if not model_label(name)}
    assert not missing, f"register a target label (<app>/audit_labels.py) for: {missing}"


@pytest.mark.django_db
def test_an_export_reads_as_its_chinese_name(world) -> None:
    from shegong.core.models import AuditEvent
    from shegong.core.services import record_export

    record_export(actor=world.leader, what="appeals.ranking", count=12, filters={})
    assert AuditEvent.objects.get(action="data_exported").target_repr == "三率考核排名 12 条"


def test_the_scan_reads_dynamic_action_names() -> None:
    names, _ = recorded_actions()
    assert {"user_role_changed", "user_changed"} <= set(names)  # a local set by if/else
    assert {"user_password_reset", "user_password_changed"} <= set(names)  # a parameter
    assert "volunteer_award_corrected" in names  # an f-string
    assert "volunteer_ledger_anchored" in names  # a module constant


def test_labels_are_chinese() -> None:
    assert action_label("user_logged_in") == "登录"
    assert action_label("no_such_action") == "其他操作"
    assert all(
        not any("a" <= c.lower() <= "z" for c in label) for label in action_labels().values()
    )


@pytest.mark.django_db
def test_changes_read_as_field_old_new_with_verbose_names_and_choice_labels() -> None:
    lines = change_lines(
        {
            "formal_members": [7, 9],
            "status": ["active", "dissolved"],
            "is_community": [False, True],
        },
        "organizations.partyorganization",
    )
    assert lines == ["正式党员数：7 → 9", "状态：正常 → 已撤销", "村、社区党组织：否 → 是"]


def test_plain_facts_read_as_field_value() -> None:
    lines = change_lines(
        {"proxied": False, "assist": [], "deadline": "2026-12-16T02:00:00Z"}, "appeals.appeal"
    )
    assert lines == ["代为登记：否", "协办单位：无", "期限：2026-12-16 10:00"]


@pytest.mark.django_db
def test_audit_page_shows_labels_not_codes(world, client_for) -> None:
    audit.record(
        "party_organization_changed",
        actor=world.root,
        target_type="organizations.partyorganization",
        target_id="1",
        target_repr="北一社区党支部",
        changes={"formal_members": [7, 9]},
    )
    body = client_for(world.auditor).get("/audit/").content.decode()
    assert "修改党组织" in body
    assert "party_organization_changed</" not in body
    assert "正式党员数：7 → 9" in body
    assert "{&#x27;" not in body  # no Python dict


@pytest.mark.django_db
def test_audit_filter_takes_the_chinese_name(world, client_for) -> None:
    audit.record("user_logged_in", actor=world.leader, target=world.leader)
    audit.record("user_login_failed", actor=None, target=world.leader, success=False)
    client = client_for(world.auditor)
    exact = client.get("/audit/", {"action": "登录"}).content.decode()
    assert exact.count('data-action="user_logged_in"') == 1
    assert exact.count('data-action="user_login_failed"') == 1  # "登录失败" contains "登录"
    by_code = client.get("/audit/", {"action": "user_login_failed"}).content.decode()
    assert 'data-action="user_logged_in"' not in by_code
    assert by_code.count('data-action="user_login_failed"') == 1
