"""The steps of a finished appeal history and how each is replayed in memory.

Each ``_<step>`` function applies one step to a ``Replay`` exactly as the workflow service of
the same name would (same checks, field changes, version bumps, clocks, timeline event and
audit entry), without writing: ``history_import`` writes the rows of many replays at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.units.models import Unit

from ..choices import (
    AppealAction,
    AppealStatus,
    ClockKey,
    EventKind,
    RedirectChannel,
    Stream,
    WorkOrderAction,
    WorkOrderRole,
    WorkOrderStatus,
)
from ..models import Appeal, AppealEvent, WorkOrder
from .common import (
    accused_conflict,
    acts_for_unit,
    build_event,
    next_appeal_status,
    next_order_status,
    reason_required,
)
from .policies import compute_deadline
from .workflow import check_category


@dataclass(frozen=True)
class Accept:
    at: datetime
    actor: User
    note: str = ""


@dataclass(frozen=True)
class Decide:
    """不予受理 (``reject``), 诉访分离 (``redirect``, with ``channel``) or 转送 (``forward``,
    with ``organ``)."""

    at: datetime
    actor: User
    action: str
    reason: str
    channel: str = ""
    organ: str = ""


@dataclass(frozen=True)
class Dispatch:
    at: datetime
    actor: User
    lead_unit_id: int
    assist_unit_ids: tuple[int, ...] = ()
    instructions: str = ""
    category_l1: str = ""
    category_l2: str = ""


@dataclass(frozen=True)
class Sign:
    at: datetime
    actor: User
    unit_id: int


@dataclass(frozen=True)
class Note:
    at: datetime
    actor: User
    unit_id: int
    note: str
    contacted: bool = False


@dataclass(frozen=True)
class Reply:
    at: datetime
    actor: User
    unit_id: int
    text: str


@dataclass(frozen=True)
class Warn:
    """临期提醒 as the clock job wrote it (``clocks.warn_due_soon``) for the unit's order."""

    at: datetime
    unit_id: int


@dataclass(frozen=True)
class Close:
    at: datetime
    actor: User
    note: str = ""


HistoryStep = Accept | Decide | Dispatch | Sign | Note | Reply | Warn | Close


@dataclass
class Replay:
    """One record being replayed in memory: the appeal, its orders, what to write."""

    index: int
    appeal: Appeal
    appeal_fields: set[str] = field(default_factory=set)
    orders: list[WorkOrder] = field(default_factory=list)
    events: list[AppealEvent] = field(default_factory=list)
    entries: list[audit.Entry] = field(default_factory=list)
    lead_reply: WorkOrder | None = None

    def fail(self, message: str) -> DomainError:
        return DomainError(f"第 {self.index + 1} 条历史记录（{self.appeal.number}）：{message}")

    def bump(self, *fields: str) -> None:
        self.appeal_fields.update(fields)
        self.appeal.version += 1

    def order_of(self, unit_id: int) -> WorkOrder:
        for order in reversed(self.orders):
            if order.unit_id == unit_id:
                return order
        raise self.fail("该单位没有工单")


def apply_step(replay: Replay, step: HistoryStep, units: dict[int, Unit]) -> None:
    if isinstance(step, Accept):
        _accept(replay, step)
    elif isinstance(step, Decide):
        _decide(replay, step)
    elif isinstance(step, Dispatch):
        _dispatch(replay, step, units)
    elif isinstance(step, Sign):
        _sign(replay, step)
    elif isinstance(step, Note):
        _note(replay, step)
    elif isinstance(step, Reply):
        _reply(replay, step)
    elif isinstance(step, Warn):
        _warn(replay, step)
    else:
        _close(replay, step)


def _event(
    replay: Replay,
    kind: str,
    *,
    actor: User | None,
    at: datetime,
    note: str = "",
    work_order: WorkOrder | None = None,
    public_note: str = "",
    clock_due_at: datetime | None = None,
    clock_met: bool | None = None,
) -> None:
    replay.events.append(
        build_event(
            replay.appeal,
            kind,
            actor=actor,
            at=at,
            note=note,
            work_order=work_order,
            public_note=public_note,
            clock_due_at=clock_due_at,
            clock_met=clock_met,
        )
    )


def _triage_met(appeal: Appeal, at: datetime) -> bool:
    return appeal.triage_due_at is None or at <= appeal.triage_due_at


def _accept(replay: Replay, step: Accept) -> None:
    require_capability(step.actor, Cap.APPEALS_DISPATCH)
    appeal, now = replay.appeal, step.at
    appeal.status = next_appeal_status(appeal, AppealAction.ACCEPT)
    appeal.accepted_at = now
    replay.bump("status", "accepted_at")
    met = _triage_met(appeal, now)
    _event(
        replay,
        EventKind.ACCEPTED,
        actor=step.actor,
        at=now,
        note=step.note,
        public_note="您的诉求已受理",
        clock_due_at=appeal.triage_due_at,
        clock_met=met,
    )
    replay.entries.append(
        audit.Entry(
            "appeal_accepted",
            actor=step.actor,
            target=appeal,
            at=now,
            changes={"status": [AppealStatus.REGISTERED, appeal.status], "triage_met": met},
        )
    )


def _decide(replay: Replay, step: Decide) -> None:
    """不予受理 / 告知其他途径 / 转送, as ``reject_appeal`` / ``redirect_appeal`` /
    ``forward_appeal``."""
    require_capability(step.actor, Cap.APPEALS_DISPATCH)
    appeal, now = replay.appeal, step.at
    before = appeal.status
    met = _triage_met(appeal, now)
    if step.action == "reject":
        reason = reason_required(step.reason, "不予受理的理由")
        appeal.status = next_appeal_status(appeal, AppealAction.REJECT)
        appeal.decision_reason = reason
        appeal.closed_at = now
        replay.bump("status", "decision_reason", "closed_at")
        _event(
            replay,
            EventKind.REJECTED,
            actor=step.actor,
            at=now,
            note=reason,
            public_note=f"不予受理：{reason}",
            clock_due_at=appeal.triage_due_at,
            clock_met=met,
        )
        entry = audit.Entry(
            "appeal_rejected",
            actor=step.actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status]},
            note=reason,
        )
    elif step.action == "redirect":
        if step.channel not in RedirectChannel.values:
            raise replay.fail("请选择应当告知的法定途径")
        reason = reason_required(step.reason, "告知说明")
        appeal.status = next_appeal_status(appeal, AppealAction.REDIRECT)
        appeal.redirect_channel = step.channel
        appeal.decision_reason = reason
        appeal.closed_at = now
        replay.bump("status", "redirect_channel", "decision_reason", "closed_at")
        label = RedirectChannel(step.channel).label
        _event(
            replay,
            EventKind.REDIRECTED,
            actor=step.actor,
            at=now,
            note=f"{label}：{reason}",
            public_note=f"请通过{label}途径解决：{reason}",
            clock_due_at=appeal.triage_due_at,
            clock_met=met,
        )
        entry = audit.Entry(
            "appeal_redirected",
            actor=step.actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status], "channel": step.channel},
            note=reason,
        )
    elif step.action == "forward":
        organ = reason_required(step.organ, "转送机关名称")
        appeal.status = next_appeal_status(appeal, AppealAction.FORWARD)
        appeal.decision_reason = f"转送{organ}" + (f"：{step.reason}" if step.reason else "")
        appeal.closed_at = now
        replay.bump("status", "decision_reason", "closed_at")
        _event(
            replay,
            EventKind.FORWARDED,
            actor=step.actor,
            at=now,
            note=appeal.decision_reason,
            public_note=f"已转送{organ}办理",
            clock_due_at=appeal.triage_due_at,
            clock_met=met,
        )
        entry = audit.Entry(
            "appeal_forwarded",
            actor=step.actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status], "organ": organ},
        )
    else:
        raise replay.fail(f"未知的处理决定“{step.action}”")
    replay.entries.append(entry)


def _new_order(
    replay: Replay,
    unit: Unit,
    role: str,
    step: Dispatch,
    *,
    due_at: datetime | None = None,
    provisional: bool = False,
) -> WorkOrder:
    """As ``workflow._new_order``: the same checks and the same two clocks."""
    appeal, now = replay.appeal, step.at
    if accused_conflict(appeal, unit):
        raise replay.fail(f"“{unit.name}”是被检举控告单位（或其下级），不能承办该事项")
    if not unit.is_active or not unit.is_handling_unit:
        raise replay.fail(f"“{unit.name}”不是有效的承办单位")
    sign = compute_deadline(appeal.policy, ClockKey.SIGN, now)
    if due_at is None:
        start = (
            appeal.accepted_at if appeal.stream == Stream.PETITION and appeal.accepted_at else now
        )
        handle = compute_deadline(appeal.policy, ClockKey.HANDLE, start, appeal.urgency)
        due_at = handle.due if handle else None
        provisional = bool(handle and handle.provisional)
    order = WorkOrder(
        appeal=appeal,
        unit=unit,
        role=role,
        dispatched_by=step.actor,
        dispatched_at=now,
        instructions=step.instructions,
        sign_due_at=sign.due if sign else None,
        due_at=due_at,
        due_provisional=provisional,
    )
    replay.orders.append(order)
    return order


def _dispatch(replay: Replay, step: Dispatch, units: dict[int, Unit]) -> None:
    """As ``dispatch_appeal``."""
    require_capability(step.actor, Cap.APPEALS_DISPATCH)
    appeal, now = replay.appeal, step.at
    assist_ids = [u for u in step.assist_unit_ids if u != step.lead_unit_id]
    category_l1, category_l2 = step.category_l1, step.category_l2
    if category_l1:
        category_l1, category_l2 = check_category(category_l1, category_l2)
    fields = ["status", "accepted_at", "lead_unit"]
    if category_l1:
        appeal.category_l1, appeal.category_l2 = category_l1, category_l2
        appeal.category_by = step.actor
        fields += ["category_l1", "category_l2", "category_by"]
    if any(
        o.role == WorkOrderRole.LEAD
        and o.status in (WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED)
        for o in replay.orders
    ):
        raise replay.fail("该诉求已有在办的主办单位")
    before = appeal.status
    appeal.status = next_appeal_status(appeal, AppealAction.DISPATCH)
    if step.lead_unit_id not in units or any(u not in units for u in assist_ids):
        raise replay.fail("承办单位不存在")
    if appeal.accepted_at is None:
        appeal.accepted_at = now
    lead = _new_order(replay, units[step.lead_unit_id], WorkOrderRole.LEAD, step)
    for unit_id in assist_ids:
        _new_order(
            replay,
            units[unit_id],
            WorkOrderRole.ASSIST,
            step,
            due_at=lead.due_at,
            provisional=lead.due_provisional,
        )
    appeal.lead_unit = lead.unit
    replay.bump(*fields)
    names = "、".join([lead.unit.name] + [units[u].name for u in assist_ids])
    _event(
        replay,
        EventKind.DISPATCHED,
        actor=step.actor,
        at=now,
        work_order=lead,
        note=f"主办：{lead.unit.name}"
        + (f"；协办：{'、'.join(units[u].name for u in assist_ids)}" if assist_ids else "")
        + (f"；意见：{step.instructions}" if step.instructions else ""),
        public_note=f"已交由{lead.unit.name}办理",
        clock_due_at=lead.due_at,
    )
    replay.entries.append(
        audit.Entry(
            "appeal_dispatched",
            actor=step.actor,
            target=appeal,
            at=now,
            changes={
                "status": [before, appeal.status],
                "lead": lead.unit.code,
                "assist": [units[u].code for u in assist_ids],
                "units": names,
                "category": "/".join(c for c in (category_l1, category_l2) if c),
            },
        )
    )


def _handler_order(replay: Replay, actor: User, unit_id: int) -> WorkOrder:
    require_capability(actor, Cap.APPEALS_HANDLE)
    order = replay.order_of(unit_id)
    if not acts_for_unit(actor, order.unit):
        raise replay.fail("只有承办单位的工作人员可以办理该工单")
    return order


def _sign(replay: Replay, step: Sign) -> None:
    """As ``sign_order``."""
    order, now = _handler_order(replay, step.actor, step.unit_id), step.at
    order.status = next_order_status(order, WorkOrderAction.SIGN)
    order.signed_at = now
    order.version += 1
    met = order.sign_due_at is None or now <= order.sign_due_at
    _event(
        replay,
        EventKind.SIGNED,
        actor=step.actor,
        at=now,
        work_order=order,
        clock_due_at=order.sign_due_at,
        clock_met=met,
    )
    replay.entries.append(
        audit.Entry(
            "work_order_signed",
            actor=step.actor,
            target=order,
            at=now,
            changes={"status": [WorkOrderStatus.PENDING, order.status], "sign_met": met},
        )
    )


def _note(replay: Replay, step: Note) -> None:
    """As ``add_handling_note``."""
    order, now = _handler_order(replay, step.actor, step.unit_id), step.at
    note = reason_required(step.note, "办理情况")
    if not order.is_open:
        raise replay.fail("工单已结束，不能再添加办理记录")
    _event(
        replay,
        EventKind.CONTACTED if step.contacted else EventKind.NOTE,
        actor=step.actor,
        at=now,
        work_order=order,
        note=note,
        public_note="承办单位已与您联系" if step.contacted else "",
    )
    replay.entries.append(
        audit.Entry(
            "work_order_noted",
            actor=step.actor,
            target=order,
            at=now,
            changes={"contacted": step.contacted},
        )
    )


def _reply(replay: Replay, step: Reply) -> None:
    """As ``reply_order``: the lead's answer to the citizen, or a 协办 report."""
    order, now = _handler_order(replay, step.actor, step.unit_id), step.at
    text = reason_required(step.text, "办理结果")
    appeal = replay.appeal
    before = order.status
    order.status = next_order_status(order, WorkOrderAction.REPLY)
    order.replied_at = now
    order.reply_text = text
    order.version += 1
    met = order.due_at is None or now <= order.due_at
    if order.role == WorkOrderRole.LEAD:
        appeal.status = next_appeal_status(appeal, AppealAction.REPLY)
        appeal.reply_text = text
        appeal.replied_at = now
        revisit = compute_deadline(appeal.policy, ClockKey.REVISIT, now)
        appeal.revisit_due_at = revisit.due if revisit else None
        replay.bump("status", "reply_text", "replied_at", "revisit_due_at")
        replay.lead_reply = order
        _event(
            replay,
            EventKind.REPLIED,
            actor=step.actor,
            at=now,
            work_order=order,
            note=text,
            public_note=f"答复意见：{text}",
            clock_due_at=order.due_at,
            clock_met=met,
        )
    else:
        kind = EventKind.REPORTED if order.role == WorkOrderRole.WHISTLE else EventKind.NOTE
        _event(
            replay,
            kind,
            actor=step.actor,
            at=now,
            work_order=order,
            note=f"{order.get_role_display()}反馈：{text}",
            clock_due_at=order.due_at,
            clock_met=met,
        )
    replay.entries.append(
        audit.Entry(
            "work_order_replied",
            actor=step.actor,
            target=order,
            at=now,
            changes={"status": [before, order.status], "on_time": met},
        )
    )


def _close(replay: Replay, step: Close) -> None:
    """As ``close_appeal`` / ``close_locked``."""
    require_capability(step.actor, Cap.APPEALS_DISPATCH)
    appeal, now = replay.appeal, step.at
    before = appeal.status
    appeal.status = next_appeal_status(appeal, AppealAction.CLOSE)
    appeal.closed_at = now
    replay.bump("status", "closed_at")
    for order in replay.orders:
        if order.status in (
            WorkOrderStatus.CLOSED,
            WorkOrderStatus.CANCELLED,
            WorkOrderStatus.RETURNED,
        ):
            continue
        action = (
            WorkOrderAction.CLOSE
            if order.status == WorkOrderStatus.REPLIED
            else WorkOrderAction.CANCEL
        )
        order.status = next_order_status(order, action)
        order.closed_at = now
        order.version += 1
    _event(replay, EventKind.CLOSED, actor=step.actor, at=now, note=step.note, public_note="已办结")
    replay.entries.append(
        audit.Entry(
            "appeal_closed",
            actor=step.actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status]},
        )
    )


def _warn(replay: Replay, step: Warn) -> None:
    """As ``clocks.warn_due_soon`` for one order (no version bump, no audit, as there)."""
    order, now = replay.order_of(step.unit_id), step.at
    policy = replay.appeal.policy
    if (
        not order.is_open
        or order.warned_at is not None
        or order.due_at is None
        or not (order.due_at - timedelta(hours=policy.warn_hours) <= now < order.due_at)
    ):
        raise replay.fail("临期提醒只能在工单办理期间、期限前的提醒时段内记录一次")
    order.warned_at = now
    _event(
        replay,
        EventKind.WARNED,
        actor=None,
        at=now,
        work_order=order,
        note=f"距办理期限不足{policy.warn_hours}小时",
        clock_due_at=order.due_at,
    )
