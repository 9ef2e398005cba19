"""Smart triage wired into the appeals workflow (the only writers of triage rows).

``triage_appeal`` classifies an appeal with the shipped model of ``shegong.textmining``,
suggests up to three units (routing rules → what dispatchers did with similar closed
appeals, via ``textmining.Router`` → the street office), looks for
near-duplicates (last 90 days) and the same person's other appeals, and stores a
``TriageResult`` plus an ``appeal_triaged`` audit event. ``triage_for`` is what the appeal
page shows; ``accept_suggestion`` dispatches to a suggested unit.

Per-process caches (model, near-duplicate index) are rebuilt lazily; the index catches up
with appeals registered by other processes on every call (by primary key).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shegong.appeals.choices import AppealKind, AppealStatus
from shegong.appeals.models import Appeal
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap
from shegong.regions.choices import RegionLevel
from shegong.units.choices import UnitKind
from shegong.units.models import Unit

from .models import RoutingRule, TriageResult

DUPLICATE_DAYS = 90
HISTORY_DAYS = 365
GROUP_WINDOW = timedelta(days=7)
GROUP_MIN_PEOPLE = 5
MIN_CATEGORY_CASES = 5
LOCAL_STREET_OFFICE = -1  # a vote for "the street office where it happened"
ACCEPT_INSTRUCTIONS = "采纳智能分拨建议"

logger = logging.getLogger(__name__)

_lock = threading.RLock()
_model: Any = None
_index: Any = None
_indexed: set[str] = set()
_last_pk = 0
_history: Any = None
_history_mark: tuple[datetime, int] | None = None
# What dispatchers did per category: (category, district code or "") → {unit id: count},
# kept alongside the routing history from the same records.
_category_units: dict[tuple[str, str], Counter[int]] = {}


def reset_caches() -> None:
    """Drop the per-process near-duplicate index and routing history (tests; bulk deletes)."""
    global _index, _last_pk, _history, _history_mark
    with _lock:
        _index = None
        _indexed.clear()
        _last_pk = 0
        _history, _history_mark = None, None
        _category_units.clear()


def get_model() -> Any:
    """The category model (SHEGONG_TRIAGE_MODEL_DIR or the shipped one), once per process."""
    global _model
    with _lock:
        if _model is None:
            from django.conf import settings

            from shegong.textmining import load_model

            # A city's retrained model (`shegong triage train --output DIR`), else the shipped.
            _model = load_model(getattr(settings, "SHEGONG_TRIAGE_MODEL_DIR", "") or None)
        return _model


def _text(appeal: Appeal) -> str:
    return f"{appeal.title}\n{appeal.body}"


def _person_key(appeal: Appeal) -> str | None:
    p = appeal.petitioner
    if p is None:
        return None
    return str(p.phone_bidx or p.id_number_bidx or "") or None


def _index_add(appeal: Appeal) -> None:
    key = str(appeal.pk)
    if key in _indexed:
        return
    _index.add(key, _text(appeal), person_key=_person_key(appeal), time=appeal.registered_at)
    _indexed.add(key)


def get_index(now: datetime | None = None) -> Any:
    """The near-duplicate index of recent appeals, caught up with the database."""
    global _index, _last_pk
    now = now or timezone.now()
    with _lock:
        if _index is None:
            from shegong.textmining import NearDuplicateIndex

            _index = NearDuplicateIndex()
        since = now - timedelta(days=DUPLICATE_DAYS)
        fresh = (
            Appeal.objects.filter(pk__gt=_last_pk, registered_at__gte=since)
            .select_related("petitioner")
            .order_by("pk")
        )
        for appeal in fresh.iterator(chunk_size=500):
            _index_add(appeal)
            _last_pk = max(_last_pk, appeal.pk)
        return _index


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


def suggest_units(
    appeal: Appeal, category_l1: str, category_l2: str, *, now: datetime, k: int = 3
) -> list[dict[str, Any]]:
    """Top-``k`` units: rules, then history, then the street office; reasons in Chinese.
    For a 检举控告: never the accused unit or a unit below it, and the accused's superior
    (信访工作条例 第三十条)."""
    found: dict[int, dict[str, Any]] = {}
    accused = _accused(appeal)

    def add(unit: Unit, score: float, reason: str) -> None:
        if any(unit.path.startswith(a.path) for a in accused):
            return  # the accused must never handle (or even see) the accusation
        row = found.setdefault(
            unit.pk, {"unit_id": unit.pk, "unit_name": unit.name, "score": 0.0, "reasons": []}
        )
        row["score"] = round(max(row["score"], score), 3)
        row["reasons"].append(reason)

    path = appeal.region.path
    rules = (
        RoutingRule.objects.filter(is_active=True, category_l1=category_l1)
        .filter(Q(category_l2="") | Q(category_l2=category_l2))
        .select_related("unit", "region")
        .order_by("-priority", "pk")
    )
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
    office = street_office(appeal)
    _suggest_from_history(appeal, category_l1, category_l2, add, now=now, k=k, office=office)
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
    appeal: Appeal,
    category_l1: str,
    category_l2: str,
    add: Any,
    *,
    now: datetime,
    k: int,
    office: Unit | None,
) -> None:
    """What dispatchers did with similar closed appeals (``textmining.Router``): units of the
    most similar past appeals, weighted by similarity, same district and same category."""
    from shegong.textmining import Router

    with _lock:
        history = get_routing_history(now)
        if not len(history):
            return
        district = _district_of_code(appeal.region.code)
        by_category = [
            (where, Counter(_category_units.get((category_l1, key), Counter())))
            for where, key in (("本区", district or "-"), ("全市", ""))
        ]
        router = Router((), history, rule_weight=0.0)
        found = router.suggest(
            _text(appeal),
            category_l1=category_l1 or None,
            category_l2=category_l2 or None,
            region_code=appeal.region.code,
            k=k,
            exclude=[str(appeal.pk)],  # a closed appeal re-triaged must not vote for itself
        )
    _suggest_from_category(category_l1, by_category, add, k=k, office=office)
    if not found:
        return
    units = Unit.objects.in_bulk([int(s.unit) for s in found])
    example_ids = {int(i) for s in found for r in s.reasons for i in r.appeal_ids[:3]}
    numbers = dict(Appeal.objects.filter(pk__in=example_ids).values_list("pk", "number"))
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


def _district_of_code(code: str | None) -> str:
    """The district (区县) part of a region code: GB/T 2260's first 6 digits."""
    return code[:6] if code and len(code) >= 6 and code[:6].isdigit() else ""


def _suggest_from_category(
    category_l1: str,
    by_category: list[tuple[str, Counter[int]]],
    add: Any,
    *,
    k: int,
    office: Unit | None,
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
        top = counts.most_common(k)
        units = Unit.objects.in_bulk([u for u, _ in top if u != LOCAL_STREET_OFFICE])
        for unit_id, n in top:
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


def get_routing_history(now: datetime | None = None) -> Any:
    """Per-process ``RoutingHistory`` of closed appeals and their final 主办 unit (the last
    ``HISTORY_DAYS``, at most ``SHEGONG_TRIAGE_ROUTING_HISTORY`` most recent), caught up with
    the database on every call. Callers hold ``_lock``."""
    global _history, _history_mark
    from django.conf import settings

    from shegong.textmining import HistoryRecord, RoutingHistory

    now = now or timezone.now()
    cap = int(getattr(settings, "SHEGONG_TRIAGE_ROUTING_HISTORY", 200_000))
    if _history is not None and len(_history) > cap * 1.25:
        _history, _history_mark = None, None  # rebuilt from the most recent `cap`
    if _history is None:
        _category_units.clear()
    base = Appeal.objects.filter(
        status=AppealStatus.CLOSED,
        lead_unit__isnull=False,
        closed_at__gte=now - timedelta(days=HISTORY_DAYS),
    )
    if _history is None:
        _history = RoutingHistory()
        newest = base.order_by("-closed_at", "-pk").values_list("closed_at", "pk")[cap - 1 : cap]
        floor = next(iter(newest), None)
        if floor is not None:
            base = base.filter(Q(closed_at__gt=floor[0]) | Q(closed_at=floor[0], pk__gte=floor[1]))
    elif _history_mark is not None:
        at, pk = _history_mark
        base = base.filter(Q(closed_at__gt=at) | Q(closed_at=at, pk__gt=pk))
    rows = base.order_by("closed_at", "pk").values_list(
        "pk",
        "title",
        "body",
        "lead_unit_id",
        "lead_unit__kind",
        "category_l1",
        "triage__category_l1",
        "region__code",
        "closed_at",
    )
    records = []
    for row in rows.iterator(chunk_size=2000):
        pk, title, body, unit_id, unit_kind, final_l1, guessed_l1, region_code, closed_at = row
        category = final_l1 or guessed_l1 or ""
        records.append(
            HistoryRecord(
                appeal_id=str(pk),
                text=f"{title}\n{body}",
                unit=str(unit_id),
                category=category or None,
                region_code=region_code,
            )
        )
        if category:
            # Street offices count as one "the local street office" (属地): the lesson is
            # that this category goes to whichever street it happens in.
            voter = LOCAL_STREET_OFFICE if unit_kind == UnitKind.STREET_OFFICE else unit_id
            _category_units.setdefault((category, ""), Counter())[voter] += 1
            district = _district_of_code(region_code)
            if district:
                _category_units.setdefault((category, district), Counter())[voter] += 1
        _history_mark = (closed_at, pk) if closed_at is not None else _history_mark
    if records:
        _history.add_many(records)
    return _history


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


def triage_appeal(appeal_id: int, *, now: datetime | None = None) -> TriageResult:
    """Compute (or recompute) and store the triage of one appeal; idempotent."""
    now = now or timezone.now()
    appeal = Appeal.objects.select_related("region", "petitioner").get(pk=appeal_id)
    from shegong.textmining.triage import text_flags

    flags = list(text_flags(appeal.title, appeal.body))
    l1 = l2 = ""
    confidence = 0.0
    if "empty" not in flags:
        pred = get_model().predict_one(appeal.title, appeal.body)
        l1, l2, confidence = pred.category_l1, pred.category_l2 or "", float(pred.confidence)
    category_reason = ""
    if "empty" not in flags:
        l1, l2, category_reason = accusation_category(appeal, l1, l2)
    suggestions = suggest_units(appeal, l1, l2, now=now)
    text = _text(appeal)
    key = str(appeal.pk)
    with _lock:
        index = get_index(now)
        matches = index.query(text, exclude=key, limit=10) if len(index) else []
        person = _person_key(appeal)
        group = index.group_check(
            text,
            time=appeal.registered_at,
            window=GROUP_WINDOW,
            person_key=person,
            min_people=GROUP_MIN_PEOPLE,
        )
        _index_add(appeal)
    since = now - timedelta(days=DUPLICATE_DAYS)
    sims = {int(m.key): float(m.similarity) for m in matches if str(m.key).isdigit()}
    dup_rows = Appeal.objects.filter(pk__in=sims, registered_at__gte=since).values_list(
        "pk", "number"
    )
    duplicates = [
        {"appeal_id": pk, "number": num, "similarity": round(sims[pk], 3)}
        for pk, num in sorted(dup_rows, key=lambda row: -sims[row[0]])
    ]
    same_person: list[int] = []
    p = appeal.petitioner
    if p is not None:
        q = Q()
        if p.phone_bidx:
            q |= Q(petitioner__phone_bidx=p.phone_bidx)
        if p.id_number_bidx:
            q |= Q(petitioner__id_number_bidx=p.id_number_bidx)
        q |= Q(petitioner=p)
        same_person = list(
            Appeal.objects.filter(q)
            .exclude(pk=appeal.pk)
            .order_by("-registered_at")
            .values_list("pk", flat=True)[:20]
        )
    values = {
        "category_l1": l1,
        "category_l2": l2,
        "confidence": round(confidence, 4),
        "suggestions": suggestions,
        "duplicates": duplicates,
        "same_person": same_person,
        "group_people": group.people if group is not None else 0,
        "flags": flags,
        "category_reason": category_reason,
        "computed_at": now,
    }
    with transaction.atomic():
        result, created = TriageResult.objects.update_or_create(appeal=appeal, defaults=values)
        audit.record(
            "appeal_triaged",
            actor=None,
            target=appeal,
            at=now,
            changes={
                "category_l1": l1,
                "confidence": values["confidence"],
                "units": [s["unit_id"] for s in suggestions],
                "duplicates": [d["appeal_id"] for d in duplicates],
                "same_person": len(same_person),
                "recomputed": not created,
            },
        )
    return result


def triage_many(appeal_ids: list[int]) -> int:
    """Triage freshly registered appeals (the intake's after-commit task); skips appeals
    already triaged, logs and skips failures (the 5-minute job retries them)."""
    done = 0
    todo = set(appeal_ids) - set(
        TriageResult.objects.filter(appeal_id__in=appeal_ids).values_list("appeal_id", flat=True)
    )
    for pk in sorted(todo):
        try:
            triage_appeal(pk)
            done += 1
        except Appeal.DoesNotExist:
            continue
        except Exception:
            logger.exception("triage of appeal %s failed", pk)
    return done


def triage_pending(*, now: datetime | None = None, limit: int = 200) -> int:
    """Triage appeals registered in the last day that have none yet. Returns how many."""
    now = now or timezone.now()
    ids = list(
        Appeal.objects.filter(registered_at__gte=now - timedelta(days=1), triage__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        triage_appeal(pk, now=now)
    return len(ids)


def triage_for(user: Any, appeal: Appeal) -> dict[str, Any] | None:
    """The triage panel for the appeal page, or None (no ``appeals.dispatch``)."""
    if not user.is_authenticated or not user.has_capability(Cap.APPEALS_DISPATCH):
        return None
    result = TriageResult.objects.filter(appeal=appeal).first()
    if result is None:
        try:
            result = triage_appeal(appeal.pk)
        except Exception:  # an advisory panel must never break the appeal page
            logger.exception("triage of appeal %s failed", appeal.pk)
            return None
    visible = Appeal.objects.visible_to(user)
    dup_ids = [d["appeal_id"] for d in result.duplicates]
    seen = set(
        visible.filter(pk__in=dup_ids + list(result.same_person)).values_list("pk", flat=True)
    )
    same = list(
        visible.filter(pk__in=[i for i in result.same_person if i in seen]).order_by(
            "-registered_at"
        )
    )
    from shegong.textmining.triage import FLAG_MESSAGES

    return {
        "result": result,
        "suggestions": shown_suggestions(allowed_suggestions(appeal, result.suggestions)),
        "duplicates": [d for d in result.duplicates if d["appeal_id"] in seen],
        "same_person": same,
        "is_group": appeal.is_group or result.group_people >= GROUP_MIN_PEOPLE,
        "flags": [FLAG_MESSAGES.get(f, f) for f in result.flags],
        "can_accept": appeal.status in (AppealStatus.REGISTERED, AppealStatus.ACCEPTED)
        and not appeal.work_orders.filter(role="lead", status__in=["pending", "signed"]).exists(),
    }


def queue_cell(appeal: Appeal) -> dict[str, Any] | None:
    """The to-dispatch queue's triage cell: category, the top unit and its first reason,
    and marks. Counts only — which earlier appeals are duplicates is on the appeal page,
    filtered by the viewer's scope. Reads ``appeal.triage`` (the workbench selects it)."""
    result = getattr(appeal, "triage", None)
    if result is None:
        return None
    # never the accused (第三十条); reasons masked like the appeal text
    allowed = shown_suggestions(allowed_suggestions(appeal, result.suggestions)[:1])
    top = allowed[0] if allowed else None
    return {
        "category": "/".join(c for c in (result.category_l1, result.category_l2) if c),
        "top": top,
        "duplicates": len(result.duplicates),
        "repeats": len(result.same_person),
        "group": result.group_people >= GROUP_MIN_PEOPLE,
        "accept_url": reverse("triage:accept", args=[appeal.pk]),
    }


def shown_suggestions(suggestions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Suggestions as pages and the API show them: a reason quotes words of appeals (共同
    关键词), so identifiers in it are masked like the appeal text itself (issue #12)."""
    from shegong.appeals.services.identity import masked_text

    return [{**s, "reasons": [masked_text(r) for r in s.get("reasons", [])]} for s in suggestions]


def accept_suggestion(*, actor: Any, appeal_id: int, unit_id: int) -> Appeal:
    """采纳并派单: dispatch the appeal to a suggested unit and record the acceptance."""
    from shegong.appeals.services.workflow import dispatch_appeal

    with transaction.atomic():
        result = TriageResult.objects.select_for_update().filter(appeal_id=appeal_id).first()
        if result is None or unit_id not in {s["unit_id"] for s in result.suggestions}:
            raise DomainError("该单位不在智能分拨建议中")
        current = Appeal.objects.visible_to(actor).filter(pk=appeal_id).first()
        if current is not None and unit_id not in {
            s["unit_id"] for s in allowed_suggestions(current, result.suggestions)
        }:
            raise DomainError(
                "该单位是被检举控告单位（或其下级），不能采纳为承办单位（《信访工作条例》第三十条）"
            )
        keep = current is not None and bool(current.category_l1)
        appeal = dispatch_appeal(
            actor=actor,
            appeal_id=appeal_id,
            lead_unit_id=unit_id,
            instructions=ACCEPT_INSTRUCTIONS,
            # The suggested category becomes the appeal's unless a dispatcher set one.
            category_l1="" if keep else result.category_l1,
            category_l2="" if keep else result.category_l2,
        )
        now = timezone.now()
        result.accepted_at = now
        result.accepted_by = actor
        result.accepted_unit_id = unit_id
        result.save(update_fields=["accepted_at", "accepted_by", "accepted_unit"])
        audit.record(
            "triage_suggestion_accepted",
            actor=actor,
            target=appeal,
            at=now,
            changes={"unit_id": unit_id, "category_l1": result.category_l1},
        )
    return appeal


def compute_hotspots(*, now: datetime | None = None, notify_top: int = 3) -> int:
    """Daily: category × street bursts over the last 30 days; replaces ``Hotspot`` rows."""
    from shegong.regions.models import Region
    from shegong.textmining import HotspotRecord, detect_hotspots

    from .models import Hotspot

    now = now or timezone.now()
    rows = (
        Appeal.objects.filter(registered_at__gte=now - timedelta(days=30))
        .select_related("region", "triage")
        .order_by("pk")
    )
    records = []
    for a in rows.iterator(chunk_size=500):
        tri = getattr(a, "triage", None)
        category = tri.category_l1 if tri is not None and tri.category_l1 else None
        if category is None:
            continue
        records.append(
            HotspotRecord(
                id=str(a.pk),
                time=a.registered_at,
                place=street_code(a.region),
                text=_text(a),
                category=category,
            )
        )
    found = detect_hotspots(
        records,
        now=now,
        window=timedelta(days=7),
        baseline_windows=3,
        topic="category",
        by_place=True,
        limit=20,
        tokenizer=hotspot_tokenizer(),
    )
    previous = set(Hotspot.objects.values_list("label", "place"))
    regions = {r.code: r for r in Region.objects.filter(code__in={h.place for h in found})}
    with transaction.atomic():
        Hotspot.objects.all().delete()
        new = []
        for rank, h in enumerate(found, start=1):
            region = regions.get(h.place)
            new.append(
                Hotspot(
                    rank=rank,
                    label=h.topic,
                    place=region.name if region else (h.place or "未知地点"),
                    region=region,
                    count=h.count,
                    baseline=round(h.expected, 3),
                    z=round(h.z, 3),
                    keywords=list(h.keywords),
                    sample_appeal_ids=[int(i) for i in (h.representative_ids or h.ids)[:3]],
                    computed_at=now,
                )
            )
        Hotspot.objects.bulk_create(new)
    fresh = [h for h in new[:notify_top] if (h.label, h.place) not in previous]
    if fresh:
        _notify_dispatchers(fresh)
    return len(new)


HOTSPOTS_STAMP = "triage.hotspots.computed_at"

# Tokens of the texts the hotspot job has cut, kept in the worker process between its
# 10-minute runs: a run cuts only the appeals that are new (or edited) since the last one.
# Keyed by a digest of the text; cleared whole when it reaches the limit (a month of a big
# city's appeals fits).
_HOTSPOT_TOKENS: dict[bytes, tuple[str, ...]] = {}
HOTSPOT_TOKENS_MAX = 200_000


def hotspot_tokenizer() -> Any:
    """The default segmenter's ``tokens``, remembering each text's tokens in this process."""
    import hashlib
    import sys

    from shegong.textmining.segment import default_segmenter

    segmenter = default_segmenter()

    def tokens(text: str) -> list[str]:
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        hit = _HOTSPOT_TOKENS.get(key)
        if hit is None:
            if len(_HOTSPOT_TOKENS) >= HOTSPOT_TOKENS_MAX:
                _HOTSPOT_TOKENS.clear()
            hit = tuple(sys.intern(t) for t in segmenter.tokens(text))
            _HOTSPOT_TOKENS[key] = hit
        return list(hit)

    return tokens


def refresh_hotspots(*, now: datetime | None = None) -> int | None:
    """The periodic hotspot job (every 10 minutes, so a burst shows within 15 minutes of its
    appeals being triaged — triage runs on intake and in a 5-minute safety net).

    Cheap when nothing changed: it recomputes only if an appeal was triaged since the last
    computation, or the last computation was on another day (the 7-day window and its
    baseline slide with the date). Returns the number of hotspots, or None when skipped.
    The stamp lives in the cache; a cold cache falls back to the rows' ``computed_at`` and,
    with neither, computes — so a lost stamp costs one computation, never a stale list."""
    from django.core.cache import cache
    from django.db.models import Max

    from .models import Hotspot

    now = now or timezone.now()
    last = cache.get(HOTSPOTS_STAMP) or Hotspot.objects.aggregate(m=Max("computed_at"))["m"]
    if (
        last is not None
        and last <= now
        and timezone.localdate(last) == timezone.localdate(now)
        and not TriageResult.objects.filter(computed_at__gt=last).exists()
    ):
        return None
    count = compute_hotspots(now=now)
    cache.set(HOTSPOTS_STAMP, now, timeout=2 * 24 * 3600)
    return count


def _notify_dispatchers(hotspots: list[Any]) -> None:
    from shegong.accounts.models import User
    from shegong.core.notify import notify
    from shegong.core.roles import ROLE_CAPABILITIES

    roles = [r for r, caps in ROLE_CAPABILITIES.items() if Cap.APPEALS_DISPATCH in caps]
    users = User.objects.filter(role__in=roles, is_active=True).select_related("region")
    for h in hotspots:
        # Only users whose region contains the hotspot's street (or the whole city).
        audience = [
            u
            for u in users
            if u.region is not None
            and (h.region is None or h.region.path.startswith(u.region.path))
        ]
        notify(
            audience,
            f"新热点：{h.place}·{h.label}",
            body=f"近 7 天 {h.count} 件（基线 {h.baseline:.1f}，z={h.z:.1f}）",
            url="/triage/hotspots/",
            level="warning",
        )
