"""a rollup sync racing a region move (PostgreSQL READ COMMITTED).

The sync reads the region's path with the appeals, deletes and re-inserts the day rows;
a move committed in between rewrites the copies it can see but not the rows the sync
inserts — they keep the old path. The month recompute later finds two paths for one
region and month and breaks on ``appeal_month_stat_once``."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.db import IntegrityError, connections, transaction

from shegong.appeals import rollup
from shegong.appeals.services.common import bump
from shegong.regions import services as regions

from .conftest import MakeAppeal, at
from .test_cockpit_scope import NOW
from .test_rollup_paths import wrong_paths

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sync_racing_a_region_move_keeps_paths_right(
    world: World, make_appeal: MakeAppeal, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        first = make_appeal(now=at(2026, 3, 3, 9), region_id=world.south_one.pk)
    with time_machine.travel(at(2026, 3, 10, 9), tick=False):
        make_appeal(now=at(2026, 3, 10, 9), region_id=world.south_one.pk)
    with time_machine.travel(NOW, tick=False):
        rollup.sync(now=NOW)
        bump(first, ["title"])  # the next sync rewrites 3 March (and March)
    reached = threading.Event()
    original = rollup._recompute_months

    def months_after_a_pause(months: set[date]) -> None:
        reached.set()  # the day rows are deleted and re-inserted with the path read before
        time.sleep(1.5)  # the move runs now (and waits for the deleted rows' locks)
        original(months)

    monkeypatch.setattr(rollup, "_recompute_months", months_after_a_pause)

    def move() -> None:
        try:
            reached.wait(10)
            regions.move_region(
                actor=world.root, region_id=world.south.pk, new_parent_id=world.district_b.pk
            )
        finally:
            connections.close_all()

    mover = threading.Thread(target=move)
    mover.start()
    later = NOW + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        rollup.sync(now=later)
    mover.join()
    monkeypatch.setattr(rollup, "_recompute_months", original)
    stale = wrong_paths()
    errors: list[str] = []
    try:  # what the next sync touching any March day does
        with transaction.atomic():
            rollup._recompute_months({date(2026, 3, 1)})
    except IntegrityError as exc:
        errors.append(str(exc).splitlines()[0])
    assert (stale, errors) == ([], [])
