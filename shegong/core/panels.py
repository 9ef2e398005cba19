"""Cockpit panels: every app contributes the figures it owns (issue 17, docs/cockpit.md).

The cockpit (``shegong.cockpit``) sits above every domain app, but it must not import them
to draw their figures — a new module adds its panel without touching the cockpit. So the
registry lives here, in ``core``, where every app may reach it: an app registers a
``PanelProvider`` in its ``AppConfig.ready()``; the cockpit page, the home pages' smaller
version of it and the panel API ask ``panels_for(user)`` and call ``figures(query)``.

The contract a provider keeps:

- **Scope at the queryset.** ``figures`` counts only rows ``visible_to(query.user)`` (or a
  rollup restricted the same way: a jurisdiction is a region subtree and/or a unit subtree),
  never filtered in a template. Two users asking the same query see their own figures.
- **Reproducible.** Every number equals a direct query over raw rows with the same filters
  (tests compare them); a rollup is a cache of that query, never a source of its own.
- **Drillable.** Every ``Point`` that counts records carries ``url``: the staff list of
  exactly those records with the same filters applied (period, region, category), so a
  leader clicks a bar and lands on what it counts. A point with no list (a ratio) links to
  the list of its denominator or carries ``url=None``.
- **Defined.** ``Figure.note`` says in Chinese what is counted: numerator, denominator,
  the date used, what is excluded. docs/cockpit.md repeats it.
- **Cheap.** A figure reads a rollup or an indexed aggregate; nothing scans millions of rows
  per view (bench/cockpit.py holds the page and each panel's API under 300 ms p95).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal, Protocol

from django.db.models import Q

from .scoping import ScopedUser
from .tree import subtree_q

ChartKind = Literal["kpi", "bar", "stacked_bar", "line", "pie", "table", "heatmap", "treemap"]


@dataclass(frozen=True)
class CockpitQuery:
    """What the viewer asked for; ``start``..``end`` inclusive, in Beijing dates."""

    user: ScopedUser
    start: datetime.date
    end: datetime.date
    # A region inside the user's jurisdiction (None: all of it). Providers narrow their
    # already-scoped rows to this subtree; a region outside the jurisdiction yields nothing.
    region_id: int | None = None
    # An appeals category code (the taxonomy's); providers without categories ignore it.
    category: str | None = None
    # The path of ``region_id`` (or of the user's own region when ``region_id`` is None), set
    # by ``shegong.cockpit.query.build_query`` after checking the region is in the user's
    # jurisdiction; providers read it through ``region_root``.
    region_path: str | None = None
    # True when that subtree holds every region (the city's leader, with one root region),
    # set by ``build_query``: then every row is inside it and ``narrow`` adds no condition —
    # at metro size a path range joined to 168,337 regions is most of a panel's time.
    whole_tree: bool = False

    def region_param(self) -> str:
        """``region=<id>`` for a drill-down URL ('' when the figures cover everything)."""
        return f"region={self.region_id}" if self.region_id else ""


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    # The records this figure counts, as a staff list URL with the same filters (or None).
    url: str | None = None
    # Optional second axis (a heat map's column, a stacked bar's stack); "" when unused.
    group: str = ""


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Figure:
    key: str  # stable, unique within the panel: "appeals.by_day"
    title: str
    chart: ChartKind
    series: tuple[Series, ...]
    unit: str = ""  # 件、人、小时、%
    note: str = ""  # the definition a leader reads under the figure
    columns: tuple[str, ...] = field(default=())  # for chart="table": the header row
    # A figure read from a rollup: until when the rollup has read its source (the page says
    # 「数据更新于 HH:MM」); None for a figure counted live.
    as_of: datetime.datetime | None = None


class PanelProvider(Protocol):
    """One app's panel of the cockpit."""

    key: str  # "appeals", "organizations", …: unique
    title: str  # 群众诉求
    capability: str  # Cap.X a user needs to see the panel at all
    order: int  # position on the page, ascending

    def figures(self, query: CockpitQuery) -> list[Figure]: ...


# A path no region has: the root of a user without a region (a unit-only handler), whose
# cockpit figures are empty — the cockpit is scoped by jurisdiction (a region subtree).
NOWHERE = "/~/"


def region_root(query: CockpitQuery) -> str | None:
    """The region subtree a provider limits its figures to: the query's region (checked by
    ``build_query`` to lie inside the user's jurisdiction), else the user's own region;
    ``None`` (everything) only for a superuser without a region; ``NOWHERE`` for a user
    without a region. A provider's figures are ``visible_to(user)`` rows inside this
    subtree — for a region-scoped user those are all rows inside it (docs/cockpit.md)."""
    if query.region_path:
        return query.region_path
    user = query.user
    if user.scope_region_path:
        return user.scope_region_path
    return None if user.is_superuser else NOWHERE


def narrow(query: CockpitQuery, path_field: str) -> Q:
    """The condition keeping the rows whose region path (``path_field``, e.g.
    ``"region__path"``) lies in ``region_root(query)``; none when there is no root or the
    root's subtree is the whole tree (``query.whole_tree``)."""
    root = region_root(query)
    if root is None or (query.whole_tree and root != NOWHERE):
        return Q()
    return subtree_q(root, path_field)


_PANELS: dict[str, PanelProvider] = {}


def register_panel(provider: PanelProvider) -> None:
    """Register in ``AppConfig.ready()``. Registering the same class again (``ready()`` run
    twice) replaces it; a different class under a key already taken raises (two apps cannot
    both own "appeals")."""
    existing = _PANELS.get(provider.key)
    if existing is not None and type(existing) is not type(provider):
        raise ValueError(f"panel {provider.key!r} is already registered by {existing!r}")
    _PANELS[provider.key] = provider


def panels_for(user: ScopedUser) -> list[PanelProvider]:
    """The panels this user may see, in page order."""
    if not user.is_active:
        return []
    return sorted(
        (p for p in _PANELS.values() if user.has_capability(p.capability)),
        key=lambda p: (p.order, p.key),
    )


def panel(key: str) -> PanelProvider | None:
    return _PANELS.get(key)


def all_panels() -> list[PanelProvider]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
