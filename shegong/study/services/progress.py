"""Progress toward the yearly study requirement (学时), per person, per branch, for cadres.

Rules (``partyrules.study``; docs/study.md): a record counts in the calendar year of its date;
members owe ``member_hours`` (32) a year, 书记 and 班子成员 ``leader_hours`` (56), the
department's cadres ``cadre_hours`` (32). "On track for the date" compares the hours with the
requirement pro rata over the **completed** months of the year (``expected_by``): nothing is
expected in January, 1/12 from 1 February, …, the whole requirement once the year is over.

``hours_by_member`` and ``hours_by_user`` are the bulk reads other apps use; they do not scope
(the caller passes ids it already read through ``visible_to``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from shegong.accounts.models import User
from shegong.lib.partyrules.study import StudyPolicy, study_status
from shegong.members.models import Member
from shegong.organizations.models import CommitteeMember, PartyOrganization

from ..models import StudyRecord
from .common import cadres, current_policy, study_settings, year_window

CHUNK = 5000
ZERO = Decimal(0)
TENTH = Decimal("0.1")


def _sum_by(
    field: str, ids: Iterable[int] | QuerySet[Member] | QuerySet[User], year: int
) -> dict[int, Decimal]:
    start, end = year_window(year)
    rows = StudyRecord.objects.filter(studied_on__gte=start, studied_on__lte=end)
    if isinstance(ids, QuerySet):
        chunks: list[Q] = [Q(**{f"{field}__in": ids.values("pk")})]
        wanted: list[int] = []
    else:
        wanted = sorted(set(ids))
        chunks = [
            Q(**{f"{field}__in": wanted[i : i + CHUNK]}) for i in range(0, len(wanted), CHUNK)
        ]
    totals: dict[int, Decimal] = dict.fromkeys(wanted, ZERO)
    for condition in chunks:
        for key, hours in (
            rows.filter(condition).values_list(field).annotate(total=Sum("hours")).order_by()
        ):
            totals[key] = hours or ZERO
    return totals


def hours_by_member(member_ids: Iterable[int] | QuerySet[Member], year: int) -> dict[int, Decimal]:
    """Hours of each member in ``year`` (members without records map to 0 when ids are given).

    One query for a queryset of members (a sub-select), one per 5,000 ids for a list."""
    return _sum_by("member_id", member_ids, year)


def hours_by_user(user_ids: Iterable[int] | QuerySet[User], year: int) -> dict[int, Decimal]:
    """Hours of each cadre (records by ``user``) in ``year``; like ``hours_by_member``."""
    return _sum_by("user_id", user_ids, year)


def completed_months(year: int, today: date) -> int:
    if year < today.year:
        return 12
    if year > today.year:
        return 0
    return today.month - 1


def expected_by(required: Decimal, year: int, today: date) -> Decimal:
    """The hours due by ``today``: the requirement pro rata over the completed months."""
    share = required * completed_months(year, today) / 12
    return share.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Progress:
    """One person's year: ``done`` hours of ``required``; ``expected`` by the date."""

    year: int
    required: Decimal
    done: Decimal
    expected: Decimal
    leader: bool = False

    @property
    def owed(self) -> Decimal:
        return max(self.required - self.done, ZERO)

    @property
    def met(self) -> bool:
        return self.done >= self.required

    @property
    def on_track(self) -> bool:
        return self.done >= self.expected

    @property
    def percent(self) -> Decimal:
        """Hours as a share of the yearly requirement, one decimal."""
        if self.required <= 0:
            return Decimal(100)
        return (self.done * 100 / self.required).quantize(TENTH, rounding=ROUND_HALF_UP)

    @property
    def percent_of_expected(self) -> Decimal:
        """Hours as a share of what is due by the date (100 when nothing is due yet)."""
        if self.expected <= 0:
            return Decimal(100)
        return (self.done * 100 / self.expected).quantize(TENTH, rounding=ROUND_HALF_UP)


def progress(
    done: Decimal, year: int, *, leader: bool, policy: StudyPolicy, today: date
) -> Progress:
    status = study_status([(date(year, 1, 1), done)], year, leader=leader, policy=policy)
    return Progress(
        year=year,
        required=status.required,
        done=status.done,
        expected=expected_by(status.required, year, today),
        leader=leader,
    )


def leader_member_ids(member_ids: Iterable[int] | QuerySet[Member], year: int) -> set[int]:
    """Members linked (``SecretaryProfile``) to a committee post held at some time in ``year``:
    they owe the leaders' hours (书记 and 班子成员)."""
    start, end = year_window(year)
    rows = CommitteeMember.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start),
        started_on__lte=end,
        study_profile__member__isnull=False,
    )
    if isinstance(member_ids, QuerySet):
        rows = rows.filter(study_profile__member_id__in=member_ids.values_list("pk", flat=True))
    else:
        rows = rows.filter(study_profile__member__in=list(member_ids))
    return set(rows.values_list("study_profile__member_id", flat=True))


@dataclass(frozen=True)
class MemberRow:
    member: Member
    progress: Progress


def branch_member_progress(
    actor: User, org: PartyOrganization, year: int, *, today: date | None = None
) -> list[MemberRow]:
    """Every party member in ``actor``'s scope on the branch's roll with their year (three
    queries)."""
    today = today or timezone.localdate()
    policy = current_policy()
    members = list(
        Member.objects.visible_to(actor).party_members().filter(organization=org).order_by("pk")
    )
    ids = [m.pk for m in members]
    hours = hours_by_member(ids, year)
    leaders = leader_member_ids(ids, year)
    return [
        MemberRow(
            m, progress(hours[m.pk], year, leader=m.pk in leaders, policy=policy, today=today)
        )
        for m in members
    ]


@dataclass(frozen=True)
class BranchRow:
    organization: PartyOrganization
    members: int
    hours: Decimal
    met: int
    on_track: int

    @property
    def average(self) -> Decimal:
        if not self.members:
            return ZERO
        return (self.hours / self.members).quantize(TENTH, rounding=ROUND_HALF_UP)

    @property
    def on_track_percent(self) -> Decimal:
        if not self.members:
            return ZERO
        return (Decimal(self.on_track) * 100 / self.members).quantize(TENTH, ROUND_HALF_UP)


def branch_rows(
    actor: User, orgs: Iterable[PartyOrganization], year: int, *, today: date | None = None
) -> list[BranchRow]:
    """Per-branch figures for a page of organizations, counting the party members in
    ``actor``'s scope (a fixed number of queries)."""
    today = today or timezone.localdate()
    policy = current_policy()
    orgs = list(orgs)
    pairs = list(
        Member.objects.visible_to(actor)
        .party_members()
        .filter(organization__in=[o.pk for o in orgs])
        .values_list("pk", "organization_id")
    )
    ids = [pk for pk, _ in pairs]
    hours = hours_by_member(ids, year)
    leaders = leader_member_ids(ids, year)
    acc: dict[int, list[Progress]] = {o.pk: [] for o in orgs}
    for pk, org_id in pairs:
        acc[org_id].append(
            progress(hours[pk], year, leader=pk in leaders, policy=policy, today=today)
        )
    return [
        BranchRow(
            organization=o,
            members=len(acc[o.pk]),
            hours=sum((p.done for p in acc[o.pk]), ZERO),
            met=sum(1 for p in acc[o.pk] if p.met),
            on_track=sum(1 for p in acc[o.pk] if p.on_track),
        )
        for o in orgs
    ]


@dataclass(frozen=True)
class CadreRow:
    user: User
    progress: Progress


def cadre_progress(year: int, *, today: date | None = None) -> list[CadreRow]:
    """The department's cadres with their year (``cadre_hours`` each)."""
    today = today or timezone.localdate()
    required = study_settings().cadre_hours
    policy = StudyPolicy(member_hours=required, leader_hours=required)
    users = list(cadres().order_by("username"))
    hours = hours_by_user([u.pk for u in users], year)
    return [
        CadreRow(u, progress(hours[u.pk], year, leader=False, policy=policy, today=today))
        for u in users
    ]


def member_progress(member: Member, year: int, *, today: date | None = None) -> Progress:
    today = today or timezone.localdate()
    done = hours_by_member([member.pk], year)[member.pk]
    leader = member.pk in leader_member_ids([member.pk], year)
    return progress(done, year, leader=leader, policy=current_policy(), today=today)


def cadre_year(user: User, year: int, *, today: date | None = None) -> Progress:
    today = today or timezone.localdate()
    required = study_settings().cadre_hours
    done = hours_by_user([user.pk], year)[user.pk]
    policy = StudyPolicy(member_hours=required, leader_hours=required)
    return progress(done, year, leader=False, policy=policy, today=today)


def user_progress(user: User, year: int, *, today: date | None = None) -> Progress:
    """A signed-in person's own year: their member record's hours if they have one (and
    whether they hold a committee post), else their records as a cadre."""
    member = Member.objects.filter(user=user).first()
    if member is not None:
        return member_progress(member, year, today=today)
    return cadre_year(user, year, today=today)


def own_member(user: User) -> Member | None:
    """The member record linked to the signed-in account, if any."""
    return Member.objects.filter(user=user).select_related("organization").first()


def own_records(user: User, year: int) -> QuerySet[StudyRecord]:
    """The signed-in person's own records of ``year`` (as a member or as a cadre)."""
    start, end = year_window(year)
    return StudyRecord.objects.filter(
        Q(member__user=user) | Q(member__isnull=True, user=user),
        studied_on__gte=start,
        studied_on__lte=end,
    ).select_related("session")
