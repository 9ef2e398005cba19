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
from typing import NotRequired, TypedDict

from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from shegong.regions.models import Region

from .choices import OPEN_APPEAL_STATES, AppealStatus
from .filters import counted_q
from .models import Appeal, AppealDayStat, AppealMonthStat, RollupMark

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
    region__path: NotRequired[str]  # with_path=True
    category_l1: str
    n: int
    n_open: int
    n_closed: int
    n_group: int
    n_headcount: int | None


def aggregate(appeals: QuerySet[Appeal], *, with_path: bool = False) -> QuerySet[Appeal, DayRow]:
    """``(day, region_id, category, registered, open, closed, group, headcount)`` rows of
    counted ``appeals``: the direct query the rollup caches; ``with_path`` adds the region's
    current path (``region__path``, one join per appeal: for the few days ``sync`` reads)."""
    keys = ("day", "region_id", *(("region__path",) if with_path else ()), "category_l1")
    return (
        appeals.filter(COUNTED)
        .annotate(day=TruncDate("registered_at"))
        .values(*keys)
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
                region_path=r.get("region__path", ""),
                category=r["category_l1"],
                registered=r["n"],
                open=r["n_open"],
                closed=r["n_closed"],
                group=r["n_group"],
                headcount=r["n_headcount"] or 0,
            )
            for r in aggregate(
                Appeal.objects.filter(registered_at__gte=lo, registered_at__lt=hi), with_path=True
            )
            if r["day"] in wanted
        ]
        AppealDayStat.objects.filter(day__in=chunk).delete()
        AppealDayStat.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    _recompute_months({d.replace(day=1) for d in days})
    return written


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _recompute_months(months: set[datetime.date]) -> None:
    """Replace the month rows of ``months`` (first days) by the sums of their day rows."""
    for month in sorted(months):
        rows = (
            AppealDayStat.objects.filter(day__gte=month, day__lt=next_month(month))
            .values("region_id", "category")
            .annotate(
                # one row per region whatever its day rows say (a path copy left behind
                # must not make two month rows for one region: appeal_month_stat_once)
                path=Max("region_path"),
                r=Sum("registered"),
                o=Sum("open"),
                c=Sum("closed"),
                g=Sum("group"),
                h=Sum("headcount"),
            )
            .order_by()
        )
        stats = [
            AppealMonthStat(
                month=month,
                region_id=row["region_id"],
                region_path=row["path"],
                category=row["category"],
                registered=row["r"] or 0,
                open=row["o"] or 0,
                closed=row["c"] or 0,
                group=row["g"] or 0,
                headcount=row["h"] or 0,
            )
            for row in rows
        ]
        AppealMonthStat.objects.filter(month=month).delete()
        AppealMonthStat.objects.bulk_create(stats, batch_size=2000)


class Period(TypedDict):
    """A period cut for the rollup: whole months read from the month table, the rest of
    the days (at most two partial months, one at each end) from the day table."""

    months: tuple[datetime.date, datetime.date] | None  # first and last whole month
    days: list[tuple[datetime.date, datetime.date]]  # inclusive day ranges


def split(start: datetime.date, end: datetime.date) -> Period:
    """``[start, end]`` as whole months plus edge days; a period inside one month, or
    without a whole month, is all days."""
    first = start if start.day == 1 else next_month(start)
    after = next_month(end) if next_month(end) - timedelta(days=1) == end else end.replace(day=1)
    if first >= after:
        return {"months": None, "days": [(start, end)] if start <= end else []}
    days = []
    if start < first:
        days.append((start, first - timedelta(days=1)))
    if after <= end:
        days.append((after, end))
    last = (after - timedelta(days=1)).replace(day=1)
    return {"months": (first, last), "days": days}


def days_in(lo: datetime.date, hi: datetime.date) -> Q:
    """``lo`` ≤ day ≤ ``hi`` as a list of the days, not a range. SQLite estimates every
    two-sided range alike (no statistics of values), so a range of days and a range of region
    paths look equally selective and the planner may take the ``(day, region, category)``
    index, reading every region's rows of the period for one street (37 ms instead of 0.3 on
    the metro world). A list is costed from ``ANALYZE``'s rows per day, so a region's path
    range wins when it is narrower, and the whole tree still seeks each day."""
    return Q(day__in=[lo + timedelta(days=i) for i in range((hi - lo).days + 1)])


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first days of the months from ``start``'s to ``end``'s, both included."""
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def months_in(lo: datetime.date, hi: datetime.date) -> Q:
    """``lo`` ≤ month ≤ ``hi`` (first days) as a list of the months: see :func:`days_in`."""
    return Q(month__in=months_between(lo, hi))


def period_parts(
    start: datetime.date, end: datetime.date, where: Q
) -> list[QuerySet[AppealDayStat] | QuerySet[AppealMonthStat]]:
    """The rollup rows of ``[start, end]`` matching ``where`` (on the fields the two tables
    share: ``region``, ``category``, the counts): month rows for the whole months and day
    rows for the edges. Sum a count over every part to get the period's."""
    period = split(start, end)
    parts: list[QuerySet[AppealDayStat] | QuerySet[AppealMonthStat]] = [
        AppealDayStat.objects.filter(where, days_in(lo, hi)) for lo, hi in period["days"]
    ]
    if period["months"] is not None:
        parts.append(AppealMonthStat.objects.filter(where, months_in(*period["months"])))
    return parts


def monthly(start: datetime.date, end: datetime.date, where: Q) -> dict[datetime.date, int]:
    """Registered appeals per month (first day) of ``[start, end]`` (partial months at
    the ends counted over their days in the period)."""
    period = split(start, end)
    counts: dict[datetime.date, int] = {}
    for lo, hi in period["days"]:
        # a run of edge days without a whole month between may still cross a month's end
        days = (
            AppealDayStat.objects.filter(where, days_in(lo, hi))
            .values_list("day", "registered")
            .order_by()
        )
        for day, n in days:
            month = day.replace(day=1)
            counts[month] = counts.get(month, 0) + int(n or 0)
    if period["months"] is not None:
        rows = (
            AppealMonthStat.objects.filter(where, months_in(*period["months"]))
            .values_list("month")
            .annotate(n=Sum("registered"))
            .values_list("month", "n")
        )
        counts.update({month: int(n or 0) for month, n in rows})
    return counts


def _mark() -> RollupMark:
    mark, _ = RollupMark.objects.get_or_create(name=NAME)
    return RollupMark.objects.select_for_update().get(pk=mark.pk)


def lock_for_move() -> None:
    """A region move's lock before it rewrites the rollup's path copies (``AppealsConfig``
    registers it): the sync holds the same row for its whole transaction, so a sync that
    read the old paths commits first and the move's rewrite then sees its rows; or the
    sync waits and reads the new paths (PostgreSQL's READ COMMITTED; SQLite runs the two
    one after the other anyway)."""
    _mark()


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
    """Recompute ``days``; all days when None: the whole table, set-based."""
    if days is not None:
        wanted = set(days)
        _recompute(wanted)
        return wanted
    first = Appeal.objects.order_by("registered_at").values_list("registered_at", flat=True).first()
    last = Appeal.objects.order_by("-registered_at").values_list("registered_at", flat=True).first()
    AppealDayStat.objects.all().delete()
    AppealMonthStat.objects.all().delete()
    if first is None or last is None:
        return set()
    _insert_all()
    start = timezone.localdate(first)
    return {start + timedelta(days=i) for i in range((timezone.localdate(last) - start).days + 1)}


_COUNTS = ("registered", "open", "closed", "group", "headcount")


def _insert_all() -> None:
    """Every day row in one ``INSERT … SELECT`` over ``aggregate(every appeal)`` (the very
    query ``_recompute`` reads), then every month row in one over the day rows: the
    database groups millions of appeals without a row passing through Python. Written in
    (day, region, category) order: a period's rows lie together in the table (grouped by
    hash they were scattered, ~1.5 rows per page read at 5,000,000 appeals). The region's
    path is joined to each day row (not to each appeal), the month rows take it from the
    day rows."""
    columns = ", ".join(f'"{c}"' for c in ("day", "region_id", "region_path", "category", *_COUNTS))
    regions = Region._meta.db_table
    day_sql, day_params = aggregate(Appeal.objects.all()).query.sql_with_params()
    months = (
        AppealDayStat.objects.annotate(m=TruncMonth("day"))
        .values("m", "region_id", "region_path", "category")
        .annotate(
            r=Sum("registered"), o=Sum("open"), c=Sum("closed"), g=Sum("group"), h=Sum("headcount")
        )
        .order_by()
    )
    month_sql, month_params = months.query.sql_with_params()
    month_columns = columns.replace('"day"', '"month"', 1)
    with connection.cursor() as cursor:
        # Table and column names are the models' own; the values are the ORM's parameters.
        cursor.execute(
            f'INSERT INTO "{AppealDayStat._meta.db_table}" ({columns}) '  # noqa: S608
            "SELECT t.day, t.region_id, r.path, t.category_l1, t.n, t.n_open, t.n_closed, "
            f"t.n_group, COALESCE(t.n_headcount, 0) FROM ({day_sql}) t "
            f'JOIN "{regions}" r ON r.id = t.region_id ORDER BY 1, 2, 4',
            day_params,
        )
        cursor.execute(
            f'INSERT INTO "{AppealMonthStat._meta.db_table}" ({month_columns}) '  # noqa: S608
            "SELECT t.m, t.region_id, t.region_path, t.category, COALESCE(t.r, 0), "
            "COALESCE(t.o, 0), COALESCE(t.c, 0), COALESCE(t.g, 0), COALESCE(t.h, 0) "
            f"FROM ({month_sql}) t ORDER BY 1, 2, 4",
            month_params,
        )


def rebuild() -> int:
    """Recompute the whole rollup and set the mark to now; returns the number of rows."""
    now = timezone.now()
    with transaction.atomic():
        mark = _mark()
        rebuild_days()
        mark.synced_to = now
        mark.save(update_fields=["synced_to"])
    return AppealDayStat.objects.count()
