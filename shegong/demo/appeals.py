"""Demo appeals: about four months of citizen appeals, through the appeal services.

Two paths, both the platform's own services (docs/demo.md):

* The newest ``STEP_APPEALS`` (all of them in the small demo) are simulated step by step
  (``appeal_sim``): registered with ``appeals.services.intake.submit_appeal`` (staff entry,
  the citizen portal, or 代填 by street staff) and moved along by the workflow services —
  accept, dispatch (主办 + 协办), sign, 退单 and re-dispatch (a second return escalates by
  属地兜底 inside the service), 吹哨报到, extensions, replies and 办结 — each with ``now=``
  set to a simulated moment in the last ``HISTORY_DAYS`` days. The periodic clock jobs
  (``services.clocks``) run every ``CLOCK_EVERY`` of simulated time, so warnings, breaches
  and escalations appear on the timeline where the real job would have put them. Steps that
  would lie in the future are not run: recent appeals are still open, and a few stalled
  ones are overdue relative to now.
* The older ones are planned as finished histories (``appeal_history``) and written by
  ``appeals.services.history_import.import_history`` — the bulk import of closed history
  an older system's cases would use, which writes the rows the step services write (the
  tests compare them row by row) and walks the same state machine. Older appeals the plan
  cannot finish cleanly (still open now), and a share ``EVENTFUL_HISTORY`` of those planned
  with a 退单, a late answer or a stall, go through the simulation instead.

Texts come from the public citizen messages in ``../shared/data/appeals`` (relative to the
project root, or ``SHEGONG_DEMO_TEXTS``; read at run time, never copied into the
repository), with the dataset's anonymised place names (A市, A3区 …) replaced by the demo
city's. Without that directory a small built-in list is used and the log says so.

Deterministic for a given rng seed and day: each appeal draws its decisions from its own
generator seeded from ``rng``; only the dates (and through the official calendar, the
deadlines) depend on when it runs.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.appeals.services import history_import

from .appeal_city import build_city
from .appeal_history import HistoryPlanner, plan_history
from .appeal_sim import Simulation
from .appeal_texts import FALLBACK_MESSAGES, HOURS, id_number, load_messages, localise, mobile

# The texts and people helpers are also read from here (tests, bench/appeals_intake.py,
# bench/triage_routing.py).
__all__ = [
    "APPEAL_COUNTS",
    "FALLBACK_MESSAGES",
    "arrivals",
    "generate_appeals",
    "id_number",
    "load_messages",
    "localise",
    "mobile",
]

# metro: a million appeals — the older ones go through the bulk history import at a few
# hundred per second (docs/demo.md has the sizes, times and disk).
APPEAL_COUNTS = {"small": 300, "city": 20_000, "metro": 1_000_000}
HISTORY_DAYS = 120
# The newest appeals go through the step-by-step services (and the clock jobs): open cases,
# 退单, 延期, 吹哨, overdue orders. The older ones are finished histories imported in bulk
# (``appeal_history``, ``appeals.services.history_import``).
STEP_APPEALS = 1_000
HISTORY_CHUNK = 500  # appeals per import call (one transaction each)
# The share of older appeals planned with a 退单, a late answer or a stall that still go
# through the services, so the history has some (the others are imported as plain histories).
EVENTFUL_HISTORY = 0.05


# --- entry point ----------------------------------------------------------------------------


def arrivals(
    count: int, rng: random.Random, now: datetime, days: int = HISTORY_DAYS
) -> list[tuple[datetime, int]]:
    """Registration moments over the last ``days`` days (busier by day, quieter at
    weekends), each with the seed of that appeal's own generator."""
    start = timezone.localtime(now) - timedelta(days=days)
    out: list[tuple[datetime, int]] = []
    hours = list(range(24))
    while len(out) < count:
        day = start + timedelta(days=rng.randrange(days + 1))
        if day.weekday() >= 5 and rng.random() < 0.35:
            continue
        hour = rng.choices(hours, weights=HOURS)[0]
        at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        if now - timedelta(days=days) <= at < now - timedelta(minutes=10):
            out.append((at, rng.getrandbits(63)))
    out.sort(key=lambda item: item[0])
    return out


def generate_appeals(
    size_name: str,
    *,
    rng: random.Random,
    log: Callable[[str], object] = print,
    count: int | None = None,
    now: datetime | None = None,
) -> int:
    """Create the demo appeals for a demo city of ``size_name``; returns how many."""
    count = APPEAL_COUNTS[size_name] if count is None else count
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    started = time.monotonic()
    log("诉求 …")
    messages, source = load_messages()
    log(f"  诉求文本：{source}")
    root = User.objects.get(username="admin")
    city = build_city(root, rng, log)
    sim = Simulation(city, messages, now)
    plan = arrivals(count, rng, now)
    # The older appeals as finished histories through the bulk import; the newest
    # STEP_APPEALS (and any history the plan cannot finish cleanly) through the services.
    cut = max(0, len(plan) - STEP_APPEALS)
    sim.clock_origin = plan[0][0] if plan else None
    imported = _import_history(sim, root, plan[:cut], log)
    live = [*sim.deferred, *plan[cut:]]
    live.sort(key=lambda item: item[0])
    # Citizens' SMS go to the console sender's log: keep the demo output readable.
    notify_logger = logging.getLogger("shegong.notify")
    level = notify_logger.level
    notify_logger.setLevel(logging.WARNING)
    try:
        sim.run(live, log)
    finally:
        notify_logger.setLevel(level)
    seconds = time.monotonic() - started
    statuses = Counter(Appeal.objects.values_list("status", flat=True))
    log(
        f"  诉求 {imported + sim.created:,} 件（批量导入历史 {imported:,} 件，"
        f"逐步办理 {sim.created:,} 件、服务调用 {sim.steps:,} 次），用时 {seconds:.1f} 秒"
        f"（每件 {1000 * seconds / max(imported + sim.created, 1):.1f} 毫秒）；"
        + "，".join(f"{AppealStatus(s).label} {n:,}" for s, n in statuses.most_common())
    )
    for message, n in sim.skipped.most_common(5):
        log(f"  未执行 {n} 次：{message}")
    return imported + sim.created


def _import_history(
    sim: Simulation, root: User, plan: list[tuple[datetime, int]], log: Callable[[str], object]
) -> int:
    """Plan and import the older appeals in chunks (memory stays flat at metro size);
    the ones the plan cannot finish go to ``sim.deferred`` for the services."""
    if not plan:
        return 0
    started = time.monotonic()
    planner = HistoryPlanner(sim)
    done = 0
    report_every = max(HISTORY_CHUNK, len(plan) // 10 // HISTORY_CHUNK * HISTORY_CHUNK)
    for start in range(0, len(plan), HISTORY_CHUNK):
        records, rest = plan_history(
            planner, plan[start : start + HISTORY_CHUNK], eventful=EVENTFUL_HISTORY
        )
        sim.deferred.extend(rest)
        history_import.import_history(actor=root, records=records)
        done += len(records)
        if (start + HISTORY_CHUNK) % report_every == 0 or start + HISTORY_CHUNK >= len(plan):
            rate = done / max(time.monotonic() - started, 1e-9)
            log(f"  历史诉求批量导入 {done:,}/{len(plan):,}（{rate:,.0f} 件/秒）")
    return done
