"""The line 「筛选：…」 over the appeal list: the filters a cockpit drill-down (or any link)
opened it with, which the search form does not show — the date range, region, category,
clock, statistics scope — so a user sees why the list is narrowed (docs/cockpit.md)."""

from __future__ import annotations

from shegong.accounts.models import User
from shegong.regions.models import Region

from .choices import AppealStatus
from .filters import CLOCK_CHOICES, AppealFilterSet


def drill_filters(filterset: AppealFilterSet, user: User) -> list[str]:
    """The narrowing filters in force, each as a short Chinese phrase (invalid ones are
    ignored by the filterset, and so here)."""
    form = filterset.form
    if not form.is_valid():
        return []
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
    return parts
