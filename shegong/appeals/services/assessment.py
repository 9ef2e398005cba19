"""三率 and unit assessment: facts, per-unit monthly counters, rates, ranking, 申诉.

Definitions (docs/accountability.md; domain-rules §2.2 — one public implementation, not an
official formula, so every weight is configurable in :class:`AssessmentConfig`):

* 有效回访 = handling rounds with a revisit;
* 响应率 = rounds where the unit contacted the citizen / 有效回访;
* 解决率 = rounds the citizen says are solved / 有效回访;
* 满意率 = (满意 + basic_weight × 基本满意) / 有效回访;
* 按期办结率 = rounds replied by the due time / rounds replied;
* composite = weighted sum. Raw figures count everything; adjusted figures leave out facts
  whose 申诉 was accepted.

Counters are attributed to the month of the reply and to the lead unit of the round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from shegong.accounts.models import User, staff_user
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap

from ..choices import Satisfaction
from ..models import (
    Appeal,
    AssessmentConfig,
    AssessmentFact,
    Revisit,
    ScoreAppeal,
    UnitMonthStat,
    WorkOrder,
)

COUNTERS = (
    "replied",
    "on_time",
    "revisited",
    "contacted",
    "resolved",
    "satisfied",
    "basic",
    "dissatisfied",
)


def month_of(moment: datetime) -> date:
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)


def contribution(fact: AssessmentFact | None) -> dict[str, int]:
    """What one fact adds to its unit-month counters (raw and exempt)."""
    values = dict.fromkeys(COUNTERS, 0)
    if fact is None:
        return {**values, **{f"ex_{k}": 0 for k in COUNTERS}}
    values["replied"] = 1
    values["on_time"] = int(fact.on_time)
    if fact.revisited:
        values["revisited"] = 1
        values["contacted"] = int(fact.contacted)
        values["resolved"] = int(fact.resolved)
        values["satisfied"] = int(fact.satisfaction == Satisfaction.SATISFIED)
        values["basic"] = int(fact.satisfaction == Satisfaction.BASIC)
        values["dissatisfied"] = int(fact.satisfaction == Satisfaction.DISSATISFIED)
    exempt = {f"ex_{k}": (v if fact.exempt else 0) for k, v in values.items()}
    return {**values, **exempt}


def _apply(unit_id: int, month: date, delta: dict[str, int]) -> None:
    changes = {k: F(k) + v for k, v in delta.items() if v}
    if not changes:
        return
    if not UnitMonthStat.objects.filter(unit_id=unit_id, month=month).exists():
        try:
            with transaction.atomic():
                UnitMonthStat.objects.create(unit_id=unit_id, month=month)
        except IntegrityError:
            pass  # created concurrently
    UnitMonthStat.objects.filter(unit_id=unit_id, month=month).update(**changes)


def _save(
    fact: AssessmentFact, before: dict[str, int] | None, old_key: tuple[int, date] | None
) -> None:
    after = contribution(fact)
    if old_key is not None and old_key != (fact.unit_id, fact.month):
        _apply(*old_key, {k: -v for k, v in (before or {}).items()})
        before = None
    base = before or dict.fromkeys(after, 0)
    _apply(fact.unit_id, fact.month, {k: after[k] - base.get(k, 0) for k in after})


def record_reply(appeal: Appeal, order: WorkOrder) -> AssessmentFact:
    """Called by ``reply_order`` for the lead order of a round (same transaction)."""
    on_time = order.due_at is None or (
        order.replied_at is not None and order.replied_at <= order.due_at
    )
    fact = (
        AssessmentFact.objects.select_for_update().filter(appeal=appeal, round=order.round).first()
    )
    before = contribution(fact) if fact else None
    old_key = (fact.unit_id, fact.month) if fact else None
    if fact is None:
        fact = AssessmentFact(appeal=appeal, round=order.round)
    fact.unit_id = order.unit_id
    fact.region_path = appeal.region.path
    fact.replied_at = order.replied_at or timezone.now()
    fact.month = month_of(fact.replied_at)
    fact.due_at = order.due_at
    fact.on_time = on_time
    fact.save()
    _save(fact, before, old_key)
    return fact


def record_revisit(revisit: Revisit) -> AssessmentFact | None:
    fact = (
        AssessmentFact.objects.select_for_update()
        .filter(appeal_id=revisit.appeal_id, round=revisit.round)
        .first()
    )
    if fact is None:
        return None
    before = contribution(fact)
    fact.revisited = True
    fact.contacted = revisit.contacted
    fact.resolved = revisit.resolved
    fact.satisfaction = revisit.satisfaction
    fact.save(update_fields=["revisited", "contacted", "resolved", "satisfaction"])
    _save(fact, before, (fact.unit_id, fact.month))
    return fact


# --- 申诉 / 免责 ----------------------------------------------------------------------------


def file_score_appeal(
    *,
    actor: User | AnonymousUser,
    fact_id: int,
    reason_kind: str,
    text: str,
    now: datetime | None = None,
) -> ScoreAppeal:
    """A handling unit contests one appeal's effect on its score."""
    actor = staff_user(actor)
    if not actor.has_capability(Cap.APPEALS_HANDLE):
        raise PermissionDenied("只有承办单位可以提出考核申诉")
    now = now or timezone.now()
    text = (text or "").strip()
    if len(text) < 4:
        raise DomainError("请写明申诉理由")
    reason_field = ScoreAppeal._meta.get_field("reason_kind")
    assert isinstance(reason_field, models.CharField)
    valid_kinds = {c for c, _ in reason_field.choices or ()}
    if reason_kind not in valid_kinds:
        raise DomainError("请选择申诉类型")
    with transaction.atomic():
        fact = AssessmentFact.objects.select_related("unit", "appeal").filter(pk=fact_id).first()
        if (
            fact is None
            or not actor.scope_unit_path
            or not fact.unit.path.startswith(actor.scope_unit_path)
        ):
            raise DomainError("只能对本单位的考核记录提出申诉", code="not_found")
        if fact.score_appeals.filter(status__in=["pending", "accepted"]).exists():
            raise DomainError("该记录已有申诉")
        item = ScoreAppeal.objects.create(
            fact=fact,
            unit=fact.unit,
            reason_kind=reason_kind,
            text=text,
            filed_by=actor,
            filed_at=now,
        )
        audit.record(
            "score_appeal_filed",
            actor=actor,
            target=fact.appeal,
            at=now,
            changes={"round": fact.round, "reason": reason_kind},
            note=text,
        )
    return item


def decide_score_appeal(
    *, actor: User, score_appeal_id: int, accept: bool, note: str = "", now: datetime | None = None
) -> ScoreAppeal:
    """The reviewer accepts (fact becomes exempt: adjusted figures change, raw never) or rejects."""
    if not actor.has_capability(Cap.APPEALS_ASSESSMENT_REVIEW):
        raise PermissionDenied("您的角色不能审核考核申诉")
    now = now or timezone.now()
    with transaction.atomic():
        item = (
            ScoreAppeal.objects.select_for_update()
            .select_related("fact__appeal")
            .filter(pk=score_appeal_id, status="pending")
            .first()
        )
        if item is None:
            raise DomainError("申诉不存在或已审核")
        item.status = "accepted" if accept else "rejected"
        item.decided_by = actor
        item.decided_at = now
        item.decision_note = note
        item.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if accept:
            fact = AssessmentFact.objects.select_for_update().get(pk=item.fact_id)
            before = contribution(fact)
            fact.exempt = True
            fact.save(update_fields=["exempt"])
            _save(fact, before, (fact.unit_id, fact.month))
        audit.record(
            "score_appeal_decided",
            actor=actor,
            target=item.fact.appeal,
            at=now,
            changes={"accepted": accept},
            note=note,
        )
    return item


# --- figures --------------------------------------------------------------------------------


def config() -> AssessmentConfig:
    cfg, _ = AssessmentConfig.objects.get_or_create(pk=1)
    return cfg


@dataclass
class Figures:
    counts: dict[str, int]
    response: float | None
    resolution: float | None
    satisfaction: float | None
    on_time: float | None
    composite: float | None

    @classmethod
    def from_counts(cls, counts: dict[str, int], cfg: AssessmentConfig) -> Figures:
        valid = counts["revisited"]

        def rate(num: float, den: int) -> float | None:
            return num / den if den else None

        response = rate(counts["contacted"], valid)
        resolution = rate(counts["resolved"], valid)
        satisfaction = rate(counts["satisfied"] + float(cfg.basic_weight) * counts["basic"], valid)
        on_time = rate(counts["on_time"], counts["replied"])
        parts = [
            (cfg.w_response, response),
            (cfg.w_resolution, resolution),
            (cfg.w_satisfaction, satisfaction),
            (cfg.w_on_time, on_time),
        ]
        used = [(float(w), v) for w, v in parts if w and v is not None]
        weight = sum(w for w, _ in used)
        composite = sum(w * v for w, v in used) / weight if used and weight else None
        return cls(counts, response, resolution, satisfaction, on_time, composite)


@dataclass
class RankRow:
    unit_id: int
    unit_name: str
    raw: Figures
    adjusted: Figures
    rank: int | None = None
    mark: str = ""
    exempted: int = 0
    notes: list[str] = field(default_factory=list)


def _split(row: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    raw = {k: int(row.get(k) or 0) for k in COUNTERS}
    adjusted = {k: raw[k] - int(row.get(f"ex_{k}") or 0) for k in COUNTERS}
    return raw, adjusted


def monthly_ranking(
    *, month: date, unit_ids: Iterable[int] | None = None, cfg: AssessmentConfig | None = None
) -> list[RankRow]:
    """Units ranked by adjusted composite for one month, with red/yellow marks.
    Reads the per-unit counters (one row per unit), not the facts. ``unit_ids`` given as a
    queryset (``Unit.objects.visible_to(user).values_list("pk", flat=True)``) is a subquery
    of the same statement: the ids never pass through Python (for the city's ~16,000 units
    an IN list of parameters cost 0.67 s on SQLite)."""
    cfg = cfg or config()
    qs = UnitMonthStat.objects.filter(month=month)
    if isinstance(unit_ids, QuerySet):
        qs = qs.filter(unit_id__in=unit_ids)
    elif unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    fields = ["unit_id", "unit__name", *COUNTERS, *(f"ex_{k}" for k in COUNTERS)]
    rows = []
    for values in qs.values(*fields).iterator(chunk_size=5000):
        raw, adjusted = _split(values)
        rows.append(
            RankRow(
                unit_id=values["unit_id"],
                unit_name=values["unit__name"],
                raw=Figures.from_counts(raw, cfg),
                adjusted=Figures.from_counts(adjusted, cfg),
                exempted=values["ex_replied"],
            )
        )
    return _rank(rows, cfg)


def _rank(rows: list[RankRow], cfg: AssessmentConfig) -> list[RankRow]:
    ranked = [
        r
        for r in rows
        if r.adjusted.composite is not None and r.adjusted.counts["revisited"] >= cfg.min_revisits
    ]
    ranked.sort(key=lambda r: (-(r.adjusted.composite or 0), r.unit_name))
    for i, row in enumerate(ranked, start=1):
        row.rank = i
    n = len(ranked)
    red = int(n * float(cfg.red_share)) if n else 0
    yellow = int(n * float(cfg.yellow_share)) if n else 0
    for row in ranked[n - red :] if red else []:
        row.mark = "red"
    for row in ranked[n - red - yellow : n - red] if yellow else []:
        row.mark = "yellow"
    ranked_ids = {id(r) for r in ranked}
    unranked = [r for r in rows if id(r) not in ranked_ids]
    for row in unranked:
        row.notes.append(f"有效回访不足{cfg.min_revisits}件，不参与排名")
    return ranked + sorted(unranked, key=lambda r: r.unit_name)


def figures_from_facts(facts: Any, cfg: AssessmentConfig | None = None) -> tuple[Figures, Figures]:
    """Raw and adjusted figures straight from facts (any range, any region) — also the
    'direct query' the counters are tested against."""
    cfg = cfg or config()
    raw = figures_counts(facts)
    ex = figures_counts(facts.filter(exempt=True))
    adjusted = {k: raw[k] - ex[k] for k in COUNTERS}
    return Figures.from_counts(raw, cfg), Figures.from_counts(adjusted, cfg)


def _count_expressions() -> dict[str, Count]:
    """The eight counters as conditional counts (aliases prefixed: they shadow field names)."""
    seen = Q(revisited=True)
    return {
        "n_replied": Count("pk"),
        "n_on_time": Count("pk", filter=Q(on_time=True)),
        "n_revisited": Count("pk", filter=seen),
        "n_contacted": Count("pk", filter=seen & Q(contacted=True)),
        "n_resolved": Count("pk", filter=seen & Q(resolved=True)),
        "n_satisfied": Count("pk", filter=seen & Q(satisfaction=Satisfaction.SATISFIED)),
        "n_basic": Count("pk", filter=seen & Q(satisfaction=Satisfaction.BASIC)),
        "n_dissatisfied": Count("pk", filter=seen & Q(satisfaction=Satisfaction.DISSATISFIED)),
    }


def figures_counts(facts: Any) -> dict[str, int]:
    """The eight counters by one aggregate query."""
    agg = facts.aggregate(**_count_expressions())
    return {k: int(agg[f"n_{k}"] or 0) for k in COUNTERS}


def region_rollup(
    *, facts: Any, depth: int, cfg: AssessmentConfig | None = None
) -> dict[str, tuple[Figures, Figures]]:
    """Raw and adjusted figures per region at ``depth`` (2 = street, 3 = community) from one
    GROUP BY over the facts' region paths, rolled up to the ancestor at that depth."""
    cfg = cfg or config()
    rows = facts.values("region_path", "exempt").annotate(**_count_expressions())
    raw: dict[str, dict[str, int]] = {}
    exempt: dict[str, dict[str, int]] = {}
    for row in rows:
        parts = [p for p in row["region_path"].strip("/").split("/") if p]
        if len(parts) <= depth:
            continue
        key = "/" + "/".join(parts[: depth + 1]) + "/"
        for target in (raw, *((exempt,) if row["exempt"] else ())):
            bucket = target.setdefault(key, dict.fromkeys(COUNTERS, 0))
            for k in COUNTERS:
                bucket[k] += int(row[f"n_{k}"] or 0)
    out = {}
    for key, counts in raw.items():
        ex = exempt.get(key, dict.fromkeys(COUNTERS, 0))
        out[key] = (
            Figures.from_counts(counts, cfg),
            Figures.from_counts({k: counts[k] - ex[k] for k in COUNTERS}, cfg),
        )
    return out
