"""Background work: generating one report (django-tasks) and the daily schedule, which makes
the reports of the last closed month and quarter for every district and the city once."""

from __future__ import annotations

from django_tasks import task

from shegong.core.periodic import register_periodic


@task()
def generate_report(report_id: int) -> str:
    from .services import generate

    return str(generate(report_id).status)


@task()
def run_report_schedule() -> list[int]:
    from .services import run_schedule

    return run_schedule()


register_periodic("reports.schedule", run_report_schedule, every="daily", at="03:10")
