"""The line 「筛选：…」 over the suggestion list (``core.drill``): the filters a cockpit
figure (or any link) opened it with that its search form does not show — 登记日期, 区划,
评估单位 — and the hidden fields that keep them when the user searches, pages or changes
the 评估状态 tab, so the list stays the figure's records (docs/cockpit.md)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import QueryDict

from shegong.accounts.models import User
from shegong.appeals.models import Appeal
from shegong.core import drill
from shegong.regions.models import Region

from .filters import SuggestionFilterSet

# The filters without a visible field in the search form (评估状态 is the tabs' hidden
# field, 评估结果 and 征集主题 are selects).
HIDDEN = ("since", "until", "region", "unit")


def drill_filters(filterset: SuggestionFilterSet, user: User) -> drill.DrillFilters:
    """The narrowing filters in force, each as a short Chinese phrase (invalid ones are
    ignored by the filterset, and so here), with the hidden fields that keep them."""
    form = filterset.form
    if not form.is_valid():
        return drill.DrillFilters([], [])
    data = form.cleaned_data
    parts = drill.period_and_region_parts(data, lambda pk: _region_name(user, pk))
    unit_id = data.get("unit")
    if unit_id:
        # Named as the list names it: through a suggestion the viewer may see (the
        # filterset's base is the list's rows).
        name = (
            filterset.queryset.filter(evaluation__unit_id=unit_id)
            .values_list("evaluation__unit__name", flat=True)
            .first()
        )
        parts.append(f"评估单位 {name}" if name else "评估单位（无可见的人民建议）")
    return drill.DrillFilters(parts, drill.hidden_filters(form, HIDDEN))


def narrowed(base: QuerySet[Appeal], filters: drill.DrillFilters) -> QuerySet[Appeal]:
    """``base`` narrowed by the drill-down's filters alone (what the state tabs count, so
    that 全部 is the figure's number)."""
    if not filters.hidden:
        return base
    data = QueryDict(mutable=True)
    for name, value in filters.hidden:
        data.appendlist(name, value)
    return SuggestionFilterSet(data, queryset=base).qs


def _region_name(user: User, pk: int) -> str | None:
    region = Region.objects.visible_to(user).filter(pk=pk).only("name").first()
    return region.name if region else None
