from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from shegong.core import services
from shegong.core.calendar import get_calendar
from shegong.core.exceptions import DomainError

pytestmark = pytest.mark.django_db(transaction=True)  # cache is reset on commit
TZ = ZoneInfo("Asia/Shanghai")


def test_library_calendar_knows_2026_spring_festival() -> None:
    cal = get_calendar()
    assert not cal.is_workday(date(2026, 2, 17))
    assert cal.is_workday(date(2026, 2, 14))  # 调休 Saturday
    # 15 natural days from 2026-02-01 end 2026-02-16 (holiday) → first working day after.
    due = cal.add_natural_days(datetime(2026, 2, 1, 10, tzinfo=TZ), 15)
    assert due.rolled_from == date(2026, 2, 16)
    assert due.end_date == date(2026, 2, 24)
    assert not due.provisional


def test_unknown_year_is_provisional_until_an_admin_enters_it(world) -> None:
    cal = get_calendar()
    assert not cal.is_known_year(2027)
    assert cal.add_natural_days(datetime(2026, 12, 20, tzinfo=TZ), 30).provisional
    # An administrator enters 2027 (here one day is enough to show the mechanism) …
    services.set_calendar_day(
        actor=world.dept_admin, day=date(2027, 1, 4), is_workday=False, name="元旦调整（示例）"
    )
    services.mark_calendar_year(actor=world.dept_admin, year=2027, complete=True, source="测试")
    cal = get_calendar()
    assert cal.is_known_year(2027)
    assert not cal.is_workday(date(2027, 1, 4))  # a Monday made a rest day by the entry
    due = cal.add_natural_days(datetime(2026, 12, 30, tzinfo=TZ), 5)  # ends Mon 2027-01-04
    assert not due.provisional
    assert due.end_date == date(2027, 1, 5)


def test_override_changes_a_known_year_and_is_audited(world) -> None:
    from shegong.core.models import AuditEvent

    services.set_calendar_day(
        actor=world.dept_admin, day=date(2026, 12, 7), is_workday=False, name="临时停工"
    )
    assert not get_calendar().is_workday(date(2026, 12, 7))
    assert AuditEvent.objects.filter(action="calendar_day_set").exists()
    services.delete_calendar_day(actor=world.dept_admin, day=date(2026, 12, 7))
    assert get_calendar().is_workday(date(2026, 12, 7))


def test_only_calendar_managers_may_edit(world) -> None:
    with pytest.raises(PermissionDenied):
        services.set_calendar_day(actor=world.dispatcher, day=date(2027, 1, 1), is_workday=False)
    with pytest.raises(DomainError):
        services.mark_calendar_year(actor=world.dept_admin, year=2028, complete=True)


def test_deadline_api_and_page(world, client_for) -> None:
    client = client_for(world.dispatcher)
    data = client.get(
        "/api/calendar/deadline?start=2025-01-20T09:00:00&value=10&unit=working_day"
    ).json()
    # 2025 Spring Festival: Jan 28 – Feb 4 off, Jan 26 (Sun) a make-up working day.
    assert data["end_date"] == "2025-02-08"  # Feb 8 (Sat) is a make-up day
    page = client.get("/calendar/deadline/?start=2026-02-01T10:00&value=15&unit=natural_day")
    assert "2026-02-24" in page.content.decode()
    bad = client.get("/calendar/deadline/?start=oops&value=15")
    assert "请填写正确的起算日期" in bad.content.decode()
