"""Notifications to staff (in-app) and to citizens (SMS through a pluggable gateway).

SMS, how it flows (docs/operations.md "SMS"):

* A service that tells a citizen something calls :func:`queue_sms` inside its transaction:
  an :class:`~shegong.core.models.SmsMessage` row is written with the action, and a task
  (:func:`shegong.core.tasks.send_sms_message`) is enqueued on commit. The task claims the
  row, calls the gateway, and records 已发送 — or the error, retrying with a back-off up to
  ``SHEGONG_SMS_MAX_ATTEMPTS`` times before the row stays 发送失败 (logged at ERROR, listed
  for administrators). A gateway error therefore never rolls back or breaks the action.
* Only a failure that certainly sent nothing is retried (connection refused, no answer to
  the connection, an explicit refusal: :class:`SmsGatewayError`). When the message may have
  gone out — a timeout after the request was sent, a 5xx answer, a worker that died while
  sending — the row becomes 结果未知 (:class:`SmsOutcomeUnknown`), is logged at ERROR and
  is not sent again by itself: a citizen never gets the same message twice because a
  gateway was slow. Every HTTP request also carries the message's idempotency key
  (:func:`idempotency_key`), and the relay must drop a key it has already delivered.
* Verification codes are the exception: the citizen is waiting for the code and nothing is
  committed with it, so :func:`deliver` is called at once and a failure is told to the
  citizen in Chinese (``core.sms_verification.send_code``).

The gateway (``SHEGONG_SMS_BACKEND``) is ``log`` (development: the log and an in-memory
outbox), ``http`` (:class:`HttpSmsBackend`, a generic JSON POST) or the dotted path of a
class with ``send(phone, text)`` that raises on failure.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Protocol, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shegong.lib.masking import mask_identifiers, mask_phone

from .models import Notification, SmsMessage, SmsStatus
from .pii import Sensitive, plain
from .scoping import Actor, signed_in

logger = logging.getLogger("shegong.notify")


def notify(
    users: Iterable[Actor | None],
    title: str,
    body: str = "",
    url: str = "",
    level: str = "info",
    *,
    keep: Collection[str] = (),
) -> int:
    """Create one in-app notification per distinct active user. Returns how many.

    Titles and bodies often quote what a citizen typed (an appeal's title); identifiers in
    them (phone, ID, bank card, e-mail) are masked — a notice never needs them whole.
    ``keep`` names kinds left as written (``("landline",)`` for notices about organisations
    and volunteer teams, which may legitimately carry an office number)."""
    title, body = mask_identifiers(title, keep=keep), mask_identifiers(body, keep=keep)
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(user_id=user.pk, title=title[:200], body=body, url=url[:255], level=level)
        )
    Notification.objects.bulk_create(rows)
    return len(rows)


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class _KeyedSender(Protocol):
    """A sender that declares ``supports_idempotency_key`` (:class:`HttpSmsBackend`)."""

    def send(self, phone: str, text: str, *, key: str) -> None: ...


class SmsGatewayError(Exception):
    """The gateway certainly did not take the message (unreachable, refusal): safe to retry.
    The message is Chinese — it is shown in the admin 短信发送记录 and the logs."""


class SmsOutcomeUnknown(SmsGatewayError):
    """The request may have reached the gateway and the message may have gone out (a timeout
    after sending, a 5xx answer): never retried blindly — the row becomes 结果未知."""


# Answers that say "not taken, try later" for certain (too many requests, not available).
RETRYABLE_HTTP = frozenset({408, 425, 429, 503})


class ConsoleSmsSender:
    """``log`` backend: writes the message to the log (and keeps the last ones for tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        # The log never holds a message in full: codes and other digit runs are masked.
        logger.info("SMS to %s: %s", mask_phone(phone), mask_digits(text))
        ConsoleSmsSender.outbox.append((phone, text))
        del ConsoleSmsSender.outbox[:-200]


LogSmsBackend = ConsoleSmsSender

_DIGITS = re.compile(r"\d{4,}")


def mask_digits(text: str) -> str:
    """``您的验证码是 482913`` → ``您的验证码是 ******`` (every run of 4 or more digits)."""
    return _DIGITS.sub(lambda match: "*" * len(match.group()), text)


def idempotency_key(message: SmsMessage) -> str:
    """The key a relay deduplicates on: stable for a message across retries, unique across
    messages (the row id and its creation instant, so a restored database cannot reuse it)."""
    return f"shegong-sms-{message.pk}-{message.created_at:%Y%m%d%H%M%S%f}"


_SIGN = re.compile(r"^【([^】]{1,30})】")


class HttpSmsBackend:
    """``http`` backend: POSTs one JSON object per message to ``SHEGONG_SMS_HTTP_URL``::

        {"phone": "13912345678", "sign": "示范市社工平台", "text": "您的验证码是…",
         "message": "【示范市社工平台】您的验证码是…", "id": "shegong-sms-42-…"}

    with ``Authorization: Bearer <SHEGONG_SMS_HTTP_TOKEN>`` when a token is set, and the
    ``id`` also as the ``Idempotency-Key`` header (queued messages; a verification code has
    none). **The relay must deliver a given id at most once** and answer a repeated id as
    success. Any 2xx answer is success, unless its body is JSON with ``"ok": false`` (then
    its ``error`` or ``message`` is the reason): a refusal, :class:`SmsGatewayError`, as are
    HTTP 4xx answers and a connection that could not be made — nothing was sent. A timeout
    after the request went out, a dropped connection or an HTTP 5xx answer (other than 503)
    raise :class:`SmsOutcomeUnknown`: the message may have been sent. The gateway is called
    directly (no HTTP proxy from the environment), within ``SHEGONG_SMS_HTTP_TIMEOUT``
    seconds. Most provider APIs need a small relay that takes this shape (or a dotted-path
    backend of your own).
    """

    supports_idempotency_key = True

    def __init__(self, url: str | None = None, token: str | None = None) -> None:
        self.url = url if url is not None else getattr(settings, "SHEGONG_SMS_HTTP_URL", "")
        self.token = token if token is not None else getattr(settings, "SHEGONG_SMS_HTTP_TOKEN", "")
        self.timeout = float(getattr(settings, "SHEGONG_SMS_HTTP_TIMEOUT", 5))
        if not self.url.startswith(("http://", "https://")):
            raise SmsGatewayError(
                "短信网关地址 SHEGONG_SMS_HTTP_URL 必须以 http:// 或 https:// 开头"
            )

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        match = _SIGN.match(text)
        payload = {
            "phone": phone,
            "sign": match.group(1) if match else "",
            "text": text[match.end() :] if match else text,
            "message": text,
        }
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "shegong-sms"}
        if key:
            payload["id"] = key
            headers["Idempotency-Key"] = key
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
            if exc.code >= 500 and exc.code not in RETRYABLE_HTTP:
                raise SmsOutcomeUnknown(
                    f"短信网关返回 HTTP {exc.code}，无法确认短信是否已发出"
                ) from None
            raise SmsGatewayError(f"短信网关拒绝发送（HTTP {exc.code}）") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if _not_sent(reason):
                raise SmsGatewayError(f"短信网关无法连接：{reason}") from None
            raise SmsOutcomeUnknown(
                f"短信网关无响应或连接中断（{reason}），无法确认短信是否已发出"
            ) from None
        try:
            answer = json.loads(body) if body.strip() else None
        except ValueError:
            answer = None
        if isinstance(answer, dict) and answer.get("ok") is False:
            reason = answer.get("error") or answer.get("message") or "未说明原因"
            raise SmsGatewayError(f"短信网关拒绝发送：{str(reason)[:200]}")


def _not_sent(reason: object) -> bool:
    """A connection error that happened before the request could be sent: the name did not
    resolve, the connection was refused or never answered, TLS failed. A timeout or a reset
    after connecting may come after the gateway took the message."""
    if isinstance(reason, ssl.SSLError | socket.gaierror | ConnectionRefusedError):
        return True
    return isinstance(reason, OSError) and reason.errno in {
        errno.ECONNREFUSED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EADDRNOTAVAIL,
    }


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


def deliver(phone: str, text: str, *, key: str = "") -> None:
    """Send now (raises on any gateway error). For verification codes and the task.
    ``key``: the idempotency key, passed to a backend that declares
    ``supports_idempotency_key`` (:class:`HttpSmsBackend`)."""
    sender = sms_sender()
    if key and getattr(sender, "supports_idempotency_key", False):
        cast(_KeyedSender, sender).send(phone, signed(text), key=key)
    else:
        sender.send(phone, signed(text))


def queue_sms(phone: Sensitive | str | None, text: str, *, purpose: str = "") -> SmsMessage | None:
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
        deliver(plain(row.phone), plain(row.text), key=idempotency_key(row))
    except SmsOutcomeUnknown as exc:
        # It may have gone out: do not send it again by itself (docs/operations.md "SMS").
        error = str(exc)[:300]
        logger.error(
            "SMS #%s (%s) to %s: outcome unknown, not retried: %s",
            row.pk,
            row.purpose,
            mask_phone(plain(row.phone)),
            error,
        )
        SmsMessage.objects.filter(pk=row.pk).update(
            status=SmsStatus.UNKNOWN, last_error=error, next_try_at=None
        )
        return str(SmsStatus.UNKNOWN)
    except Exception as exc:  # any gateway failure: record it, never break the caller
        error = error_text(exc)
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


def error_text(exc: Exception) -> str:
    """The reason as shown in the admin list: our gateway errors are Chinese already; an
    error from a backend of one's own is labelled in Chinese with its class name."""
    if isinstance(exc, SmsGatewayError):
        return str(exc)[:300]
    return f"短信网关出错（{type(exc).__name__}）：{exc}"[:300]


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
    cannot defer, and messages whose enqueue failed). A 发送中 row abandoned by a worker that
    died more than 15 minutes ago may or may not have gone out: it becomes 结果未知, never
    sent again by itself. Returns how many were enqueued."""
    from .tasks import send_sms_message

    now = now or timezone.now()
    stale = now - timedelta(minutes=15)
    abandoned = SmsMessage.objects.filter(status=SmsStatus.SENDING, next_try_at__lt=stale).update(
        status=SmsStatus.UNKNOWN,
        next_try_at=None,
        last_error="发送过程中断（超过15分钟未完成），无法确认短信是否已发出",
    )
    if abandoned:
        logger.error("%s SMS abandoned while sending: outcome unknown, not retried", abandoned)
    due = list(
        SmsMessage.objects.filter(status=SmsStatus.QUEUED, next_try_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        send_sms_message.enqueue(pk)
    return len(due)


def resend_unknown(*, actor: Actor | AnonymousUser, message_ids: Iterable[int]) -> int:
    """An administrator checked with the provider that 结果未知 messages did not arrive: queue
    them again (same idempotency key, so a relay that did deliver one drops it). Only rows
    still 结果未知 are touched; audited. Returns how many were queued."""
    from . import audit
    from .permissions import require_capability
    from .roles import Cap

    require_capability(actor, Cap.ACCOUNTS_MANAGE, "您的角色不能重新发送短信")
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            SmsMessage.objects.select_for_update()
            .filter(pk__in=list(message_ids), status=SmsStatus.UNKNOWN)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        SmsMessage.objects.filter(pk__in=ids).update(status=SmsStatus.QUEUED, next_try_at=now)
        audit.record(
            "sms_unknown_resent",
            actor=signed_in(actor),
            target_type="core.smsmessage",
            target_repr=f"重新发送 {len(ids)} 条结果未知的短信",
            changes={"ids": ids},
        )

        def enqueue() -> None:
            from .tasks import send_sms_message

            for pk in ids:
                send_sms_message.enqueue(pk)

        transaction.on_commit(enqueue, robust=True)
    return len(ids)


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
