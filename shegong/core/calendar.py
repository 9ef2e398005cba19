"""The Django side of the working-day calendar: admin-entered days override the library.

``get_calendar()`` returns a :class:`shegong.lib.workcalendar.WorkCalendar` whose override
source reads :class:`CalendarDay` / :class:`CalendarYear`. Overrides are cached per process
and dropped whenever an administrator saves a day or a year (``invalidate()``).
"""

from __future__ import annotations

import threading
import zoneinfo
from datetime import date

from django.conf import settings

from shegong.lib.workcalendar import WorkCalendar

from .models import CalendarDay, CalendarYear

_lock = threading.Lock()
_cached: WorkCalendar | None = None


class DatabaseOverrides:
    """DayOverrideSource backed by the CalendarDay/CalendarYear tables (loaded once)."""

    def __init__(self) -> None:
        self._days = dict(CalendarDay.objects.values_list("date", "is_workday"))
        self._complete = frozenset(
            CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
        )

    def day_kind(self, day: date) -> bool | None:
        return self._days.get(day)

    def complete_years(self) -> frozenset[int]:
        return self._complete


def get_calendar() -> WorkCalendar:
    global _cached
    with _lock:
        if _cached is None:
            _cached = WorkCalendar(DatabaseOverrides(), tz=zoneinfo.ZoneInfo(settings.TIME_ZONE))
        return _cached


def invalidate() -> None:
    global _cached
    with _lock:
        _cached = None
