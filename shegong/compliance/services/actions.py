"""What people do with compliance: mark a finding handled, re-check their branches, change
the policy."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.lib.partyrules.meetings import MeetingType, Schedule

from ..choices import OPEN_STATUSES, FindingStatus
from ..models import ComplianceFinding, CompliancePolicy
from .engine import RunResult, branches_for, run_compliance

# Whoever keeps 组织生活 (the secretary, the street's 党工委, the department) acts on findings.
ACT = Cap.ORGLIFE_MANAGE


def handle_finding(*, actor: User, finding_id: int, note: str) -> ComplianceFinding:
    """已处理 with a note (e.g. 已谈话了解原因). Nothing about the member changes: a lapse
    risk is only ever a prompt; removal is the 支部大会's decision with superior approval."""
    require_capability(actor, ACT, "您的角色不能处理合规问题")
    note = note.strip()
    if not note:
        raise DomainError("请填写处理说明")
    with transaction.atomic():
        finding = (
            ComplianceFinding.objects.visible_to(actor)
            .select_for_update()
            .filter(pk=finding_id)
            .first()
        )
        if finding is None:
            raise DomainError("问题不存在或不在您的管辖范围内")
        if finding.status not in OPEN_STATUSES:
            raise DomainError("该问题已关闭")
        before = finding.status
        finding.status = FindingStatus.HANDLED
        finding.closed_at = timezone.now()
        finding.closed_by = actor
        finding.close_note = note[:500]
        finding.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
        audit.record(
            "compliance_finding_handled",
            actor=actor,
            target=finding,
            changes={"status": [before, FindingStatus.HANDLED]},
            note=note[:200],
        )
    return finding


def recheck(*, actor: User, org_id: int | None = None) -> RunResult:
    """重新检查 the branches in the actor's scope (or one of them) now."""
    require_capability(actor, ACT, "您的角色不能运行合规检查")
    ids = branches_for(actor, [org_id] if org_id is not None else None)
    if org_id is not None and not ids:
        raise DomainError("党支部不存在或不在您的管辖范围内")
    if len(ids) > 2000:
        raise DomainError("范围过大，请选择一个党支部重新检查（全市检查每天凌晨自动运行）")
    return run_compliance(actor=actor, org_ids=ids)


def label_of(name: str) -> str:
    field = CompliancePolicy._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


INT_FIELDS = (
    "committee_min_formal",
    "group_min_members",
    "lapse_months",
    "minutes_late_days",
    "attendance_min_percent",
    "escalate_after_days",
)
LIMITS = {
    "committee_min_formal": (0, 500),
    "group_min_members": (0, 500),
    "lapse_months": (1, 24),
    "minutes_late_days": (0, 366),
    "attendance_min_percent": (0, 100),
    "escalate_after_days": (1, 366),
}


def update_policy(
    *,
    actor: User,
    values: dict[str, int],
    count_partial_join_month: bool | None = None,
    schedules: dict[str, list[int]] | None = None,
    expected_kinds: list[str] | None = None,
) -> CompliancePolicy:
    require_capability(actor, Cap.COMPLIANCE_POLICY, "您的角色不能修改合规参数")
    unknown = set(values) - set(INT_FIELDS)
    if unknown:
        raise DomainError(f"未知参数：{'、'.join(sorted(unknown))}")
    with transaction.atomic():
        policy = CompliancePolicy.current()
        policy = CompliancePolicy.objects.select_for_update().get(pk=policy.pk)
        before = audit.snapshot(policy)
        for key, value in values.items():
            lo, hi = LIMITS[key]
            label = label_of(key)
            if not lo <= int(value) <= hi:
                raise DomainError(f"{label}应在{lo}至{hi}之间")
            setattr(policy, key, int(value))
        if count_partial_join_month is not None:
            policy.count_partial_join_month = count_partial_join_month
        if schedules is not None:
            clean: dict[str, list[int]] = {}
            for kind in MeetingType:
                raw = schedules.get(kind.value)
                if raw is None:
                    continue
                months, count, first, last = ([*list(raw), 0, 0, 0, 0])[:4]
                try:
                    Schedule(months, count, (first, last) if first and last else None)
                except ValueError as exc:
                    raise DomainError(f"{kind.label}：{exc}") from exc
                if not 0 <= count <= 31:
                    raise DomainError(f"{kind.label}：应开次数应在0至31之间")
                clean[kind.value] = [months, count, first, last]
            policy.schedules = {**policy.schedules, **clean}
        if expected_kinds is not None:
            known = {k.value for k in MeetingType}
            bad = [k for k in expected_kinds if k not in known]
            if bad:
                raise DomainError(f"未知会议类型：{'、'.join(bad)}")
            if not expected_kinds:
                raise DomainError("请至少选择一种纳入合规检查的会议类型")
            chosen = [k.value for k in MeetingType if k.value in set(expected_kinds)]
            # All kinds chosen is stored as [] (= every kind, including kinds added later).
            policy.expected_kinds = [] if len(chosen) == len(MeetingType) else chosen
        policy.save()
        changes = audit.diff(before, audit.snapshot(policy))
        changes.pop("updated_at", None)
        audit.record(
            "compliance_policy_changed",
            actor=actor,
            target_type="compliance.compliancepolicy",
            target_id=str(policy.pk),
            target_repr=str(policy),
            changes=changes,
        )
    return policy
