"""SMS verification codes for the portals (no login): the citizen portal (``appeals``) and
the volunteer portal (``volunteers``) both use it, so it lives in ``core``.

A citizen who leaves a phone number proves it is theirs with a 6-digit code. Everything
lives in Django's cache, never in the database. Every key is per phone **and per purpose**
(``scope``: plain phone verification, a guardian's consent, …):

* ``portal:sms:code[:<scope>]:<phone key>`` — the HMAC of the code and its expiry (10 minutes,
  single use), with ``portal:sms:tries[:<scope>]:<phone key>`` counting checks (at most 5);
* ``portal:sms:cool[:<scope>]:<phone key>`` — one code per phone and purpose per 60 seconds;
* ``portal:sms:phone[:<scope>]:<phone key>:<date>`` — at most 10 codes per phone and purpose
  per day, whatever addresses ask (no flooding a number);
* ``portal:sms:ip:<ip>:<date>`` — a high per-address cap (default 2,000 a day, 0 = none)
  that only stops a runaway script: a registration drive puts hundreds of people behind one
  address, so the real limits are per phone.

Phone numbers appear in cache keys only as a keyed hash (HMAC with ``SECRET_KEY``), so the
cache holds no readable personal data. Every limit comes from the environment
(``SHEGONG_SMS_*``, read into the settings listed in :data:`DEFAULTS`; docs/operations.md).

The code is sent at once, not by a task: the citizen is waiting for it and nothing is
committed with it. If the gateway fails, the citizen is told so in Chinese (and may ask
again at once: the cooldown and the day's count are given back), and the failure is logged
and kept as a 发送失败 row in 短信发送记录 for administrators.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from shegong.lib.masking import mask_phone
from shegong.lib.validators import ValidationFailure, validate_mobile

from . import ratelimit
from .exceptions import DomainError
from .notify import deliver, error_text, record_failed_code

DEFAULTS: dict[str, int] = {
    "SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS": 60,
    "SHEGONG_PORTAL_SMS_DAILY_PER_IP": 2000,
    # Codes one phone receives per day, whatever addresses ask (no flooding a number).
    "SHEGONG_PORTAL_SMS_DAILY_PER_PHONE": 10,
    "SHEGONG_PORTAL_SMS_CODE_TTL_SECONDS": 600,
    "SHEGONG_PORTAL_SMS_MAX_ATTEMPTS": 5,
    # How long a phone verified in this browser session stays verified (re-submits after a
    # validation error, a second matter in the same visit).
    "SHEGONG_PORTAL_SMS_VERIFIED_SECONDS": 1800,
}

SESSION_KEY = "portal_verified_phones"
# What a scope means, for the administrators' list of failed codes.
SCOPE_LABELS = {"": "手机验证", "guardian_consent": "监护人同意"}
logger = logging.getLogger("shegong.notify")


def setting(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def require_sms() -> bool:
    """Whether a phone given on the portal must be verified (default True)."""
    return bool(getattr(settings, "SHEGONG_PORTAL_REQUIRE_SMS", True))


class SmsCodeError(DomainError):
    """The code could not be sent; ``message`` says why, in Chinese."""

    code = "sms_code_refused"


class CheckResult(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    MISSING = "missing"  # never requested, expired or already used
    TOO_MANY = "too_many"


CHECK_MESSAGES = {
    CheckResult.WRONG: "验证码不正确，请核对后重新填写",
    CheckResult.MISSING: "验证码已过期或尚未获取，请点击“获取验证码”",
    CheckResult.TOO_MANY: "验证码错误次数过多，请重新获取",
}


def _keyed(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def phone_key(phone: str) -> str:
    return _keyed(f"phone:{phone}")[:40]


def _code_hash(phone: str, code: str, scope: str = "") -> str:
    # The scope is part of the hash: a code sent for one purpose (a guardian's consent)
    # never passes as another (signing in), and a plain code never passes as a consent.
    return _keyed(f"code:{scope}:{phone}:{code}" if scope else f"code:{phone}:{code}")


def send_code(
    phone: str,
    ip: str | None,
    *,
    service: str = "群众诉求服务",
    purpose: str = "",
    scope: str = "",
) -> str:
    """Send a fresh code to ``phone``. Returns the normalised number; raises SmsCodeError.

    ``service`` names the portal in the message signature (the volunteer portal passes
    "志愿服务"); limits and codes are per phone whichever portal asks. ``purpose`` (with a
    ``{code}`` and ``{minutes}`` placeholder) replaces the usual sentence when the code
    means more than "this is my phone" — e.g. a guardian's consent; give such a code its
    own ``scope`` and check it with the same ``scope`` (``check_code``).
    """
    try:
        phone = validate_mobile(phone or "")
    except ValidationFailure as exc:
        raise SmsCodeError(exc.message) from None
    cooldown = setting("SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS")
    daily = setting("SHEGONG_PORTAL_SMS_DAILY_PER_IP")
    ttl = setting("SHEGONG_PORTAL_SMS_CODE_TTL_SECONDS")
    pkey = _scoped(phone_key(phone), scope)
    # cache.add is atomic: only one request per cooldown window wins for this phone+purpose.
    cool_key = f"portal:sms:cool:{pkey}"
    if cooldown and not cache.add(cool_key, 1, cooldown):
        raise SmsCodeError(f"验证码发送太频繁，请{cooldown}秒后再试")
    day = f"{timezone.localdate():%Y%m%d}"
    # Only codes actually sent count against the phone: refused requests from an address
    # over its own limit must not use up somebody else's number for the day.
    phone_day = f"portal:sms:phone:{pkey}:{day}"
    address_over = bool(daily) and _count_today(f"portal:sms:ip:{ip or 'unknown'}:{day}") > daily
    phone_over = ratelimit.over(phone_day, setting("SHEGONG_PORTAL_SMS_DAILY_PER_PHONE"))
    if address_over or phone_over:
        cache.delete(cool_key)  # nothing was sent: the phone's window stays free
        raise SmsCodeError("今天获取验证码的次数已达上限，请明天再试，或拨打12345热线反映")
    _count_today(phone_day)
    code = f"{secrets.randbelow(1_000_000):06d}"
    minutes = max(1, ttl // 60)
    city = getattr(settings, "SHEGONG_CITY_NAME", "")
    text = (
        purpose.format(code=code, minutes=minutes)
        if purpose
        else f"您的验证码是{code}，{minutes}分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。"
    )
    try:
        deliver(phone, f"【{city}{service}】{text}")
    except Exception as exc:  # any gateway failure: tell the citizen, keep it for admins
        error = error_text(exc)  # Chinese: shown in the admin 短信发送记录
        logger.error("SMS code to %s (%s) failed: %s", mask_phone(phone), scope or "验证", error)
        record_failed_code(
            phone, f"验证码（{SCOPE_LABELS.get(scope, scope or '手机验证')}）", error
        )
        cache.delete(cool_key)  # nothing reached the phone: asking again is allowed at once
        with contextlib.suppress(ValueError):
            cache.decr(phone_day)
        raise SmsCodeError(
            "验证码短信发送失败，请稍后再试；如多次失败，请拨打12345热线反映"
        ) from None
    # The code is stored only once it was handed to the gateway.
    entry = {"hash": _code_hash(phone, code, scope), "expires": time.time() + ttl}
    cache.set(f"portal:sms:code:{pkey}", entry, ttl)
    cache.set(f"portal:sms:tries:{pkey}", 0, ttl)
    return phone


def _scoped(pkey: str, scope: str) -> str:
    """Cache-key part for one phone and purpose (the plain purpose keeps the old keys)."""
    return f"{scope}:{pkey}" if scope else pkey


def _count_today(key: str) -> int:
    """Increment and return a per-day counter (kept 26 h)."""
    return ratelimit.hit(key, 26 * 3600)


def check_code(phone: str, code: str, *, scope: str = "") -> CheckResult:
    """Check (and on success use up) the code sent to ``phone`` for ``scope``.

    Every check counts as an attempt (atomic ``incr``), so parallel guesses cannot exceed
    the limit; after the last allowed wrong attempt the code is void.
    """
    pkey = _scoped(phone_key(phone), scope)
    key, tries_key = f"portal:sms:code:{pkey}", f"portal:sms:tries:{pkey}"
    entry: dict[str, Any] | None = cache.get(key)
    if entry is None or entry["expires"] <= time.time():
        return CheckResult.MISSING
    try:
        tries = cache.incr(tries_key)
    except ValueError:  # the counter expired with the code
        return CheckResult.MISSING
    max_attempts = setting("SHEGONG_PORTAL_SMS_MAX_ATTEMPTS")
    if tries > max_attempts:
        cache.delete_many([key, tries_key])
        return CheckResult.TOO_MANY
    code = "".join((code or "").split())
    if hmac.compare_digest(entry["hash"], _code_hash(phone, code, scope)):
        cache.delete_many([key, tries_key])
        return CheckResult.OK
    if tries >= max_attempts:
        cache.delete_many([key, tries_key])
        return CheckResult.TOO_MANY
    return CheckResult.WRONG


def mark_verified(session: Any, phone: str) -> None:
    verified = dict(session.get(SESSION_KEY) or {})
    now = time.time()
    verified = {k: v for k, v in verified.items() if v > now}
    verified[phone_key(phone)] = now + setting("SHEGONG_PORTAL_SMS_VERIFIED_SECONDS")
    session[SESSION_KEY] = verified


def is_verified(session: Any, phone: str) -> bool:
    expires = (session.get(SESSION_KEY) or {}).get(phone_key(phone))
    return bool(expires and expires > time.time())
