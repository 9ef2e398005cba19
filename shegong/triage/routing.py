"""Which unit should handle an appeal: routing rules, then what dispatchers did with similar
closed appeals (``textmining.Router`` over ``indexes.get_routing_history``) and with the
same category, then the street office; the 检举控告 rules (信访工作条例 第三十条); and how
often the top suggestion was right (``routing_accuracy``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from shegong.appeals.choices import AppealKind, AppealStatus
from shegong.appeals.models import Appeal
from shegong.regions.choices import RegionLevel
from shegong.units.choices import UnitKind
from shegong.units.models import Unit

from .indexes import (
    LOCAL_STREET_OFFICE,
    _category_units,
    _district_of_code,
    _lock,
    _text,
    get_routing_history,
)
from .models import RoutingRule, TriageResult

if TYPE_CHECKING:
    from shegong.textmining import UnitSuggestion

MIN_CATEGORY_CASES = 5
Add = Callable[[Unit, float, str], None]  # a suggestion: unit, score, reason


def street_code(region: Any) -> str | None:
    """Code of the street (街道/乡镇) containing ``region`` (None above street level)."""
    parts = [p for p in (region.path or "").split("/") if p]
    return parts[RegionLevel.STREET - 1] if len(parts) >= RegionLevel.STREET else None


def _street_prefix(region: Any) -> str | None:
    code = street_code(region)
    if code is None:
        return None
    parts = [p for p in region.path.split("/") if p]
    return "/" + "/".join(parts[: parts.index(code) + 1]) + "/"


@dataclass
class RoutingData:
    """What routing needs for a batch of appeals, read in a constant number of queries
    (``routing_data``): the active rules of the batch's categories, the street offices of
    its streets, the accused units of its 检举控告, and — after the in-memory history
    search (``Router.suggest``) and the category counts — the units they vote for and the
    numbers of the example appeals quoted in the reasons."""

    rules: list[RoutingRule] = field(default_factory=list)
    offices: dict[str, Unit] = field(default_factory=dict)  # street code → its office
    accused: dict[int, list[Unit]] = field(default_factory=dict)  # appeal pk → accused
    # appeal pk → (similar closed appeals' units, category counts by 本区/全市); None when
    # the routing history is empty (then neither votes).
    votes: dict[int, tuple[list[UnitSuggestion], list[tuple[str, Counter[int]]]] | None] = field(
        default_factory=dict
    )
    units: dict[int, Unit] = field(default_factory=dict)
    numbers: dict[int, str] = field(default_factory=dict)


def routing_data(
    items: Sequence[tuple[Appeal, str, str]],
    *,
    now: datetime,
    k: int = 3,
    keys: dict[int, str] | None = None,
) -> RoutingData:
    """Everything ``suggest_units`` needs for ``(appeal, category_l1, category_l2)`` items,
    in at most six queries whatever their number. The appeals carry ``region``; ``keys``:
    the ``match_key`` of each appeal's text (by pk), when the caller has them."""
    from shegong.textmining import Router

    data = RoutingData()
    l1s = {l1 for _, l1, _ in items}
    if l1s:
        data.rules = list(
            RoutingRule.objects.filter(is_active=True, category_l1__in=l1s)
            .select_related("unit", "region")
            .order_by("-priority", "pk")
        )
    codes = {code for a, _, _ in items if (code := street_code(a.region))}
    if codes:
        offices = (
            Unit.objects.filter(kind=UnitKind.STREET_OFFICE, region__code__in=codes, is_active=True)
            .select_related("region")
            .order_by("pk")
        )
        for office in offices:
            data.offices.setdefault(office.region.code, office)
    accusations = [a.pk for a, _, _ in items if a.kind == AppealKind.XF_ACCUSATION]
    if accusations:
        links = (
            Appeal.accused_units.through.objects.filter(appeal_id__in=accusations)
            .select_related("unit__superior_body", "unit__parent")
            .order_by("unit__code", "unit_id")
        )
        for link in links:
            data.accused.setdefault(link.appeal_id, []).append(link.unit)
    with _lock:
        history = get_routing_history(now)
        router = Router((), history, rule_weight=0.0)
        for appeal, l1, l2 in items:
            if not len(history):
                data.votes[appeal.pk] = None
                continue
            district = _district_of_code(appeal.region.code)
            by_category = [
                (where, Counter(_category_units.get((l1, key), Counter())))
                for where, key in (("本区", district or "-"), ("全市", ""))
            ]
            found = router.suggest(
                _text(appeal),
                category_l1=l1 or None,
                category_l2=l2 or None,
                region_code=appeal.region.code,
                k=k,
                exclude=[str(appeal.pk)],  # a closed appeal re-triaged must not vote for itself
                key=keys.get(appeal.pk) if keys else None,
            )
            data.votes[appeal.pk] = (found, by_category)
    unit_ids: set[int] = set()
    example_ids: set[int] = set()
    for votes in data.votes.values():
        if votes is None:
            continue
        found, by_category = votes
        unit_ids.update(int(s.unit) for s in found)
        example_ids.update(int(i) for s in found for r in s.reasons for i in r.appeal_ids[:3])
        for _where, counts in by_category:
            unit_ids.update(u for u, _ in counts.most_common(k) if u != LOCAL_STREET_OFFICE)
    if unit_ids:
        data.units = Unit.objects.in_bulk(unit_ids)
    if example_ids:
        data.numbers = dict(Appeal.objects.filter(pk__in=example_ids).values_list("pk", "number"))
    return data


def suggest_units(
    appeal: Appeal,
    category_l1: str,
    category_l2: str,
    *,
    now: datetime,
    k: int = 3,
    data: RoutingData | None = None,
) -> list[dict[str, Any]]:
    """Top-``k`` units: rules, then history, then the street office; reasons in Chinese.
    For a 检举控告: never the accused unit or a unit below it, and the accused's superior
    (信访工作条例 第三十条). ``data``: ``routing_data`` of a batch that holds this appeal
    (read here for this appeal alone when not given)."""
    if data is None:
        data = routing_data([(appeal, category_l1, category_l2)], now=now, k=k)
    found: dict[int, dict[str, Any]] = {}
    accused = data.accused.get(appeal.pk, [])

    def add(unit: Unit, score: float, reason: str) -> None:
        if any(unit.path.startswith(a.path) for a in accused):
            return  # the accused must never handle (or even see) the accusation
        row = found.setdefault(
            unit.pk, {"unit_id": unit.pk, "unit_name": unit.name, "score": 0.0, "reasons": []}
        )
        row["score"] = round(max(row["score"], score), 3)
        row["reasons"].append(reason)

    path = appeal.region.path
    rules = [
        r for r in data.rules if r.category_l1 == category_l1 and r.category_l2 in ("", category_l2)
    ]
    for i, rule in enumerate(rules):
        if rule.region is not None and not path.startswith(rule.region.path):
            continue
        where = f"区划“{rule.region.name}”及下级" if rule.region else "全市"
        cat = category_l1 + (f"/{rule.category_l2}" if rule.category_l2 else "")
        add(
            rule.unit,
            max(0.9 - 0.01 * i, 0.7),
            f"分拨规则：类别“{cat}”、{where}（优先级 {rule.priority}）→ {rule.unit.name}",
        )
    code = street_code(appeal.region)
    office = data.offices.get(code) if code else None
    votes = data.votes.get(appeal.pk)
    if votes is not None:
        _suggest_from_category(category_l1, votes[1], add, k=k, office=office, units=data.units)
        _suggest_from_history(votes[0], add, units=data.units, numbers=data.numbers)
    if office is not None:
        add(office, 0.3, f"诉求发生地属{office.region.name}，属地街道兜底")
    for unit in accused:
        above, inferred = unit.administrative_superior()
        if above is None or not above.is_active or not above.is_handling_unit:
            continue
        what = "上级单位（未设置上级行政机关，按上级单位推定）" if inferred else "上级行政机关"
        add(
            above,
            0.6,
            f"被检举控告单位“{unit.name}”的{what}：检举控告不得交被检举控告单位办理，"
            "可由其上级机关或纪检监察机关办理（《信访工作条例》第三十条）",
        )
    ranked = sorted(found.values(), key=lambda r: (-r["score"], r["unit_id"]))
    return ranked[:k]


def _accused(appeal: Appeal) -> list[Unit]:
    if appeal.kind != AppealKind.XF_ACCUSATION:
        return []
    return list(appeal.accused_units.select_related("superior_body", "parent"))


def allowed_suggestions(appeal: Appeal, suggestions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored suggestions minus the accused unit and its subordinates (信访工作条例 第三十条),
    checked again when shown: a result stored before the accused was known (or before this
    rule) must not offer the accused a one-click dispatch."""
    accused = _accused(appeal)
    if not accused or not suggestions:
        return list(suggestions)
    units = Unit.objects.in_bulk([s["unit_id"] for s in suggestions])
    return [
        s
        for s in suggestions
        if (unit := units.get(s["unit_id"])) is not None
        and not any(unit.path.startswith(a.path) for a in accused)
    ]


def accusation_category(appeal: Appeal, l1: str, l2: str) -> tuple[str, str, str]:
    """(category_l1, category_l2, reason): a 检举控告 of misconduct by officials is classified
    纪检监察 — where a dispatcher sends it (信访工作条例 第二十二条第二款: to 纪检监察 by
    cadre-management authority; 第三十条: 纪检监察 or the competent body, never the accused) —
    with the words that made it so. Anything else keeps the model's category, no reason."""
    from shegong.textmining.triage import MISCONDUCT_L1, official_misconduct

    if appeal.kind != AppealKind.XF_ACCUSATION:
        return l1, l2, ""
    match = official_misconduct(appeal.title, appeal.body)
    if match is None:
        return l1, l2, ""
    if l1 != MISCONDUCT_L1 or not l2:
        l2 = match.category_l2
    words = "、".join(f"“{w}”" for w in match.words[:6])
    reason = (
        f"检举控告的内容涉及公职人员违纪违法（{words}），归入纪检监察类："
        "属纪检监察机关受理范围的，转送纪检监察机关（《信访工作条例》第二十二条第二款）；"
        "也可交被检举控告单位的上级机关办理，不得交被检举控告单位（第三十条）"
    )
    return MISCONDUCT_L1, l2, reason


def _suggest_from_history(
    found: list[UnitSuggestion], add: Add, *, units: dict[int, Unit], numbers: dict[int, str]
) -> None:
    """What dispatchers did with similar closed appeals (``textmining.Router``): units of the
    most similar past appeals, weighted by similarity, same district and same category."""
    for suggestion in found:
        unit = units.get(int(suggestion.unit))
        if unit is None or not unit.is_active:
            continue
        for reason in suggestion.reasons:
            ids = [int(i) for i in reason.appeal_ids[:3] if int(i) in numbers]
            message = f"相似的已办结诉求由{unit.name}主办"
            if ids:
                message += f"（如 {'、'.join(numbers[i] for i in ids)}）"
            if reason.words:
                message += f"；共同关键词：{'、'.join(reason.words[:6])}"
            add(unit, 0.35 + 0.5 * suggestion.score, message)


def _suggest_from_category(
    category_l1: str,
    by_category: list[tuple[str, Counter[int]]],
    add: Add,
    *,
    k: int,
    office: Unit | None,
    units: dict[int, Unit],
) -> None:
    """Which units dispatchers gave closed appeals of this category — in the district if
    it has at least MIN_CATEGORY_CASES of them, else city-wide. "The local street office"
    becomes the street office where this appeal happened."""
    if not category_l1:
        return
    for where, counts in by_category:
        total = sum(counts.values())
        if total < MIN_CATEGORY_CASES:
            continue
        for unit_id, n in counts.most_common(k):
            unit = office if unit_id == LOCAL_STREET_OFFICE else units.get(unit_id)
            if unit is None or not unit.is_active:
                continue
            who = "属地街道办事处" if unit_id == LOCAL_STREET_OFFICE else unit.name
            add(
                unit,
                0.35 + 0.5 * n / total,
                f"{where}已办结的同类（{category_l1}）诉求 {total} 件中有 {n} 件由{who}主办",
            )
        return


def street_office(appeal: Appeal) -> Unit | None:
    """The street office (街道办事处) of the street where the appeal happened."""
    code = street_code(appeal.region)
    if not code:
        return None
    return (
        Unit.objects.filter(kind=UnitKind.STREET_OFFICE, region__code=code, is_active=True)
        .select_related("region")
        .order_by("pk")
        .first()
    )


def routing_accuracy(user: Any | None, *, since: datetime | None = None) -> dict[str, Any]:
    """How often the top suggestion was the unit that finally handled the appeal (closed
    appeals that had suggestions, in the user's scope; ``None``: the whole city, for
    commands)."""
    since = since or timezone.now() - timedelta(days=90)
    appeals = Appeal.objects.all() if user is None else Appeal.objects.visible_to(user)
    rows = (
        TriageResult.objects.filter(
            appeal__in=appeals,
            appeal__status=AppealStatus.CLOSED,
            appeal__closed_at__gte=since,
            appeal__lead_unit__isnull=False,
        )
        .exclude(suggestions=[])
        .values_list("suggestions", "appeal__lead_unit_id", "accepted_at")
    )
    total = top1 = top3 = accepted = 0
    for suggestions, final_unit, accepted_at in rows.iterator(chunk_size=2000):
        units = [s["unit_id"] for s in suggestions]
        total += 1
        top1 += bool(units) and units[0] == final_unit
        top3 += final_unit in units[:3]
        accepted += accepted_at is not None
    share = lambda n: round(n / total, 4) if total else None  # noqa: E731
    return {
        "since": since,
        "appeals": total,
        "top1": share(top1),
        "top3": share(top3),
        "accepted": share(accepted),
    }
