"""The demo corps is built through the services and gives every page something to show."""

from __future__ import annotations

import random

import time_machine

from shegong.talent import demo
from shegong.talent.models import Credential, Evaluation, HoursRecord, Person

from .conftest import at


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_demo_builds_a_corps(world) -> None:
    demo.generate("small", rng=random.Random(18), log=lambda _: None)
    counts = (
        Person.objects.count() > 0,
        Credential.objects.exclude(valid_until=None).exists(),
        HoursRecord.objects.exists(),
        Evaluation.objects.exclude(grade="").exists(),
    )
    assert counts == (True, True, True, True)


def test_id_numbers_do_not_wrap_at_a_thousand() -> None:
    from shegong.lib.validators import validate_id_number
    from shegong.talent.sample import id_number

    numbers = {validate_id_number(id_number(seq)) for seq in (5, 1005, 2005)}
    assert len(numbers) == 3


def _imports_of(source: str) -> set[str]:
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_demo_does_not_import_test_helpers() -> None:
    """Demo code runs in production commands: it must not depend on test helpers."""
    from pathlib import Path

    imports = _imports_of(Path(demo.__file__).read_text(encoding="utf-8"))
    testish = {m for m in imports if {"testing", "tests", "pytest", "conftest"} & set(m.split("."))}
    assert testish == set()
