"""Staff accounts: one role, a jurisdiction (region subtree and/or unit subtree)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.base import ModelBase
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
    # Set by an administrator's reset: the next login must choose a new password first.
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    scope = Scope(capability=Cap.ACCOUNTS_VIEW, region="region", unit="unit")
    objects = ShegongUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def set_password(self, raw_password: str | None) -> None:
        """Every way a password is set (services, ``createsuperuser``, ``changepassword``,
        Django admin) dates it, and the save keeps the former hash in the history. A hash
        upgrade at login saves the password field alone: neither dated nor kept."""
        former = self.password if self.pk is not None else ""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self._former_password = former

    def save(
        self,
        *,
        force_insert: bool | tuple[ModelBase, ...] = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        former = getattr(self, "_former_password", "")
        self._former_password = ""
        if self._state.adding and self.password and self.password_changed_at is None:
            self.password_changed_at = timezone.now()  # the manager's create_*user hash it
        fields = None if update_fields is None else list(update_fields)
        super().save(
            force_insert=force_insert, force_update=force_update, using=using, update_fields=fields
        )
        if former and (fields is None or "password_changed_at" in fields):
            keep_former_password(self, former)

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


def keep_former_password(user: User, encoded: str) -> None:
    """Keep a former hash (never the password) for the no-reuse rule; trim to the setting."""
    from django.conf import settings

    PasswordHistory.objects.create(user=user, password=encoded)
    keep = settings.SHEGONG_PASSWORD_HISTORY_KEPT
    stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


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


class PasswordHistory(models.Model):
    """A former password hash (never the password): no reuse of the last N (等保 8.1.4.1 a)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d}"


class RecoveryCode(models.Model):
    """A single-use recovery code of the second factor; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "恢复码"
        verbose_name_plural = "恢复码"

    def __str__(self) -> str:
        return f"{self.user_id} · {'已使用' if self.used_at else '未使用'}"

    @staticmethod
    def hash_code(raw: str) -> str:
        normalised = raw.replace("-", "").replace(" ", "").strip().upper()
        return hashlib.sha256(normalised.encode()).hexdigest()


class LoginThrottle(models.Model):
    """Failed logins counted per client address and per (username, address).

    ``key`` is the SHA-256 of the kind, the address and (for the account kind) the typed
    username, so a row names no username in clear; ``account`` is the SHA-256 of the
    username alone, for an administrator's 解除锁定. See accounts/throttle.py.
    """

    class Kind(models.TextChoices):
        ADDRESS = "address", "客户端地址"
        ACCOUNT = "account", "账号与地址"

    key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    account = models.CharField(max_length=64, blank=True, db_index=True)
    failures = models.PositiveIntegerField(default=0)
    lockouts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField()

    class Meta:
        verbose_name = "登录限制"
        verbose_name_plural = "登录限制"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.failures}"


if TYPE_CHECKING:
    # mypy proves here that the project's user is what core's helpers and scoping expect
    # (a structural match: User does not inherit the protocols).
    def _user_is_an_actor(user: User) -> Actor:
        return user

    def _user_is_a_scoped_user(user: User) -> ScopedUser:
        return user
