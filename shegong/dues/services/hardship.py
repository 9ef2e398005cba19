"""Hardship reduction or waiver (第七条): proposed by the branch, decided by the superior
党委. Transitions are data (``choices.HARDSHIP_TRANSITIONS``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError, TransitionNotAllowed
from shegong.core.roles import Cap, Role
from shegong.lib.partyrules.dues import DuesCategory, HardshipApproval, monthly_amount
from shegong.organizations.models import PartyOrganization
from shegong.organizations.models.orgs import administered_paths

from ..choices import HARDSHIP_TRANSITIONS, HardshipAction, HardshipStatus
from ..models import DuesAssessment, DuesHardship
from .assessments import compute
from .common import dues_policy, need, parse_money

# Roles whose jurisdiction makes them the superior of every branch in it (the department,
# the street's 党工委). Anyone else approves only as administrator of an organization above.
SUPERIOR_ROLES = (Role.DEPT_ADMIN, Role.STREET_STAFF)


def superior_bodies(actor: User, branches: Iterable[PartyOrganization]) -> dict[int, str | None]:
    """For each branch (by pk), the name of the body ``actor`` approves for, or None if
    ``actor`` is not above it: an administrator of an organization strictly above it, or
    department/street staff whose scope covers it — unless ``actor`` administers the branch
    itself and nothing above it (the branch's own secretary is never its superior, whatever
    their role). At most three queries for any number of branches."""
    unique = {b.pk: b for b in branches}
    paths = administered_paths(actor)
    nearest = {
        pk: max((p for p in paths if b.path.startswith(p) and p != b.path), key=len, default="")
        for pk, b in unique.items()
    }
    wanted = {p for p in nearest.values() if p}
    names = (
        dict(PartyOrganization.objects.filter(path__in=wanted).values_list("path", "name"))
        if wanted
        else {}
    )
    fallback = [pk for pk, b in unique.items() if nearest[pk] not in names and b.path not in paths]
    in_scope: set[int] = set()
    if fallback and (actor.is_superuser or actor.role in SUPERIOR_ROLES):
        in_scope = set(
            PartyOrganization.objects.visible_to(actor)
            .filter(pk__in=fallback)
            .values_list("pk", flat=True)
        )
    label = "上级党委" if actor.is_superuser else actor.jurisdiction_label
    return {pk: names.get(nearest[pk]) or (label if pk in in_scope else None) for pk in unique}


def superior_body(actor: User, branch: PartyOrganization) -> str | None:
    """:func:`superior_bodies` for one branch."""
    return superior_bodies(actor, [branch])[branch.pk]


def propose_hardship(
    *, actor: User, assessment_id: int, amount: Decimal | str, reason: str
) -> DuesHardship:
    need(actor, Cap.DUES_MANAGE, "您的角色不能申请党费减免")
    value = parse_money(amount, "减免后金额")
    reason = reason.strip()
    if not reason:
        raise DomainError("请写明党员的困难情况")
    with transaction.atomic():
        assessment = (
            DuesAssessment.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("member__organization__region")
            .filter(pk=assessment_id)
            .first()
        )
        if assessment is None:
            raise DomainError("党费核定不存在或不在您的管辖范围内", code="not_found")
        if value >= assessment.computed_amount:
            raise DomainError(
                f"减免后金额应低于按规定应交的 {assessment.computed_amount} 元（0 为免交）"
            )
        try:
            with transaction.atomic():
                row = DuesHardship.objects.create(
                    assessment=assessment, amount=value, reason=reason[:300], proposed_by=actor
                )
        except IntegrityError as exc:
            raise DomainError("该党员本年度已有一份待审批的减免申请") from exc
        audit.record(
            "dues_hardship_proposed",
            actor=actor,
            target=row,
            changes={"amount": [str(assessment.monthly_amount), str(value)]},
            note=reason[:300],
        )
    return row


def decide_hardship(*, actor: User, hardship_id: int, action: str, note: str = "") -> DuesHardship:
    """Approve (the amount replaces the computed one through ``HardshipApproval``), reject, or
    withdraw (the proposer's branch) a proposal."""
    need(
        actor,
        Cap.DUES_MANAGE if action == HardshipAction.WITHDRAW else Cap.DUES_APPROVE,
        "您的角色不能审批党费减免",
    )
    with transaction.atomic():
        row = (
            DuesHardship.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("assessment__member__organization__region")
            .filter(pk=hardship_id)
            .first()
        )
        if row is None:
            raise DomainError("减免申请不存在或不在您的管辖范围内", code="not_found")
        target = HARDSHIP_TRANSITIONS.get((row.status, action))
        if target is None:
            raise TransitionNotAllowed(f"该申请{row.get_status_display()}，不能再办理")
        branch = row.assessment.member.organization
        body = ""
        if action != HardshipAction.WITHDRAW:
            found = superior_body(actor, branch)
            if found is None:
                raise DomainError(
                    "党费减免须由上级党委审批：您不是该支部的上级党组织管理员", code="forbidden"
                )
            if row.proposed_by_id == actor.pk:
                raise DomainError(
                    "不能审批自己提出的减免申请，须由上级党委其他人员审批", code="forbidden"
                )
            body = found
        today = timezone.localdate()
        row.status = target
        row.decided_by = actor
        row.decided_on = today
        row.approving_body = body[:150]
        row.decision_note = note.strip()[:300]
        row.save(
            update_fields=["status", "decided_by", "decided_on", "approving_body", "decision_note"]
        )
        if target == HardshipStatus.APPROVED:
            assessment = DuesAssessment.objects.select_for_update().get(pk=row.assessment_id)
            _, base, _ = compute(assessment.category, assessment.base)
            approval = HardshipApproval(row.amount, today, row.approving_body)
            try:
                amount = monthly_amount(
                    DuesCategory(assessment.category),
                    base,
                    policy=dues_policy(),
                    hardship=approval,
                )
            except ValueError as exc:
                raise DomainError(str(exc)) from exc
            before = audit.snapshot(assessment, ["monthly_amount", "hardship_amount"])
            assessment.hardship_amount = amount
            assessment.hardship_approved_on = today
            assessment.hardship_approved_by = row.approving_body
            assessment.monthly_amount = amount
            assessment.save(
                update_fields=[
                    "hardship_amount",
                    "hardship_approved_on",
                    "hardship_approved_by",
                    "monthly_amount",
                ]
            )
            audit.record(
                "dues_assessment_changed",
                actor=actor,
                target=assessment,
                changes=audit.diff(
                    before, audit.snapshot(assessment, ["monthly_amount", "hardship_amount"])
                ),
                note="上级党委批准减免",
            )
        audit.record(
            "dues_hardship_approved"
            if target == "approved"
            else "dues_hardship_rejected"
            if target == "rejected"
            else "dues_hardship_withdrawn",
            actor=actor,
            target=row,
            changes={"status": [HardshipStatus.PROPOSED.value, target]},
            note=row.decision_note,
        )
    return row
