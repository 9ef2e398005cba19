"""Hotspots refresh during the day (issue #12 §9): a burst of new appeals is on the list
within 15 minutes, and a run with nothing new triaged is a no-op."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shegong.core import periodic
from shegong.triage import services
from shegong.triage.models import Hotspot

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
WAGES = {
    "title": "农民工工资被拖欠",
    "body": (
        "我们在北一社区工地干了半年，施工单位拖欠农民工工资三个月，一直不发，请劳动部门帮忙追讨。"
    ),
}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _only_the_hotspot_job(monkeypatch: Any) -> Any:
    """The scheduler, limited to the hotspot job (other jobs are not under test here)."""
    from django.core.cache import cache

    periodic._load_jobs()
    monkeypatch.setattr(
        periodic, "REGISTRY", {"triage.hotspots": periodic.REGISTRY["triage.hotspots"]}
    )
    cache.delete(services.HOTSPOTS_STAMP)
    yield
    cache.delete(services.HOTSPOTS_STAMP)


def _scheduler_tick(when: datetime) -> list[str]:
    with time_machine.travel(when, tick=False):
        return periodic.run_due_jobs()


def _burst(make_appeal: Any, when: datetime) -> None:
    for minute in range(4):
        make_appeal(now=when.replace(minute=when.minute + minute), **WAGES)
    services.triage_pending(now=when.replace(minute=when.minute + 4))


def test_new_appeals_are_a_hotspot_within_15_minutes(world, make_appeal) -> None:
    _scheduler_tick(at(2026, 5, 6, 9, 0))
    _burst(make_appeal, at(2026, 5, 6, 9, 1))
    _scheduler_tick(at(2026, 5, 6, 9, 14))
    assert Hotspot.objects.filter(region=world.north, count=4).exists()


def test_the_scheduler_runs_the_hotspot_job_again_within_15_minutes(world) -> None:
    _scheduler_tick(at(2026, 5, 6, 9, 0))
    assert _scheduler_tick(at(2026, 5, 6, 9, 14)) == ["triage.hotspots"]


def test_nothing_new_triaged_means_no_recomputation(world, make_appeal) -> None:
    _burst(make_appeal, at(2026, 5, 6, 9, 1))
    _scheduler_tick(at(2026, 5, 6, 9, 10))
    _scheduler_tick(at(2026, 5, 6, 9, 20))
    assert set(Hotspot.objects.values_list("computed_at", flat=True)) == {at(2026, 5, 6, 9, 10)}


def test_a_new_day_recomputes_without_new_appeals(world, make_appeal) -> None:
    _burst(make_appeal, at(2026, 5, 6, 9, 1))
    _scheduler_tick(at(2026, 5, 6, 9, 10))
    _scheduler_tick(at(2026, 5, 7, 0, 10))
    assert set(Hotspot.objects.values_list("computed_at", flat=True)) == {at(2026, 5, 7, 0, 10)}


def test_refresh_skips_when_nothing_changed(world, make_appeal) -> None:
    _burst(make_appeal, at(2026, 5, 6, 9, 1))
    assert services.refresh_hotspots(now=at(2026, 5, 6, 9, 10)) == 1
    assert services.refresh_hotspots(now=at(2026, 5, 6, 9, 20)) is None


def test_a_refresh_cuts_only_the_new_texts(world, make_appeal, monkeypatch) -> None:
    from shegong.textmining.segment import default_segmenter

    services._HOTSPOT_TOKENS.clear()
    _burst(make_appeal, at(2026, 5, 6, 9, 1))
    services.compute_hotspots(now=at(2026, 5, 6, 9, 10))
    make_appeal(
        now=at(2026, 5, 6, 9, 12), title="又一起欠薪", body="北一社区另一工地也拖欠工资两个月。"
    )
    services.triage_pending(now=at(2026, 5, 6, 9, 13))
    segmenter = default_segmenter()
    cut: list[str] = []
    original = segmenter.tokens
    monkeypatch.setattr(segmenter, "tokens", lambda text: cut.append(text) or original(text))
    services.compute_hotspots(now=at(2026, 5, 6, 9, 20))
    assert cut == ["又一起欠薪\n北一社区另一工地也拖欠工资两个月。"]
