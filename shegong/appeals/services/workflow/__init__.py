"""Acceptance, dispatch and handling: one state machine, every transition audited.

Flow (信访工作条例 第二十二~三十四条; 接诉即办条例 第十一~十六条):
登记 → 受理 / 不予受理 / 告知其他途径 (诉访分离) / 转送 → 派单 (主办 + 协办, each a work
order with clocks) → 签收 → 退单 (reason; back to dispatch; the Nth return escalates to the
level above, 属地兜底) → 改派 → 办理 (notes, 联系诉求人) → 延期 (requested, approved,
capped, citizen told) → 答复 → 办结. 吹哨报到: a street summons units; each reports back.

Split by concern: ``loading`` (scoped loads and who to notify, shared by every step),
``acceptance``, ``dispatch`` (incl. sign, return, reassign), ``handling`` (notes,
extensions, reply, close, whistle). Import from the package
(``from shegong.appeals.services.workflow import dispatch_appeal``); the names below,
including the underscored helpers the sibling service modules use, are its interface.
"""

from __future__ import annotations

from ..common import acts_for_unit
from .acceptance import accept_appeal, forward_appeal, redirect_appeal, reject_appeal
from .dispatch import (
    _new_order,
    _territorial_fallback,
    check_category,
    dispatch_appeal,
    reassign_appeal,
    return_order,
    set_category,
    sign_order,
)
from .handling import (
    add_handling_note,
    blow_whistle,
    close_appeal,
    close_locked,
    decide_extension,
    reply_order,
    request_extension,
)
from .loading import (
    DISPATCH,
    HANDLE,
    _load_appeal,
    _load_order,
    _tell_citizen,
    _unit_users,
    dispatch_targets,
    unit_ids_by_codes,
)

__all__ = [
    "DISPATCH",
    "HANDLE",
    "_load_appeal",
    "_load_order",
    "_new_order",
    "_tell_citizen",
    "_territorial_fallback",
    "_unit_users",
    "accept_appeal",
    "acts_for_unit",
    "add_handling_note",
    "blow_whistle",
    "check_category",
    "close_appeal",
    "close_locked",
    "decide_extension",
    "dispatch_appeal",
    "dispatch_targets",
    "forward_appeal",
    "reassign_appeal",
    "redirect_appeal",
    "reject_appeal",
    "reply_order",
    "request_extension",
    "return_order",
    "set_category",
    "sign_order",
    "unit_ids_by_codes",
]
