"""What the secretary's page and the department's table read (queries, no writes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict, TypeVar

from django.db.models import Count, Q, QuerySet, Sum

from shegong.accounts.models import User
from shegong.core.roles import Cap
from shegong.dues.models import DuesAssessment
from shegong.dues.services.status import dues_status as member_dues_status
from shegong.lib.partyrules.months import Month
from shegong.members.choices import Standing
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization
from shegong.orglife.choices import MeetingStatus
from shegong.orglife.models import Meeting
from shegong.regions.models import Region

from ..choices import OPEN_STATUSES, Rule
from ..models import AreaQuarter, BranchQuarter, ComplianceFinding, CompliancePolicy
from .facts import branch_profiles, held_meetings
from .judge import (
    BranchJudgement,
    judge_quarter,
    quarter_bounds,
    quarter_of,
    quarter_plan,
    sized_days,
    sized_plan,
)


def live_quarter(org: PartyOrganization, today: date) -> BranchJudgement:
    """This quarter of one branch, computed now from its rows (the page is always current;
    the department's table reads the engine's last run)."""
    policy = CompliancePolicy.current()
    quarter = quarter_of(today)
    first = date(today.year, 1, 1)
    meetings = held_meetings([org.pk], first, quarter_bounds(quarter)[1]).get(org.pk, [])
    mp, kinds = policy.meeting_policy(), policy.kinds()
    plan = quarter_plan(quarter, mp, kinds)
    profile = branch_profiles([org.pk], sized_days([plan], policy.kinds_for))[org.pk]
    return judge_quarter(
        org.pk,
        meetings,
        quarter,
        today,
        policy=mp,
        kinds=kinds,
        minutes_late_days=policy.minutes_late_days,
        attendance_share=policy.attendance_share,
        plan=sized_plan(plan, profile.figures_on, policy.kinds_for),
        founded_on=profile.founded_on,
    )


@dataclass
class DuesLine:
    member: Member
    assessed: bool
    months_in_arrears: int
    outstanding: Decimal


def dues_status(user: User, org: PartyOrganization, today: date) -> list[DuesLine]:
    """Who owes, through the last complete month: the dues app's ``dues_status`` over the
    branch's visible members (every payment of the member counts, whichever organization
    collected it — a member transferred in keeps the months paid at the old branch)."""
    members = list(
        Member.objects.visible_to(user).party_members().filter(organization=org).order_by("pk")
    )
    through = Month.of(today).plus(-1)
    assessed = set(
        DuesAssessment.objects.visible_to(user)
        .filter(member__in=members, year=today.year)
        .values_list("member_id", flat=True)
    )
    reports = member_dues_status([m.pk for m in members], through)
    out = []
    for m in members:
        report = reports.get(m.pk)
        if m.pk not in assessed or report is None:
            out.append(DuesLine(m, False, 0, Decimal(0)))
            continue
        out.append(DuesLine(m, True, len(report.months_in_arrears), report.outstanding))
    return out


def next_meetings(user: User, org: PartyOrganization, today: date) -> QuerySet[Meeting]:
    return (
        Meeting.objects.visible_to(user)
        .filter(organization=org, status=MeetingStatus.PLANNED, held_on__gte=today)
        .order_by("held_on", "pk")[:5]
    )


def transfers_in_progress(user: User, org: PartyOrganization) -> QuerySet[Member]:
    return Member.objects.visible_to(user).filter(organization=org, standing=Standing.TRANSFERRING)


def open_findings(user: User, org: PartyOrganization) -> QuerySet[ComplianceFinding]:
    return (
        ComplianceFinding.objects.visible_to(user)
        .filter(organization=org, status__in=OPEN_STATUSES)
        .select_related("member")
        .order_by("rule", "-opened_at")
    )


def lapse_findings(user: User, org: PartyOrganization) -> QuerySet[ComplianceFinding]:
    return open_findings(user, org).filter(rule=Rule.LAPSE_RISK)


# --- the department's table --------------------------------------------------------------

GROUPS = {"district": "区（县）", "street": "街道/乡镇", "sector": "领域", "branch": "党支部"}


class TableRow(TypedDict):
    key: str
    label: str
    branches: int
    two_new: int
    compliant: int
    rate: str
    missing: int
    kinds_short: int
    quorum_failed: int
    minutes_missing: int
    minutes_late: int
    lapse_risks: int
    drill: str


AGGREGATES = {
    "branches": Count("pk"),
    "two_new_n": Count("pk", filter=Q(two_new=True)),
    "compliant_n": Count("pk", filter=Q(compliant=True)),
    "missing_n": Sum("missing"),
    "kinds_short_n": Sum("kinds_short"),
    "quorum_n": Sum("quorum_failed"),
    "minutes_missing_n": Sum("minutes_missing"),
    "minutes_late_n": Sum("minutes_late"),
    "lapse_n": Sum("lapse_risks"),
}


# The aggregate names of ``AGGREGATES`` → the ``BranchQuarter`` column of one branch.
BRANCH_COLUMNS = {
    "two_new_n": "two_new",
    "compliant_n": "compliant",
    "missing_n": "missing",
    "kinds_short_n": "kinds_short",
    "quorum_n": "quorum_failed",
    "minutes_missing_n": "minutes_missing",
    "minutes_late_n": "minutes_late",
    "lapse_n": "lapse_risks",
}


def table_rows(rows: QuerySet[BranchQuarter], by: str) -> list[dict[str, int | str | bool | None]]:
    """The ``GROUP BY`` of the city table (``by`` = district, street or sector)."""
    column = {"district": "district_id", "street": "street_id", "sector": "two_new"}[by]
    return list(rows.values(column).annotate(**AGGREGATES).order_by(column))


# ``AGGREGATES`` over ``AreaQuarter`` rows (already sums per street × 两新).
AREA_AGGREGATES = {
    "branches": Sum("branches"),
    "two_new_n": Sum("branches", filter=Q(two_new=True)),
    "compliant_n": Sum("compliant"),
    "missing_n": Sum("missing"),
    "kinds_short_n": Sum("kinds_short"),
    "quorum_n": Sum("quorum_failed"),
    "minutes_missing_n": Sum("minutes_missing"),
    "minutes_late_n": Sum("minutes_late"),
    "lapse_n": Sum("lapse_risks"),
}


_Rows = TypeVar("_Rows", QuerySet[AreaQuarter], QuerySet[BranchQuarter])


def sees_whole_city(user: User) -> bool:
    """Whether ``user``'s table may be read from ``AreaQuarter`` (sums per street): only
    for a scope that is the whole city (a narrower one need not be a set of streets)."""
    return user.is_superuser or (
        user.has_capability(Cap.COMPLIANCE_VIEW) and user.has_citywide_scope
    )


def _narrow(rows: _Rows, *, district: int | None, street: int | None, two_new_only: bool) -> _Rows:
    """The table's filters, the same on the per-street sums and on the branch rows."""
    if district is not None:
        rows = rows.filter(district_id=district)
    if street is not None:
        rows = rows.filter(street_id=street)
    if two_new_only:
        rows = rows.filter(two_new=True)
    return rows


def area_rows(
    user: User,
    quarter: int,
    by: str,
    *,
    district: int | None = None,
    street: int | None = None,
    two_new_only: bool = False,
) -> list[dict[str, int | str | bool | None]]:
    """``table_rows`` from the per-street sums (same figures, 400 rows instead of 20,000)."""
    rows = _narrow(
        AreaQuarter.objects.visible_to(user).filter(quarter=quarter),
        district=district,
        street=street,
        two_new_only=two_new_only,
    )
    column = {"district": "district_id", "street": "street_id", "sector": "two_new"}[by]
    sums = {f"sum_{name}": aggregate for name, aggregate in AREA_AGGREGATES.items()}
    return [
        {column: g[column], **{name: g[f"sum_{name}"] for name in AREA_AGGREGATES}}
        for g in rows.values(column).annotate(**sums).order_by(column)
    ]


def last_run(user: User, quarter: int) -> datetime | None:
    """When the engine last judged the quarter (of the rows ``user`` sees)."""
    rows = (
        AreaQuarter.objects.visible_to(user).values("computed_at")
        if sees_whole_city(user)
        else BranchQuarter.objects.visible_to(user).values("computed_at")
    )
    return (
        rows.filter(quarter=quarter)
        .order_by("-computed_at")
        .values_list("computed_at", flat=True)
        .first()
    )


def city_table(
    user: User,
    quarter: int,
    by: str,
    *,
    district: int | None = None,
    street: int | None = None,
    two_new_only: bool = False,
    totals: bool = True,
) -> list[TableRow]:
    """The table (``totals=False``: always grouped from the branch rows, the reference the
    tests compare the per-street sums with)."""
    rows = _narrow(
        BranchQuarter.objects.visible_to(user).filter(quarter=quarter),
        district=district,
        street=street,
        two_new_only=two_new_only,
    )
    if by == "branch":
        return _branch_rows(rows)
    if totals and sees_whole_city(user):
        grouped = area_rows(
            user, quarter, by, district=district, street=street, two_new_only=two_new_only
        )
    else:
        grouped = table_rows(rows, by)
    column = {"district": "district_id", "street": "street_id", "sector": "two_new"}[by]
    names: dict[object, str] = {}
    if by in ("district", "street"):
        ids = [v for g in grouped if isinstance(v := g[column], int)]
        names = dict(Region.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        names = {True: "两新组织党支部", False: "其他党支部"}
    out = []
    for g in grouped:
        value = g[column]
        drill = ""
        if by == "district" and value is not None:
            drill = f"?by=street&district={value}"
        elif by == "street" and value is not None:
            drill = f"?by=branch&street={value}"
        elif by == "sector":
            drill = "?by=district&two_new=1" if value else ""
        out.append(_row(str(value), names.get(value, "（未归属）"), g, drill))
    if by == "sector":
        out.sort(key=lambda r: r["label"] != "两新组织党支部")  # 两新 first
    else:
        out.sort(key=lambda r: (-r["two_new"], r["label"]))
    return out


def _num(value: object) -> int:
    return int(value) if isinstance(value, int | Decimal) else 0


def _row(key: str, label: str, g: Mapping[str, object], drill: str) -> TableRow:
    branches = _num(g["branches"])
    compliant = _num(g["compliant_n"])
    return TableRow(
        key=key,
        label=label,
        branches=branches,
        two_new=_num(g["two_new_n"]),
        compliant=compliant,
        rate=f"{compliant * 100 / branches:.1f}%" if branches else "—",
        missing=_num(g["missing_n"]),
        kinds_short=_num(g["kinds_short_n"]),
        quorum_failed=_num(g["quorum_n"]),
        minutes_missing=_num(g["minutes_missing_n"]),
        minutes_late=_num(g["minutes_late_n"]),
        lapse_risks=_num(g["lapse_n"]),
        drill=drill,
    )


def _branch_rows(rows: QuerySet[BranchQuarter]) -> list[TableRow]:
    """One row per branch (at most 500): the counters and the branch's name only (the
    rows' ``detail`` is not read)."""
    out = []
    for values in rows.order_by("-two_new", "compliant", "organization__name").values(
        "organization_id", "organization__name", *BRANCH_COLUMNS.values()
    )[:500]:
        g = {name: values[column] for name, column in BRANCH_COLUMNS.items()}
        g["branches"] = 1
        org_id = values["organization_id"]
        out.append(_row(str(org_id), values["organization__name"], g, f"branch/{org_id}/"))
    return out
