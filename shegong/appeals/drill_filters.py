"""The line 「筛选：…」 over the appeal list: the filters a cockpit drill-down (or any link)
opened it with, which the search form does not show — the date range, region, category,
clock, statistics scope — so a user sees why the list is narrowed (docs/cockpit.md); and the
hidden fields that keep those filters when the user searches inside the list."""

from __future__ import annotations

from shegong.accounts.models import User
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


class DrillFilters(list[str]):
    """The phrases of the line 「筛选：…」; ``hidden`` = the (name, value) pairs the search
    form carries (the template renders them as ``<input type="hidden">``)."""

    def __init__(self, parts: list[str], hidden: list[tuple[str, str]]) -> None:
        super().__init__(parts)
        self.hidden = hidden
        # Several statuses (当前在办) do not fit the single status select: they are hidden
        # fields and the select is shown disabled.
        self.statuses = [value for name, value in hidden if name == "status"]


def _hidden(filterset: AppealFilterSet) -> list[tuple[str, str]]:
    """The valid narrowing filters as typed in the URL, in a stable order."""
    data = filterset.form.cleaned_data
    raw = filterset.form.data
    out: list[tuple[str, str]] = []
    for name in HIDDEN:
        value = data.get(name)
        if value is None or value == "":
            continue
        out.append((name, str(raw.get(name)).strip()))  # as typed (the last of repeats)
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
    parts: list[str] = []
    since, until = data.get("since"), data.get("until")
    if since or until:
        start = since.isoformat() if since else "不限"
        end = until.isoformat() if until else "不限"
        same_day = since is not None and since == until
        parts.append(f"登记日期 {start}" if same_day else f"登记日期 {start} 至 {end}")
    region_id = data.get("region")
    if region_id:
        region = Region.objects.visible_to(user).filter(pk=region_id).only("name").first()
        parts.append(f"区划 {region.name}（含下级）" if region else "区划（不可见）")
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
