"""回访 and 重办 (接诉即办条例 第二十三条; 信访工作条例 第二十一条: the citizen evaluates).

After the reply the citizen rates the handling on the portal (with the tracking code) or a
clerk records a call-back. Satisfaction (满意/基本满意/不满意) and resolution (已解决/未解决)
are recorded separately. 不满意 or 未解决 starts 重办 automatically: a new handling round,
to the same unit or the level above (policy ``redo_target``); the first round keeps its
verdict in the assessment. Otherwise the appeal is closed.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.units.models import Unit

from ..choices import (
    AppealAction,
    AppealStatus,
    EventKind,
    RevisitMethod,
    Satisfaction,
    Stream,
    WorkOrderRole,
    WorkOrderStatus,
)
from ..models import Appeal, Revisit
from . import assessment
from .common import accused_conflict, bump, event, next_appeal_status
from .workflow import _load_appeal, _new_order, _territorial_fallback, close_locked


def record_revisit(
    *,
    actor: User | None,
    appeal_id: int,
    contacted: bool,
    resolved: bool,
    satisfaction: str,
    method: str,
    comment: str = "",
    now: datetime | None = None,
    by_citizen: bool = False,
) -> Revisit:
    """Record the verdict on the current round. ``by_citizen``: the portal, after the
    caller verified the tracking code (no actor); otherwise a clerk with ``appeals.revisit``."""
    now = now or timezone.now()
    if satisfaction not in Satisfaction.values:
        raise DomainError("请选择满意程度")
    if method not in RevisitMethod.values:
        raise DomainError("回访方式无效")
    with transaction.atomic():
        if by_citizen:
            appeal = (
                Appeal.objects.select_for_update()
                .select_related("policy", "region")
                .filter(pk=appeal_id)
                .first()
            )
            if appeal is None:
                raise DomainError("诉求不存在")
            actor = None
        else:
            require_capability(actor, Cap.APPEALS_REVISIT, "您的角色不能登记回访")
            appeal = _load_appeal(actor, appeal_id)
        if appeal.status != AppealStatus.REPLIED:
            raise DomainError("只有已答复、尚未办结的诉求可以回访评价")
        if appeal.revisits.filter(round=appeal.round).exists():
            raise DomainError("本轮办理已经评价过了")
        order = (
            appeal.work_orders.filter(
                role=WorkOrderRole.LEAD, round=appeal.round, status=WorkOrderStatus.REPLIED
            )
            .select_related("unit")
            .order_by("-replied_at")
            .first()
        )
        if order is None:
            raise DomainError("没有可评价的答复")
        revisit = Revisit.objects.create(
            appeal=appeal,
            work_order=order,
            round=appeal.round,
            method=method,
            contacted=contacted,
            resolved=resolved,
            satisfaction=satisfaction,
            comment=(comment or "").strip()[:2000],
            recorded_by=actor,
            at=now,
        )
        assessment.record_revisit(revisit)
        verdict = f"{Satisfaction(satisfaction).label}，{'已解决' if resolved else '未解决'}"
        on_time = appeal.revisit_due_at is None or now <= appeal.revisit_due_at
        event(
            appeal,
            EventKind.REVISITED,
            actor=actor,
            at=now,
            work_order=order,
            note=f"{RevisitMethod(method).label}：{verdict}"
            + (f"；意见：{revisit.comment}" if revisit.comment else ""),
            public_note=f"您的评价已记录：{verdict}",
            clock_due_at=appeal.revisit_due_at,
            clock_met=on_time,
            actor_label="" if actor else "群众",
        )
        audit.record(
            "appeal_revisited",
            actor=actor,
            target=appeal,
            at=now,
            changes={
                "round": appeal.round,
                "satisfaction": satisfaction,
                "resolved": resolved,
                "contacted": contacted,
                "method": method,
            },
        )
        if satisfaction == Satisfaction.DISSATISFIED or not resolved:
            _redo(appeal, order.unit, now=now, reason=verdict)
        else:
            close_locked(appeal, actor=actor, now=now, note=f"回访{verdict}")
    return revisit


def _redo_above(appeal: Appeal, unit: Unit) -> Unit:
    """重办 by the level above (policy ``redo_target`` = above): the unit's administrative
    superior first (its 上级行政机关, else its tree parent — :meth:`Unit.administrative_superior`,
    the same body a 复查 goes to), when it is an active handling unit and not accused
    (信访工作条例 第三十条); else the 属地兜底 rules of a return (:func:`_territorial_fallback`);
    else the same unit. A city bureau's redo never goes to a street office by place while
    its superior body is known."""
    above, _ = unit.administrative_superior()
    if (
        above is not None
        and above.is_active
        and above.is_handling_unit
        and not accused_conflict(appeal, above)
    ):
        return above
    return _territorial_fallback(appeal, unit) or unit


def _redo(appeal: Appeal, unit: Unit, *, now: datetime, reason: str) -> None:
    """重办: a new round to the same unit or the level above; counted against the first."""
    previous = (
        appeal.work_orders.filter(role=WorkOrderRole.LEAD, round=appeal.round)
        .order_by(F("replied_at").desc(nulls_last=True))  # PostgreSQL puts NULLs first
        .first()
    )
    # 信访: the 60-day limit runs from 受理 (第三十四条), so a redo round is still inside it —
    # and inside the extension already approved for it (at most one, ≤ 30 days), which the
    # redo keeps with its count: the redo is due on the extended date, not before it, and
    # the limit is not extended a second time by redoing. Hotline rounds start a fresh clock.
    carried = (
        appeal.work_orders.filter(
            role=WorkOrderRole.LEAD, round=appeal.round, extensions__gt=0, due_at__isnull=False
        )
        .order_by("-due_at")
        .first()
        if appeal.stream == Stream.PETITION
        else None
    )
    target = unit
    if appeal.policy.redo_target == "above":
        target = _redo_above(appeal, unit)
    appeal.status = next_appeal_status(appeal, AppealAction.REDO)
    appeal.round += 1
    appeal.lead_unit = target
    appeal.revisit_due_at = None
    bump(appeal, ["status", "round", "lead_unit", "revisit_due_at"])
    order = _new_order(
        appeal,
        target,
        WorkOrderRole.LEAD,
        actor=None,
        now=now,
        instructions=f"群众评价“{reason}”，第{appeal.round}轮重办",
        due_at=carried.due_at if carried else None,
        provisional=carried.due_provisional if carried else False,
    )
    order.round = appeal.round
    order.redo_of = previous
    fields = ["round", "redo_of"]
    if carried is not None:
        order.extended_days = carried.extended_days
        order.extensions = carried.extensions
        fields += ["extended_days", "extensions"]
    order.save(update_fields=fields)
    event(
        appeal,
        EventKind.REDONE,
        actor=None,
        at=now,
        work_order=order,
        note=f"群众评价“{reason}”，自动重办，交{target.name}（第{appeal.round}轮）",
        public_note=f"您的诉求已重新交由{target.name}办理",
        clock_due_at=order.due_at,
    )
    audit.record(
        "appeal_redone",
        actor=None,
        target=appeal,
        at=now,
        changes={"round": appeal.round, "unit": target.code, "reason": reason},
    )


def close_unrated(now: datetime | None = None) -> int:
    """Periodic: replied appeals whose revisit window passed without a verdict are closed
    (recorded as 未回访, which counts as no valid revisit). Compare-and-swap on status."""
    now = now or timezone.now()
    count = 0
    due = Appeal.objects.filter(status=AppealStatus.REPLIED, revisit_due_at__lt=now)
    for appeal_id in due.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            appeal = (
                Appeal.objects.select_for_update()
                .filter(pk=appeal_id, status=AppealStatus.REPLIED, revisit_due_at__lt=now)
                .first()
            )
            if appeal is None:
                continue
            close_locked(appeal, actor=None, now=now, note="回访期限届满，未取得评价（未回访）")
        count += 1
    return count
