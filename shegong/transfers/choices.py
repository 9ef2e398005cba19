"""Kinds, states and actions of a 组织关系转接, and the transition table.

The transitions are data: :data:`TRANSITIONS` maps ``kind → {(state, action): next state}``;
only ``services.workflow`` moves a transfer along it, and docs/transfers.md's state diagram
is generated from it (``python -m shegong.transfers.diagram``).
"""

from __future__ import annotations

from django.db import models


class TransferKind(models.TextChoices):
    WITHIN = "within", "市内转接"
    OUT = "out", "转出本市"
    IN = "in", "从外地转入"


class TransferStatus(models.TextChoices):
    PENDING_OUT = "pending_out", "待转出方党委审批"
    PENDING_IN = "pending_in", "待接收方接收"
    RETURNED = "returned", "已退回"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已撤销"


# A member has at most one transfer in these states (partial unique index on ``member``).
OPEN_STATUSES = (TransferStatus.PENDING_OUT, TransferStatus.PENDING_IN, TransferStatus.RETURNED)


class TransferAction(models.TextChoices):
    START = "start", "发起转接"
    APPROVE_OUT = "approve_out", "转出方党委审批同意"
    RECEIVE = "receive", "接收方接收"
    CONFIRM_OUT = "confirm_out", "确认对方已接收（回执）"
    RETURN = "return", "退回"
    RESUBMIT = "resubmit", "修改后重新提交"
    CANCEL = "cancel", "撤销"


S, A = TransferStatus, TransferAction

TRANSITIONS: dict[str, dict[tuple[str, str], str]] = {
    # 市内: 转出支部发起 → 转出方上级党委审批（开具介绍信）→ 接收支部（或其上级）接收.
    TransferKind.WITHIN: {
        (S.PENDING_OUT, A.APPROVE_OUT): S.PENDING_IN,
        (S.PENDING_OUT, A.RETURN): S.RETURNED,
        (S.PENDING_IN, A.RECEIVE): S.COMPLETED,
        (S.PENDING_IN, A.RETURN): S.RETURNED,
        (S.RETURNED, A.RESUBMIT): S.PENDING_OUT,
        (S.PENDING_OUT, A.CANCEL): S.CANCELLED,
        (S.RETURNED, A.CANCEL): S.CANCELLED,
    },
    # 转出本市: 转出支部发起 → 上级党委审批（开具介绍信）→ 收到对方回执，确认转出.
    TransferKind.OUT: {
        (S.PENDING_OUT, A.APPROVE_OUT): S.PENDING_IN,
        (S.PENDING_OUT, A.RETURN): S.RETURNED,
        (S.PENDING_IN, A.CONFIRM_OUT): S.COMPLETED,
        (S.PENDING_IN, A.RETURN): S.RETURNED,
        (S.RETURNED, A.RESUBMIT): S.PENDING_OUT,
        (S.PENDING_OUT, A.CANCEL): S.CANCELLED,
        (S.RETURNED, A.CANCEL): S.CANCELLED,
    },
    # 从外地转入: 接收支部凭外地介绍信登记 → 接收支部（或其上级）审核接收.
    TransferKind.IN: {
        (S.PENDING_IN, A.RECEIVE): S.COMPLETED,
        (S.PENDING_IN, A.RETURN): S.RETURNED,
        (S.RETURNED, A.RESUBMIT): S.PENDING_IN,
        (S.PENDING_IN, A.CANCEL): S.CANCELLED,
        (S.RETURNED, A.CANCEL): S.CANCELLED,
    },
}

START_STATUS: dict[str, str] = {
    TransferKind.WITHIN: S.PENDING_OUT,
    TransferKind.OUT: S.PENDING_OUT,
    TransferKind.IN: S.PENDING_IN,
}


class Side(models.TextChoices):
    """Whose scope an action needs (``services.scope``)."""

    STARTER = "starter", "发起方"
    OUT_SUPERIOR = "out_superior", "转出方上级党委"
    RECEIVER = "receiver", "接收方"


def actor_side(kind: str, status: str, action: str) -> str:
    """Which end must cover the actor for ``action`` on a transfer of ``kind`` in ``status``."""
    if action == A.APPROVE_OUT:
        return Side.OUT_SUPERIOR
    if action in (A.RECEIVE, A.CONFIRM_OUT):
        return Side.RECEIVER if kind != TransferKind.OUT else Side.STARTER
    if action == A.RETURN:
        if status == S.PENDING_OUT:
            return Side.OUT_SUPERIOR
        return Side.RECEIVER if kind != TransferKind.OUT else Side.OUT_SUPERIOR
    return Side.STARTER


def allowed_actions(kind: str, status: str) -> list[str]:
    return [action for (source, action) in TRANSITIONS[kind] if source == status]
