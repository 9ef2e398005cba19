"""Editing the volunteer policy (``volunteers.policy``); star levels follow at once.

Not editable:
- ``adult_age`` is statutory (民法典 第十七条: 十八周岁以上的自然人为成年人), not policy;
  it stays on the row (18) only so the code reads it in one place.
- ``record_deadline_working_days`` (志愿服务记录与证明出具办法 第十一条: record within 10
  working days after the activity) is shown as the rule but NOT enforced: confirming
  hours later is still allowed (late confirmation is better than lost hours), so it is
  informational and not offered for editing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from ..models import VolunteerPolicy
from .common import get_policy
from .ledger import recompute_star_levels

EDITABLE = (
    "star_thresholds",
    "min_age",
    "rounding_minutes",
    "max_hours_per_day",
    "early_checkin_minutes",
    "late_checkout_minutes",
    "token_ttl_seconds",
    "cancel_hours_before",
    "issuer_name",
)


def update_policy(*, actor: User, **values: Any) -> VolunteerPolicy:
    """Change policy values (audited). New star thresholds re-rate everyone in one UPDATE."""
    require_capability(actor, Cap.VOLUNTEER_POLICY, "您的角色不能修改志愿服务规则")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise DomainError(f"不能修改：{'、'.join(sorted(unknown))}")
    thresholds = values.get("star_thresholds")
    if thresholds is not None:
        try:
            numbers = [int(t) for t in thresholds]
        except (TypeError, ValueError):
            raise DomainError("星级门槛应为整数小时") from None
        if not numbers or any(n <= 0 for n in numbers) or numbers != sorted(set(numbers)):
            raise DomainError("星级门槛应为递增的正整数，例如 100,300,600,1000,1500")
        if len(numbers) > 10:
            raise DomainError("最多设置十个星级")
        values["star_thresholds"] = numbers
    if "min_age" in values:
        try:
            min_age = int(values["min_age"])
        except (TypeError, ValueError):
            raise DomainError("最低注册年龄应为整数") from None
        adult = get_policy().adult_age
        if not 0 <= min_age <= adult:
            raise DomainError(f"最低注册年龄应在0到{adult}周岁（成年年龄，民法典第十七条）之间")
        values["min_age"] = min_age
    if "max_hours_per_day" in values and not (
        Decimal(0) < Decimal(values["max_hours_per_day"]) <= Decimal(24)
    ):
        raise DomainError("每日时长上限应在0到24小时之间")
    if "token_ttl_seconds" in values and not 15 <= int(values["token_ttl_seconds"]) <= 3600:
        raise DomainError("二维码有效期应在15秒到1小时之间")
    if "rounding_minutes" in values and not 1 <= int(values["rounding_minutes"]) <= 60:
        raise DomainError("取整单位应在1到60分钟之间")
    with transaction.atomic():
        policy = get_policy()
        policy = VolunteerPolicy.objects.select_for_update(of=("self",)).get(pk=policy.pk)
        before = audit.snapshot(policy, EDITABLE)
        for key, value in values.items():
            setattr(policy, key, value)
        policy.save()
        changes = audit.diff(before, audit.snapshot(policy, EDITABLE))
        if "star_thresholds" in changes:
            recompute_star_levels(policy.star_thresholds)
        audit.record("volunteer_policy_changed", actor=actor, target=policy, changes=changes)
    return policy
