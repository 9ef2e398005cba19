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
    from shegong.talent.testing import id_number

    numbers = {validate_id_number(id_number(seq)) for seq in (5, 1005, 2005)}
    assert len(numbers) == 3
