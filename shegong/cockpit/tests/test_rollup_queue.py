"""The rollup is kept by the worker, never by the page: a write of an appeal queues one
sync after its transaction commits; the page reads the rollup as it is and says until when."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import time_machine
from django.core.cache import cache
from pytest_django import DjangoCaptureOnCommitCallbacks

from shegong.appeals import rollup
from shegong.appeals.models import AppealDayStat
from shegong.appeals.tasks import ROLLUP_QUEUED_KEY
from shegong.core.panels import panel

from ..query import build_query, read_filters
from .conftest import MakeAppeal, at

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db


@time_machine.travel(at(2026, 3, 25, 9), tick=False)
def test_a_committed_appeal_queues_the_sync_that_counts_it(
    world: World,
    make_appeal: MakeAppeal,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    cache.delete(ROLLUP_QUEUED_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        make_appeal(now=at(2026, 3, 2, 9))
    assert AppealDayStat.objects.filter(day=at(2026, 3, 2).date()).count() == 1


@time_machine.travel(at(2026, 3, 25, 9), tick=False)
def test_a_sync_already_queued_is_not_queued_again(
    world: World,
    make_appeal: MakeAppeal,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    cache.set(ROLLUP_QUEUED_KEY, 1, timeout=60)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            make_appeal(now=at(2026, 3, 2, 9))
        assert AppealDayStat.objects.count() == 0
    finally:
        cache.delete(ROLLUP_QUEUED_KEY)


@time_machine.travel(at(2026, 3, 25, 9), tick=False)
def test_the_page_reads_the_rollup_as_it_is_and_says_when(
    world: World, make_appeal: MakeAppeal
) -> None:
    make_appeal(now=at(2026, 3, 2, 9))
    rollup.sync()
    make_appeal(now=at(2026, 3, 3, 9))  # written after the last sync: not counted yet
    user = world.leader
    query = build_query(user, read_filters(user, {"start": "2026-03-01", "end": "2026-03-20"}))
    provider = panel("appeals")
    assert provider is not None
    kpi = next(f for f in provider.figures(query) if f.key == "appeals.kpi")
    shown = {p.label: p.value for p in kpi.series[0].points}
    assert (shown["登记件数"], kpi.as_of) == (1, at(2026, 3, 25, 9))
