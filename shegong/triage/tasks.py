"""Background triage: one appeal on demand, new appeals every 5 minutes, hotspots daily.

Intake is not edited: the 5-minute job picks up every appeal registered in the last day
without a ``TriageResult`` (idempotent), and the appeal page computes a missing one.
"""

from __future__ import annotations

from django_tasks import task

from shegong.core.periodic import register_periodic


@task()
def triage_appeal_task(appeal_id: int) -> int:
    from .services import triage_appeal

    return triage_appeal(appeal_id).pk


@task()
def triage_pending_task() -> int:
    from .services import triage_pending

    return triage_pending()


@task()
def hotspots_task() -> int:
    from .services import compute_hotspots

    return compute_hotspots()


register_periodic("triage.pending", triage_pending_task, every="minutes:5")
register_periodic("triage.hotspots", hotspots_task, every="daily", at="03:20")
