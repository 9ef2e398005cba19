"""The recording deadline: 志愿服务记录与证明出具办法 第十一条 — service records are made within
``policy.record_deadline_working_days`` (10) working days after the activity ends.

The deadline is counted on the platform's working-day calendar (``core.calendar``: the
official holidays plus the administrator's entries, so 2027 works once it is entered). A
confirmation after the deadline is still possible — the volunteer's hours are real and
the 条例 第三十八条 penalises *not* recording — but it needs a written reason, kept in the
audit event with ``late``/``deadline`` (``activities.confirm_hours``). Managers see what is
pending (:func:`pending_records`, page 待确认时长) and get an in-app reminder two working
days before the deadline and on the first working day after it
(:func:`remind_record_deadlines`, daily job ``volunteers.remind_record_deadlines``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from shegong.core.calendar import get_calendar
from shegong.core.notify import notify

from ..choices import AttendanceState, SignupStatus
from ..models import Slot, VolunteerPolicy
from .common import get_policy

WARN_WORKING_DAYS = 2

_OUT = Q(signups__status=SignupStatus.CONFIRMED, signups__attendance=AttendanceState.OUT)
_IN = Q(signups__status=SignupStatus.CONFIRMED, signups__attendance=AttendanceState.IN)


def record_deadline(slot: Slot, policy: VolunteerPolicy | None = None) -> date:
    """The last day to record the slot's hours (记录办法 第十一条)."""
    days = (policy or get_policy()).record_deadline_working_days
    return get_calendar().add_working_days(timezone.localdate(slot.ends_at), days).end_date


@dataclass(frozen=True)
class PendingSlot:
    slot: Slot
    to_confirm: int
    """Checked out, hours not yet confirmed."""
    not_checked_out: int
    """Checked in but never out: the manager must 代签退 (with the real time) first."""
    deadline: date
    working_days_left: int
    """Working days in (today, deadline]; 0 on the last day, negative once overdue."""

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0


def _pending(queryset: Any, today: date, ended_before: datetime) -> list[PendingSlot]:
    policy = get_policy()
    calendar = get_calendar()
    slots = (
        queryset.filter(ends_at__lt=ended_before)
        .annotate(to_confirm=Count("signups", filter=_OUT), not_out=Count("signups", filter=_IN))
        .filter(Q(to_confirm__gt=0) | Q(not_out__gt=0))
        .select_related("activity__team")
    )
    rows = []
    for slot in slots:
        deadline = record_deadline(slot, policy)
        left = calendar.working_days_between(today, deadline)
        if today > deadline:
            left = min(left, -1)
        rows.append(PendingSlot(slot, slot.to_confirm, slot.not_out, deadline, left))
    rows.sort(key=lambda r: (r.deadline, r.slot.pk))
    return rows


def pending_records(actor: Any, today: date | None = None) -> list[PendingSlot]:
    """Ended slots of the actor's scope whose hours are not all recorded, by deadline."""
    return _pending(Slot.objects.visible_to(actor), today or timezone.localdate(), timezone.now())


def remind_record_deadlines(today: date | None = None) -> int:
    """Daily: tell the team's managers and the activity's creator about slots whose
    deadline is ``WARN_WORKING_DAYS`` working days away, or passed yesterday (first
    working day after it). Runs on working days only, so each reminder goes out once."""
    today = today or timezone.localdate()
    calendar = get_calendar()
    if not calendar.is_workday(today):
        return 0
    sent = 0
    midnight = timezone.make_aware(datetime.combine(today, time.min))
    for row in _pending(Slot.objects.all(), today, midnight):
        activity = row.slot.activity
        if row.working_days_left == WARN_WORKING_DAYS:
            title = f"服务时长记录即将到期：{activity.title}"
            level = "warning"
        elif row.overdue and calendar.next_workday(row.deadline) == today:
            title = f"服务时长记录已逾期：{activity.title}"
            level = "danger"
        else:
            continue
        body = (
            f"{timezone.localtime(row.slot.starts_at):%Y-%m-%d %H:%M} 时段尚有"
            f" {row.to_confirm} 人待确认、{row.not_checked_out} 人未签退；"
            f"记录时限 {row.deadline:%Y-%m-%d}（《志愿服务记录与证明出具办法》第十一条）。"
        )
        users = [*activity.team.managers.all(), activity.created_by]
        sent += notify(
            users,
            title,
            body,
            url=reverse("volunteers:slot", args=[row.slot.pk]),
            level=level,
        )
    return sent
