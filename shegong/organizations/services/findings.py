"""Gap tasks: assign a finding to a person or unit in scope, close it with a note."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from ..choices import OPEN_FINDING_STATUSES, FindingStatus
from ..models import Entity, Finding


def _load_open(actor: User, finding_id: int) -> Finding:
    finding = Finding.objects.visible_to(actor).select_for_update().filter(pk=finding_id).first()
    if finding is None:
        raise DomainError("问题不存在或不在您的管辖范围内")
    if finding.status not in OPEN_FINDING_STATUSES:
        raise DomainError("该问题已关闭")
    return finding


def assign_finding(
    *,
    actor: User,
    finding_id: int,
    assignee_id: int | None = None,
    unit_id: int | None = None,
    due_on: date | None = None,
    note: str = "",
) -> Finding:
    """交办: to a user who can see the finding, and/or a unit in the actor's scope."""
    require_capability(actor, Cap.ORGS_TASKS, "您的角色不能交办覆盖问题")
    if assignee_id is None and unit_id is None:
        raise DomainError("请选择承办人或承办单位")
    if due_on is not None and due_on < timezone.localdate():
        raise DomainError("完成时限不能早于今天")
    from shegong.accounts.models import User
    from shegong.units.models import Unit

    with transaction.atomic():
        finding = _load_open(actor, finding_id)
        assignee = None
        if assignee_id is not None:
            if assignee_id == actor.pk:
                assignee = actor
            else:
                assignee = User.objects.visible_to(actor).filter(pk=assignee_id).first()
            if assignee is None:
                raise DomainError("承办人不存在或不在您的管辖范围内")
            if not Finding.objects.visible_to(assignee).filter(pk=finding.pk).exists():
                raise DomainError("该承办人无权查看此问题（不在其管辖范围或角色不含党建权限）")
        unit = None
        if unit_id is not None:
            unit = Unit.objects.visible_to(actor).filter(pk=unit_id).first()
            if unit is None:
                raise DomainError("承办单位不存在或不在您的管辖范围内")
        before = audit.snapshot(finding, ["status", "assignee", "assignee_unit", "due_on"])
        finding.assignee = assignee
        finding.assignee_unit = unit
        finding.due_on = due_on
        finding.status = FindingStatus.ASSIGNED
        finding.assigned_at = timezone.now()
        finding.save(update_fields=["assignee", "assignee_unit", "due_on", "status", "assigned_at"])
        audit.record(
            "finding_assigned",
            actor=actor,
            target=finding,
            changes=audit.diff(
                before, audit.snapshot(finding, ["status", "assignee", "assignee_unit", "due_on"])
            ),
            note=note,
        )
    return finding


def close_finding(*, actor: User, finding_id: int, note: str) -> Finding:
    """办结 with a note saying what was done. If the condition still holds, the next rules
    run opens a new finding for the same subject (closing does not silence a rule)."""
    require_capability(actor, Cap.ORGS_TASKS, "您的角色不能办结覆盖问题")
    note = note.strip()
    if not note:
        raise DomainError("请填写办结说明")
    with transaction.atomic():
        finding = _load_open(actor, finding_id)
        before = finding.status
        finding.status = FindingStatus.CLOSED
        finding.closed_at = timezone.now()
        finding.closed_by = actor
        finding.close_note = note[:500]
        finding.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
        audit.record(
            "finding_closed",
            actor=actor,
            target=finding,
            changes={"status": [before, FindingStatus.CLOSED]},
            note=note,
        )
    return finding


def relocate_open_findings(entity_ids: Iterable[int]) -> int:
    """Copy each entity's current region, region path and street onto its open findings.

    Findings are scoped by their own ``region_path``, so an entity moved to another street
    must take its open findings along, in the transaction that moves it; otherwise the old
    street keeps seeing (and its 重新检查 auto-resolves) a finding it no longer owns.
    Called by every writer that changes ``Entity.region`` (edit, API, import)."""
    ids = sorted({pk for pk in entity_ids if pk})
    moved = 0
    for i in range(0, len(ids), 900):
        place = Entity.objects.filter(pk=OuterRef("entity_id"))
        moved += (
            Finding.objects.filter(entity_id__in=ids[i : i + 900], status__in=OPEN_FINDING_STATUSES)
            .exclude(region_path=Subquery(place.values("region_path")[:1]))
            .update(
                region_id=Subquery(place.values("region_id")[:1]),
                region_path=Subquery(place.values("region_path")[:1]),
                street_id=Subquery(place.values("street_id")[:1]),
            )
        )
    return moved
