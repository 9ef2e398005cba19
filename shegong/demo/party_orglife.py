"""Demo data of the orglife app (issue 15), made through its services; see ``party.py``.

Every branch at city and metro size (a few at small size; the demo secretary's first, then
those with the most members) gets up to three years of 组织生活 (not before it was
founded). 60 % keep every meeting: monthly 主题党日 and 支委会, quarterly 支部党员大会 and
党课, a Q4 组织生活会, a yearly 民主评议 with grades and 谈心谈话; the rest have a patchy
history (months without a 主题党日, quarters without a 党员大会), and some of those only
started recently, so the compliance engine finds both compliant and non-compliant branches.
About one in eight minutes is saved late; one in twenty held meetings has none. Branches
without members still get meetings (no attendance rows).

The meetings are written through ``orglife.services.bulk.bulk_record_meetings``: the same
checks, rows (stored quorum, record times), attendance, grades and audit events as
plan → mark_present → hold → save_minutes → set_grades one by one, in batches. The first
``UPCOMING`` branches also get this month's 主题党日 planned (``plan_meeting``).

Each branch's history comes from its own random stream (the run's seed and the branch id),
so at city and metro size ``WORKERS`` forked processes record interleaved shares of the
branches side by side with the same result as one process: recording is Python-bound, and
metro's ~2.4 million meetings are hours on one core."""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess

from django.db import connections, transaction
from django.db.models import Count, Q
from django.utils import timezone

from shegong.accounts.models import User
from shegong.lib.partyrules.meetings import excellent_cap
from shegong.lib.partyrules.months import Month
from shegong.members.choices import Stage
from shegong.members.models import Member
from shegong.organizations.choices import BRANCH_KINDS, OrgStatus
from shegong.organizations.models import OrgAdministrator, PartyOrganization
from shegong.orglife import services
from shegong.orglife.choices import MeetingKind
from shegong.orglife.services.bulk import PastMeeting, bulk_record_meetings

# size → (branches with a history (None = all), share of them keeping every meeting)
SIZES: dict[str, tuple[int | None, float]] = {
    "small": (4, 0.25),
    "city": (None, 0.6),
    "metro": (None, 0.6),
}
FLUSH = 5_000  # meetings per call of the bulk path
# size → processes recording meetings (capped by the CPU count)
WORKERS = {"small": 1, "city": 2, "metro": 2}
UPCOMING = 50  # branches (administered first) with this month's 主题党日 planned
TITLES = {
    MeetingKind.THEME_DAY: [
        "学习贯彻党的创新理论",
        "志愿服务进社区",
        "重温入党誓词",
        "党员积分评议",
    ],
    MeetingKind.COMMITTEE: ["研究本月党建工作", "讨论发展党员计划", "研究党费收缴情况"],
    MeetingKind.ASSEMBLY: ["季度党员大会", "讨论接收预备党员", "通报支部工作"],
    MeetingKind.LECTURE: ["书记讲党课", "专题党课：党章学习", "党史专题党课"],
    MeetingKind.ORG_LIFE: ["年度组织生活会"],
    MeetingKind.EVALUATION: ["年度民主评议党员"],
    MeetingKind.HEART_TALK: ["支委与党员谈心谈话"],
}


def _plan(start: Month, end: Month, rng: random.Random, patchy: bool) -> list[tuple[str, date]]:
    out: list[tuple[str, date]] = []
    month = start
    while month <= end:
        skip = patchy and rng.random() < 0.35
        if not skip:
            out.append(
                (MeetingKind.THEME_DAY, month.first_day + timedelta(days=rng.randint(0, 20)))
            )
        if not patchy or rng.random() < 0.5:
            out.append(
                (MeetingKind.COMMITTEE, month.first_day + timedelta(days=rng.randint(0, 25)))
            )
        if month.month % 3 == 2:
            if not patchy or rng.random() < 0.6:
                out.append(
                    (MeetingKind.ASSEMBLY, month.first_day + timedelta(days=rng.randint(5, 25)))
                )
            if not patchy or rng.random() < 0.5:
                out.append(
                    (MeetingKind.LECTURE, month.first_day + timedelta(days=rng.randint(0, 25)))
                )
        if month.month == 11 and (not patchy or rng.random() < 0.5):
            out.append((MeetingKind.ORG_LIFE, month.first_day + timedelta(days=rng.randint(0, 25))))
        if month.month == 12 and (not patchy or rng.random() < 0.5):
            out.append(
                (MeetingKind.EVALUATION, month.first_day + timedelta(days=rng.randint(0, 15)))
            )
        if month.month == 6 and (not patchy or rng.random() < 0.5):
            out.append(
                (MeetingKind.HEART_TALK, month.first_day + timedelta(days=rng.randint(0, 25)))
            )
        month = month.plus(1)
    return out


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _meeting(
    org_id: int,
    kind: str,
    day: date,
    members: list[tuple[int, str]],
    rng: random.Random,
    now: datetime,
) -> PastMeeting:
    """One held meeting as the secretary would record it: the plan, the sign-in sheet
    (whole-branch kinds), the minutes (one in eight late, one in twenty never), the grades
    of a 民主评议 (优秀 up to the cap)."""
    committee = min(5, max(3, len(members) // 5)) if kind == MeetingKind.COMMITTEE else None
    data = services.MeetingData(
        kind=kind,
        title=rng.choice(TITLES[MeetingKind(kind)]),
        held_on=day,
        place=rng.choice(["党群服务中心", "支部活动室", "社区会议室"]),
        host="支部书记",
        committee_size=committee,
        committee_present=rng.randint(committee // 2, committee) if committee else None,
    )
    evening = min(_at(day, 20), now)
    past = PastMeeting(org_id, data, evening)
    if kind not in (MeetingKind.COMMITTEE, MeetingKind.HEART_TALK) and members:
        share = rng.uniform(0.45, 0.95)
        past.present_ids = [pk for pk, _stage in members if rng.random() < share]
    if rng.random() < 0.05:
        return past  # no minutes
    late = rng.random() < 0.125
    saved = day + timedelta(days=rng.randint(9, 30) if late else rng.randint(0, 3))
    past.minutes = f"会议由支部书记主持。{data.title}。与会党员结合实际作了交流发言。"
    past.minutes_at = min(_at(saved, 21), now)
    if kind == MeetingKind.EVALUATION:
        graded = [pk for pk, stage in members if stage != Stage.PROBATIONARY]
        cap = excellent_cap(len(graded))
        past.grades = {pk: ("excellent" if i < cap else "qualified") for i, pk in enumerate(graded)}
    return past


def _chosen(size_name: str) -> tuple[list[int], int]:
    """The branches with a history (the administered ones first, then the largest) and
    how many of them keep every meeting (the rest are patchy or started late)."""
    limit, diligent = SIZES.get(size_name, SIZES["small"])
    branches = PartyOrganization.objects.filter(status=OrgStatus.ACTIVE, kind__in=BRANCH_KINDS)
    administered = list(
        OrgAdministrator.objects.filter(organization__in=branches)
        .order_by("pk")
        .values_list("organization_id", flat=True)
    )
    by_members = list(
        branches.annotate(n=Count("member_records", filter=Q(member_records__standing="active")))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
    )
    chosen = list(dict.fromkeys(administered + by_members))[:limit]
    return chosen, max(1, round(len(chosen) * diligent)) if chosen else 0


@dataclass(frozen=True)
class _World:
    """What every worker reads: the branches, their rolls and the calendar."""

    chosen: list[int]
    full_n: int
    founded: dict[int, date | None]
    roll: dict[int, list[tuple[int, str]]]
    seed: int
    today: date
    now: datetime


def branch_meetings(world: _World, i: int) -> list[PastMeeting]:
    """The ``i``-th chosen branch's three years, from its own random stream (seeded by the
    run's seed and the branch id), so the history is the same whichever process records
    it and in whatever order."""
    org_id = world.chosen[i]
    rng = random.Random(f"{world.seed}:{org_id}")
    members = world.roll.get(org_id, [])
    full = i < world.full_n
    this_month = Month.of(world.today)
    start = (
        this_month.plus(-36) if full or rng.random() < 0.6 else this_month.plus(-rng.randint(3, 30))
    )
    since = world.founded.get(org_id)
    if since is not None and Month.of(since) > start:
        start = Month.of(since)
    return [
        _meeting(org_id, kind, min(day, world.today), members, rng, world.now)
        for kind, day in _plan(start, this_month.plus(-1), rng, patchy=not full)
    ]


def record_share(
    world: _World, share: int, shares: int, log: Callable[[str], object], prefix: str = ""
) -> int:
    """Record the meetings of every ``shares``-th branch from the ``share``-th (interleaved,
    so the largest branches, which come first, are spread over the workers)."""
    root = User.objects.get(username="admin")
    mine = range(share, len(world.chosen), shares)
    pending: list[PastMeeting] = []
    count = 0
    for n, i in enumerate(mine, start=1):
        pending += branch_meetings(world, i)
        if len(pending) >= FLUSH or n == len(mine):
            count += len(bulk_record_meetings(actor=root, meetings=pending))
            pending = []
            log(f"  {prefix}{n:,}/{len(mine):,} 个党支部，{count:,} 次会议")
    return count


def _in_workers(world: _World, workers: int, log: Callable[[str], object]) -> int:
    """``record_share`` in ``workers`` forked processes, each with its own database
    connection (SQLite runs writers one at a time, IMMEDIATE; the audit chain's head lock
    orders their batches on either database). Most of the cost is Python, so two cores
    record nearly twice as fast."""
    context = multiprocessing.get_context("fork")
    counts = context.Queue()

    def run(share: int) -> None:
        try:
            counts.put((share, record_share(world, share, workers, log, f"进程 {share + 1}：")))
        except BaseException as exc:
            counts.put((share, f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            connections.close_all()

    connections.close_all()  # the children must not share the parent's connection
    processes = [context.Process(target=run, args=(k,)) for k in range(workers)]
    for process in processes:
        process.start()
    try:
        _wait(processes)
    finally:  # an interrupted parent (Ctrl-C) leaves no child writing on its own
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join()
    results: dict[int, int | str] = {}
    while not counts.empty():  # every child has exited: what they put is there
        share, result = counts.get()
        results[share] = result
    failed = [str(r) for r in results.values() if not isinstance(r, int)]
    if failed or len(results) < workers or any(p.exitcode for p in processes):
        raise RuntimeError(f"组织生活演示数据生成失败：{'；'.join(failed) or '子进程异常退出'}")
    return sum(r for r in results.values() if isinstance(r, int))


def _wait(processes: Sequence[BaseProcess]) -> None:
    """Until every process has exited; the first one to fail stops the others (their
    finished batches stay: each batch is one transaction)."""
    pending = {process.sentinel: process for process in processes}
    while pending:
        for ready in wait(list(pending)):
            process = next(p for sentinel, p in pending.items() if sentinel == ready)
            del pending[process.sentinel]
            process.join()
            if process.exitcode:
                for other in pending.values():
                    other.terminate()


def plan_world(size_name: str, rng: random.Random) -> _World:
    """The branches with a history, their rolls and the calendar (draws the run's seed)."""
    chosen, full_n = _chosen(size_name)
    roll: dict[int, list[tuple[int, str]]] = {}
    for pk, org_id, stage in (
        Member.objects.party_members().order_by("pk").values_list("pk", "organization_id", "stage")
    ):
        roll.setdefault(org_id, []).append((pk, stage))
    founded = dict(
        PartyOrganization.objects.filter(kind__in=BRANCH_KINDS).values_list("pk", "founded_on")
    )
    seed = rng.getrandbits(64)
    return _World(chosen, full_n, founded, roll, seed, timezone.localdate(), timezone.now())


def generate(
    size_name: str,
    *,
    rng: random.Random,
    log: Callable[[str], object],
    workers: int | None = None,
) -> None:
    """``workers``: processes recording meetings (default: the size's, at most the CPU
    count; 1 records in this process)."""
    root = User.objects.get(username="admin")
    world = plan_world(size_name, rng)
    chosen, full_n, today = world.chosen, world.full_n, world.today
    if workers is None:
        workers = min(WORKERS.get(size_name, 1), os.cpu_count() or 1)
    workers = max(1, min(workers, len(chosen)))
    if workers == 1 or transaction.get_connection().in_atomic_block:
        # (forked processes cannot see, or join, the caller's open transaction)
        count = record_share(world, 0, 1, log)
    else:
        log(f"  组织生活：{workers} 个进程并行登记")
        count = _in_workers(world, workers, log)
    this_month = Month.of(today)
    # this month's 主题党日, still to come: the secretary's QR sign-in on the day
    for org_id in chosen[:UPCOMING]:
        services.plan_meeting(
            actor=root,
            organization_id=org_id,
            data=services.MeetingData(
                kind=MeetingKind.THEME_DAY,
                title="本月主题党日",
                held_on=max(today, this_month.first_day + timedelta(days=14)),
                place="党群服务中心",
            ),
        )
    log(
        f"组织生活：{len(chosen):,} 个党支部，{count:,} 次会议"
        f"（{full_n:,} 个支部三年记录完整，其余有缺漏或起步较晚）"
    )
