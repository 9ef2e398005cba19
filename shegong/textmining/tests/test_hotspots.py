"""Hotspot detection on a synthetic spike over a steady background."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from shegong.textmining.hotspots import HotspotRecord, detect_hotspots, keywords
from shegong.textmining.tests.samples import SAMPLES

NOW = datetime(2026, 6, 30, 12, 0)


def _background(rng: random.Random) -> list[HotspotRecord]:
    out = []
    n = 0
    for day in range(70):
        for _key, title, body, cat in SAMPLES:
            if rng.random() < 0.3:
                place = rng.choice(["东城区", "西城区"])
                t = NOW - timedelta(days=day, hours=rng.randint(0, 20))
                out.append(HotspotRecord(f"bg{n}", t, place, f"{title}\n{body}", cat))
                n += 1
    return out


def _spike() -> list[HotspotRecord]:
    text = "幸福小区楼下烧烤店油烟扰民，每天晚上烟雾弥漫，窗户都不敢开"
    return [
        HotspotRecord(
            f"sp{n}", NOW - timedelta(hours=5 * n), "东城区", f"{text}（第{n}次）", "环境保护"
        )
        for n in range(12)
    ]


def test_category_place_spike_is_ranked_first() -> None:
    records = _background(random.Random(0)) + _spike()
    spots = detect_hotspots(records, now=NOW, topic="category")
    assert spots, "the spike must be found"
    top = spots[0]
    assert (top.topic, top.place) == ("环境保护", "东城区")
    assert top.count >= 12
    assert top.z >= 3
    assert 0 <= top.p_value < 0.01
    assert len(top.trend) == 9
    assert top.trend[-1] == top.count
    assert "油烟" in "".join(top.keywords)
    assert set(top.representative_ids) <= set(top.ids)
    assert top.places[0][0] == "东城区"


def test_keyword_topics_find_the_spike() -> None:
    records = _background(random.Random(1)) + _spike()
    spots = detect_hotspots(records, now=NOW, topic="keywords", by_place=False)
    assert spots
    assert any("油烟" in s.topic or "烧烤" in s.topic for s in spots[:2])


def test_no_spike_no_hotspot() -> None:
    assert detect_hotspots(_background(random.Random(2)), now=NOW, z_threshold=4.0) == []
    assert detect_hotspots([], now=NOW) == []


def test_keywords_contrast_with_background() -> None:
    kws = keywords(["小区油烟扰民严重", "烧烤油烟扰民"], ["公交线路调整", "农民工工资拖欠"])
    assert any("油烟" in k for k in kws)
