"""Helpers shared by the suggestion pages."""

from __future__ import annotations

from django.db.models import QuerySet

from shegong.accounts.models import User
from shegong.appeals.choices import AppealKind
from shegong.appeals.models import Appeal


def suggestions_of(user: User) -> QuerySet[Appeal]:
    return Appeal.objects.visible_to(user).filter(kind=AppealKind.PEOPLE_SUGGESTION)


def error_text(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc) or "您的角色不能执行此操作"
