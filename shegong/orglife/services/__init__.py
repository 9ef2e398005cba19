"""组织生活 services: every change is one function here (views, API and demo only translate)."""

from .assignments import create_assignment, delete_assignment, update_assignment
from .attendance import (
    mark_attendance,
    mark_present,
    meeting_of_token,
    open_meeting,
    qr_token,
    read_token,
    sign_in_by_account,
    sign_in_by_phone,
    signin_sms_cap,
    signin_token,
)
from .common import minutes_due_days, qr_ttl_seconds, voting_status
from .grades import set_grades
from .meetings import (
    TRANSITIONS,
    MeetingData,
    cancel_meeting,
    hold_meeting,
    plan_meeting,
    record_resolution,
    resolution_verdict,
    save_minutes,
    update_meeting,
)
from .photos import add_photo, delete_photo
from .quorum import QuorumReport, quorum_of

__all__ = [
    "TRANSITIONS",
    "MeetingData",
    "QuorumReport",
    "add_photo",
    "cancel_meeting",
    "create_assignment",
    "delete_assignment",
    "delete_photo",
    "hold_meeting",
    "mark_attendance",
    "mark_present",
    "meeting_of_token",
    "minutes_due_days",
    "open_meeting",
    "plan_meeting",
    "qr_token",
    "qr_ttl_seconds",
    "quorum_of",
    "read_token",
    "record_resolution",
    "resolution_verdict",
    "save_minutes",
    "set_grades",
    "sign_in_by_account",
    "sign_in_by_phone",
    "signin_sms_cap",
    "signin_token",
    "update_assignment",
    "update_meeting",
    "voting_status",
]
