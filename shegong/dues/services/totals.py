"""Figures of the dues pages: a branch's month grid, an organization's subtree totals per
month and per child organization. Every figure starts from ``visible_to(actor)``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from shegong.accounts.models import User
from shegong.core.tree import subtree_q
from shegong.lib.partyrules.dues import ArrearsReport
from shegong.lib.partyrules.months import Month
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization

from ..models import DuesAssessment, DuesPayment
from .status import dues_status, owed_months

ZERO = Decimal(0)


@dataclass
class Cell:
    month: Month
    owed: Decimal | None  # None: nothing owed (before the 支部大会 month, not assessed)
    paid: Decimal

    @property
    def state(self) -> str:
        """paid / partial / due / none (CSS and text of the grid)."""
        if self.owed is None:
            return "none" if self.paid == 0 else "paid"
        if self.paid >= self.owed:
            return "paid"
        return "partial" if self.paid > 0 else "due"


@dataclass
class GridRow:
    member: Member
    assessment: DuesAssessment | None
    cells: list[Cell]
    report: ArrearsReport

    @property
    def paid_total(self) -> Decimal:
        return sum((c.paid for c in self.cells), ZERO)


@dataclass
class OrgTotals:
    months: list[tuple[Month, Decimal, Decimal]] = field(default_factory=list)  # owed, paid
    owed: Decimal = ZERO
    paid: Decimal = ZERO
    members: int = 0
    in_arrears: int = 0
    lapse_risk: int = 0


def roll(actor: User, org: PartyOrganization) -> list[Member]:
    """The branch's own roll (预备/正式党员 on the roll), in scope."""
    return list(
        Member.objects.visible_to(actor).party_members().filter(organization=org).order_by("pk")
    )


def branch_grid(actor: User, org: PartyOrganization, year: int, through: Month) -> list[GridRow]:
    """One row per member of the branch: the year's 12 months (owed, paid) and the arrears
    report through ``through`` (all assessed years)."""
    members = roll(actor, org)
    ids = [m.pk for m in members]
    assessments = {
        a.member_id: a
        for a in DuesAssessment.objects.visible_to(actor).filter(member_id__in=ids, year=year)
    }
    paid: dict[tuple[int, Month], Decimal] = defaultdict(Decimal)
    for row in (
        DuesPayment.objects.visible_to(actor)
        .filter(member_id__in=ids, month__year=year)
        .values("member_id", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        paid[(row["member_id"], Month.of(row["month"]))] = row["total"]
    reports = dues_status(ids, through)
    rows = []
    for member in members:
        a = assessments.get(member.pk)
        owed = (
            owed_months(
                member.admitted_on, member.left_on, {year: a.monthly_amount}, Month(year, 12)
            )
            if a
            else {}
        )
        cells = [
            Cell(m, owed.get(m), paid.get((member.pk, m), ZERO))
            for m in (Month(year, i) for i in range(1, 13))
        ]
        rows.append(GridRow(member, a, cells, reports[member.pk]))
    return rows


# Children shown in an organization's table (a city committee may have hundreds; the page
# says how many are left out and links nowhere heavier — each child's own page has its rows).
CHILD_LIMIT = 100


@dataclass
class OrgFigures:
    totals: OrgTotals
    children: list[tuple[PartyOrganization, OrgTotals]]
    more_children: int  # children left out of the table (beyond ``CHILD_LIMIT``)


@dataclass
class _Sums:
    owed: dict[Month, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    paid: dict[Month, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    totals: OrgTotals = field(default_factory=OrgTotals)

    def finish(self, year: int) -> OrgTotals:
        t = self.totals
        for i in range(1, 13):
            m = Month(year, i)
            t.months.append((m, self.owed.get(m, ZERO), self.paid.get(m, ZERO)))
        t.owed = sum((o for _, o, _ in t.months), ZERO)
        t.paid = sum((p for _, _, p in t.months), ZERO)
        return t


def _child_path(org_path: str, path: str) -> str:
    """The path of the child of the organization at ``org_path`` that ``path`` lies under
    (``org_path`` itself for the organization's own rows)."""
    rest = path[len(org_path) :]
    return org_path + rest.split("/", 1)[0] + "/" if rest else org_path


def org_figures(
    actor: User, org: PartyOrganization, year: int, through: Month, *, limit: int = CHILD_LIMIT
) -> OrgFigures:
    """Subtree sums — owed (members now in the subtree) and paid (payments collected by
    organizations of the subtree) per month of ``year``, arrears counts through ``through``
    — for the organization and each of its first ``limit`` visible children, in one pass
    over the subtree (five queries whatever its size)."""
    child_rows = PartyOrganization.objects.visible_to(actor).filter(parent=org).order_by("code")
    children = list(child_rows[: limit + 1])
    more = child_rows.count() - limit if len(children) > limit else 0
    children = children[:limit]
    sums = {org.path: _Sums(), **{c.path: _Sums() for c in children}}
    total = sums[org.path]

    def targets(path: str) -> list[_Sums]:
        child = sums.get(_child_path(org.path, path))
        return [total] if child is None or child is total else [total, child]

    members = (
        Member.objects.visible_to(actor)
        .party_members()
        .filter(subtree_q(org.path, "organization__path"))
    )
    path_of = dict(members.values_list("pk", "organization__path"))
    for member_id, admitted_on, left_on, amount in DuesAssessment.objects.filter(
        member__in=members.values("pk"), year=year
    ).values_list("member_id", "member__admitted_on", "member__left_on", "monthly_amount"):
        owed = owed_months(admitted_on, left_on, {year: amount}, Month(year, 12))
        for target in targets(path_of.get(member_id, org.path)):
            for month, value in owed.items():
                target.owed[month] += value
    for row in (
        DuesPayment.objects.visible_to(actor)
        .filter(subtree_q(org.path, "organization__path"), month__year=year)
        .values("organization__path", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        for target in targets(row["organization__path"]):
            target.paid[Month.of(row["month"])] += row["total"]
    for member_id, report in dues_status(members.values("pk"), through).items():
        for target in targets(path_of.get(member_id, org.path)):
            target.totals.members += 1
            target.totals.in_arrears += bool(report.months_in_arrears)
            target.totals.lapse_risk += bool(report.lapse_risk)
    return OrgFigures(
        totals=total.finish(year),
        children=[(c, sums[c.path].finish(year)) for c in children],
        more_children=more,
    )
