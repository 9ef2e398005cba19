"""The line 「筛选：…」 over a staff list opened by a cockpit figure (or any link) with filters
its search form has no visible field for — a date range, a region, a category … — so the
user sees why the list is narrowed, and the hidden fields that keep those filters when the
user searches, pages or changes tab inside the list (docs/cockpit.md).

A list builds a ``DrillFilters`` from its FilterSet's bound form: ``hidden_filters`` reads
the valid narrowing filters as typed in the URL, the phrases come from the helpers below and
the list's own (each list knows how to name its region, unit or category). Templates:
``core/partials/_drill_filters.html`` (the line, with 清除 → ``clear_url``) and
``core/partials/_drill_hidden.html`` (the form's hidden inputs). Used by the appeal list
(``appeals.drill_filters``) and the suggestion list (``suggestions.drill_filters``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlencode

from django import forms


class DrillFilters(list[str]):
    """The phrases of the line 「筛选：…」 (empty: no line); ``hidden`` = the (name, value)
    pairs the list's search form carries as ``<input type="hidden">``."""

    def __init__(self, parts: Iterable[str], hidden: list[tuple[str, str]]) -> None:
        super().__init__(parts)
        self.hidden = hidden

    @property
    def query(self) -> str:
        """The hidden filters as a query string (for links that must keep them: tabs)."""
        return urlencode(self.hidden)


def hidden_filters(form: forms.Form, names: Iterable[str]) -> list[tuple[str, str]]:
    """The valid, non-empty filters among ``names`` as typed in the URL (the last of
    repeats), in the order of ``names``. Call after ``form.is_valid()``: an invalid value is
    left out, as the FilterSet leaves it out of the query."""
    data = form.cleaned_data
    out: list[tuple[str, str]] = []
    for name in names:
        value = data.get(name)
        if value is None or value == "":
            continue
        out.append((name, str(form.data.get(name)).strip()))
    return out


def date_range_phrase(
    label: str, since: datetime.date | None, until: datetime.date | None
) -> str | None:
    """「登记日期 2026-05-01 至 2026-05-31」, one date when both are the same day, 不限 for an
    open end; ``None`` without either."""
    if since is None and until is None:
        return None
    if since is not None and since == until:
        return f"{label} {since.isoformat()}"
    start = since.isoformat() if since else "不限"
    end = until.isoformat() if until else "不限"
    return f"{label} {start} 至 {end}"


def region_phrase(name: str | None) -> str:
    """A region filter (a subtree) by the region's name; ``None`` when the viewer cannot see
    the region (the list is then empty, and the name is not revealed)."""
    return f"区划 {name}（含下级）" if name else "区划（不可见）"


def period_and_region_parts(
    data: Mapping[str, object], region_name: Callable[[int], str | None]
) -> list[str]:
    """The phrases of the filters every drill-down list shares: the registration period
    (``since``/``until``) and the region subtree (``region``; ``region_name`` looks the id up
    within the viewer's scope, core knowing no regions)."""
    parts: list[str] = []
    since, until = data.get("since"), data.get("until")
    period = date_range_phrase(
        "登记日期",
        since if isinstance(since, datetime.date) else None,
        until if isinstance(until, datetime.date) else None,
    )
    if period:
        parts.append(period)
    region_id = data.get("region")
    if isinstance(region_id, int) and region_id:
        parts.append(region_phrase(region_name(region_id)))
    return parts
