"""Smart triage wired into the appeals workflow (the only writers of triage rows).

``triage_appeal`` classifies an appeal with the shipped model of ``shegong.textmining``,
suggests up to three units (``routing``: rules → what dispatchers did with similar closed
appeals → the street office), looks for near-duplicates (last 90 days, ``indexes``) and the
same person's other appeals, and stores a ``TriageResult`` plus an ``appeal_triaged`` audit
event. It runs on the task worker only: ``panel.triage_for`` (what the appeal page shows) never
classifies — an appeal without a result gets a "分拣中" panel and one queued task
(``panel.ensure_queued``). ``accept_suggestion`` dispatches to a suggested unit.

The model and the indexes are per process, loaded once (``preload`` at worker start, else on
first use); the indexes catch up with the database on every call. Hotspots live in
``hotspots``; the names of ``indexes``, ``routing`` and ``hotspots`` that callers used from
here are re-exported.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shegong.appeals.models import Appeal
from shegong.core import audit
from shegong.core.exceptions import DomainError

from .hotspots import (  # noqa: F401 — re-exported
    _HOTSPOT_TOKENS,
    HOTSPOT_TOKENS_MAX,
    HOTSPOTS_STAMP,
    compute_hotspots,
    hotspot_tokenizer,
    refresh_hotspots,
)
from .indexes import (  # noqa: F401 — re-exported
    DUPLICATE_DAYS,
    HISTORY_DAYS,
    LOCAL_STREET_OFFICE,
    _index_add,
    _lock,
    _person_key,
    _text,
    get_index,
    get_routing_history,
    one_catch_up,
    reset_caches,
)
from .models import TriageResult
from .routing import (  # noqa: F401 — re-exported
    MIN_CATEGORY_CASES,
    accusation_category,
    allowed_suggestions,
    routing_accuracy,
    street_code,
    street_office,
    suggest_units,
)

GROUP_WINDOW = timedelta(days=7)
GROUP_MIN_PEOPLE = 5
ACCEPT_INSTRUCTIONS = "采纳智能分拨建议"

logger = logging.getLogger(__name__)

_model: Any = None


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


_preloaded_pid: int | None = None


def preload(*, now: datetime | None = None) -> bool:
    """Load the model and build the near-duplicate index and the routing history, once per
    process (``shegong worker`` calls it at start, before the first task; a forked child
    inherits them). True if this call loaded them, False if this process already had."""
    global _preloaded_pid
    pid = os.getpid()
    if _preloaded_pid == pid:
        return False
    get_model()
    _warm_up()
    with _lock:
        index = get_index(now)
        history = get_routing_history(now)
        # The first query of each pays lazy set-up (word segmenter dictionary, regexes).
        from shegong.textmining import Router

        index.query(WARM_UP_TEXT, limit=1)
        Router((), history, rule_weight=0.0).suggest(WARM_UP_TEXT, k=1)
    _preloaded_pid = pid
    return True


WARM_UP_TEXT = "小区路灯不亮\n北一社区3号楼前路灯坏了两周，晚上出行不安全。"


def _warm_up() -> None:
    """One classification and the text checks, so the first task does not pay their lazy
    set-up (imports, dictionaries) — about a second."""
    from shegong.textmining.segment import default_segmenter
    from shegong.textmining.triage import official_misconduct, text_flags

    title, body = WARM_UP_TEXT.split("\n")
    get_model().predict_one(title, body)
    text_flags(title, body)
    official_misconduct(title, body)
    default_segmenter().tokens(body)


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
    if not todo:
        return 0
    with one_catch_up():  # the indexes catch up once for the whole batch
        for pk in sorted(todo):
            try:
                triage_appeal(pk)
                done += 1
            except Appeal.DoesNotExist:
                continue
            except Exception:
                logger.exception("triage of appeal %s failed", pk)
                _mark_failed(pk)
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


# A triage that failed (logged by ``triage_many``) is not queued again from pages for this
# long: the panel says so ("请人工分拨") instead of polling; the 5-minute job retries it.
FAILED_KEY = "triage.failed:{}"
FAILED_TTL = 60 * 60


def _mark_failed(appeal_id: int) -> None:
    from django.core.cache import cache

    try:
        cache.set(FAILED_KEY.format(appeal_id), 1, timeout=FAILED_TTL)
    except Exception:
        logger.exception("marking the triage of appeal %s as failed", appeal_id)


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
