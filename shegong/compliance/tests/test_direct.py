"""The materialised figures equal a direct computation over the raw rows (seeded random
data; runs on SQLite and PostgreSQL like every test)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from shegong.compliance import testing as t
from shegong.compliance.models import BranchQuarter, ComplianceFinding
from shegong.compliance.services.engine import run_compliance
from shegong.compliance.services.judge import quarter_bounds, quarter_of
from shegong.members.models import Member
from shegong.orglife.models import Attendance, Meeting

pytestmark = pytest.mark.django_db
TODAY = date(2027, 2, 10)  # Q1 2027 is running; Q4 2026 (with the 组织生活会 window) ended
KINDS = [
    "assembly",
    "committee",
    "group",
    "lecture",
    "theme_day",
    "org_life",
    "evaluation",
    "heart_talk",
]
# The default schedules, written out independently of partyrules: months per period, minimum.
SCHEDULE = {
    "assembly": 3,
    "committee": 1,
    "group": 1,
    "lecture": 3,
    "theme_day": 1,
    "org_life": 12,
    "evaluation": 12,
    "heart_talk": 12,
}


def _periods(kind: str, quarter: int) -> list[tuple[date, date]]:
    first, last = quarter_bounds(quarter)
    if kind == "org_life":
        spans = [(date(first.year, 10, 1), date(first.year, 12, 31))]
    else:
        step = SCHEDULE[kind]
        spans = []
        for m in range(1, 13, step):
            start = date(first.year, m, 1)
            end_m = m + step - 1
            end = (date(first.year + (end_m == 12), end_m % 12 + 1, 1)) - timedelta(days=1)
            spans.append((start, end))
    return [(a, b) for a, b in spans if first <= b <= last]


def _kinds(org_id: int) -> list[str]:
    """支委会 with ≥ 7 正式党员 on the roll, 党小组会 with ≥ 10 members (policy defaults)."""
    roll = Member.objects.filter(organization_id=org_id, standing__in=["active", "transferring"])
    formal = roll.filter(stage="full").count()
    total = roll.filter(stage__in=["full", "probationary"]).count()
    return [
        k
        for k in KINDS
        if not (k == "committee" and formal < 7) and not (k == "group" and total < 10)
    ]


def _direct(org_id: int, quarter: int) -> tuple[int, int, int, bool]:
    expected = held = missing = 0
    short = False
    for kind in _kinds(org_id):
        for a, b in _periods(kind, quarter):
            n = Meeting.objects.filter(
                organization_id=org_id,
                kind=kind,
                status="held",
                held_on__range=(a, min(b, TODAY)),
            ).count()
            expected += 1
            held += n
            missing += max(1 - n, 0)
            if b < TODAY and n == 0:
                short = True
    return expected, held, missing, not short


def _direct_quorum(org_id: int, quarter: int) -> int:
    first, last = quarter_bounds(quarter)
    failed = 0
    for m in Meeting.objects.filter(
        organization_id=org_id,
        kind="assembly",
        status="held",
        held_on__range=(first, min(last, TODAY)),
    ):
        rows = Attendance.objects.filter(meeting=m, member__stage="full").exclude(
            member__discipline="probation"
        )
        due, present = rows.count(), rows.filter(status="present").count()
        if not (due > 0 and 2 * present > due):
            failed += 1
    return failed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_branch_quarters_equal_direct_computation(world, make_other_branch, branch, seed) -> None:
    rng = random.Random(seed)
    from shegong.organizations.services import orgs

    branches = [branch] + [
        orgs.create_organization(
            actor=world.root,
            code=f"R-{seed}-{i}",
            name=f"随机党支部{i}",
            kind="branch",
            region_id=rng.choice([world.north_one, world.south_one]).pk,
        )
        for i in range(3)
    ]
    for org in branches:
        people = [
            t.member(
                org.pk,
                joined=date(2024, 1, 1),
                stage=rng.choice(["full", "full", "probationary"]),
                discipline=rng.choice(["", "", "probation"]),
            )
            for _ in range(rng.randint(2, 14))
        ]
        for _ in range(rng.randint(5, 25)):
            day = date(2026, 1, 1) + timedelta(days=rng.randint(0, 420))
            present = [p for p in people if rng.random() < 0.6]
            absent = [p for p in people if p not in present]
            t.meeting(
                org.pk,
                rng.choice(KINDS),
                day,
                status=rng.choice(["held", "held", "held", "planned", "cancelled"]),
                present=present,
                absent=absent,
            )
    run_compliance(today=TODAY)
    got = {}
    want = {}
    for row in BranchQuarter.objects.all():
        got[(row.organization_id, row.quarter)] = (
            row.expected,
            row.held,
            row.missing,
            row.compliant,
            row.quorum_failed,
        )
        want[(row.organization_id, row.quarter)] = (
            *_direct(row.organization_id, row.quarter),
            _direct_quorum(row.organization_id, row.quarter),
        )
    assert got == want


def test_rerun_on_random_data_changes_nothing(world, branch) -> None:
    rng = random.Random(7)
    people = [t.member(branch.pk, joined=date(2025, 3, 15)) for _ in range(4)]
    for _ in range(30):
        day = date(2025, 6, 1) + timedelta(days=rng.randint(0, 600))
        t.meeting(
            branch.pk,
            rng.choice(KINDS),
            day,
            present=people[: rng.randint(0, 4)],
            minutes=rng.choice(["", "记录"]),
        )
    run_compliance(today=TODAY)
    rows = sorted(BranchQuarter.objects.values_list("quarter", "expected", "held", "missing"))
    findings = sorted(ComplianceFinding.objects.values_list("rule", "subject_key", "status"))
    again = run_compliance(today=TODAY)
    after = (
        sorted(BranchQuarter.objects.values_list("quarter", "expected", "held", "missing")),
        sorted(ComplianceFinding.objects.values_list("rule", "subject_key", "status")),
    )
    assert (again.opened, again.auto_resolved, after) == (0, 0, (rows, findings))


def test_quarter_index_round_trip() -> None:
    assert quarter_bounds(quarter_of(date(2026, 12, 31))) == (date(2026, 10, 1), date(2026, 12, 31))
