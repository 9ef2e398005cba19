"""Shared pieces of the suggestion services: permission checks and scoped loading."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from shegong.accounts.models import User
from shegong.appeals.choices import AppealKind
from shegong.appeals.models import Appeal
from shegong.core.exceptions import DomainError, StaleObject
from shegong.core.roles import Cap

VIEW = Cap.SUGGESTIONS_VIEW
MANAGE = Cap.SUGGESTIONS_MANAGE
EVALUATE = Cap.SUGGESTIONS_EVALUATE
PUBLISH = Cap.PUBLICATION_MANAGE


def text_required(text: str | None, what: str, minimum: int = 2) -> str:
    value = (text or "").strip()
    if len(value) < minimum:
        raise DomainError(f"请填写{what}" + (f"（至少{minimum}个字）" if minimum > 2 else ""))
    return value


def load_appeal(actor: User, appeal_id: int, *, lock: bool = False) -> Appeal:
    """The appeal through the actor's scope (out of scope reads as 'not found')."""
    qs = Appeal.objects.visible_to(actor).select_related("region", "policy", "lead_unit")
    if lock:
        # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
        qs = qs.select_for_update(of=("self",))
    appeal = qs.filter(pk=appeal_id).first()
    if appeal is None:
        raise DomainError("诉求不存在或不在您的管辖范围内", code="not_found")
    return appeal


def load_suggestion(actor: User, appeal_id: int, *, lock: bool = False) -> Appeal:
    appeal = load_appeal(actor, appeal_id, lock=lock)
    if appeal.kind != AppealKind.PEOPLE_SUGGESTION:
        raise DomainError("该诉求不是人民建议")
    return appeal


def bump(obj: Any, fields: list[str]) -> None:
    """Save ``fields`` and increment ``version`` in one UPDATE (optimistic locking)."""
    model = type(obj)
    values = {f: getattr(obj, f) for f in fields}
    updated = model.objects.filter(pk=obj.pk, version=obj.version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise StaleObject("该记录刚被其他人修改过，请刷新页面后再操作")
    obj.version += 1


def check_version(obj: Any, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        raise StaleObject("该记录刚被其他人修改过，请刷新页面后再操作")
