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


class _Row(dict[str, object]):
    """One row of the frame ``cpca.transform`` returns (pandas ``Series.get`` semantics)."""


class _Frame:
    def __init__(self, row: _Row) -> None:
        self.iloc = [row]


def _fake_cpca(monkeypatch: pytest.MonkeyPatch, transform: object) -> list[list[str]]:
    """Install a stand-in ``cpca`` module. cpca is optional and not among the installed
    packages (it pulls in pandas), so the wrapper's three outcomes are proven against a
    module with cpca's interface: ``transform(list_of_texts)`` → a frame of 省/市/区/adcode."""
    import sys
    import types

    calls: list[list[str]] = []
    module = types.ModuleType("cpca")

    def _transform(texts: list[str]) -> object:
        calls.append(list(texts))
        return transform(texts)  # type: ignore[operator]

    module.transform = _transform  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cpca", module)
    return calls


def test_cpca_place_maps_the_frame_row(monkeypatch: pytest.MonkeyPatch) -> None:
    row = _Row(
        {"省": "广东省", "市": "深圳市", "区": "福田区", "adcode": "440304", "地址": "华强北"}
    )
    calls = _fake_cpca(monkeypatch, lambda texts: _Frame(row))
    assert cpca_place("广东省深圳市福田区华强北") == {
        "province": "广东省",
        "city": "深圳市",
        "district": "福田区",
        "adcode": "440304",
    }
    assert calls == [["广东省深圳市福田区华强北"]]


def test_cpca_place_drops_missing_parts_and_none_when_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nan = float("nan")  # what pandas holds where cpca found nothing
    rows = iter(
        [
            _Row({"省": "广东省", "市": nan, "区": None, "adcode": ""}),
            _Row({"省": nan, "市": None, "区": "", "adcode": nan}),
        ]
    )
    _fake_cpca(monkeypatch, lambda texts: _Frame(next(rows)))
    assert cpca_place("广东省某地") == {"province": "广东省"}
    assert cpca_place("没有地名") is None


def test_cpca_place_never_breaks_intake(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(texts: list[str]) -> object:
        raise ValueError("cpca table missing")

    calls = _fake_cpca(monkeypatch, broken)
    assert cpca_place("广东省深圳市") is None
    assert calls == [["广东省深圳市"]]
    assert cpca_place("") is None
    assert cpca_place(None) is None
    assert len(calls) == 1  # empty text never reaches cpca


def test_cpca_place_without_cpca_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "cpca", None)  # import now raises ImportError
    assert cpca_place("广东省深圳市福田区华强北") is None


def test_trie_fallback_without_pyahocorasick(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ahocorasick", None)  # import now raises ImportError
    m = PlaceMatcher(REGIONS)
    assert m.backend == "trie"
    hit = m.locate("东城区北街道幸福社区门口的路灯坏了")
    assert hit is not None
    assert hit.code == "339901001001"
