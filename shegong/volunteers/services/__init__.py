"""The only writers of the volunteer service's rows (each call audited, scoped)."""

from .activities import (
    SlotInput,
    add_slot,
    change_activity_status,
    create_activity,
    eligibility,
    offered_activities,
)
from .certificate_print import certificate_pdf
from .certificates import (
    covered_entries,
    issue_certificate,
    public_verify,
    resign_certificates,
    revoke_certificate,
    verify_certificate,
)
from .checkin import (
    checkin_qr_token,
    checkin_token,
    compute_hours,
    confirm_hours,
    confirm_slot_hours,
    manager_check,
    mark_absent,
    read_token,
    scan_anomalies,
    scan_checkin,
)
from .common import get_policy, star_for
from .deadlines import (
    PendingSlot,
    deadline_of,
    pending_records,
    record_deadline,
    remind_record_deadlines,
)
from .ledger import (
    EntryDraft,
    append_entries,
    recompute_star_levels,
    record_hours,
    reverse_entry,
    verify_ledger,
    verify_volunteer,
)
from .policy import update_policy
from .records import (
    add_award,
    add_evaluation,
    add_training,
    correct_record,
    mark_lateness,
    void_record,
)
from .registry import (
    add_member,
    change_contact,
    create_team,
    find_by_phone,
    register_volunteer,
    remove_member,
    update_volunteer,
)
from .signups import (
    cancel_signup,
    sign_up,
    waitlist_position,
)
from .transfer_hours import import_hours
from .transfer_training import import_trainings
from .transfer_volunteers import import_volunteers

__all__ = [
    "EntryDraft",
    "PendingSlot",
    "SlotInput",
    "add_award",
    "add_evaluation",
    "add_member",
    "add_slot",
    "add_training",
    "append_entries",
    "cancel_signup",
    "certificate_pdf",
    "change_activity_status",
    "change_contact",
    "checkin_qr_token",
    "checkin_token",
    "compute_hours",
    "confirm_hours",
    "confirm_slot_hours",
    "correct_record",
    "covered_entries",
    "create_activity",
    "create_team",
    "deadline_of",
    "eligibility",
    "find_by_phone",
    "get_policy",
    "import_hours",
    "import_trainings",
    "import_volunteers",
    "issue_certificate",
    "manager_check",
    "mark_absent",
    "mark_lateness",
    "offered_activities",
    "pending_records",
    "public_verify",
    "read_token",
    "recompute_star_levels",
    "record_deadline",
    "record_hours",
    "register_volunteer",
    "remind_record_deadlines",
    "remove_member",
    "resign_certificates",
    "reverse_entry",
    "revoke_certificate",
    "scan_anomalies",
    "scan_checkin",
    "sign_up",
    "star_for",
    "update_policy",
    "update_volunteer",
    "verify_certificate",
    "verify_ledger",
    "verify_volunteer",
    "void_record",
    "waitlist_position",
]
