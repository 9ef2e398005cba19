"""The yearly base and monthly amount of each member (entered once a year)."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap
from shegong.core.tree import subtree_q
from shegong.lib.partyrules.dues import DuesCategory, monthly_amount
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization

from ..choices import AssessmentSource
from ..models import DuesAssessment
from .common import check_year, dues_policy, member_in_scope, need, parse_money

NEEDS_BASE = (DuesCategory.SALARIED, DuesCategory.RETIREE)


def compute(category: str, base: Decimal | None) -> tuple[DuesCategory, Decimal | None, Decimal]:
    """(category, base kept, monthly amount) through ``partyrules.dues.monthly_amount``."""
    try:
        cat = DuesCategory(category)
    except ValueError as exc:
        raise DomainError(f"无法识别的党员类别“{category}”") from exc
    if cat in NEEDS_BASE:
        if base is None:
            raise DomainError(f"{cat.label}须填写党费计算基数（税后月收入）")
    else:
        base = None  # fixed amounts: a base would mislead the 收缴表
    try:
        amount = monthly_amount(cat, base, policy=dues_policy())
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    return cat, base, amount


def _write(
    *,
    actor: User,
    member: Member,
    year: int,
    category: str,
    base: Decimal | None,
    source: str,
) -> tuple[DuesAssessment, bool]:
    """Create or re-enter one assessment (inside the caller's transaction). A re-entered base
    that would fall below an approved hardship amount drops the hardship (the reduction was
    granted against the old figure; the branch proposes again) and says so in the audit."""
    cat, base, amount = compute(category, base)
    current = DuesAssessment.objects.select_for_update().filter(member=member, year=year).first()
    note = ""
    if current is None:
        row = DuesAssessment(member=member, year=year)
        before: dict[str, object] = {}
    else:
        row = current
        before = audit.snapshot(row, ["category", "base", "computed_amount", "monthly_amount"])
    row.category, row.base, row.computed_amount = cat.value, base, amount
    row.monthly_amount = amount
    if row.hardship_amount is not None:
        if row.hardship_amount <= amount:
            row.monthly_amount = row.hardship_amount
        else:
            note = f"新核定金额低于已批准的减免后金额 {row.hardship_amount} 元，减免失效"
            row.hardship_amount = None
            row.hardship_approved_on = None
            row.hardship_approved_by = ""
    row.entered_by = actor
    row.source = source
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise DomainError("该党员本年度的党费基数刚被他人录入，请刷新后再试") from exc
    after = audit.snapshot(row, ["category", "base", "computed_amount", "monthly_amount"])
    audit.record(
        "dues_assessment_entered" if current is None else "dues_assessment_changed",
        actor=actor,
        target=row,
        changes=audit.diff(before, after),
        note=note,
    )
    return row, current is None


def set_assessment(
    *,
    actor: User,
    member_id: int,
    year: int,
    category: str,
    base: Decimal | str | None = None,
    source: str = AssessmentSource.FORM,
) -> DuesAssessment:
    """Enter (or correct) one member's base for ``year``; the amount comes from the library
    (whole base, upper bounds inclusive; D1 rounding)."""
    need(actor, Cap.DUES_MANAGE, "您的角色不能核定党费")
    check_year(year, timezone.localdate())
    value = None if base in (None, "") else parse_money(base, "党费计算基数")
    with transaction.atomic():
        member = member_in_scope(actor, member_id)
        if not member.is_party_member:
            raise DomainError("只有预备党员和正式党员需要核定党费")
        row, _ = _write(
            actor=actor, member=member, year=year, category=category, base=value, source=source
        )
    return row


def copy_forward(*, actor: User, organization_id: int, year: int) -> int:
    """沿用上年基数: every party member on the roll of the organization's subtree with an
    assessment for ``year - 1`` and none for ``year`` gets last year's category and base
    (the amount recomputed under this year's policy; hardship reductions are per year and
    not carried). Returns how many were created."""
    need(actor, Cap.DUES_MANAGE, "您的角色不能核定党费")
    check_year(year, timezone.localdate())
    org = PartyOrganization.objects.visible_to(actor).filter(pk=organization_id).first()
    if org is None:
        raise DomainError("党组织不存在或不在您的管辖范围内", code="not_found")
    members = (
        Member.objects.visible_to(actor)
        .party_members()
        .filter(subtree_q(org.path, "organization__path"))
        .exclude(dues_assessments__year=year)
    )
    previous = {
        a.member_id: a
        for a in DuesAssessment.objects.filter(
            year=year - 1, member__in=members.values("pk")
        ).select_related("member__organization__region")
    }
    created = 0
    with transaction.atomic():
        for member_id in sorted(previous):
            last = previous[member_id]
            if DuesAssessment.objects.filter(member_id=member_id, year=year).exists():
                continue
            _write(
                actor=actor,
                member=last.member,
                year=year,
                category=last.category,
                base=last.base,
                source=AssessmentSource.COPIED,
            )
            created += 1
        audit.record(
            "dues_bases_copied",
            actor=actor,
            target=org,
            changes={"year": [year - 1, year], "count": [0, created]},
        )
    return created
