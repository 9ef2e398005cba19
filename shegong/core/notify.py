"""Notifications to staff (in-app) and to citizens (SMS through a pluggable gateway).

SMS, how it flows (docs/operations.md "SMS"):

* A service that tells a citizen something calls :func:`queue_sms` inside its transaction:
  an :class:`~shegong.core.models.SmsMessage` row is written with the action, and a task
  (:func:`shegong.core.tasks.send_sms_message`) is enqueued on commit. The task claims the
  row, calls the gateway, and records 已发送 — or the error, retrying with a back-off up to
  ``SHEGONG_SMS_MAX_ATTEMPTS`` times before the row stays 发送失败 (logged at ERROR, listed
  for administrators). A gateway error therefore never rolls back or breaks the action.
* Verification codes are the exception: the citizen is waiting for the code and nothing is
  committed with it, so :func:`deliver` is called at once and a failure is told to the
  citizen in Chinese (``core.sms_verification.send_code``).

The gateway (``SHEGONG_SMS_BACKEND``) is ``log`` (development: the log and an in-memory
outbox), ``http`` (:class:`HttpSmsBackend`, a generic JSON POST) or the dotted path of a
class with ``send(phone, text)`` that raises on failure.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shegong.lib.masking import mask_identifiers, mask_phone

from .models import Notification, SmsMessage, SmsStatus
from .pii import plain

logger = logging.getLogger("shegong.notify")


def notify(
    users: Iterable[Any], title: str, body: str = "", url: str = "", level: str = "info"
) -> int:
    """Create one in-app notification per distinct active user. Returns how many.

    Titles and bodies often quote what a citizen typed (an appeal's title); identifiers in
    them (phone, ID, bank card, e-mail) are masked — a notice never needs them whole."""
    title, body = mask_identifiers(title), mask_identifiers(body)
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(user=user, title=title[:200], body=body, url=url[:255], level=level)
        )
    Notification.objects.bulk_create(rows)
    return len(rows)


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class SmsGatewayError(Exception):
    """The gateway did not accept the message (unreachable, HTTP error, refusal)."""


class ConsoleSmsSender:
    """``log`` backend: writes the message to the log (and keeps the last ones for tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), text)
        ConsoleSmsSender.outbox.append((phone, text))
        del ConsoleSmsSender.outbox[:-200]


LogSmsBackend = ConsoleSmsSender

_SIGN = re.compile(r"^【([^】]{1,30})】")


class HttpSmsBackend:
    """``http`` backend: POSTs one JSON object per message to ``SHEGONG_SMS_HTTP_URL``::

        {"phone": "13912345678", "sign": "示范市社工平台", "text": "您的验证码是…",
         "message": "【示范市社工平台】您的验证码是…"}

    with ``Authorization: Bearer <SHEGONG_SMS_HTTP_TOKEN>`` when a token is set. Any 2xx
    answer is success, unless its body is JSON with ``"ok": false`` (then its ``error`` or
    ``message`` is the reason). Anything else raises :class:`SmsGatewayError`. The gateway
    is called directly (no HTTP proxy from the environment), within
    ``SHEGONG_SMS_HTTP_TIMEOUT`` seconds. Most provider APIs need a small relay that takes
    this shape (or a dotted-path backend of your own).
    """

    def __init__(self, url: str | None = None, token: str | None = None) -> None:
        self.url = url if url is not None else getattr(settings, "SHEGONG_SMS_HTTP_URL", "")
        self.token = token if token is not None else getattr(settings, "SHEGONG_SMS_HTTP_TOKEN", "")
        self.timeout = float(getattr(settings, "SHEGONG_SMS_HTTP_TIMEOUT", 5))
        if not self.url.startswith(("http://", "https://")):
            raise SmsGatewayError("SHEGONG_SMS_HTTP_URL must be an http:// or https:// URL")

    def send(self, phone: str, text: str) -> None:
        match = _SIGN.match(text)
        payload = {
            "phone": phone,
            "sign": match.group(1) if match else "",
            "text": text[match.end() :] if match else text,
            "message": text,
        }
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "shegong-sms"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(  # noqa: S310 — scheme checked in __init__
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers=headers,
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=self.timeout) as response:
                body = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise SmsGatewayError(f"gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsGatewayError(f"gateway unreachable: {reason}") from None
        try:
            answer = json.loads(body) if body.strip() else None
        except ValueError:
            answer = None
        if isinstance(answer, dict) and answer.get("ok") is False:
            reason = answer.get("error") or answer.get("message") or "refused"
            raise SmsGatewayError(f"gateway refused: {str(reason)[:200]}")


BACKENDS = {
    "log": "shegong.core.notify.ConsoleSmsSender",
    "console": "shegong.core.notify.ConsoleSmsSender",
    "http": "shegong.core.notify.HttpSmsBackend",
}


def sms_sender() -> SmsSender:
    """The configured gateway: ``SHEGONG_SMS_BACKEND`` (``log``, ``http`` or a dotted path;
    the older ``SHEGONG_SMS_SENDER`` dotted path is still read)."""
    name = getattr(settings, "SHEGONG_SMS_BACKEND", "") or getattr(
        settings, "SHEGONG_SMS_SENDER", "log"
    )
    sender: SmsSender = import_string(BACKENDS.get(name, name))()
    return sender


def signed(text: str) -> str:
    """Put the configured signature (``SHEGONG_SMS_SIGN``, the 短信签名 registered with the
    provider) in front of the text, replacing the per-message default 【…】."""
    sign = getattr(settings, "SHEGONG_SMS_SIGN", "")
    if not sign:
        return text
    return f"【{sign}】{_SIGN.sub('', text, count=1)}"


def deliver(phone: str, text: str) -> None:
    """Send now (raises on any gateway error). For verification codes and the task."""
    sms_sender().send(phone, signed(text))


def queue_sms(phone: Any, text: str, *, purpose: str = "") -> SmsMessage | None:
    """Record an SMS with the current transaction and send it by a task after commit.

    Call inside the service's ``transaction.atomic()``: if the action rolls back, nothing
    is sent. The enqueue itself is ``robust`` (a broken queue is logged, not raised: the
    row stays 待发送 and the periodic ``core.sms_resend`` picks it up)."""
    number = plain(phone).strip()
    if not number:
        return None
    message = SmsMessage.objects.create(
        phone=number, text=text, purpose=purpose[:50], next_try_at=timezone.now()
    )

    def enqueue() -> None:
        from .tasks import send_sms_message

        send_sms_message.enqueue(message.pk)

    transaction.on_commit(enqueue, robust=True)
    return message


def _max_attempts() -> int:
    return max(1, int(getattr(settings, "SHEGONG_SMS_MAX_ATTEMPTS", 3)))


def retry_delay(attempts: int) -> timedelta:
    """1, 5, 15, 30 minutes, then every hour."""
    steps = (1, 5, 15, 30)
    return timedelta(minutes=steps[attempts - 1] if attempts <= len(steps) else 60)


def deliver_message(message_id: int, *, now: datetime | None = None) -> str:
    """Send one queued message; idempotent. Claims the row by compare-and-swap (two workers
    never both send it), calls the gateway outside any transaction, records the outcome.
    Returns the new status. Never raises for a gateway error."""
    now = now or timezone.now()
    row = SmsMessage.objects.filter(pk=message_id, status=SmsStatus.QUEUED).first()
    if row is None:
        return "skipped"
    claimed = SmsMessage.objects.filter(
        pk=row.pk, status=SmsStatus.QUEUED, attempts=row.attempts
    ).update(status=SmsStatus.SENDING, attempts=row.attempts + 1, next_try_at=now)
    if not claimed:
        return "skipped"
    attempts = row.attempts + 1
    try:
        deliver(plain(row.phone), plain(row.text))
    except Exception as exc:  # any gateway failure: record it, never break the caller
        error = f"{type(exc).__name__}: {exc}"[:300]
        if attempts < _max_attempts():
            status, next_try = SmsStatus.QUEUED, now + retry_delay(attempts)
            logger.warning(
                "SMS #%s (%s) to %s failed (attempt %s), retrying at %s: %s",
                row.pk,
                row.purpose,
                mask_phone(plain(row.phone)),
                attempts,
                next_try.isoformat(),
                error,
            )
        else:
            status, next_try = SmsStatus.FAILED, None
            logger.error(
                "SMS #%s (%s) to %s failed after %s attempts: %s",
                row.pk,
                row.purpose,
                mask_phone(plain(row.phone)),
                attempts,
                error,
            )
        SmsMessage.objects.filter(pk=row.pk).update(
            status=status, last_error=error, next_try_at=next_try
        )
        if status == SmsStatus.QUEUED and next_try is not None:
            _enqueue_later(row.pk, next_try)
        return str(status)
    SmsMessage.objects.filter(pk=row.pk).update(
        status=SmsStatus.SENT, sent_at=timezone.now(), last_error="", next_try_at=None
    )
    return str(SmsStatus.SENT)


def _enqueue_later(message_id: int, when: datetime) -> None:
    """Schedule the retry on a queue that can defer; otherwise the periodic resend job
    (every 5 minutes) finds the row by ``next_try_at``."""
    from .tasks import send_sms_message

    try:
        if send_sms_message.get_backend().supports_defer:
            send_sms_message.using(run_after=when).enqueue(message_id)
    except Exception:  # the queue is down: the periodic job will find the row
        logger.exception("SMS #%s: could not schedule the retry", message_id)


def resend_due(*, now: datetime | None = None) -> int:
    """Periodic: enqueue every 待发送 message whose time has come (retries on queues that
    cannot defer, and messages whose enqueue failed), and put back 发送中 rows abandoned by
    a worker that died more than 15 minutes ago. Returns how many were enqueued."""
    from .tasks import send_sms_message

    now = now or timezone.now()
    stale = now - timedelta(minutes=15)
    SmsMessage.objects.filter(status=SmsStatus.SENDING, next_try_at__lt=stale).update(
        status=SmsStatus.QUEUED
    )
    due = list(
        SmsMessage.objects.filter(status=SmsStatus.QUEUED, next_try_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        send_sms_message.enqueue(pk)
    return len(due)


def record_failed_code(phone: str, purpose: str, error: str) -> None:
    """A verification code the gateway refused: kept for administrators (the code itself is
    not stored — it is useless and must not be readable)."""
    SmsMessage.objects.create(
        phone=phone,
        text="（验证码短信，内容不保存）",
        purpose=purpose[:50],
        status=SmsStatus.FAILED,
        attempts=1,
        last_error=error[:300],
    )
