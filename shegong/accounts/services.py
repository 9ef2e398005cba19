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

from . import throttle
from .models import ApiToken, User
from .roles import ADMIN_ROLES, Cap, Role

# Roles only the superuser assigns or changes: the three administrators of 三员分立 and the
# department's business administrator. Nobody else can mint or alter them.
RESERVED_ROLES = ADMIN_ROLES | {Role.DEPT_ADMIN}
# Roles that may use Django admin (the calendar and reference tables).
STAFF_ROLES = frozenset({Role.DEPT_ADMIN, Role.SYSTEM_ADMIN})


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
    # 三员分立: no administrator grants an administrator's powers (their own or another's):
    # the system, security and audit administrators and the department administrator are
    # assigned by the superuser only.
    if role in RESERVED_ROLES and not actor.is_superuser:
        raise PermissionDenied(
            "系统管理员、安全管理员、审计员和部门管理员账号只能由系统超级管理员创建或指定"
        )


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
    must_change_password: bool = True,
) -> User:
    """A new account. Its first password is the administrator's choice, so the owner must
    change it at the first login; only the demo generator passes ``must_change_password=False``
    (its accounts share a published demo password and are signed in by browser tests)."""
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
        is_staff=role in STAFF_ROLES,
        must_change_password=must_change_password,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), code="weak_password") from exc
    with transaction.atomic():
        user.set_password(password)  # also dates it (User.set_password)
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
        if user.role in RESERVED_ROLES and not actor.is_superuser:
            raise PermissionDenied(
                "系统管理员、安全管理员、审计员和部门管理员账号只能由系统超级管理员修改"
            )
        if (
            user.pk == actor.pk
            and not actor.is_superuser
            and _grants_change(user, role, region_id, unit_id, clear_region, clear_unit)
        ):
            raise PermissionDenied("不能修改自己的角色或管辖范围，请由其他管理员办理")
        before = audit.snapshot(user, ["full_name", "role", "region", "unit", "is_active", "phone"])
        if full_name is not None:
            user.full_name = full_name.strip()
        if role is not None and role != user.role:
            _check_role(actor, role)
            user.role = role
            user.is_staff = role in STAFF_ROLES  # Django admin: calendar, reference tables
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


def _grants_change(
    user: User,
    role: str | None,
    region_id: int | None,
    unit_id: int | None,
    clear_region: bool,
    clear_unit: bool,
) -> bool:
    """Whether an update would change the user's role or jurisdiction (their grants)."""
    return (
        (role is not None and role != user.role)
        or (region_id is not None and region_id != user.region_id)
        or (unit_id is not None and unit_id != user.unit_id)
        or (clear_region and user.region_id is not None)
        or (clear_unit and user.unit_id is not None)
    )


def managed_user(actor: User, user_id: int) -> User:
    """The account ``actor`` may manage, locked for update (in a transaction): in scope, not a
    superuser (unless the actor is one), not a reserved administrator role (unless the actor is
    the superuser), and not the actor's own (credentials of one's own go through the owner's
    pages: an administrator does not reset their own password or second factor)."""
    _require(actor)
    user = User.objects.visible_to(actor).select_for_update().filter(pk=user_id).first()
    if user is None:
        raise DomainError("用户不存在或不在您的管辖范围内")
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied("不能修改超级管理员")
    if user.role in RESERVED_ROLES and not actor.is_superuser:
        raise PermissionDenied(
            "系统管理员、安全管理员、审计员和部门管理员账号只能由系统超级管理员修改"
        )
    if user.pk == actor.pk:
        raise PermissionDenied("不能在用户管理中办理自己的账号，请在个人设置中修改")
    return user


def reset_password(*, actor: User, user_id: int, new_password: str) -> User:
    """An administrator resets a password; the owner must change it at the next login.
    The owner uses :func:`change_own_password`."""
    with transaction.atomic():
        user = managed_user(actor, user_id)
        return _set_password(actor, user, new_password, "user_password_reset", must_change=True)


def change_own_password(*, actor: User, old_password: str, new_password: str) -> User:
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if not user.check_password(old_password):
            raise DomainError("原密码不正确")
        return _set_password(actor, user, new_password, "user_password_changed", must_change=False)


def _set_password(
    actor: User, user: User, new_password: str, action: str, *, must_change: bool
) -> User:
    try:
        validate_password(new_password, user)  # includes the history (passwords.py)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), code="weak_password") from exc
    user.set_password(new_password)  # dates it; the save keeps the former hash (User.save)
    user.must_change_password = must_change
    user.failed_logins = 0
    user.locked_until = None
    user.save(
        update_fields=[
            "password",
            "password_changed_at",
            "must_change_password",
            "failed_logins",
            "locked_until",
        ]
    )
    audit.record(action, actor=actor, target=user)
    return user


def password_expired(user: User, now: datetime | None = None) -> bool:
    """Whether the password must be changed now: reset by an administrator, or older than
    ``SHEGONG_PASSWORD_MAX_AGE_DAYS`` (0 = never expires)."""
    if user.must_change_password:
        return True
    days = settings.SHEGONG_PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    if user.password_changed_at is None:
        # Undated (set before passwords were dated): expired. Only asked at login, so no one
        # is stopped mid-session; the change dates it.
        return True
    return (now or timezone.now()) - user.password_changed_at > timedelta(days=days)


def login_refused(*, username: str, address: str) -> bool:
    """Whether this (username, address) pair or this address is throttled just now."""
    return throttle.is_throttled(username=username, address=address)


def record_login_failure(
    *, username: str, address: str = "unknown", now: datetime | None = None
) -> User | None:
    """Count a failed login (等保: 限制非法登录次数) for the pair and the address.

    A known account's failure is audited, one event each, with its count; an unknown name's
    is only counted — the audit gets one event when an address is throttled, so a script
    posting names cannot flood the chain or hold its lock."""
    now = now or timezone.now()
    with transaction.atomic():
        outcome = throttle.count_failure(username=username, address=address, now=now)
        user = User.objects.filter(username=username).first()
        if user is not None:
            User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
            user.refresh_from_db(fields=["failed_logins"])
            note = f"failure {user.failed_logins}"
            if outcome.pair_locked:
                note += "; throttled for this address"
            audit.record("user_login_failed", actor=None, target=user, success=False, note=note)
        if outcome.address_locked:
            audit.record(
                "login_address_throttled",
                actor=None,
                target_type="accounts.address",
                target_repr=address,
                success=False,
                note=f"{outcome.address_failures} failed logins",
            )
    return user


def record_login_success(*, user: User, address: str = "unknown") -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(
            failed_logins=0, locked_until=None, last_login=timezone.now()
        )
        throttle.forget_pair(username=user.username, address=address)
        audit.record("user_logged_in", actor=user, target=user)


def unlock_user(*, actor: User, user_id: int) -> User:
    """解除锁定: clears the account's failure count and every (account, address) lock."""
    with transaction.atomic():
        user = managed_user(actor, user_id)  # in scope, not reserved, not one's own
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
        released = throttle.unlock_account(username=user.username)
        audit.record("user_unlocked", actor=actor, target=user, note=f"{released} locks released")
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
