"""A hotspot counts what the cockpit counts (docs/cockpit.md): no 检举控告 (信访工作条例
第三十条: not in its count, samples or keywords) and no appeal merged into another; its
number links to the list of exactly the appeals it counts (issue 17)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from shegong.appeals.choices import AppealKind
from shegong.appeals.models import Appeal
from shegong.appeals.services.merge import merge_appeals
from shegong.core.panels import panel
from shegong.triage import services
from shegong.triage.models import Hotspot, TriageResult

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
MakeAppeal = Callable[..., tuple[Appeal, str]]

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=TZ)
WAGES = {
    "title": "农民工工资被拖欠",
    "body": "我们在工地干了半年，施工单位拖欠农民工工资三个月，一直不发，请劳动部门帮忙追讨。",
}
ACCUSED = {
    "title": "检举劳动监察人员受贿，农民工工资被拖欠",
    "body": "检举劳动监察大队人员收受施工单位贿赂，对拖欠农民工工资不管不问，请纪委查处。",
}


def at(minute: int) -> datetime:
    return NOW.replace(hour=9, minute=minute)


@dataclass(frozen=True)
class Burst:
    counted: set[int]
    duplicate: int
    accusations: set[int]
    hotspot: Hotspot


@pytest.fixture
def burst(world: World, make_appeal: MakeAppeal) -> Burst:
    """Four wage appeals in 北一社区, one more merged into the first, and more 检举控告 on
    the same matter than either (so, were they read, they would be the typical texts and lend
    their words), all triaged, then the hotspots computed."""
    counted = [make_appeal(now=at(m), **WAGES)[0] for m in range(4)]
    duplicate = make_appeal(now=at(6), **WAGES)[0]
    accusations = [
        make_appeal(
            now=at(10 + m),
            kind=AppealKind.XF_ACCUSATION,
            accused_unit_ids=[world.unit_b.pk],
            **ACCUSED,
        )[0]
        for m in range(5)
    ]
    merge_appeals(
        actor=world.dispatcher,
        lead_id=counted[0].pk,
        duplicate_ids=[duplicate.pk],
        reason="同一工地",
        now=at(8),
    )
    services.triage_pending(now=at(20))
    services.compute_hotspots(now=NOW, notify_top=0)
    wages = TriageResult.objects.get(appeal=counted[0]).category_l1
    return Burst(
        counted={a.pk for a in counted},
        duplicate=duplicate.pk,
        accusations={a.pk for a in accusations},
        hotspot=Hotspot.objects.get(region=world.north, label=wages),
    )


def listed(client: Client, url: str) -> set[int]:
    page = client.get(url)
    assert page.status_code == 200
    return {int(pk) for pk in re.findall(r'data-appeal="(\d+)"', page.content.decode())}


def test_the_accusations_and_the_merged_appeal_are_triaged(world: World, burst: Burst) -> None:
    """The premise: triage categorises them, so only the hotspot's own rule leaves them out."""
    ids = burst.accusations | {burst.duplicate}
    triaged = TriageResult.objects.filter(appeal_id__in=ids)
    assert triaged.exclude(category_l1="").count() == len(ids)


def test_a_hotspot_counts_neither_the_accusation_nor_the_merged_appeal(burst: Burst) -> None:
    assert burst.hotspot.count == len(burst.counted)


def test_a_hotspot_keeps_the_ids_it_counts(burst: Burst) -> None:
    assert set(burst.hotspot.appeal_ids) == burst.counted


def test_no_hotspot_counts_an_accusation(burst: Burst) -> None:
    counted = {pk for h in Hotspot.objects.all() for pk in h.appeal_ids}
    assert not counted & burst.accusations


def test_no_sample_is_an_accusation(burst: Burst) -> None:
    samples = {pk for h in Hotspot.objects.all() for pk in h.sample_appeal_ids}
    assert not samples & burst.accusations


def test_no_keyword_comes_from_the_accusations(burst: Burst) -> None:
    words = {w for h in Hotspot.objects.all() for w in h.keywords}
    assert not {"检举", "查处", "受贿", "贿赂", "纪委", "监察"} & words


def test_the_hotspot_page_links_its_number_to_exactly_its_appeals(
    world: World, burst: Burst, client_for: ClientFor
) -> None:
    client = client_for(world.dispatcher)
    page = client.get("/triage/hotspots/").content.decode()
    url = f"/triage/hotspots/{burst.hotspot.pk}/appeals/"
    assert f'href="{url}"' in page
    assert listed(client, url) == burst.counted


@pytest.mark.parametrize("persona", ["leader", "district_leader", "street_north"])
def test_the_cockpit_number_links_to_exactly_its_appeals(
    world: World, burst: Burst, client_for: ClientFor, persona: str
) -> None:
    from shegong.cockpit.query import build_query, read_filters

    user = getattr(world, persona)
    provider = panel("hotspots")
    assert provider is not None
    with time_machine.travel(NOW, tick=False):
        query = build_query(user, read_filters(user, {"start": "2026-05-01", "end": "2026-05-06"}))
        figures = {f.key: f for f in provider.figures(query)}
    (point,) = [p for p in figures["hotspots.counts"].series[0].points if p.label.startswith("北")]
    assert point.url is not None
    assert (point.value, listed(client_for(user), point.url)) == (
        len(burst.counted),
        burst.counted,
    )


def test_the_list_is_refused_outside_the_hotspot_region(
    world: World, burst: Burst, client_for: ClientFor
) -> None:
    url = f"/triage/hotspots/{burst.hotspot.pk}/appeals/"
    assert client_for(world.street_south).get(url).status_code == 404


def test_a_row_computed_before_the_ids_were_kept_has_no_link(burst: Burst) -> None:
    from shegong.triage.cockpit import appeals_url

    Hotspot.objects.update(appeal_ids=[])
    assert appeals_url(Hotspot.objects.get(pk=burst.hotspot.pk)) is None
