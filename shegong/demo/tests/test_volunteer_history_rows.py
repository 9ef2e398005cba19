"""The demo's historical-hours rows pass the import's checks on any seed and date: one row
per volunteer and day (a repeated volunteer, day, activity and hours made the city demo fail)."""

from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace
from typing import cast

from shegong.demo.volunteers import HISTORY_DAYS, _history_rows
from shegong.volunteers.models import Volunteer


def _volunteer(pk: int) -> Volunteer:
    region = SimpleNamespace(code="339901001001", name="示范社区")
    return cast(Volunteer, SimpleNamespace(pk=pk, number=f"V{pk:05d}", region=region))


def test_no_volunteer_has_two_rows_on_one_day() -> None:
    # 3 volunteers × 681 possible days, 1,500 rows: collisions are certain without the guard.
    volunteers = [_volunteer(pk) for pk in (1, 2, 3)]
    rows = _history_rows(volunteers, 1500, random.Random(20261128), date(2026, 12, 7))
    keys = {(row["志愿者编号"], row["服务日期"]) for _, row in rows}
    assert len(keys) == 1500


def test_never_more_rows_than_volunteer_days() -> None:
    # One volunteer has 681 days of history to fill: asking for more must end, not spin.
    rows = _history_rows([_volunteer(1)], 1000, random.Random(1), date(2028, 2, 29))
    assert len(rows) == HISTORY_DAYS
    assert len({row["服务日期"] for _, row in rows}) == HISTORY_DAYS
