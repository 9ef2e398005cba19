"""Periodic clock jobs for appeals (every 15 minutes; idempotent by compare-and-swap)."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

from shegong.core.periodic import register_periodic


@task()
def run_appeal_clocks() -> dict[str, int]:
    from .services.clocks import escalate_breached, flag_triage_breaches, warn_due_soon
    from .services.revisit import close_unrated
    from .services.supervision import escalate_overdue_reports

    result = escalate_breached()
    result["warned"] = warn_due_soon()
    result["triage_breached"] = flag_triage_breaches()
    result["closed_unrated"] = close_unrated()
    result["supervision_escalated"] = escalate_overdue_reports()
    return result


logger = logging.getLogger(__name__)

register_periodic("appeals.clocks", run_appeal_clocks, every="minutes:15")


@task()
def anonymise_closed_appeals() -> dict[str, int]:
    """Daily: anonymise the appeals closed more than SHEGONG_APPEAL_ANONYMISE_YEARS ago
    (services.anonymise; idempotent, one audit event per batch)."""
    from .services.anonymise import anonymise_due

    outcome = anonymise_due()  # nothing unless SHEGONG_APPEAL_ANONYMISE_YEARS is set
    return {
        "failed": outcome.failed,
        "appeals": outcome.appeals,
        "petitioners": outcome.petitioners,
        "attachments": outcome.attachments,
    }


register_periodic("appeals.anonymise", anonymise_closed_appeals, every="daily", at="03:40")


# One queued rollup sync at a time: the task clears the mark when it starts, so a write
# committed while it runs queues the next one; a lost task is replaced after the TTL or by
# the 5-minute job.
ROLLUP_QUEUED_KEY = "appeals.rollup.queued"
ROLLUP_QUEUED_TTL = 5 * 60


@task()
def sync_appeal_rollup() -> dict[str, int]:
    """Bring the cockpit's daily rollup up to date (``rollup.sync``; idempotent). Queued
    after commit by the writes of appeals (``request_rollup_sync``) and every 5 minutes."""
    from django.core.cache import cache

    from . import rollup

    try:
        cache.delete(ROLLUP_QUEUED_KEY)  # a write committed from now on queues the next run
    except Exception:
        logger.exception("clearing the rollup queued mark failed")
    return {"days": rollup.sync()}


register_periodic("appeals.rollup", sync_appeal_rollup, every="minutes:5")


def request_rollup_sync() -> None:
    """An appeal is being written: once the transaction commits, queue a rollup sync
    (unless one is queued already). Never raises — the periodic job catches up."""
    transaction.on_commit(_queue_rollup_sync)


def _queue_rollup_sync() -> None:
    from django.core.cache import cache

    try:
        if cache.add(ROLLUP_QUEUED_KEY, 1, timeout=ROLLUP_QUEUED_TTL):
            sync_appeal_rollup.enqueue()
    except Exception:  # the cockpit may lag; it must never break the write
        logger.exception("queueing the appeals rollup sync failed")
        try:
            cache.delete(ROLLUP_QUEUED_KEY)
        except Exception:
            logger.exception("clearing the rollup queued mark failed")
