"""Typed extension points: how a lower app lets an upper app react, without importing it.

A lower app *declares* an extension point in its ``hooks.py``; an upper app *registers* into
it in its ``AppConfig.ready()``. The import arrow then points from the upper app down, as the
import-linter layers contract requires (see docs/architecture.md, "Contracts and extension
points").

- ``Listeners[P]``: any number of callbacks, each called with one payload (a frozen
  dataclass the declaring app defines). For "X happened" (an appeal was registered).
- ``Provider[T]``: at most one implementation of a ``Protocol`` the declaring app defines.
  For "ask whoever knows" (the triage panel of an appeal). ``get()`` is ``None`` when no app
  provides it, and the caller shows or does nothing.

Pure Python (no Django), so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

P = TypeVar("P")
T = TypeVar("T")


class Listeners(Generic[P]):
    """Callbacks called in registration order with one payload of type ``P``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[[P], None]] = []

    def register(self, callback: Callable[[P], None]) -> Callable[[P], None]:
        """Add ``callback`` (once; registering it again is a no-op). Usable as a decorator."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def unregister(self, callback: Callable[[P], None]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def __iter__(self) -> Iterator[Callable[[P], None]]:
        return iter(list(self._callbacks))

    def __len__(self) -> int:
        return len(self._callbacks)

    def __repr__(self) -> str:
        return f"<Listeners {self.name}: {len(self._callbacks)}>"


class Provider(Generic[T]):
    """At most one implementation of ``T`` (a Protocol declared by the lower app)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._impl: T | None = None

    def register(self, impl: T) -> T:
        """Install ``impl``. Installing the same object again is a no-op; a second, different
        implementation is a configuration error (two apps claiming the same job)."""
        if self._impl is not None and self._impl is not impl:
            raise RuntimeError(f"{self.name} is already provided by {self._impl!r}")
        self._impl = impl
        return impl

    def unregister(self) -> None:
        self._impl = None

    def get(self) -> T | None:
        return self._impl

    def __repr__(self) -> str:
        return f"<Provider {self.name}: {self._impl!r}>"
