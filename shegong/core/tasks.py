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


@task()
def sweep_staged_imports() -> int:
    """Delete import files staged for a dry run more than a day ago (they may hold personal
    data in clear)."""
    from .staging import sweep_staged

    return sweep_staged()


register_periodic("core.sweep_staged_imports", sweep_staged_imports, every="hourly")


@task()
def recover_stale_tasks() -> dict[str, int]:
    """Tasks left RUNNING by a worker that died: run again or failed with the reason."""
    from .worker_lease import recover_stale_tasks as recover

    requeued, failed = recover()
    return {"requeued": requeued, "failed": failed}


register_periodic("core.recover_stale_tasks", recover_stale_tasks, every="minutes:1")


@task()
def purge_expired_records() -> dict[str, int]:
    """Operational records past their retention (core.retention); audit events are kept."""
    from .retention import purge_expired

    return purge_expired()


register_periodic("core.purge_expired_records", purge_expired_records, every="daily", at="03:10")


@task()
def refresh_planner_statistics() -> str:
    """SQLite: ``ANALYZE`` under ``PRAGMA analysis_limit`` — fresh planner statistics for
    every table and index (a new partial index is only chosen once its statistics exist; a
    table grown tenfold needs new ones), each index sampled on a bounded number of rows so
    the job stays quick at millions of rows. PostgreSQL's autovacuum keeps its own."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return "skipped"
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return "analyzed"


ANALYSIS_LIMIT = 1000  # rows sampled per index (https://sqlite.org/lang_analyze.html)
register_periodic(
    "core.refresh_planner_statistics", refresh_planner_statistics, every="daily", at="04:20"
)
