"""Helpers shared by the serving services: the policy, numbers, scoped loads."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from ..models import ServiceOrder, ServingPolicy


def get_policy() -> ServingPolicy:
    """The one policy row (created with the documented defaults on first use)."""
    policy = ServingPolicy.objects.filter(pk=1).first()
    if policy is None:
        policy, _ = ServingPolicy.objects.get_or_create(pk=1)
    return policy


def new_number(now: datetime) -> str:
    """FW + date + random digits: unique, not guessable from the previous one."""
    local = timezone.localtime(now)
    for _ in range(10):
        number = f"FW{local:%Y%m%d}{secrets.randbelow(10**6):06d}"
        if not ServiceOrder.objects.filter(number=number).exists():
            return number
    raise DomainError("生成编号失败，请重试")


def community_in_scope(actor: User, region_id: int) -> Region:
    """A community (社区/村) the actor's jurisdiction covers."""
    region = Region.objects.visible_to(actor).filter(pk=region_id).first()
    if region is None:
        raise DomainError("社区不存在或不在您的管辖范围内")
    if region.level != RegionLevel.COMMUNITY:
        raise DomainError("请选择社区（村）")
    return region


def community(region_id: int) -> Region:
    region = Region.objects.filter(pk=region_id, level=RegionLevel.COMMUNITY).first()
    if region is None:
        raise DomainError("请选择社区（村）")
    return region


def load_order(actor: User, order_id: int, *, lock: bool = False) -> ServiceOrder:
    qs = ServiceOrder.objects.visible_to(actor)
    if lock:
        qs = qs.select_for_update(of=("self",))
    order = qs.filter(pk=order_id).first()
    if order is None:
        raise DomainError("服务订单不存在或不在您的管辖范围内")
    return order


def update_policy(*, actor: User, values: dict[str, object]) -> ServingPolicy:
    """Change the 双报到 expectations and matching weights (audited with before/after)."""
    require_capability(actor, Cap.SERVING_POLICY, "您的角色不能修改双报到服务规则")
    with transaction.atomic():
        policy = get_policy()
        before = audit.snapshot(policy)
        for name, value in values.items():
            if name not in POLICY_FIELDS:
                raise DomainError("未知的规则项")
            setattr(policy, name, value)
        if sum(int(str(getattr(policy, f))) for f in WEIGHTS) == 0:
            raise DomainError("匹配权重不能全为0")
        policy.save()
        audit.record(
            "serving_policy_updated",
            actor=actor,
            target=policy,
            changes=audit.diff(before, audit.snapshot(policy)),
        )
    return policy


WEIGHTS = ("weight_distance", "weight_skills", "weight_reliability", "weight_workload")
POLICY_FIELDS = {
    f.name for f in ServingPolicy._meta.get_fields() if f.name not in ("id", "updated_at")
}
