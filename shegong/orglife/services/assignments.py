"""Work the branch assigns to a member (设岗定责, 党员承诺, 双报到 posts). A member with an
assignment overlapping a month "did assigned work" that month (党章 第九条 check)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.members.models import Member

from ..models import WorkAssignment
from .common import require_manage


def _clean(title: str, starts_on: date, ends_on: date | None) -> str:
    title = title.strip()
    if not title:
        raise DomainError("请填写工作内容")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("结束日期不能早于开始日期")
    return title[:200]


def create_assignment(
    *, actor: User, member_id: int, title: str, starts_on: date, ends_on: date | None = None
) -> WorkAssignment:
    require_manage(actor, "您的角色不能分配党员工作")
    title = _clean(title, starts_on, ends_on)
    with transaction.atomic():
        member = Member.objects.visible_to(actor).party_members().filter(pk=member_id).first()
        if member is None:
            raise DomainError("党员不存在、不在册或不在您的管辖范围内")
        row = WorkAssignment.objects.create(
            member=member, title=title, starts_on=starts_on, ends_on=ends_on, assigned_by=actor
        )
        audit.record(
            "orglife_assignment_created",
            actor=actor,
            target=row,
            target_repr=title,
            changes={"member": member.pk},
        )
    return row


def _load(actor: User, assignment_id: int) -> WorkAssignment:
    row = (
        WorkAssignment.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .filter(pk=assignment_id)
        .first()
    )
    if row is None:
        raise DomainError("工作分配记录不存在或不在您的管辖范围内", code="not_found")
    return row


def update_assignment(
    *, actor: User, assignment_id: int, title: str, starts_on: date, ends_on: date | None
) -> WorkAssignment:
    require_manage(actor, "您的角色不能分配党员工作")
    title = _clean(title, starts_on, ends_on)
    with transaction.atomic():
        row = _load(actor, assignment_id)
        row.title, row.starts_on, row.ends_on = title, starts_on, ends_on
        row.save(update_fields=["title", "starts_on", "ends_on"])
        audit.record("orglife_assignment_updated", actor=actor, target=row, target_repr=title)
    return row


def delete_assignment(*, actor: User, assignment_id: int) -> int:
    """Delete a mistaken assignment; returns the member id."""
    require_manage(actor, "您的角色不能分配党员工作")
    with transaction.atomic():
        row = _load(actor, assignment_id)
        member_id = row.member_id
        audit.record("orglife_assignment_deleted", actor=actor, target=row, target_repr=row.title)
        row.delete()
    return member_id
