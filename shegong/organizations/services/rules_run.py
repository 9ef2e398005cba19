"""重新检查: a person asks for a coverage rules run now.

Kept apart from ``rules`` (the engine) so the engine does not import ``tasks`` while
``tasks`` runs the engine: ``rules`` <- ``tasks`` <- ``rules_run`` has no cycle.
"""

from __future__ import annotations

from django.db import transaction

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from ..tasks import run_coverage_rules_requested
from .rules import RunResult, run_rules


def request_rules_run(*, actor: User) -> RunResult | None:
    """重新检查 pressed by a person. A street-sized scope runs now (a few hundred rows) and
    returns the result; a city-wide scope (tens of thousands of findings) is enqueued as a
    task like the nightly job and returns None — the request never holds the whole-city
    transaction."""
    require_capability(actor, Cap.ORGS_TASKS, "您的角色不能运行覆盖规则检查")
    if not (actor.is_superuser or actor.has_citywide_scope):
        return run_rules(actor=actor)
    with transaction.atomic():
        audit.record(
            "coverage_rules_run_requested",
            actor=actor,
            target_type="organizations.finding",
            target_repr="覆盖规则检查（全市，后台运行）",
        )
        transaction.on_commit(lambda: run_coverage_rules_requested.enqueue(actor.pk))
    return None
