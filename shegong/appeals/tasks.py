"""Periodic clock jobs for appeals (every 15 minutes; idempotent by compare-and-swap)."""

from __future__ import annotations

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


register_periodic("appeals.clocks", run_appeal_clocks, every="minutes:15")
