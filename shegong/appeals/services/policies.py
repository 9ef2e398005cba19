"""Which policy version applies, and publishing new versions (never editing used ones)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.calendar import get_calendar
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap
from shegong.lib.workcalendar import (
    Deadline,
    UnknownYearError,  # noqa: F401  (re-exported for callers)
    period_unit,
)
from shegong.regions.models import Region

from ..choices import AppealKind, ClockKey, TimeUnit
from ..models import AppealPolicy, PolicyClock
from ..policy_defaults import DEFAULTS

POLICY_FIELDS = (
    "name",
    "legal_basis",
    "max_representatives",
    "max_extension_days",
    "max_extensions",
    "returns_before_escalation",
    "warn_hours",
    "escalate_after_hours",
    "redo_target",
)


def ensure_default_policies(at: datetime | None = None) -> int:
    """Create version 1 of every kind's city-wide policy if missing (idempotent)."""
    created = 0
    effective = at or datetime(2022, 5, 1, tzinfo=timezone.get_current_timezone())
    for kind, spec in DEFAULTS.items():
        if AppealPolicy.objects.filter(kind=kind, region__isnull=True).exists():
            continue
        with transaction.atomic():
            policy = AppealPolicy.objects.create(
                kind=kind,
                version=1,
                effective_from=effective,
                name=f"{AppealKind(kind).label}（默认）",
                **{k: v for k, v in spec.items() if k not in {"clocks"}},
            )
            PolicyClock.objects.bulk_create(
                PolicyClock(
                    policy=policy,
                    key=key,
                    variant=variant,
                    value=value,
                    unit=unit,
                    legal_basis=basis,
                )
                for key, variant, value, unit, basis in spec["clocks"]
            )
        created += 1
    return created


# Policy versions are immutable once published, so each server process keeps the versions
# of a kind for a few seconds instead of reading them on every intake (two queries and a
# dozen model instances per appeal). A version published in this process clears the cache
# on commit; other processes see it within POLICY_CACHE_SECONDS. The appeal records which
# version it used (Appeal.policy), so this is visible, and versions are normally published
# ahead of their effective date. settings.SHEGONG_POLICY_CACHE_SECONDS = 0 turns it off.
_policy_cache: dict[str, tuple[float, list[AppealPolicy]]] = {}


def clear_policy_cache() -> None:
    _policy_cache.clear()


def _versions_of(kind: str) -> list[AppealPolicy]:
    ttl = float(getattr(settings, "SHEGONG_POLICY_CACHE_SECONDS", 10))
    now = time.monotonic()
    hit = _policy_cache.get(kind)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    versions = list(
        AppealPolicy.objects.filter(kind=kind)
        .select_related("region")
        .prefetch_related("clocks")
        .order_by("pk")
    )
    if ttl > 0 and not transaction.get_connection().in_atomic_block:
        # Only what is committed may be shared with later requests.
        _policy_cache[kind] = (now, versions)
    return versions


def policy_for(kind: str, region: Region, at: datetime) -> AppealPolicy:
    """The newest version in force at ``at`` for ``kind``; a region-specific version for the
    region or one of its ancestors wins over the city-wide one (most specific first)."""
    prefixes = set(_prefixes(region.path))
    best: AppealPolicy | None = None
    best_key: tuple[int, datetime, int] | None = None
    for policy in _versions_of(kind):
        if policy.effective_from > at:
            continue
        region_path = policy.region.path if policy.region is not None else None
        if region_path is not None and region_path not in prefixes:
            continue
        depth = len(region_path) if region_path is not None else 0
        key = (depth, policy.effective_from, policy.version)
        if best_key is None or key > best_key:
            best, best_key = policy, key
    if best is None:
        ensure_default_policies()
        clear_policy_cache()
        best = (
            AppealPolicy.objects.filter(kind=kind, region__isnull=True).order_by("-version").first()
        )
        if best is None:  # pragma: no cover - defaults cover every kind
            raise DomainError(f"没有适用于“{AppealKind(kind).label}”的办理规则")
    return best


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def compute_deadline(
    policy: AppealPolicy, key: str, start: datetime, variant: str = ""
) -> Deadline | None:
    clock = policy.clock(key, variant)
    if clock is None:
        return None
    return get_calendar().deadline(start, clock.value, period_unit(clock.unit))


def publish_policy_version(
    *,
    actor: User,
    kind: str,
    changes: dict[str, Any],
    clocks: list[tuple[str, str, int, str, str]] | None = None,
    effective_from: datetime | None = None,
    region_id: int | None = None,
) -> AppealPolicy:
    """Copy the current version with ``changes`` applied as a new version. Running appeals
    keep theirs. ``clocks`` replaces the clock list when given:
    (key, variant, value, unit, basis)."""
    if not actor.has_capability(Cap.APPEALS_POLICY):
        raise PermissionDenied("您的角色不能修改办理规则")
    unknown = set(changes) - set(POLICY_FIELDS)
    if changes.get("redo_target", "same") not in ("same", "above"):
        raise DomainError("重办去向应为原承办单位或上一级单位")
    if unknown:
        raise DomainError(f"未知的规则字段：{', '.join(sorted(unknown))}")
    with transaction.atomic():
        base_qs = AppealPolicy.objects.select_for_update().filter(
            kind=kind,
            region__isnull=region_id is None,
            **({"region_id": region_id} if region_id else {}),
        )
        current = (
            base_qs.order_by("-version").first()
            or AppealPolicy.objects.filter(kind=kind, region__isnull=True)
            .order_by("-version")
            .first()
        )
        if current is None:
            raise DomainError("该类别尚无基础规则")
        number = (base_qs.aggregate(v=Max("version"))["v"] or 0) + 1
        values = {f: getattr(current, f) for f in POLICY_FIELDS}
        values.update(changes)
        new = AppealPolicy.objects.create(
            kind=kind,
            version=number,
            region_id=region_id,
            effective_from=effective_from or timezone.now(),
            created_by=actor,
            **values,
        )
        source = (
            clocks
            if clocks is not None
            else [(c.key, c.variant, c.value, c.unit, c.legal_basis) for c in current.clocks.all()]
        )
        for key, _variant, value, unit, _basis in source:
            if key not in ClockKey.values or unit not in TimeUnit.values or value <= 0:
                raise DomainError(f"时限设置无效：{key} {value} {unit}")
        PolicyClock.objects.bulk_create(
            PolicyClock(policy=new, key=k, variant=v, value=val, unit=u, legal_basis=b)
            for k, v, val, u, b in source
        )
        transaction.on_commit(clear_policy_cache)
        audit.record(
            "appeal_policy_published",
            actor=actor,
            target=new,
            changes={
                "from_version": current.version,
                "changes": changes,
                "clocks": [list(c) for c in source],
            },
        )
    return new
