"""Reminders (daily job): a credential whose period ends within ``warn_days`` while its hours
are short, or which entered the re-registration window, gets one SMS per period to the
person's phone (``core.notify.queue_sms``); ``reminded_for`` remembers the period."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shegong.core import audit
from shegong.core.notify import queue_sms

from .. import rules
from ..models import Credential
from .common import policy
from .credentials import period_progress


def send_reminders(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    p = policy()
    horizon = today + timedelta(days=p.warn_days)
    sent = 0
    due = (
        Credential.objects.filter(
            person__left_on__isnull=True, valid_until__gte=today, valid_until__lte=horizon
        )
        .exclude(reminded_for=F("valid_until"))
        .select_related("person")
    )
    for credential in due:
        assert credential.valid_until is not None
        progress = period_progress(credential, p)
        opens = rules.renewal_opens(credential.valid_until, p.renewal_window_months)
        if progress.met and today < opens:
            continue  # nothing to do yet: hours met, window not open
        text = (
            f"您的{credential.display_name}登记有效期至{credential.valid_until}，"
            f"再登记期自{opens}起；本周期继续教育已完成{progress.earned:g}学时，"
            f"应完成{progress.required}学时。"
        )
        with transaction.atomic():
            queue_sms(credential.person.phone, text, purpose="人才证书提醒")
            credential.reminded_for = credential.valid_until
            credential.save(update_fields=["reminded_for"])
        sent += 1
    if sent:
        audit.record(
            "talent_reminders_sent",
            actor=None,
            target_type="talent.credential",
            target_repr="证书再登记与学时提醒",
            changes={"sent": [None, sent]},
        )
    return sent
