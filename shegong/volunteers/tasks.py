"""Background jobs of the volunteer service."""

from __future__ import annotations

import logging

from django_tasks import task

from shegong.core.periodic import register_periodic

logger = logging.getLogger("shegong.volunteers")


@task()
def verify_volunteer_ledger() -> dict[str, object]:
    """Daily: re-walk every volunteer's hours chain and keep the outcome (idempotent)."""
    from .services.ledger import verify_ledger

    report = verify_ledger()
    if report.ok:
        logger.info("volunteer ledger intact (%s entries)", report.entries)
    else:
        logger.error("VOLUNTEER LEDGER BROKEN: %s", report.problems[:5])
    return {"ok": report.ok, "entries": report.entries, "problems": len(report.problems)}


register_periodic("volunteers.verify_ledger", verify_volunteer_ledger, every="daily", at="03:10")


@task()
def remind_record_deadlines() -> dict[str, object]:
    """Daily: remind managers of hours to record before/after the 10-working-day deadline."""
    from .services.deadlines import remind_record_deadlines as remind

    return {"notified": remind()}


register_periodic(
    "volunteers.remind_record_deadlines", remind_record_deadlines, every="daily", at="08:30"
)
