"""Findings of a branch that no longer exists (撤销 or 并入 another organization) or is no
longer a 党支部 (改设 as a 党总支 or 党委).

The engine judges active branches only, so such a branch gets no new ``BranchQuarter``
rows or findings afterwards; its open findings are closed here, each with the
reason and an audit event, instead of staying open (and escalating) for ever. Handled and
resolved findings keep their status; the branch's earlier quarter rows stay as history."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q

from shegong.accounts.models import User
from shegong.core import audit
from shegong.organizations.choices import BRANCH_KINDS, OrgKind, OrgStatus

from ..choices import OPEN_STATUSES, FindingStatus
from ..models import ComplianceFinding


def _reason(status: str, ended_on: date | None, merged_into: str | None, kind: str) -> str:
    if status == OrgStatus.ACTIVE:  # still there, but no longer a 党支部
        return f"该党组织已改设为{OrgKind(kind).label}，不再按党支部考核，问题随之关闭"
    when = f"于 {ended_on:%Y-%m-%d} " if ended_on is not None else ""
    if status == OrgStatus.MERGED:
        into = f"并入“{merged_into}”" if merged_into else "并入其他党组织"
        return f"该党组织已{when}{into}，问题随之关闭"
    return f"该党组织已{when}撤销，问题随之关闭"


def close_findings_of_closed_branches(actor: User | None, now: datetime) -> int:
    """Close (``org_closed``, audited one event per finding) the open findings of every
    organization in ``actor``'s scope (all without an actor) whose status is not active or
    whose kind is no longer a branch kind (the engine judges neither)."""
    qs = (
        ComplianceFinding.objects.visible_to(actor)
        if actor is not None
        else ComplianceFinding.objects.all()
    )
    rows = list(
        qs.select_for_update(of=("self",))
        .filter(status__in=OPEN_STATUSES)
        .exclude(Q(organization__status=OrgStatus.ACTIVE, organization__kind__in=BRANCH_KINDS))
        .select_related("organization", "organization__merged_into")
    )
    if not rows:
        return 0
    entries = []
    for f in rows:
        org = f.organization
        merged = org.merged_into.name if org.merged_into_id and org.merged_into else None
        before = f.status
        f.status = FindingStatus.ORG_CLOSED
        f.closed_at = now
        f.close_note = _reason(org.status, org.ended_on, merged, org.kind)[:500]
        entries.append(
            audit.Entry(
                "compliance_finding_closed",
                actor=actor,
                target=f,
                changes={"status": [before, FindingStatus.ORG_CLOSED]},
                note=f.close_note[:200],
                at=now,
            )
        )
    ComplianceFinding.objects.bulk_update(rows, ["status", "closed_at", "close_note"], 500)
    audit.record_many(entries)
    return len(rows)
