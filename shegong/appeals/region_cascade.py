"""The staff registration form's place picker: a cascade 区 → 街道 → 社区 → 网格 over the
regions the clerk may see, and a search by name that fills it (issue #12 §9: pick, don't
type a 12-digit code).

Every query starts from ``Region.objects.visible_to(user)``: a street clerk's cascade starts
at their street, and a region outside the clerk's jurisdiction is never offered nor accepted
(the intake service checks the scope again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

SEARCH_LIMIT = 20


@dataclass
class CascadeLevel:
    """One select of the cascade: its options and the chosen one (None: not yet)."""

    index: int
    label: str
    options: list[Region]
    selected: Region | None


def _active(user: Any) -> Any:
    return Region.objects.visible_to(user).filter(is_active=True)


def chosen_region(user: Any, values: list[str]) -> Region | None:
    """The deepest region of the chain the cascade's selects spell out: a top region of the
    user's jurisdiction, then its child among ``values``, and so on. The order of ``values``
    does not matter (HTMX sends the changed select first); a stale lower choice left from
    another branch is not on the chain and is ignored."""
    ids = {int(v) for v in values if v.strip().isdecimal()}  # not isdigit: "²"
    if not ids:
        return None
    rows = list(_active(user).filter(pk__in=ids))
    tops = _top_ids(user)
    found = next((r for r in rows if r.pk in tops), None)
    while found is not None:
        child = next((r for r in rows if r.parent_id == found.pk), None)
        if child is None:
            break
        found = child
    return found


def picked(user: Any, pk: int) -> Region | None:
    """A region chosen from the search's matches, if the user may see it."""
    return _active(user).filter(pk=pk).first()  # type: ignore[no-any-return]


def _top_ids(user: Any) -> set[int]:
    visible = _active(user)
    top = visible.order_by("depth").values_list("depth", flat=True).first()
    if top is None:
        return set()
    return set(visible.filter(depth=top).values_list("pk", flat=True))


def cascade(user: Any, chosen: Region | None) -> list[CascadeLevel]:
    """The selects to show for ``chosen`` (None: only the top; a single top region, e.g. a
    street clerk's street, is chosen for them). Ends with the children of the deepest chosen
    region, if it has any."""
    visible = _active(user)
    top_depth = visible.order_by("depth").values_list("depth", flat=True).first()
    if top_depth is None:
        return []
    tops = list(visible.filter(depth=top_depth).order_by("code"))
    path: list[Region] = []
    if chosen is not None:
        path = [
            r
            for r in visible.ancestors_of(chosen, include_self=True)
            if r.depth >= top_depth  # type: ignore[attr-defined]
        ]
    elif len(tops) == 1:
        path = tops[:]
    levels = [CascadeLevel(0, _label(tops), tops, path[0] if path else None)]
    for i, node in enumerate(path):
        children = list(visible.filter(parent=node).order_by("code"))
        if not children:
            break
        selected = path[i + 1] if i + 1 < len(path) else None
        levels.append(CascadeLevel(i + 1, _label(children), children, selected))
        if selected is None:
            break
    return levels


def _label(regions: list[Region]) -> str:
    return RegionLevel(regions[0].level).label if regions else "区划"


def search(user: Any, text: str) -> list[Region]:
    """Regions in the user's jurisdiction whose name or full name contains ``text``
    (shallowest first), at most ``SEARCH_LIMIT``."""
    text = text.strip()
    if not text:
        return []
    return list(
        _active(user).filter(full_name__icontains=text).order_by("depth", "code")[:SEARCH_LIMIT]
    )
