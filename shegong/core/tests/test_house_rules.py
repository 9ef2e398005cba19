"""Static checks of the house rules that tests can enforce."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]


def _scoped_model_names() -> set[str]:
    return {m.__name__ for m in apps.get_models() if getattr(m, "scope", None) is not None}


def _view_and_api_modules() -> list[Path]:
    files = list(ROOT.glob("*/views.py")) + list(ROOT.glob("*/api.py"))
    files += list(ROOT.glob("*/views/*.py")) + list(ROOT.glob("*/api/*.py"))
    return [f for f in files if "tests" not in f.parts]


@pytest.mark.django_db
def test_views_and_api_never_bypass_visible_to() -> None:
    """``Model.objects.get/filter/all/exclude`` on a scoped model is forbidden in views/API."""
    scoped = _scoped_model_names()
    offenders = []
    for path in _view_and_api_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"get", "filter", "all", "exclude", "first", "last", "iterator"}
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "objects"
                and isinstance(node.value.value, ast.Name)
                and node.value.value.id in scoped
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"use Model.objects.visible_to(user): {offenders}"


def test_views_never_assign_status() -> None:
    offenders = []
    for path in _view_and_api_modules():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.status\s*=[^=]", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders


def test_no_external_urls_in_templates_or_static() -> None:
    pattern = re.compile(r"""(src|href)=["']https?://""")
    offenders = []
    for path in list(ROOT.rglob("*.html")) + list(ROOT.rglob("static/**/*.css")):
        if pattern.search(path.read_text(encoding="utf-8", errors="ignore")):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_pure_libraries_import_no_django() -> None:
    for path in (ROOT / "lib").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+django", source, re.M), path
