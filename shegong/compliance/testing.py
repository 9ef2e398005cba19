"""Small row factories of the contract models for compliance's tests, bench and browser
test (the other apps' services are written in parallel; these write the contract rows
directly, exactly as those services will)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from itertools import count

from django.utils import timezone

from shegong.dues.models import DuesAssessment, DuesPayment
from shegong.members.models import Member
from shegong.orglife.models import Attendance, Meeting, WorkAssignment
from shegong.orglife.services.quorum import quorum_of

_seq = count(1)


def member(org_id: int, *, joined: date, stage: str = "full", discipline: str = "") -> Member:
    n = next(_seq)
    return Member.objects.create(
        organization_id=org_id,
        name=f"党员{n}",
        gender="M",
        id_number=f"33990119800101{n:04d}",
        stage=stage,
        discipline=discipline,
        joined_branch_on=joined,
    )


def meeting(
    org_id: int,
    kind: str,
    held_on: date,
    *,
    status: str = "held",
    minutes: str = "会议记录",
    minutes_on: date | None = None,
    present: Sequence[Member] = (),
    absent: Sequence[Member] = (),
) -> Meeting:
    recorded = None
    if minutes:
        day = minutes_on or held_on
        recorded = timezone.make_aware(datetime.combine(day, time(12)))
    m = Meeting.objects.create(
        organization_id=org_id,
        kind=kind,
        title="会议",
        held_on=held_on,
        status=status,
        minutes=minutes,
        minutes_recorded_at=recorded,
    )
    Attendance.objects.bulk_create(
        [Attendance(meeting=m, member=p, status="present") for p in present]
        + [Attendance(meeting=m, member=p, status="absent") for p in absent]
    )
    if status == "held":
        # What orglife's hold_meeting / attendance services store (the compliance contract).
        m.quorum_met = quorum_of(m).met
        m.save(update_fields=["quorum_met"])
    return m


def pay(
    mem: Member, month: date, amount: str = "10.00", *, org_id: int | None = None
) -> DuesPayment:
    return DuesPayment.objects.create(
        member=mem,
        organization_id=org_id or mem.organization_id,
        month=month.replace(day=1),
        amount=Decimal(amount),
        method="cash",
        paid_on=month,
    )


def assess(mem: Member, year: int, amount: str = "10.00") -> DuesAssessment:
    return DuesAssessment.objects.create(
        member=mem,
        year=year,
        category="salaried",
        computed_amount=Decimal(amount),
        monthly_amount=Decimal(amount),
    )


def work(mem: Member, starts: date, ends: date | None = None) -> WorkAssignment:
    return WorkAssignment.objects.create(
        member=mem, title="设岗定责", starts_on=starts, ends_on=ends
    )
