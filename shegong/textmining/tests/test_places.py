"""Place extraction against the caller's regions table."""

from __future__ import annotations

import pytest

from shegong.textmining.places import PlaceMatcher, Region, cpca_place

REGIONS = [
    Region("339900", "示范市"),
    Region("339901", "东城区", "339900"),
    Region("339902", "西城区", "339900"),
    Region("339901001", "北街道", "339901"),
    Region("339901002", "南街道", "339901"),
    Region("339901001001", "幸福社区", "339901001"),
    Region("339902001001", "幸福社区", "339902"),  # same name in another district
]


def test_find_full_names_and_short_forms() -> None:
    m = PlaceMatcher(REGIONS)
    found = m.find("东城北街道附近，西城那边也有")
    assert [f.code for f in found] == ["339901", "339901001", "339902"]
    assert found[0].matched == "东城"


def test_locate_prefers_consistent_deepest_region() -> None:
    m = PlaceMatcher(REGIONS)
    hit = m.locate("东城区北街道幸福社区门口的路灯坏了")
    assert hit is not None
    assert hit.code == "339901001001"
    hit2 = m.locate("幸福社区的路灯坏了", address="西城区")
    assert hit2 is not None
    assert hit2.code == "339902001001"
    assert m.locate("没有地名的文本") is None


def test_tuple_rows_and_backend() -> None:
    m = PlaceMatcher([("1", "北京路街道", ""), ("2", "南京路街道", "")])
    assert m.backend in {"pyahocorasick", "trie"}
    assert [p.code for p in m.find("南京路街道和北京路")] == ["2", "1"]


def test_cpca_optional() -> None:
    out = cpca_place("广东省深圳市福田区华强北")
    if out is not None:  # cpca installed
        assert out["district"] == "福田区"


def test_trie_fallback_without_pyahocorasick(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ahocorasick", None)  # import now raises ImportError
    m = PlaceMatcher(REGIONS)
    assert m.backend == "trie"
    hit = m.locate("东城区北街道幸福社区门口的路灯坏了")
    assert hit is not None
    assert hit.code == "339901001001"
