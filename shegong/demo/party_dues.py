"""Demo data of the dues app (issue 15), made through its services; see ``party.py``.

Bases for last year and this year (this year through 沿用上年基数), payments in quarterly
batches: most members paid up to last month, some a few months behind, a few six months or
more behind (the 自行脱党 warning), and one hardship reduction approved. With no members
(the members generator not merged yet) it does nothing. Large sizes stop after ``CAP``
members: every row goes through the audited services."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.dues.choices import HardshipAction
from shegong.dues.services import assessments, hardship, payments
from shegong.dues.services.common import first_owed
from shegong.lib.partyrules.months import Month, months_between
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization

CAP = {"small": 120, "city": 3000, "metro": 10000}
CATEGORIES = (
    ("salaried", 60),
    ("retiree", 25),
    ("farmer", 5),
    ("student", 5),
    ("unemployed", 5),
)
METHODS = ("cash", "transfer", "online", "deduction")


def _base(category: str, rng: random.Random) -> Decimal | None:
    if category == "salaried":
        return Decimal(rng.randrange(2200, 16000)) + Decimal(rng.randrange(0, 100)) / 100
    if category == "retiree":
        return Decimal(rng.randrange(1800, 9000))
    return None


def generate(size_name: str, *, rng: random.Random, log: Callable[[str], object]) -> None:
    members = list(Member.objects.party_members().order_by("pk")[: CAP.get(size_name, 120)])
    if not members:
        log("党费：没有党员记录，跳过")
        return
    root = User.objects.filter(is_superuser=True).order_by("pk").first()
    if root is None:
        log("党费：没有管理员账号，跳过")
        return
    today = timezone.localdate()
    this, last = today.year, today.year - 1
    names = [c for c, _ in CATEGORIES]
    weights = [w for _, w in CATEGORIES]
    for member in members:
        category = rng.choices(names, weights)[0]
        assessments.set_assessment(
            actor=root,
            member_id=member.pk,
            year=last,
            category=category,
            base=_base(category, rng),
        )
    copied = 0
    for org in PartyOrganization.objects.filter(parent__isnull=True).order_by("pk"):
        copied += assessments.copy_forward(actor=root, organization_id=org.pk, year=this)
    log(f"党费：核定 {len(members)} 名党员 {last} 年基数，沿用到 {this} 年 {copied} 名")
    current = Month.of(today)
    paid_rows = 0
    for member in members:
        roll = rng.random()
        behind = 1 if roll < 0.8 else rng.randrange(2, 6) if roll < 0.95 else rng.randrange(7, 10)
        start = max(Month(last, 1), first_owed(member) or Month(last, 1))
        months = months_between(start, current.plus(-behind))
        for i in range(0, len(months), 3):
            quarter = months[i : i + 3]
            try:
                rows = payments.record_payment(
                    actor=root,
                    member_id=member.pk,
                    months=quarter,
                    method=rng.choice(METHODS),
                    paid_on=min(quarter[-1].last_day, today),
                )
            except DomainError:
                continue
            paid_rows += len(rows)
    log(f"党费：登记缴费 {paid_rows} 笔")
    _one_hardship(root, members)


def _one_hardship(root: User, members: list[Member]) -> None:
    """One approved reduction: the first salaried member of this year (half the amount)."""
    from shegong.dues.models import DuesAssessment

    year = timezone.localdate().year
    a = (
        DuesAssessment.objects.filter(
            member__in=[m.pk for m in members], year=year, category="salaried"
        )
        .order_by("pk")
        .first()
    )
    if a is None:
        return
    try:
        proposal = hardship.propose_hardship(
            actor=root,
            assessment_id=a.pk,
            amount=(a.computed_amount / 2).quantize(Decimal("0.01")),
            reason="家属重病，长期治疗，经济困难",
        )
        approver = _approver(root, a.member.organization)
        if approver is None:
            return
        hardship.decide_hardship(
            actor=approver, hardship_id=proposal.pk, action=HardshipAction.APPROVE, note="同意减半"
        )
    except DomainError:
        return


def _approver(proposer: User, branch: PartyOrganization) -> User | None:
    """Someone above the branch other than the proposer (nobody approves their own proposal)."""
    candidates = (
        User.objects.filter(role__in=hardship.SUPERIOR_ROLES, is_active=True)
        .exclude(pk=proposer.pk)
        .order_by("pk")[:50]
    )
    return next((u for u in candidates if hardship.superior_body(u, branch) is not None), None)
