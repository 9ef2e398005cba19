"""The demo's historical-hours rows pass the import's checks on any seed and date: one row
per volunteer and day (a repeated volunteer, day, activity and hours made the city demo fail)."""

from __future__ import annotations

import random
from datetime import date
from types import SimpleNamespace
from typing import cast

from shegong.demo.volunteers import _history_rows
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
