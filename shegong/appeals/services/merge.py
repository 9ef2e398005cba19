"""Merging duplicates, splitting multi-issue appeals, and one person's history."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shegong.accounts.models import User, staff_user
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index, plain
from shegong.core.roles import Cap

from .. import hooks
from ..choices import AppealAction, AppealStatus, EventKind, WorkOrderAction, WorkOrderStatus
from ..models import Appeal, AppealQuerySet, Petitioner
from .common import bump, event, next_appeal_status, next_order_status, reason_required
from .intake import IntakeData, submit_appeal
from .workflow import DISPATCH, _load_appeal


def merge_appeals(
    *, actor: User, lead_id: int, duplicate_ids: list[int], reason: str, now: datetime | None = None
) -> Appeal:
    """Merge duplicates into a lead appeal. Each merged appeal keeps its petitioner and is
    answered when the lead is (``close_appeal`` notifies every merged petitioner)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    reason = reason_required(reason, "合并理由")
    if lead_id in duplicate_ids or not duplicate_ids:
        raise DomainError("请选择要并入的其他诉求")
    with transaction.atomic():
        lead = _load_appeal(actor, lead_id)
        if not lead.is_open:
            raise DomainError("主诉求已结束，不能再并入其他诉求")
        merged = []
        for dup_id in duplicate_ids:
            dup = _load_appeal(actor, dup_id)
            dup.status = next_appeal_status(dup, AppealAction.MERGE)
            dup.merged_into = lead
            bump(dup, ["status", "merged_into"])
            for order in dup.work_orders.filter(
                status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED]
            ):
                for listener in hooks.lead_closing:
                    listener(hooks.LeadClosing(order, "merge"))
                order.status = next_order_status(order, WorkOrderAction.CANCEL)
                order.closed_at = now
                bump(order, ["status", "closed_at"])
            event(
                dup,
                EventKind.MERGED,
                actor=actor,
                at=now,
                note=f"并入{lead.number}：{reason}",
                public_note=f"您的诉求与同一事项合并办理（主编号 {lead.number}）",
            )
            merged.append(dup.number)
        event(
            lead, EventKind.MERGED, actor=actor, at=now, note=f"并入：{'、'.join(merged)}；{reason}"
        )
        audit.record(
            "appeals_merged",
            actor=actor,
            target=lead,
            at=now,
            changes={"merged": merged},
            note=reason,
        )
    return lead


def split_appeal(
    *, actor: User, appeal_id: int, parts: list[dict[str, str]], now: datetime | None = None
) -> list[Appeal]:
    """Split a multi-issue call into child appeals (same petitioner, channel and place).
    ``parts``: [{"title": …, "body": …, "kind": optional}]."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    if len(parts) < 2:
        raise DomainError("拆分至少需要两个子诉求")
    with transaction.atomic():
        parent = _load_appeal(actor, appeal_id)
        if parent.status not in (AppealStatus.REGISTERED, AppealStatus.ACCEPTED):
            raise DomainError("只有尚未派单的诉求可以拆分")
        petitioner = parent.petitioner
        children = []
        for part in parts:
            data = IntakeData(
                kind=part.get("kind") or parent.kind,
                channel=parent.channel,
                title=part.get("title", ""),
                body=part.get("body", ""),
                region_id=parent.region_id,
                address=parent.address,
                urgency=parent.urgency,
                name=plain(petitioner.name) if petitioner else "",
                phone=plain(petitioner.phone) if petitioner else "",
                identity_confidential=parent.identity_confidential,
            )
            child, _code = submit_appeal(actor=actor, data=data, now=now)
            child.split_from = parent
            child.save(update_fields=["split_from"])
            children.append(child)
        parent.status = next_appeal_status(parent, AppealAction.MERGE)
        bump(parent, ["status"])
        event(
            parent,
            EventKind.SPLIT,
            actor=actor,
            at=now,
            note="拆分为：" + "、".join(c.number for c in children),
            public_note="您的诉求已拆分为：" + "、".join(c.number for c in children),
        )
        audit.record(
            "appeal_split",
            actor=actor,
            target=parent,
            at=now,
            changes={"children": [c.number for c in children]},
        )
    return children


def person_history(*, actor: User | AnonymousUser, appeal: Appeal) -> AppealQuerySet:
    """All appeals of the same person (same phone or ID number, any channel), within the
    actor's scope. Only for roles that may see identities (``appeals.person_history``)."""
    actor = staff_user(actor)
    require_capability(actor, Cap.APPEALS_PERSON_HISTORY, "您的角色不能查看诉求人历史")
    petitioner = appeal.petitioner
    if petitioner is None:
        return Appeal.objects.none()
    people = Petitioner.objects.same_person(
        phone_bidx=petitioner.phone_bidx, id_bidx=petitioner.id_number_bidx
    )
    condition = Q(petitioner_id__in=people.values("pk"))
    return (
        Appeal.objects.visible_to(actor)
        .filter(condition)
        .exclude(pk=appeal.pk)
        .order_by("-registered_at")
    )


def appeals_by_phone(*, actor: User, phone: str) -> AppealQuerySet:
    """Workbench search by phone through the blind index (no decryption)."""
    require_capability(actor, Cap.APPEALS_PERSON_HISTORY, "您的角色不能按诉求人查询")
    return Appeal.objects.visible_to(actor).filter(
        petitioner__phone_bidx=blind_index("phone", phone)
    )
