"""The demo's historical-hours rows pass the real import (``services.import_hours``) on the
date the city demo failed and on others: at city size with seed 20261128 on 2026-12-07 the
old rows repeated a volunteer, day, activity name and hours ("与第815行重复") and the import
refused the file. Few volunteers and many rows, so the old draw collides on every seed."""

from __future__ import annotations

import random
from datetime import datetime

import pytest
import time_machine
from django.utils import timezone

from conftest import World
from shegong.demo.volunteers import _history_rows
from shegong.lib.validators import id_check_digit
from shegong.volunteers import services
from shegong.volunteers.models import HoursEntry, Volunteer

pytestmark = pytest.mark.django_db


def _volunteers(world: World) -> list[Volunteer]:
    made = []
    for i in range(3):
        body = f"33990119800101{i:03d}"
        v = services.register_volunteer(
            actor=world.root,
            name=f"志愿者{i}",
            id_number=body + id_check_digit(body),
            phone=f"1390000000{i}",
            region_id=world.north_one.pk,
        )
        made.append(v)
    return list(Volunteer.objects.select_related("region").filter(pk__in=[v.pk for v in made]))


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 12, 7, 10, 0), datetime(2028, 2, 29, 10, 0), datetime(2027, 1, 1, 0, 30)],
)
def test_history_rows_pass_the_import_on_any_date(world: World, moment: datetime) -> None:
    with time_machine.travel(timezone.make_aware(moment), tick=False):
        volunteers = _volunteers(world)
        today = timezone.localdate()
        for seed in (20261128, 1, 2):
            rows = _history_rows(volunteers, 900, random.Random(seed), today)
            report = services.import_hours(actor=world.root, rows=rows, commit=False)
            assert report.ok, report.errors[:3]
        report = services.import_hours(actor=world.root, rows=rows, commit=True)
        assert report.committed, report.errors[:3]
        assert HoursEntry.objects.count() == 900
