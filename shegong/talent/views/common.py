"""Helpers of the talent pages."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import has_capability
from shegong.core.roles import Cap

CRUMB = ("人才队伍", "/talent/")


def parse_date(value: str | None, label: str, *, required: bool = True) -> date | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise DomainError(f"请填写{label}")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"{label}格式应为 年-月-日，例如 2026-03-01") from None


def parse_datetime(value: str | None, label: str) -> datetime:
    text = (value or "").strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(f"请按 年-月-日 时:分 填写{label}") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_int(value: str | None, label: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise DomainError(f"请选择或填写{label}") from None


def caps(request: AuthedHttpRequest) -> dict[str, bool]:
    user = request.user
    return {
        "can_manage": has_capability(user, Cap.TALENT_MANAGE),
        "can_train": has_capability(user, Cap.TALENT_TRAINING),
        "can_evaluate": has_capability(user, Cap.TALENT_EVALUATE),
        "can_decide": has_capability(user, Cap.TALENT_DECIDE),
        "can_policy": has_capability(user, Cap.TALENT_POLICY),
        "can_export": has_capability(user, Cap.EXPORT),
    }
