"""记录办法 第十一条: hours are recorded within 10 working days after the activity ends.

A late confirmation is not refused (the volunteer's hours are real), but it needs a written
reason that goes into the audit trail; managers see what is pending with its deadline and
are reminded before it passes and on the first day after."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shegong.core.calendar import get_calendar
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent, Notification
from shegong.volunteers import services
from shegong.volunteers.services.deadlines import (
    pending_records,
    record_deadline,
    remind_record_deadlines,
)

pytestmark = pytest.mark.django_db


def _checked_out(kit: Any) -> tuple[Any, Any]:
    """A slot three days ahead, one volunteer signed up, checked in and out by the manager."""
    team = kit.team()
    team.managers.add(kit.vm_north)
    activity = kit.activity(team=team, hours=3)
    slot = activity.slots.get()
    v = kit.volunteer()
    signup = services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    services.manager_check(
        actor=kit.vm_north, signup_id=signup.pk, at=slot.starts_at, now=slot.starts_at
    )
    services.manager_check(
        actor=kit.vm_north, signup_id=signup.pk, at=slot.ends_at, now=slot.ends_at
    )
    return slot, signup


def test_deadline_is_ten_working_days_after_the_slot_ends(kit: Any) -> None:
    slot, _ = _checked_out(kit)
    deadline = record_deadline(slot)
    end_day = timezone.localdate(slot.ends_at)
    assert get_calendar().working_days_between(end_day, deadline) == 10
    assert get_calendar().is_workday(deadline)


def test_deadline_across_national_day_2026() -> None:
    """A slot ending 2026-09-30: 国庆 (10-01…10-07) does not count, 10-10 (Saturday) is a
    make-up working day, so the tenth working day is 2026-10-20."""
    from shegong.volunteers.models import Slot

    ends = timezone.make_aware(datetime(2026, 9, 30, 18, 0))
    slot = Slot(starts_at=ends - timedelta(hours=3), ends_at=ends)
    assert record_deadline(slot) == date(2026, 10, 20)


def test_on_time_confirmation_needs_no_reason(kit: Any) -> None:
    slot, signup = _checked_out(kit)
    with time_machine.travel(slot.ends_at + timedelta(hours=1), tick=False):
        entry = services.confirm_hours(actor=kit.vm_north, signup_id=signup.pk)
    assert entry.hours == 3
    event = AuditEvent.objects.filter(action="volunteer_hours_confirmed").latest("pk")
    assert event.changes.get("late") is None


# A year whose official holidays are known: only there is the deadline firm (an unknown
# year's deadline is presumed and a late confirmation is not refused).
@time_machine.travel(timezone.make_aware(datetime(2026, 6, 1, 9, 0)), tick=True)
def test_late_confirmation_needs_a_reason_and_is_audited(kit: Any) -> None:
    slot, signup = _checked_out(kit)
    deadline = record_deadline(slot)
    day_after = timezone.make_aware(datetime.combine(deadline, time(9)) + timedelta(days=1))
    with time_machine.travel(day_after, tick=False):
        with pytest.raises(DomainError, match="记录时限"):
            services.confirm_hours(actor=kit.vm_north, signup_id=signup.pk)
        with pytest.raises(DomainError, match="记录时限"):
            services.confirm_slot_hours(actor=kit.vm_north, slot_id=slot.pk)
        assert (
            services.confirm_slot_hours(
                actor=kit.vm_north, slot_id=slot.pk, note="负责人出差，返岗后补确认"
            )
            == 1
        )
    event = AuditEvent.objects.filter(action="volunteer_hours_confirmed").latest("pk")
    assert event.changes["late"] is True
    assert event.changes["deadline"] == deadline.isoformat()
    assert event.note == "负责人出差，返岗后补确认"


def test_pending_records_are_scoped_and_carry_the_deadline(kit: Any) -> None:
    slot, signup = _checked_out(kit)
    with time_machine.travel(slot.ends_at + timedelta(days=1)):
        rows = pending_records(kit.vm_north)
        assert [(r.slot.pk, r.to_confirm, r.not_checked_out) for r in rows] == [(slot.pk, 1, 0)]
        assert rows[0].deadline == record_deadline(slot)
        assert not rows[0].overdue
        assert pending_records(kit.vm_south) == []
        c = Client()
        c.force_login(kit.vm_north)
        page = c.get("/volunteers/pending/").content.decode()
        assert "社区助老服务" in page
        assert f"{record_deadline(slot):%Y-%m-%d}" in page
        c.force_login(kit.vm_south)
        assert "社区助老服务" not in c.get("/volunteers/pending/").content.decode()
        services.confirm_hours(actor=kit.vm_north, signup_id=signup.pk)
        assert pending_records(kit.vm_north) == []


def test_reminders_two_working_days_before_and_the_day_after(kit: Any) -> None:
    slot, _ = _checked_out(kit)
    deadline = record_deadline(slot)
    calendar = get_calendar()
    day = timezone.localdate(slot.ends_at)
    sent: dict[str, int] = {}
    while day <= deadline + timedelta(days=10):
        day += timedelta(days=1)
        before = Notification.objects.filter(user=kit.vm_north).count()
        remind_record_deadlines(today=day)
        if Notification.objects.filter(user=kit.vm_north).count() > before:
            sent[day.isoformat()] = calendar.working_days_between(day, deadline)
    first_after = calendar.next_workday(deadline)
    warn_day = next(
        d
        for d in (deadline - timedelta(days=n) for n in range(1, 10))
        if calendar.is_workday(d) and calendar.working_days_between(d, deadline) == 2
    )
    assert set(sent) == {warn_day.isoformat(), first_after.isoformat()}
    titles = list(Notification.objects.filter(user=kit.vm_north).values_list("title", flat=True))
    assert any("即将到期" in t for t in titles)
    assert any("已逾期" in t for t in titles)


@time_machine.travel(timezone.make_aware(datetime(2027, 3, 1, 9, 0)), tick=True)
def test_late_confirmation_in_a_year_without_holidays_is_not_refused(kit: Any) -> None:
    """2027's holidays are not entered: the deadline is presumed, so a late confirmation
    without a reason is accepted (the hours are real) and still audited as late."""
    slot, signup = _checked_out(kit)
    deadline = record_deadline(slot)
    day_after = timezone.make_aware(datetime.combine(deadline, time(9)) + timedelta(days=1))
    with time_machine.travel(day_after, tick=False):
        services.confirm_hours(actor=kit.vm_north, signup_id=signup.pk)
    event = AuditEvent.objects.filter(action="volunteer_hours_confirmed").latest("pk")
    assert event.changes["late"] is True
