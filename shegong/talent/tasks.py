"""Periodic job: credential and hours reminders (daily)."""

from __future__ import annotations

from django_tasks import task

from shegong.core.periodic import register_periodic


@task()
def send_talent_reminders() -> int:
    from .services.reminders import send_reminders

    return send_reminders()


register_periodic("talent.reminders", send_talent_reminders, every="daily", at="08:30")
