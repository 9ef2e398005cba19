"""The second factor (等保 8.1.4.1 d): TOTP (RFC 6238, django-otp) and recovery codes.

Who needs it: the superuser, the three administrators and every role that can reveal or
export personal data (``core.roles.roles_needing_second_factor``, computed from the grants).
The secret stays on the server and the phone; codes are computed offline on both sides.
Every enrolment, verification (success or failure), recovery-code use and reset is audited.
A TOTP device throttles wrong codes itself (django-otp: exponential delay per failure) and
refuses a code already used (no replay within its 30 s step).
"""

from __future__ import annotations

import base64
import io
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from shegong.core import audit
from shegong.core.exceptions import DomainError

from .models import RecoveryCode, User
from .roles import roles_needing_second_factor
from .services import managed_user

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def requires_second_factor(user: User) -> bool:
    if not settings.SHEGONG_SECOND_FACTOR_REQUIRED:
        return False
    return bool(user.is_superuser) or user.role in roles_needing_second_factor()


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def pending_device(*, actor: User) -> TOTPDevice:
    """The unconfirmed device of an enrolment under way (one per user), created on first use."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="手机验证器", confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key in base32 groups of four, for typing into an authenticator by hand."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG (no network, no image file)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def _normalised(token: str) -> str:
    return "".join(token.split())


def confirm_enrolment(*, actor: User, token: str) -> list[str]:
    """The first code from the phone confirms the pending device; it replaces any former
    device, and new recovery codes are returned (shown once, stored hashed)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=actor, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise DomainError("请重新开始绑定")
        allowed, _ = device.verify_is_allowed()
        codes: list[str] = []
        if not allowed or not device.verify_token(_normalised(token)):
            audit.record(
                "second_factor_failed", actor=actor, target=actor, success=False, note="enrol"
            )
        else:
            TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(actor)
            audit.record("second_factor_enrolled", actor=actor, target=actor)
    if not codes:  # raised after the commit: the failure stays audited and counted
        raise DomainError("验证码不正确或已过期，请以手机上当前显示的验证码重试")
    return codes


def verify(*, actor: User, token: str) -> TOTPDevice:
    """Check a code from the phone; audited either way."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=actor, confirmed=True)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise DomainError("尚未绑定验证器")
        allowed, _ = device.verify_is_allowed()
        ok = allowed and device.verify_token(_normalised(token))
        if not ok:
            note = "throttled" if not allowed else "wrong code"
            audit.record(
                "second_factor_failed", actor=actor, target=actor, success=False, note=note
            )
        else:
            audit.record("second_factor_verified", actor=actor, target=actor)
    if not ok:
        if not allowed:
            raise DomainError("验证码错误次数过多，请稍后再试")
        raise DomainError("验证码不正确或已过期")
    return device


def use_recovery_code(*, actor: User, code: str) -> TOTPDevice:
    """A recovery code instead of the phone: single use; the device it stands for is returned
    (the session is verified with it)."""
    with transaction.atomic():
        device = confirmed_device(actor)
        row = (
            RecoveryCode.objects.select_for_update()
            .filter(user=actor, used_at__isnull=True, code_hash=RecoveryCode.hash_code(code))
            .first()
        )
        if device is None or row is None:
            audit.record(
                "second_factor_failed",
                actor=actor,
                target=actor,
                success=False,
                note="recovery code",
            )
            ok = False
        else:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            left = RecoveryCode.objects.filter(user=actor, used_at__isnull=True).count()
            audit.record("recovery_code_used", actor=actor, target=actor, note=f"{left} left")
            ok = True
    if not ok or device is None:
        raise DomainError("恢复码不正确或已使用")
    return device


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def regenerate_recovery_codes(*, actor: User) -> list[str]:
    with transaction.atomic():
        if confirmed_device(actor) is None:
            raise DomainError("尚未绑定验证器")
        codes = _new_recovery_codes(actor)
        audit.record("recovery_codes_generated", actor=actor, target=actor)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(settings.SHEGONG_RECOVERY_CODES):
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=RecoveryCode.hash_code(c)) for c in codes]
    )
    return codes


def reset_second_factor(*, actor: User, user_id: int) -> User:
    """An administrator (accounts manage) removes a user's device and recovery codes — a lost
    phone; the user enrols again at the next login. Not for one's own account."""
    with transaction.atomic():
        user = managed_user(actor, user_id)
        devices, _ = TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record(
            "second_factor_reset", actor=actor, target=user, note=f"{devices} devices removed"
        )
    return user
