"""The recording deadline: 志愿服务记录与证明出具办法 第十一条 — service records are made within
``policy.record_deadline_working_days`` (10) working days after the activity ends.

Counted per slot (a multi-week activity's first slot is due before its last one: stricter
than "after the activity", and what a manager can act on), on the platform's working-day
calendar (``core.calendar``: the official holidays plus the administrator's entries). A
confirmation after the deadline is still possible — the volunteer's hours are real and
条例 第三十八条 penalises *not* recording — but it needs a written reason, kept in the
audit event with ``late``/``deadline`` (``activities.confirm_hours``). Where the calendar
of the year is not known yet (``provisional``), the deadline is shown as 推定 and no reason
is demanded. Managers see what is pending (:func:`pending_records`, page 待确认时长) and
get an in-app reminder two working days before the deadline and on the first working day
after it (:func:`remind_record_deadlines`, daily job ``volunteers.remind_record_deadlines``).

Only sign-ups still open — CONFIRMED and checked in (``in``) or out (``out``) — are
pending; the partial index ``vol_signup_open`` keeps that set small however many
finished sign-ups the city has.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.calendar import get_calendar
from shegong.core.notify import notify
from shegong.lib.workcalendar import Deadline

from ..choices import AttendanceState, SignupStatus
from ..models import Signup, Slot, VolunteerPolicy
from .common import get_policy

WARN_WORKING_DAYS = 2
# No 10-working-day period is longer than this many calendar days (春节 + 国庆 included).
REMIND_WINDOW_DAYS = 45
OPEN = [AttendanceState.IN, AttendanceState.OUT]


def deadline_of(slot: Slot, policy: VolunteerPolicy | None = None) -> Deadline:
    """The slot's recording deadline (``end_date``; ``provisional`` for an unknown year)."""
    days = (policy or get_policy()).record_deadline_working_days
    return get_calendar().add_working_days(timezone.localdate(slot.ends_at), days)


def record_deadline(slot: Slot, policy: VolunteerPolicy | None = None) -> date:
    """The last day to record the slot's hours (记录办法 第十一条)."""
    return deadline_of(slot, policy).end_date


@dataclass(frozen=True)
class PendingSlot:
    slot: Slot
    to_confirm: int
    """Checked out, hours not yet confirmed."""
    not_checked_out: int
    """Checked in but never out: the manager must 代签退 (with the real time) first."""
    deadline: date
    provisional: bool
    working_days_left: int
    """Working days in (today, deadline]; 0 on the last day, -1 once overdue."""

    @property
    def overdue(self) -> bool:
        return self.working_days_left < 0


def _pending(signups: Any, today: date, ended_before: datetime) -> list[PendingSlot]:
    counts = (
        signups.filter(
            status=SignupStatus.CONFIRMED, attendance__in=OPEN, slot__ends_at__lt=ended_before
        )
        .order_by()
        .values("slot_id")
        .annotate(
            to_confirm=Count("pk", filter=Q(attendance=AttendanceState.OUT)),
            not_out=Count("pk", filter=Q(attendance=AttendanceState.IN)),
        )
    )
    by_slot = {row["slot_id"]: row for row in counts}
    if not by_slot:
        return []
    policy = get_policy()
    calendar = get_calendar()
    rows = []
    slots = Slot.objects.filter(pk__in=list(by_slot)).select_related(
        "activity__team", "activity__created_by"
    )
    for slot in slots:
        deadline = deadline_of(slot, policy)
        end = deadline.end_date
        left = -1 if today > end else calendar.working_days_between(today, end)
        counted = by_slot[slot.pk]
        rows.append(
            PendingSlot(
                slot, counted["to_confirm"], counted["not_out"], end, deadline.provisional, left
            )
        )
    rows.sort(key=lambda r: (r.deadline, r.slot.pk))
    return rows


def pending_records(actor: User, today: date | None = None) -> list[PendingSlot]:
    """Ended slots of the actor's scope whose hours are not all recorded, by deadline."""
    return _pending(Signup.objects.visible_to(actor), today or timezone.localdate(), timezone.now())


def _counts_text(row: PendingSlot) -> str:
    parts = []
    if row.to_confirm:
        parts.append(f"{row.to_confirm}人待确认时长")
    if row.not_checked_out:
        parts.append(f"{row.not_checked_out}人未签退")
    return "、".join(parts)


def remind_record_deadlines(today: date | None = None) -> int:
    """Daily: tell the team's managers and the activity's creator about slots whose
    deadline is ``WARN_WORKING_DAYS`` working days away, or passed (first working day
    after it). Runs on working days only, so each reminder goes out once."""
    today = today or timezone.localdate()
    calendar = get_calendar()
    if not calendar.is_workday(today):
        return 0
    midnight = timezone.make_aware(datetime.combine(today, time.min))
    recent = Signup.objects.filter(slot__ends_at__gte=midnight - timedelta(days=REMIND_WINDOW_DAYS))
    due: list[tuple[PendingSlot, str, str]] = []
    for row in _pending(recent, today, midnight):
        title = row.slot.activity.title
        if row.working_days_left == WARN_WORKING_DAYS:
            due.append((row, f"服务时长记录即将到期：{title}", "warning"))
        elif row.overdue and calendar.next_workday(row.deadline) == today:
            due.append((row, f"服务时长记录已逾期：{title}", "danger"))
    managers: dict[int, list[Any]] = defaultdict(list)
    teams = {row.slot.activity.team for row, _, _ in due}
    for team in teams:
        managers[team.pk] = list(team.managers.all())
    sent = 0
    for row, title, level in due:
        activity = row.slot.activity
        body = (
            f"{timezone.localtime(row.slot.starts_at):%Y-%m-%d %H:%M} 时段尚有"
            f"{_counts_text(row)}；记录时限 {row.deadline:%Y-%m-%d}"
            "（《志愿服务记录与证明出具办法》第十一条）。"
        )
        sent += notify(
            [*managers[activity.team_id], activity.created_by],
            title,
            body,
            url=reverse("volunteers:slot", args=[row.slot.pk]),
            level=level,
            keep=("landline",),  # an office number in a notice stays callable
        )
    return sent
