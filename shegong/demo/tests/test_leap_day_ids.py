"""The demo's identity numbers on 29 February: "N years before today" has no 29 February in
a common year (``date.replace(year=…)`` raised ValueError, so the demo failed on that day)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from shegong.demo.party_members import _Ids
from shegong.demo.volunteers import _id_number
from shegong.lib.validators import id_check_digit


def test_volunteer_id_numbers_on_29_february() -> None:
    rng = random.Random(20261128)
    for age in (15, 16, 17, 19, 20, 71):
        number = _id_number(rng, "339901001001", age, date(2028, 2, 29))
        assert number[-1] == id_check_digit(number[:17])
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        anniversary = date(2028 - age, 2, 28 if (2028 - age) % 4 else 29)
        assert anniversary - timedelta(days=360) <= born < anniversary


def test_party_member_id_numbers_on_29_february() -> None:
    ids = _Ids(random.Random(20261128), date(2028, 2, 29))
    numbers = [ids.make("339901001001", 18, 80) for _ in range(200)]
    assert len(set(numbers)) == 200
    assert all(n[-1] == id_check_digit(n[:17]) for n in numbers)
