"""Login throttling per (username, client address) and per client address, with back-off.

Why not django-axes: its lockout parameters would do (``[["username", "ip_address"],
"ip_address"]``), but one failure limit serves every parameter set (an office behind one
address needs a higher limit than one account does), the cool-off callable does not know
how many times a key was locked (no back-off without reading its tables again), and its
backend refuses ``authenticate()`` without a request. This module is the small equivalent:
one row per key, updated under ``select_for_update`` (one short transaction per failure, no
audit chain lock for unknown names); measured in docs/security.md "Login".

Rules (settings ``SHEGONG_LOGIN_*``):

* a (username, address) pair is locked after ``MAX_FAILURES`` failures within the lock
  period; an address after ``MAX_FAILURES_PER_ADDRESS``;
* a lock lasts ``LOCK_SECONDS``, doubling at every repeat within a day, up to
  ``LOCK_MAX_SECONDS`` (back-off); a day without failures forgets the repeats;
* an account is never locked for every address: someone else's failures cannot lock a
  person out of their own office.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import LoginThrottle

FORGET_REPEATS_AFTER = timedelta(days=1)


def client_address(request: HttpRequest) -> str:
    """The connecting address (behind a reverse proxy, the proxy must pass the client's as
    REMOTE_ADDR, e.g. gunicorn ``--forwarded-allow-ips``; docs/operations.md)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


def throttle_address(address: str) -> str:
    """The unit of an address's count: an IPv4 address, or an IPv6 address's /64 (one
    subscriber's network holds 2^64 addresses, each of which would otherwise count apart)."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def account_key(username: str) -> str:
    return _digest("account", username.strip().lower())


def _keys(username: str, address: str) -> list[tuple[str, str, str, int]]:
    """(key, kind, account hash, failure limit) of the rows a login attempt touches."""
    address = throttle_address(address)
    return [
        (
            _digest("pair", username.strip().lower(), address),
            LoginThrottle.Kind.ACCOUNT,
            account_key(username),
            settings.SHEGONG_LOGIN_MAX_FAILURES,
        ),
        (
            _digest("address", address),
            LoginThrottle.Kind.ADDRESS,
            "",
            settings.SHEGONG_LOGIN_MAX_FAILURES_PER_ADDRESS,
        ),
    ]


def is_throttled(*, username: str, address: str, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    keys = [key for key, *_ in _keys(username, address)]
    return LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now).exists()


@dataclass
class FailureOutcome:
    pair_locked: bool
    address_locked: bool  # the address's lock started with this failure
    address_failures: int


def lock_seconds(lockouts: int) -> int:
    """The length of the ``lockouts``-th lock in a row: doubling, capped."""
    base = settings.SHEGONG_LOGIN_LOCK_SECONDS
    return int(min(base * 2 ** max(lockouts - 1, 0), settings.SHEGONG_LOGIN_LOCK_MAX_SECONDS))


def _row(key: str, kind: str, account: str, now: datetime) -> LoginThrottle:
    row = LoginThrottle.objects.select_for_update().filter(key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return LoginThrottle.objects.create(
                key=key, kind=kind, account=account, last_failure_at=now
            )
    except IntegrityError:  # created by a concurrent failure
        return LoginThrottle.objects.select_for_update().get(key=key)


def count_failure(*, username: str, address: str, now: datetime | None = None) -> FailureOutcome:
    """Count one failed login for the pair and the address; lock what crossed its limit.
    Call inside a transaction."""
    now = now or timezone.now()
    outcome = FailureOutcome(pair_locked=False, address_locked=False, address_failures=0)
    for key, kind, account, limit in _keys(username, address):
        row = _row(key, kind, account, now)
        if now - row.last_failure_at > FORGET_REPEATS_AFTER:
            row.lockouts = 0
        window = timedelta(seconds=settings.SHEGONG_LOGIN_LOCK_SECONDS)
        if now - row.last_failure_at > window:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        locked_now = row.failures >= limit
        if locked_now:
            row.lockouts += 1
            row.locked_until = now + timedelta(seconds=lock_seconds(row.lockouts))
            row.failures = 0
        row.save()
        if kind == LoginThrottle.Kind.ACCOUNT:
            outcome.pair_locked = locked_now
        else:
            outcome.address_locked = locked_now
            outcome.address_failures = row.failures if not locked_now else limit
    return outcome


def forget_pair(*, username: str, address: str) -> None:
    """A successful login clears its own (username, address) pair — not the address's count,
    or one valid account would let a script reset it."""
    key = _keys(username, address)[0][0]
    LoginThrottle.objects.filter(key=key).delete()


def account_throttled(*, username: str, now: datetime | None = None) -> bool:
    """Whether some address is locked out of this account (shown to administrators)."""
    now = now or timezone.now()
    return LoginThrottle.objects.filter(
        account=account_key(username), locked_until__gt=now
    ).exists()


def unlock_account(*, username: str) -> int:
    """解除锁定: every (username, address) pair of this account."""
    deleted, _ = LoginThrottle.objects.filter(account=account_key(username)).delete()
    return deleted


def purge_idle(*, now: datetime | None = None) -> int:
    """Delete the rows of keys idle for a day and not locked (their repeats are forgotten
    anyway): a script posting names from many addresses leaves no table behind."""
    now = now or timezone.now()
    deleted, _ = (
        LoginThrottle.objects.filter(last_failure_at__lt=now - FORGET_REPEATS_AFTER)
        .exclude(locked_until__gt=now)
        .delete()
    )
    return deleted


def duration_label(seconds: int) -> str:
    """``1800`` → "30 分钟" (the lock time shown on the login page comes from the setting)."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600} 小时"
    if seconds % 60 == 0:
        return f"{seconds // 60} 分钟"
    return f"{seconds} 秒"
