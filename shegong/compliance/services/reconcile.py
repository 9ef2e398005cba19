"""Findings reconciliation (the coverage rules' pattern): open, refresh, auto-resolve,
escalate."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..choices import KEPT_STATUSES, OPEN_STATUSES, FindingStatus, Rule
from ..models import ComplianceFinding, CompliancePolicy
from .judge import BASIS, Violation


def _stale_note(now: datetime) -> str:
    return f"{timezone.localdate(now):%Y-%m-%d} 合规复查：条件已不再成立，自动消除"


def reconcile(
    violations: dict[int, list[Violation]],
    places: dict[int, tuple[str, int | None, int | None, bool]],
    quarters: list[int],
    now: datetime,
    policy: CompliancePolicy,
    members: bool = True,
    meeting_keys: list[str] | None = None,
) -> dict[str, int]:
    """Reconcile the findings of the branches in ``violations`` (keys = every branch judged,
    with or without violations). Meeting findings are reconciled only for the ``quarters``
    judged and for the meetings of earlier quarters re-checked (``meeting_keys``); lapse
    findings always (they describe the present)."""
    counts = {"opened": 0, "refreshed": 0, "auto_resolved": 0, "escalated": 0}
    org_ids = list(violations)
    where = Q(quarter__in=quarters)
    if members:
        where |= Q(rule=Rule.LAPSE_RISK)
    if meeting_keys:
        where |= Q(subject_key__in=meeting_keys) & ~Q(rule=Rule.LAPSE_RISK)
    existing = {
        (f.rule, f.subject_key): f
        for f in ComplianceFinding.objects.select_for_update().filter(
            where, organization_id__in=org_ids, status__in=KEPT_STATUSES
        )
    }
    seen: set[tuple[str, str]] = set()
    new: list[ComplianceFinding] = []
    changed: list[ComplianceFinding] = []
    for org_id, found in violations.items():
        path = places[org_id][0]
        for v in found:
            k = (v.rule, v.key)
            if k in seen:
                continue
            seen.add(k)
            current = existing.get(k)
            if current is not None:
                if current.status in OPEN_STATUSES:
                    counts["refreshed"] += 1
                    if current.evidence != v.evidence[:500] or current.region_path != path:
                        current.evidence = v.evidence[:500]
                        current.region_path = path
                        current.last_seen_at = now
                        changed.append(current)
                continue
            new.append(
                ComplianceFinding(
                    rule=v.rule,
                    subject_key=v.key,
                    period=v.period[:20],
                    quarter=v.quarter,
                    organization_id=org_id,
                    member_id=v.member_id,
                    meeting_id=v.meeting_id,
                    region_path=path,
                    evidence=v.evidence[:500],
                    basis=BASIS[v.rule][:200],
                    opened_at=now,
                    last_seen_at=now,
                )
            )
    ComplianceFinding.objects.bulk_update(
        changed, ["evidence", "region_path", "last_seen_at"], batch_size=500
    )
    try:
        with transaction.atomic():
            ComplianceFinding.objects.bulk_create(new, batch_size=1000)
        counts["opened"] = len(new)
    except IntegrityError:
        # A concurrent run opened some of them first: insert one by one, skip those.
        for finding in new:
            finding.pk = None
            try:
                with transaction.atomic():
                    finding.save(force_insert=True)
            except IntegrityError:
                continue
            counts["opened"] += 1
    gone = [f.pk for k, f in existing.items() if k not in seen and f.status in OPEN_STATUSES]
    for i in range(0, len(gone), 900):
        ComplianceFinding.objects.filter(pk__in=gone[i : i + 900]).update(
            status=FindingStatus.AUTO_RESOLVED, closed_at=now, close_note=_stale_note(now)
        )
    counts["auto_resolved"] = len(gone)
    counts["escalated"] = escalate(org_ids, now, policy)
    return counts


def escalate(org_ids: list[int], now: datetime, policy: CompliancePolicy) -> int:
    """Open findings older than ``escalate_after_days`` go to the organization above (the
    finding stays the branch's; the parent's administrators see it flagged and get a
    notice). A branch without a parent is not escalated."""
    cutoff = now - timedelta(days=policy.escalate_after_days)
    rows = list(
        ComplianceFinding.objects.filter(
            organization_id__in=org_ids,
            status=FindingStatus.OPEN,
            opened_at__lte=cutoff,
            organization__parent__isnull=False,
        ).select_related("organization")
    )
    for f in rows:
        f.status = FindingStatus.ESCALATED
        f.escalated_to_id = f.organization.parent_id
        f.escalated_at = now
    ComplianceFinding.objects.bulk_update(
        rows, ["status", "escalated_to", "escalated_at"], batch_size=500
    )
    if rows:
        transaction.on_commit(lambda: _notify([f.pk for f in rows]))
    return len(rows)


def _notify(finding_ids: list[int]) -> None:
    from django.urls import reverse

    from shegong.core.notify import notify
    from shegong.organizations.models import OrgAdministrator

    by_parent: dict[int, int] = {}
    for parent_id in ComplianceFinding.objects.filter(pk__in=finding_ids).values_list(
        "escalated_to_id", flat=True
    ):
        if parent_id:
            by_parent[parent_id] = by_parent.get(parent_id, 0) + 1
    for parent_id, n in by_parent.items():
        users = [
            a.user
            for a in OrgAdministrator.objects.filter(organization_id=parent_id).select_related(
                "user"
            )
        ]
        notify(
            users,
            "组织生活合规问题上报",
            f"下级党组织有 {n} 个合规问题超过时限未处理，已上报本级",
            url=reverse("compliance:findings"),
        )
