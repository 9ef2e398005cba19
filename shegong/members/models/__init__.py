"""Party members (and people on the 发展党员 path) on the organization tree."""

from .development import DeadlineReminder, DevelopmentEvent, DevelopmentEventQuerySet, MembersPolicy
from .people import Member, MemberQuerySet

__all__ = [
    "DeadlineReminder",
    "DevelopmentEvent",
    "DevelopmentEventQuerySet",
    "Member",
    "MemberQuerySet",
    "MembersPolicy",
]
