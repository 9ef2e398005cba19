"""Background jobs of the members app."""

from __future__ import annotations

from django_tasks import task

from shegong.core.periodic import register_periodic


@task()
def remind_development_deadlines() -> dict[str, object]:
    """Daily: remind branch administrators of 发展党员 deadlines (idempotent)."""
    from .services.reminders import remind_development_deadlines as remind

    return {"notified": remind()}


register_periodic(
    "members.remind_development_deadlines", remind_development_deadlines, every="daily", at="08:40"
)
