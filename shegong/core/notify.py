"""Notifications to staff (in-app) and to citizens (SMS through a pluggable sender)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from shegong.lib.masking import mask_identifiers

from .models import Notification

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


class ConsoleSmsSender:
    """Default sender: writes the message to the log (and keeps the last ones for tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        masked = phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"
        logger.info("SMS to %s: %s", masked, text)
        ConsoleSmsSender.outbox.append((phone, text))
        del ConsoleSmsSender.outbox[:-200]


def sms_sender() -> SmsSender:
    """The configured sender (``SHEGONG_SMS_SENDER`` dotted path), console by default."""
    path = getattr(settings, "SHEGONG_SMS_SENDER", "shegong.core.notify.ConsoleSmsSender")
    sender: SmsSender = import_string(path)()
    return sender
