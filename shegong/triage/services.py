"""Smart triage wired into the appeals workflow (the only writers of triage rows).

``triage_many`` (the worker's task: the appeals of one intake batch) and ``triage_appeal``
(one appeal: the same code with a batch of one) classify with the shipped model of
``shegong.textmining`` — one ``predict`` per batch — suggest up to three units
(``routing``: rules → what dispatchers did with similar closed appeals → the street office),
look for near-duplicates (last 90 days, ``indexes``) and the same person's other appeals,
and store a ``TriageResult`` plus an ``appeal_triaged`` audit event per appeal. A batch
costs a constant number of queries whatever its size (rules, street offices, units,
numbers, the same person's appeals, one bulk write), so its cost per appeal is the
in-memory work. It runs on the task worker only: ``panel.triage_for`` (what the appeal page
shows) never classifies — an appeal without a result gets a "分拣中" panel and one queued
task (``panel.ensure_queued``). ``accept_suggestion`` dispatches to a suggested unit.

The model and the indexes are per process, loaded once (``preload`` at worker start, else on
first use); the indexes catch up with the database once per batch. Hotspots live in
``hotspots``; the names of ``indexes``, ``routing`` and ``hotspots`` that callers used from
here are re-exported.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shegong.appeals.models import Appeal, Petitioner
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
    PETITIONER_SECRETS,
    _index_add,
    _lock,
    _person_key,
    _text,
    get_index,
    get_routing_history,
    one_catch_up,
    reset_caches,
    text_signature,
)
from .models import TriageResult
from .routing import (  # noqa: F401 — re-exported
    MIN_CATEGORY_CASES,
    RoutingData,
    accusation_category,
    allowed_suggestions,
    routing_accuracy,
    routing_data,
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


RESULT_FIELDS = (
    "category_l1",
    "category_l2",
    "confidence",
    "suggestions",
    "duplicates",
    "same_person",
    "group_people",
    "flags",
    "category_reason",
    "computed_at",
)
SAME_PERSON_MAX = 20
# Appeals triaged together at most (a workbench page or the 5-minute job may queue more
# than an intake batch): bounds the memory and the size of the batch's queries.
BATCH_MAX = 200


# What triage reads of an appeal (its text, kind, time, place and petitioner; the number for
# the audit event): the other columns, encrypted ones among them, stay in the database.
APPEAL_FIELDS = ("number", "kind", "title", "body", "registered_at", "region", "petitioner")
PETITIONER_FIELDS = ("petitioner__phone_bidx", "petitioner__id_number_bidx")


def _load(appeal_ids: Iterable[int]) -> list[Appeal]:
    """The appeals with their region and petitioner (blind indexes only), by primary key."""
    return list(
        Appeal.objects.filter(pk__in=list(appeal_ids))
        .select_related("region", "petitioner")
        .only(*APPEAL_FIELDS, *PETITIONER_FIELDS)
        .order_by("pk")
    )


def triage_appeal(appeal_id: int, *, now: datetime | None = None) -> TriageResult:
    """Compute (or recompute) and store the triage of one appeal; idempotent. Raises what
    its triage raised (``Appeal.DoesNotExist`` for an unknown appeal)."""
    now = now or timezone.now()
    appeals = _load([appeal_id])
    if not appeals:
        raise Appeal.DoesNotExist(f"appeal {appeal_id}")
    errors: dict[int, Exception] = {}
    _triage_batch(appeals, now=now, errors=errors)
    if appeal_id in errors:
        raise errors[appeal_id]
    return TriageResult.objects.get(appeal_id=appeal_id)


def triage_many(appeal_ids: list[int], *, now: datetime | None = None) -> int:
    """Triage freshly registered appeals (the intake's after-commit task, one per
    group-commit batch); skips appeals already triaged, logs and skips failures (the
    5-minute job retries them). The whole batch in a constant number of queries: one
    classification (``predict``) for all, one catch-up of the indexes, one read each of
    rules, street offices, units and numbers, one write of results and audit events."""
    todo = set(appeal_ids) - set(
        TriageResult.objects.filter(appeal_id__in=appeal_ids).values_list("appeal_id", flat=True)
    )
    return _triage_in_batches(sorted(todo), now=now)


def triage_pending(*, now: datetime | None = None, limit: int = 200) -> int:
    """Triage appeals registered in the last day that have none yet. Returns how many."""
    now = now or timezone.now()
    ids = list(
        Appeal.objects.filter(registered_at__gte=now - timedelta(days=1), triage__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return _triage_in_batches(ids, now=now)


def _triage_in_batches(ids: list[int], *, now: datetime | None) -> int:
    """``ids`` in batches of at most ``BATCH_MAX`` (bounded memory and query sizes), each
    computed at its own start unless ``now`` is given."""
    done = 0
    for start in range(0, len(ids), BATCH_MAX):
        chunk = _load(ids[start : start + BATCH_MAX])
        done += _triage_safely(chunk, now=now or timezone.now())
    return done


def _triage_safely(appeals: list[Appeal], *, now: datetime) -> int:
    """``_triage_batch`` logging and marking failures. If the batch as a whole fails (a
    database error, a model that refuses one text), each appeal is tried on its own, so
    one bad appeal does not hold the others back."""
    errors: dict[int, Exception] = {}
    try:
        done = _triage_batch(appeals, now=now, errors=errors)
    except Exception as exc:
        logger.exception("triage of a batch of %s appeals failed", len(appeals))
        done = 0
        if len(appeals) == 1:
            errors[appeals[0].pk] = exc
        else:
            for appeal in appeals:
                try:
                    done += _triage_batch([appeal], now=now, errors=errors)
                except Exception as alone:
                    logger.exception("triage of appeal %s failed", appeal.pk)
                    errors[appeal.pk] = alone
    for pk in errors:
        _mark_failed(pk)
    return done


class Duplicate(TypedDict):
    appeal_id: int
    number: str
    similarity: float


class TriageValues(TypedDict):
    """The computed fields of one ``TriageResult`` (``RESULT_FIELDS``)."""

    category_l1: str
    category_l2: str
    confidence: float
    category_reason: str
    suggestions: list[dict[str, object]]
    duplicates: list[Duplicate]
    same_person: list[int]
    group_people: int
    flags: list[str]
    computed_at: datetime


@dataclass
class Batch:
    """What a batch's appeals share, read once for all of them: text flags and categories
    (one ``predict``), routing data, near-duplicates and group sizes (in memory), the
    duplicates' numbers and the same person's appeals (one query each)."""

    now: datetime
    flags: dict[int, list[str]]
    categories: dict[int, tuple[str, str, float, str]]  # l1, l2, confidence, reason
    routing: RoutingData
    matches: dict[int, dict[int, float]]  # appeal → {near-duplicate: similarity}
    groups: dict[int, int]  # appeal → people of its group appeal (0: none)
    numbers: dict[int, str]  # near-duplicate → number (registered in the window)
    same_person: dict[int, list[int]]


def _triage_batch(appeals: list[Appeal], *, now: datetime, errors: dict[int, Exception]) -> int:
    """Compute and store the triage of ``appeals`` (in primary-key order). An appeal whose
    own part fails is logged and left out (its exception in ``errors``); anything shared
    failing raises. Returns how many were stored."""
    batch = _read_batch(appeals, now=now)
    rows: dict[int, TriageValues] = {}
    for appeal in appeals:
        try:
            rows[appeal.pk] = _triage_one(appeal, batch)
        except Exception as exc:
            logger.exception("triage of appeal %s failed", appeal.pk)
            errors[appeal.pk] = exc
    _store([a for a in appeals if a.pk in rows], rows, now=now)
    return len(rows)


def _read_batch(appeals: list[Appeal], *, now: datetime) -> Batch:
    from shegong.textmining.triage import text_flags

    flags = {a.pk: list(text_flags(a.title, a.body)) for a in appeals}
    texts = [a for a in appeals if "empty" not in flags[a.pk]]
    predictions = get_model().predict([(a.title, a.body) for a in texts]) if texts else []
    categories = {a.pk: ("", "", 0.0, "") for a in appeals}
    for appeal, pred in zip(texts, predictions, strict=True):
        l1, l2, reason = accusation_category(appeal, pred.category_l1, pred.category_l2 or "")
        categories[appeal.pk] = (l1, l2, float(pred.confidence), reason)
    with one_catch_up(now):  # the indexes catch up once for the whole batch
        # each text's match key and signature, once (the catch-up has most of them)
        prepared = {a.pk: text_signature(a) for a in appeals}
        routing = routing_data(
            [(a, *categories[a.pk][:2]) for a in appeals],
            now=now,
            keys={pk: key for pk, (key, _sig) in prepared.items()},
        )
        matches, groups = _near_duplicates(appeals, prepared, now=now)
    since = now - timedelta(days=DUPLICATE_DAYS)
    candidates = {pk for found in matches.values() for pk in found}
    numbers: dict[int, str] = {}
    if candidates:
        numbers = dict(
            Appeal.objects.filter(pk__in=candidates, registered_at__gte=since).values_list(
                "pk", "number"
            )
        )
    return Batch(now, flags, categories, routing, matches, groups, numbers, _same_person(appeals))


def _triage_one(appeal: Appeal, batch: Batch) -> TriageValues:
    """The stored values of one appeal's triage (its own part of the batch)."""
    l1, l2, confidence, reason = batch.categories[appeal.pk]
    matches = sorted(batch.matches[appeal.pk].items(), key=lambda m: -m[1])
    return {
        "category_l1": l1,
        "category_l2": l2,
        "confidence": round(confidence, 4),
        "category_reason": reason,
        "suggestions": suggest_units(appeal, l1, l2, now=batch.now, data=batch.routing),
        "duplicates": [
            {"appeal_id": pk, "number": batch.numbers[pk], "similarity": round(sim, 3)}
            for pk, sim in matches
            if pk in batch.numbers
        ],
        "same_person": batch.same_person.get(appeal.pk, []),
        "group_people": batch.groups[appeal.pk],
        "flags": batch.flags[appeal.pk],
        "computed_at": batch.now,
    }


def _near_duplicates(
    appeals: list[Appeal],
    prepared: dict[int, tuple[str, npt.NDArray[np.uint32]]],
    *,
    now: datetime,
) -> tuple[dict[int, dict[int, float]], dict[int, int]]:
    """Per appeal: the near-duplicates in the index (pk → similarity) and the people of a
    group appeal (0 if none), each appeal added to the index after its own query, in
    primary-key order; ``prepared``: each appeal's ``text_signature``. Callers hold
    ``_lock`` (``one_catch_up``)."""
    index = get_index(now)
    matches: dict[int, dict[int, float]] = {}
    groups: dict[int, int] = {}
    for appeal in appeals:
        sig = prepared[appeal.pk][1]
        found, group = index.check_signature(
            sig,
            exclude=str(appeal.pk),
            limit=10,
            time=appeal.registered_at,
            window=GROUP_WINDOW,
            person_key=_person_key(appeal),
            min_people=GROUP_MIN_PEOPLE,
        )
        matches[appeal.pk] = {
            int(m.key): float(m.similarity) for m in found if str(m.key).isdigit()
        }
        groups[appeal.pk] = group.people if group is not None else 0
        _index_add(appeal, sig)
    return matches, groups


def _same_person(appeals: list[Appeal]) -> dict[int, list[int]]:
    """Per appeal: the same person's other appeals (same petitioner, phone or ID number by
    blind index), newest first, at most ``SAME_PERSON_MAX`` — in one query for all."""
    people = {a.petitioner_id: a.petitioner for a in appeals if a.petitioner is not None}
    if not people:
        return {}
    phones = {p.phone_bidx for p in people.values() if p.phone_bidx}
    id_numbers = {p.id_number_bidx for p in people.values() if p.id_number_bidx}
    # The people's other petitioner rows first, through the blind indexes: an OR across the
    # petitioner join would leave SQLite no index to start from (a scan of every appeal).
    same = Q(pk__in=list(people))
    if phones:
        same |= Q(phone_bidx__in=phones)
    if id_numbers:
        same |= Q(id_number_bidx__in=id_numbers)
    rows = Appeal.objects.filter(
        petitioner_id__in=Petitioner.objects.filter(same).values("pk")
    ).values_list(
        "pk",
        "registered_at",
        "petitioner_id",
        "petitioner__phone_bidx",
        "petitioner__id_number_bidx",
    )
    by_key: dict[tuple[str, int | str], set[tuple[datetime, int]]] = {}
    for pk, registered_at, person, phone, id_number in rows:
        for key in (("p", person), ("t", phone), ("i", id_number)):
            if key[1]:
                by_key.setdefault(key, set()).add((registered_at, pk))
    out: dict[int, list[int]] = {}
    for appeal in appeals:
        p = appeal.petitioner
        if p is None:
            continue
        mine = set().union(
            *(
                by_key.get(k, ())
                for k in (("p", p.pk), ("t", p.phone_bidx), ("i", p.id_number_bidx))
                if k[1]
            )
        )
        me = appeal.pk
        newest = sorted(mine, reverse=True)
        out[me] = [pk for _at, pk in newest if pk != me][:SAME_PERSON_MAX]
    return out


def _store(appeals: list[Appeal], rows: dict[int, TriageValues], *, now: datetime) -> None:
    """Write the results (insert or replace, keeping a dispatcher's acceptance) and one
    ``appeal_triaged`` event each, in one transaction."""
    if not appeals:
        return
    with transaction.atomic():
        existing = set(
            TriageResult.objects.filter(appeal_id__in=list(rows)).values_list(
                "appeal_id", flat=True
            )
        )
        TriageResult.objects.bulk_create(
            [TriageResult(appeal=a, **rows[a.pk]) for a in appeals],
            update_conflicts=True,
            unique_fields=["appeal"],
            update_fields=list(RESULT_FIELDS),
        )
        audit.record_many(
            [
                audit.Entry(
                    "appeal_triaged",
                    actor=None,
                    target=a,
                    at=now,
                    changes={
                        "category_l1": rows[a.pk]["category_l1"],
                        "confidence": rows[a.pk]["confidence"],
                        "units": [s["unit_id"] for s in rows[a.pk]["suggestions"]],
                        "duplicates": [d["appeal_id"] for d in rows[a.pk]["duplicates"]],
                        "same_person": len(rows[a.pk]["same_person"]),
                        "recomputed": a.pk in existing,
                    },
                )
                for a in appeals
            ]
        )


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
