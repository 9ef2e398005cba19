"""Periodic jobs: the rules engine (daily) and the coverage snapshot (daily)."""

from __future__ import annotations

from django_tasks import task

from shegong.core.periodic import register_periodic


@task()
def run_coverage_rules() -> dict[str, int]:
    from .services.rules import run_rules

    return run_rules().as_dict()


@task()
def run_coverage_rules_requested(actor_id: int) -> dict[str, int]:
    """A city-wide 重新检查 pressed by a person: the same run, in the background, recorded
    with that person as the actor."""
    from shegong.accounts.models import User

    from .services.rules import run_rules

    actor = User.objects.filter(pk=actor_id, is_active=True).first()
    if actor is None:
        return {}
    return run_rules(actor=actor).as_dict()


@task()
def take_coverage_snapshot() -> int:
    from .services.coverage import rebuild_cells, take_snapshot

    rebuild_cells()
    return take_snapshot().pk


register_periodic("organizations.rules", run_coverage_rules, every="daily", at="02:10")
register_periodic("organizations.snapshot", take_coverage_snapshot, every="daily", at="23:30")
