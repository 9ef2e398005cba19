"""The coverage rule parameters (admin-editable, audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from ..models import CoveragePolicy

FIELDS = (
    "branch_min_formal",
    "committee_threshold",
    "committee_min_members",
    "branch_soft_max",
    "joint_branch_max_units",
    "term_years_committee",
    "term_years_general_branch",
    "term_years_branch",
    "term_years_community_branch",
    "term_grace_days",
    "term_reminder_first_months",
    "term_reminder_second_months",
    "general_branch_threshold",
    "party_committee_threshold",
    "large_entity_employees",
)

# Upper bounds, as Chinese form errors instead of a database overflow (the columns are
# smallint / integer): generous for a real city, far below the column limits.
DEFAULT_MAX = 10000
MAX_VALUES = {
    "joint_branch_max_units": 100,
    "term_grace_days": 366,  # 选举工作条例第三条: a delay is normally at most a year
    "large_entity_employees": 10_000_000,
}


def max_value(field: str) -> int:
    return MAX_VALUES.get(field, DEFAULT_MAX)


def update_policy(*, actor: User, **values: Any) -> CoveragePolicy:
    require_capability(actor, Cap.ORGS_POLICY, "您的角色不能修改覆盖规则参数")
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise DomainError(f"未知参数：{'、'.join(sorted(unknown))}")
    if not (actor.is_superuser or actor.has_citywide_scope):
        raise DomainError("覆盖规则参数全市统一，只有全市管理员可以修改")
    with transaction.atomic():
        policy = CoveragePolicy.current()
        policy = CoveragePolicy.objects.select_for_update().get(pk=policy.pk)
        before = audit.snapshot(policy)
        for key, value in values.items():
            if value is None or int(value) < 0:
                raise DomainError("参数应为非负整数")
            if int(value) > max_value(key):
                label = CoveragePolicy._meta.get_field(key).verbose_name  # type: ignore[union-attr]
                raise DomainError(f"{label}不能超过{max_value(key)}")
            setattr(policy, key, int(value))
        if policy.branch_min_formal < 1 or policy.committee_threshold < policy.branch_min_formal:
            raise DomainError("应设支委会的党员数不能小于成立党支部的党员数")
        for key in FIELDS:
            if key.startswith("term_years") and not 1 <= getattr(policy, key) <= 10:
                raise DomainError("任期应在1至10年之间（党章规定为3至5年）")
        if not 1 <= policy.general_branch_threshold < policy.party_committee_threshold:
            raise DomainError("应设党总支的党员数应大于0且小于应设基层党委的党员数")
        first, second = policy.term_reminder_first_months, policy.term_reminder_second_months
        if first > 24 or second > 24:
            raise DomainError("换届提醒最多提前24个月")
        if first and second and second >= first:
            raise DomainError("第二次换届提醒应晚于第一次（月数更小），不提醒请填0")
        policy.save()
        changes = audit.diff(before, audit.snapshot(policy))
        changes.pop("updated_at", None)
        audit.record(
            "coverage_policy_changed",
            actor=actor,
            target_type="organizations.coveragepolicy",
            target_id=str(policy.pk),
            target_repr=str(policy),
            changes=changes,
        )
    return policy
