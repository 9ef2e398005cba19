from __future__ import annotations

import pytest

from shegong.lib.registry import Listeners, Provider


def test_listeners_run_in_registration_order_and_once_each() -> None:
    seen: list[str] = []
    points: Listeners[str] = Listeners("test.points")

    def first(payload: str) -> None:
        seen.append(f"first:{payload}")

    def second(payload: str) -> None:
        seen.append(f"second:{payload}")

    points.register(first)
    points.register(second)
    points.register(first)  # ready() run twice must not call it twice
    for listener in points:
        listener("x")
    assert seen == ["first:x", "second:x"]


def test_unregistered_listener_is_not_called() -> None:
    seen: list[str] = []
    points: Listeners[str] = Listeners("test.points")
    points.register(seen.append)
    points.unregister(seen.append)
    assert list(points) == []


def test_provider_is_empty_until_registered() -> None:
    assert Provider[object]("test.provider").get() is None


def test_provider_accepts_the_same_object_again() -> None:
    provider: Provider[object] = Provider("test.provider")
    impl = object()
    provider.register(impl)
    provider.register(impl)
    assert provider.get() is impl


def test_provider_refuses_a_second_implementation() -> None:
    provider: Provider[object] = Provider("test.provider")
    provider.register(object())
    with pytest.raises(RuntimeError, match="already provided"):
        provider.register(object())
