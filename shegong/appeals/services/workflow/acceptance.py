"""受理 / 不予受理 / 告知其他途径 (诉访分离) / 转送 (信访工作条例 第二十二~二十五条)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability

from ...choices import (
    AppealAction,
    AppealStatus,
    EventKind,
    RedirectChannel,
)
from ...models import Appeal
from ..common import (
    bump,
    check_version,
    event,
    next_appeal_status,
    reason_required,
)
from .loading import DISPATCH, _load_appeal, _tell_citizen


def accept_appeal(
    *,
    actor: Any,
    appeal_id: int,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """受理: within the triage clock (信访工作条例 第二十三条: written notice within 15 days)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        appeal.status = next_appeal_status(appeal, AppealAction.ACCEPT)
        appeal.accepted_at = now
        bump(appeal, ["status", "accepted_at"])
        met = appeal.triage_due_at is None or now <= appeal.triage_due_at
        event(
            appeal,
            EventKind.ACCEPTED,
            actor=actor,
            at=now,
            note=note,
            public_note="您的诉求已受理",
            clock_due_at=appeal.triage_due_at,
            clock_met=met,
        )
        audit.record(
            "appeal_accepted",
            actor=actor,
            target=appeal,
            at=now,
            changes={"status": [AppealStatus.REGISTERED, appeal.status], "triage_met": met},
        )
        _tell_citizen(appeal, f"您的诉求（编号{appeal.number}）已受理，可凭查询码查看办理进度。")
    return appeal


def reject_appeal(
    *,
    actor: Any,
    appeal_id: int,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """不予受理 with a reason; the written notice is generated from it (notices module)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    reason = reason_required(reason, "不予受理的理由")
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        before = appeal.status
        appeal.status = next_appeal_status(appeal, AppealAction.REJECT)
        appeal.decision_reason = reason
        appeal.closed_at = now
        bump(appeal, ["status", "decision_reason", "closed_at"])
        met = appeal.triage_due_at is None or now <= appeal.triage_due_at
        event(
            appeal,
            EventKind.REJECTED,
            actor=actor,
            at=now,
            note=reason,
            public_note=f"不予受理：{reason}",
            clock_due_at=appeal.triage_due_at,
            clock_met=met,
        )
        audit.record(
            "appeal_rejected",
            actor=actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status]},
            note=reason,
        )
        _tell_citizen(appeal, f"您的诉求（编号{appeal.number}）不予受理，理由：{reason}")
    return appeal


def redirect_appeal(
    *,
    actor: Any,
    appeal_id: int,
    channel: str,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """诉访分离: tell the citizen the legal channel (litigation, arbitration, 复议 …)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    if channel not in RedirectChannel.values:
        raise DomainError("请选择应当告知的法定途径")
    reason = reason_required(reason, "告知说明")
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        before = appeal.status
        appeal.status = next_appeal_status(appeal, AppealAction.REDIRECT)
        appeal.redirect_channel = channel
        appeal.decision_reason = reason
        appeal.closed_at = now
        bump(appeal, ["status", "redirect_channel", "decision_reason", "closed_at"])
        label = RedirectChannel(channel).label
        event(
            appeal,
            EventKind.REDIRECTED,
            actor=actor,
            at=now,
            note=f"{label}：{reason}",
            public_note=f"请通过{label}途径解决：{reason}",
            clock_due_at=appeal.triage_due_at,
            clock_met=appeal.triage_due_at is None or now <= appeal.triage_due_at,
        )
        audit.record(
            "appeal_redirected",
            actor=actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status], "channel": channel},
            note=reason,
        )
        _tell_citizen(appeal, f"您的诉求（编号{appeal.number}）属于{label}处理范围：{reason}")
    return appeal


def forward_appeal(
    *,
    actor: Any,
    appeal_id: int,
    organ: str,
    reason: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """转送 to a body outside the platform (e.g. 纪检监察, another city)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    organ = reason_required(organ, "转送机关名称")
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        before = appeal.status
        appeal.status = next_appeal_status(appeal, AppealAction.FORWARD)
        appeal.decision_reason = f"转送{organ}" + (f"：{reason}" if reason else "")
        appeal.closed_at = now
        bump(appeal, ["status", "decision_reason", "closed_at"])
        event(
            appeal,
            EventKind.FORWARDED,
            actor=actor,
            at=now,
            note=appeal.decision_reason,
            public_note=f"已转送{organ}办理",
            clock_due_at=appeal.triage_due_at,
            clock_met=appeal.triage_due_at is None or now <= appeal.triage_due_at,
        )
        audit.record(
            "appeal_forwarded",
            actor=actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status], "organ": organ},
        )
        _tell_citizen(appeal, f"您的诉求（编号{appeal.number}）已转送{organ}办理。")
    return appeal
