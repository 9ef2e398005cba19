"""The serving services (the only writers of this app's rows). Import from the package."""

from .checkout import record_checkout
from .claims import (
    add_photo,
    assign,
    cancel_claim,
    checkin_token,
    claim_order,
    order_qr_token,
    read_token,
    scan,
    submit_report,
)
from .common import get_policy, update_policy
from .completion import (
    close_with_service,
    confirm_by_community,
    confirm_by_resident,
    evidence_text,
    may_reply,
    reply_appeal,
)
from .matching import rank, suggest
from .needs import NeedData, cancel_order, convert_appeal, create_need, portal_wish
from .reports import end_report, progress, report_member, report_organization

__all__ = [
    "NeedData",
    "add_photo",
    "assign",
    "cancel_claim",
    "cancel_order",
    "checkin_token",
    "claim_order",
    "close_with_service",
    "confirm_by_community",
    "confirm_by_resident",
    "convert_appeal",
    "create_need",
    "end_report",
    "evidence_text",
    "get_policy",
    "may_reply",
    "order_qr_token",
    "portal_wish",
    "progress",
    "rank",
    "read_token",
    "record_checkout",
    "reply_appeal",
    "report_member",
    "report_organization",
    "scan",
    "submit_report",
    "suggest",
    "update_policy",
]
