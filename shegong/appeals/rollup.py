"""Maintaining the cockpit's daily rollup of appeals (``models.AppealDayStat``).

``sync()`` is incremental: it finds the appeals written since its last run through the
``updated_at`` index (every write path sets it: ``save``, ``services.common.bump``,
``core.db.bulk_insert``, the history import), takes their registration days and recomputes
those days in full — so a late correction (reopened, merged, reclassified, moved to another
region) rewrites the day it belongs to, whatever changed. It never runs inside a page:
``tasks.request_rollup_sync()`` (called by intake and ``services.common.bump``) queues one
``tasks.sync_appeal_rollup`` after the transaction commits, deduplicated by a cache guard
(``tasks.ROLLUP_QUEUED_KEY``, as triage's pending guard); the periodic job ``appeals.rollup``
runs it every 5 minutes for the paths that write without either (the history import,
queryset updates). The cockpit reads the rollup as it is and shows ``synced_at()``
(「数据更新于 HH:MM」). ``shegong appeals_rollup`` runs it or ``rebuild()`` from the command
line. ``SLACK`` re-reads the last minutes before the mark: a transaction that committed late
with an earlier ``updated_at`` is still seen.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from datetime import timedelta
from typing import TypedDict

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .choices import OPEN_APPEAL_STATES, AppealStatus
from .filters import counted_q
from .models import Appeal, AppealDayStat, RollupMark

NAME = "appeal_day"
SLACK = timedelta(minutes=10)
COUNTED = counted_q()


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """[start 00:00, end+1 00:00) in the current (Beijing) time zone."""
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + timedelta(days=1), datetime.time.min, tzinfo=tz)
    return lo, hi


class DayRow(TypedDict):
    day: datetime.date
    region_id: int
    category_l1: str
    n: int
    n_open: int
    n_closed: int
    n_group: int
    n_headcount: int | None


def aggregate(appeals: QuerySet[Appeal]) -> QuerySet[Appeal, DayRow]:
    """``(day, region_id, category, registered, open, closed, group, headcount)`` rows of
    counted ``appeals``: the direct query the rollup caches."""
    return (
        appeals.filter(COUNTED)
        .annotate(day=TruncDate("registered_at"))
        .values("day", "region_id", "category_l1")
        .annotate(
            n=Count("pk"),
            n_open=Count("pk", filter=Q(status__in=OPEN_APPEAL_STATES)),
            n_closed=Count("pk", filter=Q(status=AppealStatus.CLOSED)),
            n_group=Count("pk", filter=Q(is_group=True)),
            n_headcount=Sum("headcount", filter=Q(is_group=True)),
        )
        .order_by()
    )


def _recompute(days: set[datetime.date]) -> int:
    """Replace the rows of ``days``; returns the number of rows written."""
    written = 0
    ordered = sorted(days)
    for i in range(0, len(ordered), 200):
        chunk = ordered[i : i + 200]
        lo, hi = day_bounds(chunk[0], chunk[-1])
        wanted = set(chunk)
        rows = [
            AppealDayStat(
                day=r["day"],
                region_id=r["region_id"],
                category=r["category_l1"],
                registered=r["n"],
                open=r["n_open"],
                closed=r["n_closed"],
                group=r["n_group"],
                headcount=r["n_headcount"] or 0,
            )
            for r in aggregate(Appeal.objects.filter(registered_at__gte=lo, registered_at__lt=hi))
            if r["day"] in wanted
        ]
        AppealDayStat.objects.filter(day__in=chunk).delete()
        AppealDayStat.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written


def _mark() -> RollupMark:
    mark, _ = RollupMark.objects.get_or_create(name=NAME)
    return RollupMark.objects.select_for_update().get(pk=mark.pk)


def sync(now: datetime.datetime | None = None) -> int:
    """Bring the rollup up to date with every appeal written until ``now``; returns the
    number of days recomputed. The first run rebuilds everything."""
    now = now or timezone.now()
    with transaction.atomic():
        mark = _mark()
        if mark.synced_to is None:
            days = rebuild_days()
        else:
            touched = (
                Appeal.objects.filter(updated_at__gte=mark.synced_to - SLACK)
                .annotate(day=TruncDate("registered_at"))
                .values_list("day", flat=True)
                .distinct()
                .order_by()
            )
            days = {d for d in touched if d is not None}
            _recompute(days)
        mark.synced_to = now
        mark.save(update_fields=["synced_to"])
    return len(days)


def synced_at() -> datetime.datetime | None:
    """Until when the rollup has read the appeals (None: never built)."""
    mark = RollupMark.objects.filter(name=NAME).only("synced_to").first()
    return mark.synced_to if mark is not None else None


def needs_sync() -> bool:
    """True when an appeal was written since the last run (or it never ran)."""
    mark = RollupMark.objects.filter(name=NAME).only("synced_to").first()
    if mark is None or mark.synced_to is None:
        return True
    return Appeal.objects.filter(updated_at__gte=mark.synced_to - SLACK).exists()


def rebuild_days(days: Iterable[datetime.date] | None = None) -> set[datetime.date]:
    """Recompute ``days`` (all days when None): the whole table, month by month."""
    if days is not None:
        wanted = set(days)
        _recompute(wanted)
        return wanted
    first = Appeal.objects.order_by("registered_at").values_list("registered_at", flat=True).first()
    last = Appeal.objects.order_by("-registered_at").values_list("registered_at", flat=True).first()
    AppealDayStat.objects.all().delete()
    if first is None or last is None:
        return set()
    start = timezone.localdate(first)
    end = timezone.localdate(last)
    all_days: set[datetime.date] = set()
    cursor = start
    while cursor <= end:
        chunk = {cursor + timedelta(days=i) for i in range(31) if cursor + timedelta(days=i) <= end}
        _recompute(chunk)
        all_days |= chunk
        cursor += timedelta(days=31)
    return all_days


def rebuild() -> int:
    """Recompute the whole rollup and set the mark to now; returns the number of rows."""
    now = timezone.now()
    with transaction.atomic():
        mark = _mark()
        rebuild_days()
        mark.synced_to = now
        mark.save(update_fields=["synced_to"])
    return AppealDayStat.objects.count()
