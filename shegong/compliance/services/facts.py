"""Reading the raw rows of the four apps below (members, orglife, dues) into plain facts.

Only the contract fields are read (see the docstrings of ``Member``, ``Meeting``,
``Attendance``, ``WorkAssignment``, ``DuesAssessment``, ``DuesPayment``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from shegong.dues.models import DuesAssessment, DuesPayment
from shegong.dues.services.status import owed_months
from shegong.lib.partyrules.lapse import MonthFacts
from shegong.lib.partyrules.meetings import MeetingType
from shegong.lib.partyrules.months import Month, months_between
from shegong.members.choices import MEMBER_STAGES, ON_ROLL, Discipline, Stage
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization
from shegong.orglife.choices import AttendanceStatus, MeetingStatus
from shegong.orglife.models import Attendance, Meeting

# A member has a vote at the 支部党员大会 when 正式党员 and not under 留党察看 (D13).
VOTING = Q(member__stage=Stage.FULL) & ~Q(member__discipline=Discipline.PROBATION)
PRESENT = Q(status=AttendanceStatus.PRESENT)


@dataclass(frozen=True, slots=True)
class MeetingFact:
    pk: int
    organization_id: int
    kind: MeetingType
    held_on: date
    title: str
    has_minutes: bool
    minutes_on: date | None  # local date the minutes were saved
    rows: int = 0  # attendance rows (members expected)
    present: int = 0
    voting_due: int = 0
    voting_present: int = 0
    quorum_met: bool | None = None  # orglife's stored verdict (``Meeting.quorum_met``)


def held_meetings(org_ids: list[int], first: date, last: date) -> dict[int, list[MeetingFact]]:
    """Held meetings of the branches between ``first`` and ``last``, with attendance counts."""
    return _meetings(
        Q(organization_id__in=org_ids, held_on__range=(first, last)),
        Q(
            meeting__organization_id__in=org_ids,
            meeting__held_on__range=(first, last),
        ),
    )


def meetings_by_id(ids: list[int]) -> dict[int, list[MeetingFact]]:
    """The held meetings among ``ids`` (a meeting cancelled or deleted since is absent)."""
    return _meetings(Q(pk__in=ids), Q(meeting_id__in=ids))


def _meetings(where: Q, att_where: Q) -> dict[int, list[MeetingFact]]:
    counts: dict[int, tuple[int, int, int, int]] = {}
    att = (
        Attendance.objects.filter(att_where, meeting__status=MeetingStatus.HELD)
        .values("meeting_id")
        .annotate(
            rows=Count("pk"),
            present=Count("pk", filter=PRESENT),
            vdue=Count("pk", filter=VOTING),
            vpresent=Count("pk", filter=VOTING & PRESENT),
        )
    )
    for a in att:
        counts[a["meeting_id"]] = (a["rows"], a["present"], a["vdue"], a["vpresent"])
    out: dict[int, list[MeetingFact]] = defaultdict(list)
    rows = Meeting.objects.filter(where, status=MeetingStatus.HELD).values_list(
        "pk",
        "organization_id",
        "kind",
        "held_on",
        "title",
        "minutes",
        "minutes_recorded_at",
        "quorum_met",
    )
    known = {k.value: k for k in MeetingType}
    for pk, org_id, kind, held_on, title, minutes, recorded, quorum_met in rows:
        if kind not in known:
            continue
        n = counts.get(pk, (0, 0, 0, 0))
        out[org_id].append(
            MeetingFact(
                pk=pk,
                organization_id=org_id,
                kind=known[kind],
                held_on=held_on,
                title=title,
                has_minutes=bool((minutes or "").strip()),
                minutes_on=timezone.localdate(recorded) if recorded else None,
                rows=n[0],
                present=n[1],
                voting_due=n[2],
                voting_present=n[3],
                quorum_met=quorum_met,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class BranchProfile:
    founded_on: date | None
    formal: int  # 正式党员 on the roll (member records; the imported count without records)
    total: int  # 预备 + 正式
    #: (formal, total) as they were on each day asked for (see :func:`branch_profiles`)
    history: dict[date, tuple[int, int]] = field(default_factory=dict)

    def figures_on(self, day: date) -> tuple[int, int]:
        """(正式党员, 预备+正式) on ``day``; today's figures for a day not asked for."""
        return self.history.get(day, (self.formal, self.total))


def _member_on(day: date) -> tuple[Q, Q]:
    """(正式党员, 党员) of a branch's records on ``day``: joined the branch by then, and on
    the roll now or left after it; 正式 from the 转正 date, a member from the 入党 date (a
    roster record without the date counts as always)."""
    there = Q(member_records__joined_branch_on__lte=day) & (
        Q(member_records__standing__in=ON_ROLL) | Q(member_records__left_on__gt=day)
    )
    formal = (
        there
        & Q(member_records__stage=Stage.FULL)
        & (Q(member_records__confirmed_on__isnull=True) | Q(member_records__confirmed_on__lte=day))
    )
    member = (
        there
        & Q(member_records__stage__in=MEMBER_STAGES)
        & (Q(member_records__admitted_on__isnull=True) | Q(member_records__admitted_on__lte=day))
    )
    return formal, member


def branch_profiles(org_ids: list[int], days: Iterable[date] = ()) -> dict[int, BranchProfile]:
    """Founding date and member figures per branch (one query): from the member records
    once a branch has any, else the imported counts on the organization (as coverage does);
    with the figures as they were on each of ``days`` too (conditional counts), so a period
    is judged by the branch it had when it began, not by today's."""
    roll = Q(member_records__standing__in=ON_ROLL)
    asked = sorted(set(days))
    on_days: dict[str, Count] = {}
    for i, day in enumerate(asked):
        formal_q, member_q = _member_on(day)
        on_days[f"formal_{i}"] = Count("member_records", filter=formal_q)
        on_days[f"total_{i}"] = Count("member_records", filter=member_q)
    rows = (
        PartyOrganization.objects.filter(pk__in=org_ids)
        .order_by()
        .values("pk")
        .annotate(
            records=Count("member_records"),
            formal=Count("member_records", filter=roll & Q(member_records__stage=Stage.FULL)),
            prob=Count("member_records", filter=roll & Q(member_records__stage=Stage.PROBATIONARY)),
            **on_days,
        )
        .values(
            "pk",
            "founded_on",
            "formal_members",
            "probationary_members",
            "records",
            "formal",
            "prob",
            *on_days,
        )
    )
    out = {}
    for row in rows:
        founded = row["founded_on"]
        if row["records"]:
            history = {day: (row[f"formal_{i}"], row[f"total_{i}"]) for i, day in enumerate(asked)}
            out[row["pk"]] = BranchProfile(
                founded, row["formal"], row["formal"] + row["prob"], history
            )
        else:
            formal = row["formal_members"]
            out[row["pk"]] = BranchProfile(founded, formal, formal + row["probationary_members"])
    return out


@dataclass
class MemberFacts:
    pk: int
    organization_id: int
    joined: date
    months: dict[Month, MonthFacts] = field(default_factory=dict)


def party_members(org_ids: list[int]) -> dict[int, list[MemberFacts]]:
    """预备/正式党员 on the roll of each branch (the contract's ``on_roll`` + stages)."""
    out: dict[int, list[MemberFacts]] = defaultdict(list)
    rows = Member.objects.filter(
        organization_id__in=org_ids, standing__in=ON_ROLL, stage__in=MEMBER_STAGES
    ).values_list("pk", "organization_id", "joined_branch_on")
    for pk, org_id, joined in rows:
        out[org_id].append(MemberFacts(pk, org_id, joined))
    return out


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def month_facts(members: list[MemberFacts], first: Month, last: Month) -> None:
    """Fill ``members[*].months`` for ``first``..``last``: attended (present at a held meeting
    of the member's own branch that month); dues paid (the month is not owed — no assessment
    for its year, before the 支部大会 month (D4), after leaving, or waived at 0 — or the
    month's payments net to more than 0), using dues' own ``owed_months``; assigned work
    always true: the ``WorkAssignment`` contract records assignments but not whether the work
    was done, so "did no assigned work" cannot be established from the data and is never
    flagged (docs/compliance.md)."""
    by_pk = {m.pk: m for m in members}
    attended: set[tuple[int, Month]] = set()
    paid: set[tuple[int, Month]] = set()
    owed: dict[int, dict[Month, Decimal]] = {}
    span = months_between(first, last)
    start, end = first.first_day, last.last_day
    for ids in _chunks(list(by_pk)):
        # One row per member and month (aggregated in SQL), not one per attendance.
        for member_id, month in (
            Attendance.objects.filter(
                PRESENT,
                member_id__in=ids,
                meeting__status=MeetingStatus.HELD,
                meeting__organization_id=F("member__organization_id"),
                meeting__held_on__range=(start, end),
            )
            .annotate(month=TruncMonth("meeting__held_on"))
            .order_by()
            .values_list("member_id", "month")
            .distinct()
        ):
            attended.add((member_id, Month.of(month)))
        sums = (
            DuesPayment.objects.filter(member_id__in=ids, month__range=(start, end))
            .values("member_id", "month")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for s in sums:
            if (s["total"] or Decimal(0)) > 0:
                paid.add((s["member_id"], Month.of(s["month"])))
        amounts: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for member_id, year, amount in DuesAssessment.objects.filter(
            member_id__in=ids, year__lte=last.year
        ).values_list("member_id", "year", "monthly_amount"):
            amounts[member_id][year] = amount
        for pk, admitted_on, left_on in Member.objects.filter(pk__in=ids).values_list(
            "pk", "admitted_on", "left_on"
        ):
            owed[pk] = owed_months(admitted_on, left_on, amounts.get(pk, {}), last)
    for m in members:
        due = owed.get(m.pk, {})
        m.months = {
            mo: MonthFacts(
                attended=(m.pk, mo) in attended,
                dues_paid=due.get(mo, Decimal(0)) <= 0 or (m.pk, mo) in paid,
                assigned_work=True,
            )
            for mo in span
        }
