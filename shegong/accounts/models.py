"""Staff accounts: one role, a jurisdiction (region subtree and/or unit subtree)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.scoping import Scope, ScopedQuerySet

if TYPE_CHECKING:
    from shegong.core.scoping import Actor, ScopedUser

from .roles import Cap, Role, capabilities_of


class UserQuerySet(ScopedQuerySet):
    pass


class ShegongUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A staff member. Citizens never have accounts (the portal needs no login).

    Invariant: a non-superuser sees only rows inside ``region``'s subtree or ``unit``'s
    subtree (``core.scoping``); a user with neither sees nothing.
    """

    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = EncryptedField("手机号码", kind="phone")
    phone_bidx = BlindIndexField(source="phone")
    role = models.CharField("角色", max_length=32, choices=Role.choices, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="管辖区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    scope = Scope(capability=Cap.ACCOUNTS_VIEW, region="region", unit="unit")
    objects = ShegongUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name or self.username}（{self.get_role_display() or '未分配角色'}）"

    @property
    def audit_region_path(self) -> str:
        return self.region.path if self.region is not None else ""

    @cached_property
    def capabilities(self) -> frozenset[str]:
        return capabilities_of(self.role) if self.is_active else frozenset()

    def has_capability(self, capability: str) -> bool:
        return bool(self.is_superuser and self.is_active) or capability in self.capabilities

    @cached_property
    def scope_region_path(self) -> str | None:
        return self.region.path if self.region is not None else None

    @cached_property
    def scope_unit_path(self) -> str | None:
        return self.unit.path if self.unit is not None else None

    @cached_property
    def has_citywide_scope(self) -> bool:
        return self.region is not None and self.region.parent_id is None

    @property
    def jurisdiction_label(self) -> str:
        parts = []
        if self.region is not None:
            parts.append(self.region.full_name)
        if self.unit is not None:
            parts.append(self.unit.name)
        return " · ".join(parts) or "未设置管辖范围"

    def is_locked(self, now: datetime | None = None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


def staff_user(user: User | AnonymousUser | None) -> User:
    """``user`` as a signed-in staff member; ``PermissionDenied`` for None and anonymous.

    For services that views call with ``request.user`` as it is (a view behind login that
    takes ``accounts.http.AuthedHttpRequest`` already passes a ``User``)."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("请先登录")
    return user


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "sg_" + secrets.token_urlsafe(32)


if TYPE_CHECKING:
    # mypy proves here that the project's user is what core's helpers and scoping expect
    # (a structural match: User does not inherit the protocols).
    def _user_is_an_actor(user: User) -> Actor:
        return user

    def _user_is_a_scoped_user(user: User) -> ScopedUser:
        return user
