"""The warm state of triage: the near-duplicate index of recent appeals and the routing
history (what dispatchers did with closed appeals), per process, built lazily and caught up
with the database on every call (by primary key / by close time).

Only the task worker needs them: pages never triage (``panel.triage_for`` queues a task),
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

import numpy as np
import numpy.typing as npt
from django.db.models import Q
from django.utils import timezone

from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.units.choices import UnitKind

if TYPE_CHECKING:
    from shegong.textmining import HistoryRecord, RoutingHistory

DUPLICATE_DAYS = 90
HISTORY_DAYS = 365
# The petitioner's encrypted fields: triage links a person's appeals by the blind indexes
# only, so it never reads (nor decrypts) these.
PETITIONER_SECRETS = ("name", "phone", "id_number", "address")
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
_history_built_at: datetime | None = None  # when it was built from the database
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
    global _index, _last_pk, _index_since
    with _lock:
        _index, _index_since = None, None
        _indexed.clear()
        _recent.clear()
        _last_pk = 0
    reset_history()


def _text(appeal: Appeal) -> str:
    return f"{appeal.title}\n{appeal.body}"


def _person_key(appeal: Appeal) -> str | None:
    p = appeal.petitioner
    if p is None:
        return None
    return str(p.phone_bidx or p.id_number_bidx or "") or None


# The match key and signature of what the last catch-up indexed (the appeals of the batch
# being triaged, mostly), so the batch's near-duplicate checks do not compute them again.
# Only kept for a catch-up of at most RECENT_MAX appeals (not for the first build).
RECENT_MAX = 1000
_recent: dict[str, tuple[str, str, npt.NDArray[np.uint32]]] = {}  # key → (text, key, sig)


def text_signature(appeal: Appeal) -> tuple[str, npt.NDArray[np.uint32]]:
    """The ``match_key`` of the appeal's text and its near-duplicate signature: from the last
    catch-up when it indexed this very text, else computed. Callers hold ``_lock``."""
    from shegong.textmining.normalize import match_key

    text = _text(appeal)
    known = _recent.get(str(appeal.pk))
    if known is not None and known[0] == text:
        return known[1], known[2]
    key = match_key(text)
    return key, _index.signature(text, key=key)


def _index_add(appeal: Appeal, sig: npt.NDArray[np.uint32] | None = None) -> None:
    key = str(appeal.pk)
    if key in _indexed:
        return
    if sig is None:
        sig = _index.signature(_text(appeal))
    _index.add_signatures(
        [key],
        sig[np.newaxis, :],
        person_keys=[_person_key(appeal)],
        times=[appeal.registered_at],
    )
    _indexed.add(key)


def _person_key_of(phone_bidx: str | None, id_number_bidx: str | None) -> str | None:
    """``_person_key`` from the petitioner's blind indexes (both None: no petitioner)."""
    return str(phone_bidx or id_number_bidx or "") or None


# (pk, title, body, registered_at, phone_bidx, id_number_bidx) of an appeal to index
IndexRow = tuple[int, str, str, datetime, str | None, str | None]


def _index_rows(rows: list[IndexRow], *, remember: bool) -> None:
    """Index ``(pk, title, body, registered_at, phone_bidx, id_number_bidx)`` rows not yet
    indexed, in one ``add_signatures`` (what ``_index_add`` does one by one)."""
    from shegong.textmining.normalize import match_key

    rows = [r for r in rows if str(r[0]) not in _indexed]
    if not rows:
        return
    keys, sigs = [], []
    for pk, title, body, _at, _phone, _id_number in rows:
        text = f"{title}\n{body}"
        mkey = match_key(text)
        sig = _index.signature(text, key=mkey)
        keys.append(str(pk))
        sigs.append(sig)
        if remember:
            _recent[str(pk)] = (text, mkey, sig)
    _index.add_signatures(
        keys,
        np.vstack(sigs),
        person_keys=[_person_key_of(r[4], r[5]) for r in rows],
        times=[r[3] for r in rows],
    )
    _indexed.update(keys)


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
            _recent.clear()
        if _index is None:
            from shegong.textmining import NearDuplicateIndex

            _index, _index_since = NearDuplicateIndex(), since
        fresh = (
            Appeal.objects.filter(pk__gt=_last_pk, registered_at__gte=since)
            .order_by("pk")
            # the blind indexes only: nothing personal is decrypted for the index
            .values_list(
                "pk",
                "title",
                "body",
                "registered_at",
                "petitioner__phone_bidx",
                "petitioner__id_number_bidx",
            )
        )
        _recent.clear()
        remember = True
        chunk: list[IndexRow] = []
        for row in fresh.iterator(chunk_size=500):
            chunk.append(row)
            if len(chunk) == 500:
                remember = remember and len(_recent) + len(chunk) <= RECENT_MAX
                _index_rows(chunk, remember=remember)
                _last_pk = max(_last_pk, chunk[-1][0])
                chunk = []
        if chunk:
            _index_rows(chunk, remember=remember and len(_recent) + len(chunk) <= RECENT_MAX)
            _last_pk = max(_last_pk, chunk[-1][0])
        return _index


def _district_of_code(code: str | None) -> str:
    """The district (区县) part of a region code: GB/T 2260's first 6 digits."""
    return code[:6] if code and len(code) >= 6 and code[:6].isdigit() else ""


def _history_max_age() -> timedelta:
    from django.conf import settings

    return timedelta(days=float(getattr(settings, "SHEGONG_TRIAGE_HISTORY_REBUILD_DAYS", 7)))


def get_routing_history(now: datetime | None = None) -> Any:
    """Per-process ``RoutingHistory`` of closed appeals and their final 主办 unit (the last
    ``HISTORY_DAYS``, at most ``SHEGONG_TRIAGE_ROUTING_HISTORY`` most recent), caught up with
    the database on every call. Callers hold ``_lock``.

    Built into locals: the history, its mark and the category counts change together, only
    once every row was read. A failure half-way (a database error, the task's time limit)
    drops all three, so the next call builds again rather than catching up from a mark past
    records it never added (which the hourly snapshot would then persist). A history built
    more than ``SHEGONG_TRIAGE_HISTORY_REBUILD_DAYS`` (7) days ago is built again from the
    database: records that left the window or changed since (deleted, merged, reopened
    appeals) go."""
    global _history, _history_mark, _history_built_at
    from django.conf import settings

    if _batch_depth and _history is not None:
        return _history  # caught up at the batch's start (one_catch_up)
    now = now or timezone.now()
    wall = timezone.now()
    cap = int(getattr(settings, "SHEGONG_TRIAGE_ROUTING_HISTORY", 200_000))
    history, mark, built_at = _history, _history_mark, _history_built_at
    counts: dict[tuple[str, str], Counter[int]] = {}
    try:
        if history is not None and (
            len(history) > cap * 1.25 or built_at is None or wall - built_at > _history_max_age()
        ):
            history, mark, built_at = None, None, None  # rebuilt from the database
        elif history is None:
            loaded = _load_snapshot(wall)
            if loaded is not None:
                history, mark, built_at, counts = loaded
        else:
            counts = _category_units  # caught up in place below, once every row is read
        records, delta, new_mark = _read_history(now, cap, mark if history is not None else None)
        if history is None:
            from shegong.textmining import RoutingHistory

            history, built_at, counts = RoutingHistory(), wall, {}
        if records:
            history.add_many(records)
    except BaseException:
        reset_history()
        raise
    if counts is not _category_units:
        _category_units.clear()
        _category_units.update(counts)
    for key, add in delta.items():
        _category_units.setdefault(key, Counter()).update(add)
    _history, _history_mark, _history_built_at = history, new_mark or mark, built_at
    return _history


def reset_history() -> None:
    """Drop the routing history, its mark and the category counts together."""
    global _history, _history_mark, _history_built_at
    with _lock:
        _history, _history_mark, _history_built_at = None, None, None
        _category_units.clear()


def _read_history(
    now: datetime, cap: int, mark: tuple[datetime, int] | None
) -> tuple[list[HistoryRecord], dict[tuple[str, str], Counter[int]], tuple[datetime, int] | None]:
    """The history records of closed appeals after ``mark`` (all of the window's most recent
    ``cap`` without one), their category counts and the new mark. Changes no state."""
    from shegong.textmining import HistoryRecord

    base = Appeal.objects.filter(
        status=AppealStatus.CLOSED,
        lead_unit__isnull=False,
        closed_at__gte=now - timedelta(days=HISTORY_DAYS),
    )
    if mark is None:
        newest = base.order_by("-closed_at", "-pk").values_list("closed_at", "pk")[cap - 1 : cap]
        floor = next(iter(newest), None)
        if floor is not None:
            base = base.filter(Q(closed_at__gt=floor[0]) | Q(closed_at=floor[0], pk__gte=floor[1]))
    else:
        at, pk = mark
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
    counts: dict[tuple[str, str], Counter[int]] = {}
    new_mark: tuple[datetime, int] | None = None
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
            counts.setdefault((category, ""), Counter())[voter] += 1
            district = _district_of_code(region_code)
            if district:
                counts.setdefault((category, district), Counter())[voter] += 1
        new_mark = (closed_at, pk) if closed_at is not None else new_mark
    return records, counts, new_mark


# -- the routing history on disk ---------------------------------------------------------
#
# Built from the database, the history is written by the hourly job (``save_snapshot``) to
# ``SHEGONG_DATA_DIR/triage/routing-history/``: each snapshot in its own directory
# ``v<time>-<pid>/`` (``meta.json``, ``arrays.npz``, ``rows.jsonl``, ``state.json``, every
# file and the directory fsynced), then the pointer file ``CURRENT`` is replaced by
# ``os.replace`` to name it. Writers hold ``triage/.snapshot.lock`` (``flock``), so two never
# interleave, and delete older versions and stale temporary files under it. A reader reads
# ``CURRENT`` once and everything from the directory it names: never one snapshot's state
# with another's arrays.
#
# A worker that starts loads it (seconds, no texts read from the database, no build peak)
# and catches up from its mark — the (closed_at, pk) of the last appeal in it. Web processes
# never load it (they never triage). A snapshot of another database (host, port, name),
# built more than ``SHEGONG_TRIAGE_HISTORY_REBUILD_DAYS`` ago, or whose last appeal is gone,
# is ignored: the history is built from the database. One that cannot be read (truncated,
# malformed) is moved aside to ``triage/routing-history.bad-<time>/`` and logged; the
# history is built from the database and the next hourly job writes a good one.

CURRENT = "CURRENT"


def snapshot_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "triage" / "routing-history"


def current_snapshot() -> Path | None:
    """The directory of the current snapshot (what ``CURRENT`` names), or None."""
    root = snapshot_dir()
    try:
        name = (root / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"{root / CURRENT}: not a snapshot name: {name!r}")
    return root / name


def _database_identity() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"{s.get('HOST') or ''}:{s.get('PORT') or ''}/{s.get('NAME') or ''}"


@contextmanager
def _snapshot_lock() -> Iterator[None]:
    import fcntl

    root = snapshot_dir()
    root.mkdir(parents=True, exist_ok=True)
    with open(root.parent / ".snapshot.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_snapshot(now: datetime | None = None) -> int:
    """Catch this process's routing history up and write it (with its mark, the category
    counts and when it was built) as a new version in ``snapshot_dir()``, then point
    ``CURRENT`` at it. Returns its size."""
    root = snapshot_dir()
    # Lock order everywhere: ``_lock``, then the file lock (a failing load moves the
    # snapshot aside under the file lock while the caller holds ``_lock``).
    with _lock, _snapshot_lock():
        history = get_routing_history(now)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        tmp = root / f".tmp-{stamp}-{os.getpid()}"
        final = root / f"v{stamp}-{os.getpid()}"
        history.save(tmp)
        state = {
            "format": SNAPSHOT_FORMAT,
            "database": _database_identity(),
            "size": len(history),
            "built_at": _history_built_at.isoformat() if _history_built_at else None,
            "mark": [_history_mark[0].isoformat(), _history_mark[1]] if _history_mark else None,
            "category_units": [
                [category, district, {str(u): n for u, n in counts.items()}]
                for (category, district), counts in _category_units.items()
            ],
        }
        (tmp / "state.json").write_text(json.dumps(state, ensure_ascii=False), "utf-8")
        size = len(history)
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
        tmp.rename(final)
        pointer = root / f".{CURRENT}.tmp{os.getpid()}"
        with open(pointer, "w", encoding="utf-8") as fh:
            fh.write(final.name)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(pointer, root / CURRENT)
        _fsync_dir(root)
        for entry in root.iterdir():  # older versions, stale temporary files
            if entry.name == CURRENT or entry == final:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    return size


Loaded = tuple[
    "RoutingHistory", tuple[datetime, int], datetime, dict[tuple[str, str], Counter[int]]
]


def _load_snapshot(wall: datetime) -> Loaded | None:
    """(history, mark, built_at, category counts) of the current snapshot, or None when there
    is none, it does not fit this database or it is too old. An unreadable one is logged
    and moved aside."""
    try:
        src = current_snapshot()
        if src is None:
            return None
        loaded = _read_snapshot(src)
    except Exception:
        logger.exception("routing history snapshot unreadable; moved aside, rebuilding")
        _move_aside()
        return None
    if loaded is None:
        return None
    mark, built_at = loaded[1], loaded[2]
    if wall - built_at > _history_max_age():
        logger.info("routing history snapshot %s built %s; rebuilding", src, built_at)
        return None
    if not Appeal.objects.filter(pk=mark[1], closed_at=mark[0]).exists():
        logger.warning("routing history snapshot %s does not fit the database; rebuilding", src)
        return None
    return loaded


def _read_snapshot(src: Path) -> Loaded | None:
    """Everything of one snapshot directory; None if it is of another database or format
    or empty. Raises on anything malformed."""
    from shegong.textmining import RoutingHistory

    state = json.loads((src / "state.json").read_text("utf-8"))
    if state.get("format") != SNAPSHOT_FORMAT or state.get("database") != _database_identity():
        return None
    mark = state.get("mark")
    if not mark:
        return None  # an empty history: nothing to save a build for
    at, pk = datetime.fromisoformat(mark[0]), int(mark[1])
    built_at = datetime.fromisoformat(state["built_at"])
    history = RoutingHistory.load(src)
    if len(history) != int(state["size"]):
        raise ValueError(f"{src}: {len(history)} records, state.json says {state['size']}")
    counts = {
        (str(category), str(district)): Counter({int(u): int(n) for u, n in units.items()})
        for category, district, units in state["category_units"]
    }
    return history, (at, pk), built_at, counts


def _move_aside() -> None:
    """Move the current snapshot to ``routing-history.bad-<time>`` (kept for a look) and
    drop ``CURRENT``, so the next build writes a good one."""
    root = snapshot_dir()
    try:
        with _snapshot_lock():
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
            root.rename(root.with_name(f"{root.name}.bad-{stamp}"))
    except OSError:
        logger.exception("moving the routing history snapshot %s aside failed", root)
