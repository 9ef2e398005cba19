"""The line 「筛选：…」 over the appeal list: the filters a cockpit drill-down (or any link)
opened it with, which the search form does not show — the date range, region, category,
clock, statistics scope — so a user sees why the list is narrowed (docs/cockpit.md); and the
hidden fields that keep those filters when the user searches inside the list. The shared
machinery is ``core.drill`` (the suggestion list uses it too)."""

from __future__ import annotations

from shegong.accounts.models import User
from shegong.core import drill
from shegong.regions.models import Region

from .choices import AppealStatus
from .filters import CLOCK_CHOICES, AppealFilterSet

# The filters the search form has no visible field for: a drill-down opens the list with them
# and the form carries them as hidden fields, so a keyword search stays inside the figure.
HIDDEN = (
    "number",
    "stream",
    "channel",
    "region",
    "since",
    "until",
    "category",
    "counted",
    "clock",
    "group",
)


class DrillFilters(drill.DrillFilters):
    """``core.drill.DrillFilters`` with the statuses of a drill-down by several statuses."""

    def __init__(self, parts: list[str], hidden: list[tuple[str, str]]) -> None:
        super().__init__(parts, hidden)
        # Several statuses (当前在办) do not fit the single status select: they are hidden
        # fields and the select is shown disabled.
        self.statuses = [value for name, value in hidden if name == "status"]


def _hidden(filterset: AppealFilterSet) -> list[tuple[str, str]]:
    """The valid narrowing filters as typed in the URL, in a stable order."""
    data = filterset.form.cleaned_data
    out = drill.hidden_filters(filterset.form, HIDDEN)
    if len(data.get("status") or []) > 1:
        out.extend(("status", str(v)) for v in data["status"])
    return out


def drill_filters(filterset: AppealFilterSet, user: User) -> DrillFilters:
    """The narrowing filters in force, each as a short Chinese phrase (invalid ones are
    ignored by the filterset, and so here), with the hidden fields that keep them."""
    form = filterset.form
    if not form.is_valid():
        return DrillFilters([], [])
    data = form.cleaned_data
    parts = drill.period_and_region_parts(data, lambda pk: _region_name(user, pk))
    category = (data.get("category") or "").strip()
    if category:
        parts.append("诉求类别 未分类" if category == "-" else f"诉求类别 {category}")
    clock = data.get("clock")
    if clock:
        parts.append(f"时限 {dict(CLOCK_CHOICES).get(clock, clock)}")
    statuses = data.get("status") or []
    if len(statuses) > 1:
        labels = dict(AppealStatus.choices)
        parts.append("状态 " + "、".join(str(labels.get(s, s)) for s in sorted(statuses)))
    if data.get("group"):
        parts.append("集体访/联名")
    if data.get("counted"):
        parts.append("统计口径（不含检举控告类、已并入的重复件）")
    return DrillFilters(parts, _hidden(filterset))


def _region_name(user: User, pk: int) -> str | None:
    region = Region.objects.visible_to(user).filter(pk=pk).only("name").first()
    return region.name if region else None
