"""理论学习: plans, sessions and each person's learning record with hours; 书记 profiles."""

from .leaders import SecretaryProfile, SecretaryReview
from .plans import StudyPlan, StudySession, StudySettings
from .records import StudyRecord, StudyRecordQuerySet

__all__ = [
    "SecretaryProfile",
    "SecretaryReview",
    "StudyPlan",
    "StudyRecord",
    "StudyRecordQuerySet",
    "StudySession",
    "StudySettings",
]
