"""The warm state of triage: the near-duplicate index of recent appeals and the routing
history (what dispatchers did with closed appeals), per process, built lazily and caught up
with the database on every call (by primary key / by close time).

Only the task worker needs them: pages never triage (``services.triage_for`` queues a task),
and the worker builds them once at start (``services.preload``) and keeps them current.
Callers that read or extend them hold ``_lock``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.units.choices import UnitKind

if TYPE_CHECKING:
    from shegong.textmining import RoutingHistory

DUPLICATE_DAYS = 90
HISTORY_DAYS = 365
LOCAL_STREET_OFFICE = -1  # a vote for "the street office where it happened"
# A long-lived worker's near-duplicate index only grows (removing an entry frees nothing):
# it is rebuilt from the last DUPLICATE_DAYS once it holds this many days more.
INDEX_REBUILD_DAYS = 30

_lock = threading.RLock()
_index: Any = None
_indexed: set[str] = set()
_last_pk = 0
_index_since: datetime | None = None  # the window's start when the index was built
_history: Any = None
_history_mark: tuple[datetime, int] | None = None
# What dispatchers did per category: (category, district code or "") → {unit id: count},
# kept alongside the routing history from the same records.
_category_units: dict[tuple[str, str], Counter[int]] = {}

logger = logging.getLogger(__name__)
SNAPSHOT_FORMAT = "shegong.triage.routing-history/1"


_batch_depth = 0


@contextmanager
def one_catch_up(now: datetime | None = None) -> Iterator[None]:
    """Within it, the indexes catch up with the database once (at entry), not on every
    call: for a batch of appeals triaged together (intake's group-commit batch), all of
    them already committed. Holds ``_lock`` throughout."""
    global _batch_depth
    with _lock:
        get_index(now)
        get_routing_history(now)
        _batch_depth += 1
        try:
            yield
        finally:
            _batch_depth -= 1


def reset_caches() -> None:
    """Drop the per-process near-duplicate index and routing history (tests; bulk deletes)."""
    global _index, _last_pk, _index_since, _history, _history_mark
    with _lock:
        _index, _index_since = None, None
        _indexed.clear()
        _last_pk = 0
        _history, _history_mark = None, None
        _category_units.clear()


def _text(appeal: Appeal) -> str:
    return f"{appeal.title}\n{appeal.body}"


def _person_key(appeal: Appeal) -> str | None:
    p = appeal.petitioner
    if p is None:
        return None
    return str(p.phone_bidx or p.id_number_bidx or "") or None


def _index_add(appeal: Appeal) -> None:
    key = str(appeal.pk)
    if key in _indexed:
        return
    _index.add(key, _text(appeal), person_key=_person_key(appeal), time=appeal.registered_at)
    _indexed.add(key)


def get_index(now: datetime | None = None) -> Any:
    """The near-duplicate index of recent appeals, caught up with the database (rebuilt
    when it holds ``INDEX_REBUILD_DAYS`` more than the last ``DUPLICATE_DAYS``)."""
    global _index, _last_pk, _index_since
    now = now or timezone.now()
    since = now - timedelta(days=DUPLICATE_DAYS)
    with _lock:
        if _batch_depth and _index is not None:
            return _index  # caught up at the batch's start (one_catch_up)
        if _index_since is not None and since - _index_since > timedelta(days=INDEX_REBUILD_DAYS):
            _index, _index_since, _last_pk = None, None, 0
            _indexed.clear()
        if _index is None:
            from shegong.textmining import NearDuplicateIndex

            _index, _index_since = NearDuplicateIndex(), since
        fresh = (
            Appeal.objects.filter(pk__gt=_last_pk, registered_at__gte=since)
            .select_related("petitioner")
            .order_by("pk")
        )
        for appeal in fresh.iterator(chunk_size=500):
            _index_add(appeal)
            _last_pk = max(_last_pk, appeal.pk)
        return _index


def _district_of_code(code: str | None) -> str:
    """The district (区县) part of a region code: GB/T 2260's first 6 digits."""
    return code[:6] if code and len(code) >= 6 and code[:6].isdigit() else ""


def get_routing_history(now: datetime | None = None) -> Any:
    """Per-process ``RoutingHistory`` of closed appeals and their final 主办 unit (the last
    ``HISTORY_DAYS``, at most ``SHEGONG_TRIAGE_ROUTING_HISTORY`` most recent), caught up with
    the database on every call. Callers hold ``_lock``."""
    global _history, _history_mark
    from django.conf import settings

    from shegong.textmining import HistoryRecord, RoutingHistory

    if _batch_depth and _history is not None:
        return _history  # caught up at the batch's start (one_catch_up)
    now = now or timezone.now()
    cap = int(getattr(settings, "SHEGONG_TRIAGE_ROUTING_HISTORY", 200_000))
    first = _history is None
    if _history is not None and len(_history) > cap * 1.25:
        _history, _history_mark = None, None  # rebuilt from the most recent `cap`
    if _history is None:
        _category_units.clear()
    if first:
        _history, _history_mark = _load_snapshot()
    base = Appeal.objects.filter(
        status=AppealStatus.CLOSED,
        lead_unit__isnull=False,
        closed_at__gte=now - timedelta(days=HISTORY_DAYS),
    )
    if _history is None:
        _history = RoutingHistory()
        newest = base.order_by("-closed_at", "-pk").values_list("closed_at", "pk")[cap - 1 : cap]
        floor = next(iter(newest), None)
        if floor is not None:
            base = base.filter(Q(closed_at__gt=floor[0]) | Q(closed_at=floor[0], pk__gte=floor[1]))
    elif _history_mark is not None:
        at, pk = _history_mark
        base = base.filter(Q(closed_at__gt=at) | Q(closed_at=at, pk__gt=pk))
    rows = base.order_by("closed_at", "pk").values_list(
        "pk",
        "title",
        "body",
        "lead_unit_id",
        "lead_unit__kind",
        "category_l1",
        "triage__category_l1",
        "region__code",
        "closed_at",
    )
    records = []
    for row in rows.iterator(chunk_size=2000):
        pk, title, body, unit_id, unit_kind, final_l1, guessed_l1, region_code, closed_at = row
        category = final_l1 or guessed_l1 or ""
        records.append(
            HistoryRecord(
                appeal_id=str(pk),
                text=f"{title}\n{body}",
                unit=str(unit_id),
                category=category or None,
                region_code=region_code,
            )
        )
        if category:
            # Street offices count as one "the local street office" (属地): the lesson is
            # that this category goes to whichever street it happens in.
            voter = LOCAL_STREET_OFFICE if unit_kind == UnitKind.STREET_OFFICE else unit_id
            _category_units.setdefault((category, ""), Counter())[voter] += 1
            district = _district_of_code(region_code)
            if district:
                _category_units.setdefault((category, district), Counter())[voter] += 1
        _history_mark = (closed_at, pk) if closed_at is not None else _history_mark
    if records:
        _history.add_many(records)
    return _history


# -- the routing history on disk ---------------------------------------------------------
#
# Built from the database once, the history is written to
# ``SHEGONG_DATA_DIR/triage/routing-history/`` by the hourly job (``save_snapshot``); a
# worker that starts loads it (seconds, no texts read from the database, no build peak) and
# catches up from its mark — the (closed_at, pk) of the last appeal in it. Web processes
# never load it (they never triage). A snapshot of another database, or whose last appeal
# is gone, is ignored: the history is built from the database as before.


def snapshot_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "triage" / "routing-history"


def _database_name() -> str:
    from django.db import connection

    return str(connection.settings_dict.get("NAME") or "")


def save_snapshot(now: datetime | None = None) -> int:
    """Catch this process's routing history up and write it (with its mark and the category
    counts) to ``snapshot_dir()``, replacing the previous one atomically. Returns its size."""
    target = snapshot_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    old = target.with_name(f"{target.name}.old{os.getpid()}")
    with _lock:
        history = get_routing_history(now)
        shutil.rmtree(tmp, ignore_errors=True)
        history.save(tmp)
        state = {
            "format": SNAPSHOT_FORMAT,
            "database": _database_name(),
            "mark": [_history_mark[0].isoformat(), _history_mark[1]] if _history_mark else None,
            "category_units": [
                [category, district, {str(u): n for u, n in counts.items()}]
                for (category, district), counts in _category_units.items()
            ],
        }
        (tmp / "state.json").write_text(json.dumps(state, ensure_ascii=False), "utf-8")
        size = len(history)
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return size


def _load_snapshot() -> tuple[RoutingHistory | None, tuple[datetime, int] | None]:
    """(history, mark) from ``snapshot_dir()`` (filling ``_category_units``), or (None, None)
    when there is none or it does not fit this database."""
    from shegong.textmining import RoutingHistory

    src = snapshot_dir()
    try:
        state = json.loads((src / "state.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None, None
    mark = state.get("mark")
    if state.get("format") != SNAPSHOT_FORMAT or state.get("database") != _database_name():
        return None, None
    if not mark:
        return None, None  # an empty history: nothing to save a build for
    at = datetime.fromisoformat(mark[0])
    if not Appeal.objects.filter(pk=mark[1], closed_at=at).exists():
        logger.warning("routing history snapshot %s does not fit the database; rebuilding", src)
        return None, None
    try:
        history = RoutingHistory.load(src)
    except (OSError, ValueError, KeyError):
        logger.exception("routing history snapshot %s unreadable; rebuilding", src)
        return None, None
    for category, district, counts in state.get("category_units", []):
        _category_units[(category, district)] = Counter({int(u): n for u, n in counts.items()})
    return history, (at, int(mark[1]))
