"""志愿服务: volunteers, teams, activities with time slots, sign-ups with a waitlist,
check-in/out, an append-only hash-chained hours ledger, star levels and certificates.

Every row here is written only by ``volunteers.services`` (audited, scoped). The ledger
(:class:`HoursEntry`) is append-only: saving an existing entry, deleting one, or
``QuerySet.update/delete`` on entries raises. Each volunteer's entries form their own SM3
hash chain (``seq`` gap-free from 1, ``prev_hash`` → ``hash``); the head of the chain, the
running total and the star level live on the :class:`Volunteer` row and are advanced under
``select_for_update`` of that row, so a total or a star level is one primary-key read.

The models live in one module per area (``people``, ``activities``, ``ledger``, ``records``,
``policy``); this package imports every one of them, so ``volunteers.models.X`` keeps working.
"""

from .activities import (
    Activity,
    ActivityQuerySet,
    CheckinScan,
    Signup,
    SignupQuerySet,
    Slot,
    SlotQuerySet,
)
from .common import (
    GENESIS,
    VOLUNTEERS_VIEW,
)
from .ledger import (
    AppendOnlyQuerySet,
    Certificate,
    CertificateQuerySet,
    HoursEntry,
    LedgerVerification,
)
from .people import (
    Membership,
    Skill,
    Team,
    TeamQuerySet,
    Volunteer,
    VolunteerQuerySet,
)
from .policy import (
    DEFAULT_STAR_THRESHOLDS,
    VolunteerPolicy,
    default_star_thresholds,
)
from .records import (
    RECORD_SCOPE,
    AwardRecord,
    EvaluationRecord,
    RecordQuerySet,
    TrainingRecord,
    VolunteerRecord,
)

__all__ = [
    "DEFAULT_STAR_THRESHOLDS",
    "GENESIS",
    "RECORD_SCOPE",
    "VOLUNTEERS_VIEW",
    "Activity",
    "ActivityQuerySet",
    "AppendOnlyQuerySet",
    "AwardRecord",
    "Certificate",
    "CertificateQuerySet",
    "CheckinScan",
    "EvaluationRecord",
    "HoursEntry",
    "LedgerVerification",
    "Membership",
    "RecordQuerySet",
    "Signup",
    "SignupQuerySet",
    "Skill",
    "Slot",
    "SlotQuerySet",
    "Team",
    "TeamQuerySet",
    "TrainingRecord",
    "Volunteer",
    "VolunteerPolicy",
    "VolunteerQuerySet",
    "VolunteerRecord",
    "default_star_thresholds",
]
