"""Background triage: new appeals right after their intake commits, a 5-minute safety net,
hotspots every 10 minutes (recomputed only when something was triaged since, or a new day).

Intake enqueues ``triage_appeals_task`` after commit (one task per group-commit batch, see
``appeals.services.intake``); the 5-minute job picks up any appeal registered in the last
day without a ``TriageResult`` (a lost task, a worker restart), and a page that finds
none queues one (``panel.ensure_queued``; pages never triage). All are idempotent.
"""

from __future__ import annotations

from django_tasks import task

from shegong.core.periodic import register_periodic
from shegong.core.worker_lease import retry_on_worker_loss


@task()
def triage_appeal_task(appeal_id: int) -> int:
    from .services import triage_appeal

    return triage_appeal(appeal_id).pk


@task()
def triage_appeals_task(appeal_ids: list[int]) -> int:
    from .services import triage_many

    return triage_many([int(i) for i in appeal_ids])


# Triage replaces an appeal's result: safe to run again after a worker died mid-task.
retry_on_worker_loss(triage_appeal_task)
retry_on_worker_loss(triage_appeals_task)


@task()
def triage_pending_task() -> int:
    from .services import triage_pending

    return triage_pending()


@task()
def hotspots_task() -> int:
    from .services import refresh_hotspots

    count = refresh_hotspots()
    return -1 if count is None else count


@task()
def history_snapshot_task() -> int:
    from .indexes import save_snapshot

    return save_snapshot()


register_periodic("triage.pending", triage_pending_task, every="minutes:5")
# Every 10 minutes: with triage at most 5 minutes behind intake, a burst of new appeals is on
# the hotspot list within 15 minutes (issue #12 §9), not the next morning.
register_periodic("triage.hotspots", hotspots_task, every="minutes:10")
# Hourly: the routing history on disk, so a worker that (re)starts loads it and catches up
# from there instead of reading a year of closed appeals (indexes.save_snapshot).
register_periodic("triage.history_snapshot", history_snapshot_task, every="hourly")
