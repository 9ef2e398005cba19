"""The triage app's side of the appeals app: registered into ``shegong.appeals.hooks`` in
``TriageConfig.ready()`` (appeals never imports triage)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings

from shegong.appeals.hooks import AppealAnonymised, AppealsRegistered

if TYPE_CHECKING:
    from shegong.appeals.models import Appeal

logger = logging.getLogger("shegong.triage")


def queue_triage(event: AppealsRegistered) -> None:
    """Queue smart triage for new appeals (one task per batch), after intake commits.
    Advisory: if the queue is down, the 5-minute job catches up (the failure is logged by
    intake). ``SHEGONG_TRIAGE_ON_INTAKE=false`` leaves only the job and the page."""
    if not getattr(settings, "SHEGONG_TRIAGE_ON_INTAKE", True):
        return
    from .tasks import triage_appeals_task

    triage_appeals_task.enqueue(list(event.appeal_ids))


def forget_links(event: AppealAnonymised) -> None:
    """An anonymised appeal keeps no link to the same person's other appeals or to its
    duplicates, and their rows drop their link to it."""
    from .models import TriageResult

    appeal = event.appeal
    TriageResult.objects.filter(appeal=appeal).update(same_person=[], duplicates=[])
    if appeal.petitioner_id is None:
        return
    for result in TriageResult.objects.filter(appeal__petitioner_id=appeal.petitioner_id):
        same = [pk for pk in result.same_person if pk != appeal.pk]
        dups = [d for d in result.duplicates if d.get("appeal_id") != appeal.pk]
        if same != result.same_person or dups != result.duplicates:
            result.same_person, result.duplicates = same, dups
            result.save(update_fields=["same_person", "duplicates"])


class TriageAdvisor:
    """``appeals.hooks.DispatchAdvisor``: the triage panel and the queue cell."""

    panel_template: str = "triage/partials/_suggestions.html"
    # TriageResult.appeal's related_name; queue_cells reads it
    queue_related: tuple[str, ...] = ("triage",)

    def for_appeal(self, user: Any, appeal: Appeal) -> dict[str, Any] | None:
        from .panel import triage_for

        return triage_for(user, appeal)

    def queue_cells(self, appeals: list[Appeal]) -> list[dict[str, Any] | None]:
        from .panel import queue_cells

        return queue_cells(appeals)

    def __repr__(self) -> str:
        return "TriageAdvisor()"


advisor = TriageAdvisor()
