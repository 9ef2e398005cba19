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


# A module handles requests if it imports what a view or an API operation needs: found by
# content, not by file name (views_accountability.py, portal_views.py, notice_views.py,
# open311.py, api_routes.py, views/ packages …).
_HANDLES_REQUESTS = re.compile(
    r"^\s*(from\s+django\.http\s+import|from\s+django\.shortcuts\s+import\s+.*\brender\b"
    r"|from\s+ninja\s+import\s+.*\bRouter\b|import\s+django\.http\b)"
    r"|\b\w*HttpRequest\b",
    re.M,
)


def _view_and_api_modules() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or parts[0] in ("conf",):
            continue
        if _HANDLES_REQUESTS.search(path.read_text(encoding="utf-8")):
            files.append(path)
    return files


def test_the_scan_finds_every_module_that_handles_requests() -> None:
    found = {str(p.relative_to(ROOT)) for p in _view_and_api_modules()}
    for module in (
        "appeals/views_accountability.py",
        "appeals/portal_views.py",
        "appeals/notice_views.py",
        "appeals/open311.py",
        "appeals/open311_intake.py",
        "appeals/portal_submit.py",
        "appeals/portal_track.py",
        "volunteers/portal_views.py",
        "volunteers/portal_auth.py",
        "core/document_views.py",
        "suggestions/portal_views.py",
        "core/api_routes.py",
        "organizations/views/orgs.py",
    ):
        assert module in found


# (module, model) pairs whose queries are unscoped on purpose: the public sides have no staff
# scope, their rows are public by rule or belong to the signed-in volunteer.
UNSCOPED_ON_PURPOSE = {
    ("appeals/open311.py", "Appeal"): "Open311 lists public requests only: never confidential "
    "identities nor 检举控告 (filtered in public_requests())",
    ("appeals/open311.py", "WorkOrder"): "a subquery of the public requests' due dates",
    ("appeals/portal_views.py", "Region"): "the citizen portal's cascader: region names are public",
    ("volunteers/portal_views.py", "Region"): "the volunteer portal's cascader: public names",
    ("volunteers/portal_views.py", "Activity"): "published activities are public (recruiting); "
    "the slot's activity id only chooses where to redirect",
    ("volunteers/portal_views.py", "Signup"): "the signed-in volunteer's own (volunteer=…)",
    ("volunteers/portal_views.py", "TrainingRecord"): "the signed-in volunteer's own",
    ("volunteers/portal_views.py", "AwardRecord"): "the signed-in volunteer's own",
    ("volunteers/portal_views.py", "EvaluationRecord"): "the signed-in volunteer's own",
    ("volunteers/portal_views.py", "HoursEntry"): "the signed-in volunteer's own",
    ("volunteers/portal_views.py", "Certificate"): "the signed-in volunteer's own",
    ("volunteers/portal_views.py", "Volunteer"): "the public honour roll: consenting volunteers",
}
# Lines that assign ``.status`` to something that is not a row.
STATUS_NOT_A_ROW = {
    ("appeals/open311_spec.py", "self.status = status"): "the HTTP status of an Open311 error",
}


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
                and (str(path.relative_to(ROOT)), node.value.value.id) not in UNSCOPED_ON_PURPOSE
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"use Model.objects.visible_to(user): {offenders}"


def test_views_never_assign_status() -> None:
    offenders = []
    for path in _view_and_api_modules():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if (str(path.relative_to(ROOT)), line.strip()) in STATUS_NOT_A_ROW:
                continue
            if re.search(r"\.status\s*=[^=]", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders


def test_request_modules_read_ids_with_parse_id() -> None:
    """``str.isdigit`` accepts "²" (``int`` then raises) and any length (the database then
    overflows): ids from a request go through ``shegong.lib.text.parse_id``."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _view_and_api_modules()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".isdigit()" in line
    ]
    assert not offenders, f"use shegong.lib.text.parse_id: {offenders}"


def test_filtersets_filter_ids_with_id_filter() -> None:
    """``NumberFilter`` hands 20-digit values to the database; ``core.filters.IdFilter``
    refuses them. A number that is not a row id (a star level) is named here."""
    not_ids = {"star"}
    offenders = []
    for path in ROOT.rglob("filters.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            name = line.split("=")[0].strip()
            if "NumberFilter(" in line and name not in not_ids and "class IdFilter" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders, f"use core.filters.IdFilter: {offenders}"


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
