"""Citizen appeals: 信访事项, 12345 诉求 and 人民建议, their work orders, clocks and timeline.

One package, one module per part (each under ~600 lines); import from here
(``from shegong.appeals.models import Appeal``), not from the modules.
"""

from .appeal import (
    APPEALS_VIEW,
    Appeal,
    AppealPolicy,
    AppealQuerySet,
    MaskedCopyField,
    Petitioner,
    PetitionerQuerySet,
    PolicyClock,
    masked_copy,
)
from .assessment import AssessmentConfig, AssessmentFact, ScoreAppeal, UnitMonthStat
from .orders import (
    AppealEvent,
    Attachment,
    ExtensionRequest,
    ExtensionRequestQuerySet,
    IdempotencyRecord,
    WorkOrder,
    WorkOrderQuerySet,
    attachment_path,
)
from .oversight import (
    NoticeKind,
    NoticeTemplate,
    Review,
    Revisit,
    Supervision,
    SupervisionQuerySet,
    SupervisionReport,
)
from .rollup import AppealDayStat, AppealMonthStat, RollupMark

__all__ = [
    "APPEALS_VIEW",
    "Appeal",
    "AppealDayStat",
    "AppealEvent",
    "AppealMonthStat",
    "AppealPolicy",
    "AppealQuerySet",
    "AssessmentConfig",
    "AssessmentFact",
    "Attachment",
    "ExtensionRequest",
    "ExtensionRequestQuerySet",
    "IdempotencyRecord",
    "MaskedCopyField",
    "NoticeKind",
    "NoticeTemplate",
    "Petitioner",
    "PetitionerQuerySet",
    "PolicyClock",
    "Review",
    "Revisit",
    "RollupMark",
    "ScoreAppeal",
    "Supervision",
    "SupervisionQuerySet",
    "SupervisionReport",
    "UnitMonthStat",
    "WorkOrder",
    "WorkOrderQuerySet",
    "attachment_path",
    "masked_copy",
]
