"""Periodic housekeeping for suggestions (every 15 minutes; every step idempotent)."""

from __future__ import annotations

from django_tasks import task

from shegong.core.periodic import register_periodic


@task()
def run_suggestion_housekeeping() -> dict[str, int]:
    from .services.evaluation import notify_overdue_evaluations, start_missing_evaluations
    from .services.themes import close_expired_themes

    return {
        "evaluations_started": start_missing_evaluations(),
        "overdue_notified": notify_overdue_evaluations(),
        "themes_closed": close_expired_themes(),
    }


register_periodic("suggestions.housekeeping", run_suggestion_housekeeping, every="minutes:15")
