"""Foundation background tasks."""

from __future__ import annotations

import logging

from django_tasks import task

from .periodic import register_periodic

logger = logging.getLogger("shegong.audit")


@task()
def verify_audit_chain() -> dict[str, object]:
    """Daily: recompute the audit hash chain and record the outcome (idempotent)."""
    from .audit import verify_chain

    report = verify_chain()
    if report.ok:
        logger.info("audit chain intact (%s events)", report.checked)
    else:
        logger.error("AUDIT CHAIN BROKEN at #%s: %s", report.first_bad_seq, report.detail)
    return {"ok": report.ok, "checked": report.checked, "first_bad_seq": report.first_bad_seq}


register_periodic("core.verify_audit_chain", verify_audit_chain, every="daily", at="02:30")


@task()
def send_sms_message(message_id: int) -> str:
    """Send one queued SMS (``core.notify.queue_sms``); retries are scheduled by
    ``deliver_message`` itself, so the task never fails on a gateway error."""
    from .notify import deliver_message

    return deliver_message(message_id)


@task()
def resend_sms() -> int:
    """Every 5 minutes: messages due for a retry, or whose enqueue failed."""
    from .notify import resend_due

    return resend_due()


register_periodic("core.sms_resend", resend_sms, every="minutes:5")
