"""What pages and the API show of triage, without ever triaging: the appeal page's panel
(``triage_for``), the workbench's cell (``queue_cell``) and, while there is no result, the
"分拣中…" panel and one queued task (``ensure_queued``). Imported by views, the API and the
appeals extension; ``services`` (the worker's side) does not import it, nor ``tasks``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.urls import reverse

from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.core.roles import Cap

from .models import TriageResult
from .routing import allowed_suggestions
from .services import FAILED_KEY, GROUP_MIN_PEOPLE, shown_suggestions
from .tasks import triage_appeals_task

logger = logging.getLogger(__name__)

# An appeal page (or queue cell) that finds no result queues one task; the same appeal is
# not queued again for this long (a lost task, a worker outage: the next view after it
# queues again; the 5-minute job also covers appeals of the last day).
QUEUED_KEY = "triage.queued:{}"
QUEUED_TTL = 10 * 60
# The pending panel asks for the result every POLL_SECONDS, at most POLL_TRIES times.
POLL_SECONDS = 3
POLL_TRIES = 40


def _runs_inline() -> bool:
    """True with ``SHEGONG_TASKS=immediate``: a queued task runs at once, in this request."""
    from django_tasks.backends.immediate import ImmediateBackend

    return isinstance(triage_appeals_task.get_backend(), ImmediateBackend)


def _enqueue(appeal_ids: list[int]) -> None:
    # Pages read in autocommit: no transaction to wait for (``transaction.on_commit`` would
    # also never fire inside the tests' wrapping transaction).
    triage_appeals_task.enqueue(appeal_ids)


def has_failed(appeal_id: int) -> bool:
    """Whether the worker's last triage of this appeal failed (within ``FAILED_TTL``)."""
    from django.core.cache import cache

    try:
        return bool(cache.get(FAILED_KEY.format(appeal_id)))
    except Exception:  # the cache is down: say pending, as without the mark
        logger.exception("reading the triage failure mark of appeal %s", appeal_id)
        return False


def failed_among(appeal_ids: list[int]) -> set[int]:
    """Which of these appeals' last triage failed: one cache round trip for a whole page
    (``has_failed`` per row would be one each)."""
    from django.core.cache import cache

    if not appeal_ids:
        return set()
    keys = {FAILED_KEY.format(pk): pk for pk in appeal_ids}
    try:
        marked = cache.get_many(list(keys))
    except Exception:  # the cache is down: say pending, as without the marks
        logger.exception("reading the triage failure marks of %s appeals", len(keys))
        return set()
    return {keys[key] for key, value in marked.items() if value}


def ensure_queued(*appeal_ids: int) -> bool:
    """Queue triage of these appeals (one task) except those queued in the last
    ``QUEUED_TTL`` seconds (``cache.add`` is atomic: two pages opening one at once queue it
    once; with the per-process local-memory cache of the embedded profile at most once per
    web process — a second task finds the result and does nothing). True if this call
    queued any. Never raises: with the cache or the queue down it logs and returns False
    (the panel says pending; the 5-minute job catches up)."""
    from django.core.cache import cache

    if not appeal_ids:
        return False
    if _runs_inline():
        # Tests and development: the task runs right here and stores its result (or logs
        # its failure and marks it failed); nothing waits in a queue, so nothing to de-dup.
        try:
            _enqueue(list(appeal_ids))
        except Exception:
            logger.exception("triage of appeals %s failed", appeal_ids)
            return False
        return True
    keys: list[str] = []
    try:
        for appeal_id in appeal_ids:
            key = QUEUED_KEY.format(appeal_id)
            if cache.add(key, 1, timeout=QUEUED_TTL):
                keys.append(key)
        if not keys:
            return False
        _enqueue([int(k.rsplit(":", 1)[1]) for k in keys])
    except Exception:  # an advisory panel must never break the page; the job catches up
        logger.exception("queueing triage of appeals %s failed", appeal_ids)
        try:
            cache.delete_many(keys)
        except Exception:
            logger.exception("clearing the queued marks of appeals %s failed", appeal_ids)
        return False
    return True


def pending_panel(appeal: Appeal, *, tries: int = 0) -> dict[str, object]:
    """The "分拣中" panel: no result yet, a task is queued; ``poll_url`` (None after
    ``POLL_TRIES``) is where the page asks again."""
    poll_url = None
    if tries < POLL_TRIES:
        poll_url = f"{reverse('triage:panel', args=[appeal.pk])}?n={tries + 1}"
    return {
        "pending": True,
        "result": None,
        "poll_url": poll_url,
        "poll_seconds": POLL_SECONDS,
    }


def failed_panel() -> dict[str, object]:
    """The worker could not triage this appeal: say so, stop polling (dispatch by hand)."""
    return {"pending": True, "failed": True, "result": None, "poll_url": None}


def triage_for(user: Any, appeal: Appeal, *, tries: int = 0) -> dict[str, Any] | None:
    """The triage panel for the appeal page, or None (no ``appeals.dispatch``). Never
    classifies: without a result yet it queues the task and returns ``pending_panel``
    (``tries``: how many times the page has asked already), or ``failed_panel`` when the
    worker's last attempt failed."""
    if not user.is_authenticated or not user.has_capability(Cap.APPEALS_DISPATCH):
        return None
    result = TriageResult.objects.filter(appeal=appeal).first()
    if result is None and has_failed(appeal.pk):
        return failed_panel()
    if result is None and ensure_queued(appeal.pk):
        # The immediate backend (tests, development) has run the task at enqueue; a real
        # queue has not: one look, no waiting.
        result = TriageResult.objects.filter(appeal=appeal).first()
        if result is None and has_failed(appeal.pk):
            return failed_panel()
    if result is None:
        return pending_panel(appeal, tries=tries)
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


def queue_cells(appeals: list[Appeal]) -> list[dict[str, object] | None]:
    """The to-dispatch queue's triage cells of a page, in order: category, the top unit and
    its first reason, and marks. Counts only — which earlier appeals are duplicates is on the
    appeal page, filtered by the viewer's scope. Reads ``appeal.triage`` (the workbench
    selects it); None while there is none, and one task queued for all of those."""
    cells = [queue_cell(appeal) for appeal in appeals]
    missing = [a.pk for a, cell in zip(appeals, cells, strict=True) if cell is None]
    failed = failed_among(missing)
    for index, appeal in enumerate(appeals):
        if appeal.pk in failed:
            cells[index] = {"failed": True}  # the cell says 人工分拨, as the panel does
    waiting = [pk for pk in missing if pk not in failed]
    if waiting and not _runs_inline():  # never a whole page of triage inline (development)
        ensure_queued(*waiting)
    return cells


def queue_cell(appeal: Appeal) -> dict[str, object] | None:
    """One appeal's cell (``queue_cells``), or None without a result; queues nothing."""
    result = getattr(appeal, "triage", None)
    if result is None:
        return None  # the cell shows "分拣中…"
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
