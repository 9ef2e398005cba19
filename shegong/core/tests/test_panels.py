"""The cockpit's panel registry (core/panels.py): who sees which panel, in which order."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from shegong.core import panels
from shegong.core.panels import CockpitQuery, Figure, Point, Series
from shegong.core.roles import Cap


@dataclass
class _User:
    caps: frozenset[str]
    is_active: bool = True
    is_authenticated: bool = True
    is_superuser: bool = False
    scope_region_path: str | None = None
    scope_unit_path: str | None = None
    has_citywide_scope: bool = True

    def has_capability(self, capability: str, /) -> bool:
        return self.is_active and capability in self.caps


class _Panel:
    def __init__(self, key: str, capability: str, order: int) -> None:
        self.key = key
        self.title = key
        self.capability = capability
        self.order = order

    def figures(self, query: CockpitQuery) -> list[Figure]:
        point = Point("一月", 3, url="/appeals/?month=1")
        return [Figure(f"{self.key}.n", "件数", "bar", (Series("件数", (point,)),), unit="件")]


class _OtherPanel(_Panel):
    pass


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panels, "_PANELS", {})


def test_panels_for_lists_only_panels_whose_capability_the_user_holds(registry: None) -> None:
    panels.register_panel(_Panel("appeals", Cap.APPEALS_VIEW, 10))
    panels.register_panel(_Panel("volunteers", Cap.VOLUNTEERS_VIEW, 20))
    user = _User(frozenset({Cap.VOLUNTEERS_VIEW}))
    assert [p.key for p in panels.panels_for(user)] == ["volunteers"]


def test_panels_for_orders_by_order_then_key(registry: None) -> None:
    panels.register_panel(_Panel("b", Cap.COCKPIT_VIEW, 20))
    panels.register_panel(_Panel("c", Cap.COCKPIT_VIEW, 10))
    panels.register_panel(_Panel("a", Cap.COCKPIT_VIEW, 20))
    user = _User(frozenset({Cap.COCKPIT_VIEW}))
    assert [p.key for p in panels.panels_for(user)] == ["c", "a", "b"]


def test_an_inactive_user_sees_no_panel(registry: None) -> None:
    panels.register_panel(_Panel("appeals", Cap.APPEALS_VIEW, 10))
    user = _User(frozenset({Cap.APPEALS_VIEW}), is_active=False)
    assert panels.panels_for(user) == []


def test_a_second_class_under_a_taken_key_is_refused(registry: None) -> None:
    panels.register_panel(_Panel("appeals", Cap.APPEALS_VIEW, 10))
    with pytest.raises(ValueError, match="already registered"):
        panels.register_panel(_OtherPanel("appeals", Cap.APPEALS_VIEW, 10))


def test_registering_the_same_class_again_replaces_it(registry: None) -> None:
    panels.register_panel(_Panel("appeals", Cap.APPEALS_VIEW, 10))
    panels.register_panel(_Panel("appeals", Cap.APPEALS_VIEW, 5))
    assert [p.order for p in panels.all_panels()] == [5]


def test_a_provider_answers_with_figures_for_a_query(registry: None) -> None:
    panels.register_panel(_Panel("appeals", Cap.APPEALS_VIEW, 10))
    user = _User(frozenset({Cap.APPEALS_VIEW}))
    query = CockpitQuery(user, datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    provider = panels.panel("appeals")
    assert provider is not None
    assert provider.figures(query)[0].series[0].points[0].url == "/appeals/?month=1"
