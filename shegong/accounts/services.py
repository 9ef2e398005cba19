"""The only writers of accounts: creation, role and scope changes, passwords, lockout, tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.lib.validators import ValidationFailure, validate_mobile
from shegong.regions.models import Region
from shegong.units.models import Unit

from .models import ApiToken, User
from .roles import Cap, Role


def _require(actor: User) -> None:
    if not actor.has_capability(Cap.ACCOUNTS_MANAGE):
        raise PermissionDenied("您的角色不能管理用户")


def _scope_targets(
    actor: User, region_id: int | None, unit_id: int | None
) -> tuple[Region | None, Unit | None]:
    """The region/unit must be inside the actor's own scope: no one grants more than they have."""
    region = unit = None
    if region_id is not None:
        region = Region.objects.visible_to(actor).filter(pk=region_id).first()
        if region is None:
            raise DomainError("管辖区划不存在或超出您的管辖范围")
    if unit_id is not None:
        unit = Unit.objects.visible_to(actor).filter(pk=unit_id).first()
        if unit is None:
            raise DomainError("所属单位不存在或超出您的管辖范围")
    return region, unit


def _check_role(actor: User, role: str) -> None:
    if role not in Role.values:
        raise DomainError("角色无效")
    # 三权分立: the administrator cannot create auditors for themselves to hide their tracks,
    # and nobody below a superuser may mint another department administrator.
    if role in (Role.AUDITOR, Role.DEPT_ADMIN) and not actor.is_superuser:
        raise PermissionDenied("部门管理员和审计员账号只能由系统超级管理员创建或指定")


def create_user(
    *,
    actor: User,
    username: str,
    full_name: str,
    role: str,
    password: str,
    region_id: int | None = None,
    unit_id: int | None = None,
    phone: str = "",
) -> User:
    _require(actor)
    _check_role(actor, role)
    username = username.strip()
    if not username:
        raise DomainError("请填写用户名")
    if User.objects.filter(username=username).exists():
        raise DomainError(f"用户名 {username} 已被使用")
    if region_id is None and unit_id is None:
        raise DomainError("请至少指定管辖区划或所属单位之一")
    region, unit = _scope_targets(actor, region_id, unit_id)
    if phone:
        try:
            phone = validate_mobile(phone)
        except ValidationFailure as exc:
            raise DomainError(exc.message) from exc
    user = User(
        username=username,
        full_name=full_name.strip(),
        role=role,
        region=region,
        unit=unit,
        phone=phone,
        is_staff=role == Role.DEPT_ADMIN,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), code="weak_password") from exc
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save()
        audit.record(
            "user_created",
            actor=actor,
            target=user,
            changes=audit.diff(
                {},
                audit.snapshot(user, ["username", "full_name", "role", "region", "unit", "phone"]),
            ),
        )
    return user


def update_user(
    *,
    actor: User,
    user_id: int,
    full_name: str | None = None,
    role: str | None = None,
    region_id: int | None = None,
    unit_id: int | None = None,
    is_active: bool | None = None,
    phone: str | None = None,
    clear_region: bool = False,
    clear_unit: bool = False,
) -> User:
    _require(actor)
    with transaction.atomic():
        user = User.objects.visible_to(actor).select_for_update().filter(pk=user_id).first()
        if user is None:
            raise DomainError("用户不存在或不在您的管辖范围内")
        if user.is_superuser and not actor.is_superuser:
            raise PermissionDenied("不能修改超级管理员")
        if user.role in (Role.AUDITOR, Role.DEPT_ADMIN) and not actor.is_superuser:
            raise PermissionDenied("部门管理员和审计员账号只能由系统超级管理员修改")
        before = audit.snapshot(user, ["full_name", "role", "region", "unit", "is_active", "phone"])
        if full_name is not None:
            user.full_name = full_name.strip()
        if role is not None and role != user.role:
            _check_role(actor, role)
            user.role = role
            user.is_staff = role == Role.DEPT_ADMIN  # Django admin only for the calendar
        region, unit = _scope_targets(actor, region_id, unit_id)
        if region is not None or clear_region:
            user.region = region
        if unit is not None or clear_unit:
            user.unit = unit
        if user.region_id is None and user.unit_id is None:
            raise DomainError("请至少保留管辖区划或所属单位之一")
        if is_active is not None:
            if user.pk == actor.pk and not is_active:
                raise DomainError("不能停用自己的账号")
            user.is_active = is_active
        if phone:
            try:
                user.phone = validate_mobile(phone)
            except ValidationFailure as exc:
                raise DomainError(exc.message) from exc
        user.save()
        after = audit.snapshot(user, ["full_name", "role", "region", "unit", "is_active", "phone"])
        changes = audit.diff(before, after)
        action = (
            "user_role_changed"
            if "role" in changes or "region" in changes or "unit" in changes
            else "user_changed"
        )
        audit.record(action, actor=actor, target=user, changes=changes)
    return user


def reset_password(*, actor: User, user_id: int, new_password: str) -> User:
    """An administrator resets a password; the owner uses :func:`change_own_password`."""
    _require(actor)
    with transaction.atomic():
        user = User.objects.visible_to(actor).select_for_update().filter(pk=user_id).first()
        if user is None:
            raise DomainError("用户不存在或不在您的管辖范围内")
        if user.is_superuser and not actor.is_superuser:
            raise PermissionDenied("不能修改超级管理员")
        return _set_password(actor, user, new_password, "user_password_reset")


def change_own_password(*, actor: User, old_password: str, new_password: str) -> User:
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if not user.check_password(old_password):
            raise DomainError("原密码不正确")
        return _set_password(actor, user, new_password, "user_password_changed")


def _set_password(actor: User, user: User, new_password: str, action: str) -> User:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), code="weak_password") from exc
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "password_changed_at", "failed_logins", "locked_until"])
    audit.record(action, actor=actor, target=user)
    return user


def record_login_failure(*, username: str, now: datetime | None = None) -> User | None:
    """Count a failed login; lock after the configured number (等保: 限制非法登录次数)."""
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            audit.record(
                "user_login_failed",
                actor=None,
                target_type="accounts.user",
                target_repr=username[:150],
                success=False,
                note="unknown username",
            )
            return None
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        note = f"failure {user.failed_logins}"
        if user.failed_logins >= settings.SHEGONG_LOGIN_MAX_FAILURES:
            user.locked_until = now + timedelta(seconds=settings.SHEGONG_LOGIN_LOCK_SECONDS)
            user.save(update_fields=["locked_until"])
            note += "; account locked"
        audit.record("user_login_failed", actor=None, target=user, success=False, note=note)
    return user


def locked_until(*, username: str, now: datetime | None = None) -> datetime | None:
    """When the account is locked, until when; None if it is not (or does not exist)."""
    user = User.objects.filter(username=username).only("locked_until").first()
    if user is None or not user.is_locked(now):
        return None
    return user.locked_until


def record_login_success(*, user: User) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(
            failed_logins=0, locked_until=None, last_login=timezone.now()
        )
        audit.record("user_logged_in", actor=user, target=user)


def unlock_user(*, actor: User, user_id: int) -> User:
    _require(actor)
    with transaction.atomic():
        user = User.objects.visible_to(actor).select_for_update().filter(pk=user_id).first()
        if user is None:
            raise DomainError("用户不存在或不在您的管辖范围内")
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
        audit.record("user_unlocked", actor=actor, target=user)
    return user


def create_api_token(*, actor: User, name: str, days: int | None = 90) -> tuple[ApiToken, str]:
    """Create a token for the actor; the raw key is returned once and never stored."""
    name = name.strip()
    if not name:
        raise DomainError("请填写令牌用途")
    raw = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=raw[:10],
            key_hash=ApiToken.hash_key(raw),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )
        audit.record(
            "api_token_created",
            actor=actor,
            target=token,
            changes={"name": name, "expires_at": token.expires_at},
        )
    return token, raw


def revoke_api_token(*, actor: User, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
        if token is None:
            raise DomainError("令牌不存在", code="not_found")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record("api_token_revoked", actor=actor, target=token)
    return token
