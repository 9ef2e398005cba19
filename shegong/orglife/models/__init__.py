"""Meetings of branch life (三会一课, 主题党日, 组织生活会, 民主评议, 谈心谈话) and attendance."""

from .meetings import (
    Attendance,
    AttendanceQuerySet,
    Meeting,
    MeetingQuerySet,
    WorkAssignment,
    WorkAssignmentQuerySet,
)
from .records import EvaluationGrade, MeetingPhoto, Resolution

__all__ = [
    "Attendance",
    "AttendanceQuerySet",
    "EvaluationGrade",
    "Meeting",
    "MeetingPhoto",
    "MeetingQuerySet",
    "Resolution",
    "WorkAssignment",
    "WorkAssignmentQuerySet",
]
