"""Who may see a petitioner's identity, and the audited reveal.

信访工作条例 第三十条 and 接诉即办条例 第八条: identities are shown only to roles that need
them; a petitioner who asked for confidentiality, and every 检举控告, is visible only to
roles holding ``appeals.identity_confidential`` (the department's dispatchers). Even then the
values are masked until revealed with a reason, and each reveal is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.pii import Sensitive

from ..models import Appeal, Petitioner

FIELDS = {"name": "姓名", "phone": "联系电话", "id_number": "身份证号", "address": "住址"}


def can_see_identity(user: Any, appeal: Appeal) -> bool:
    if user is None or not user.has_capability("appeals.identity"):
        return False
    return not appeal.identity_confidential or user.has_capability("appeals.identity_confidential")


def reveal_identity(
    *, actor: Any, appeal: Appeal, petitioner: Petitioner, field: str, reason: str
) -> str:
    """The caller loaded ``appeal`` through ``visible_to(actor)``."""
    if field not in FIELDS:
        raise DomainError("无此信息项")
    if not can_see_identity(actor, appeal) or not actor.has_capability("pii.reveal"):
        raise PermissionDenied("您的角色不能查看该诉求人的身份信息")
    linked = (
        petitioner.pk == appeal.petitioner_id
        or appeal.representatives.filter(pk=petitioner.pk).exists()
    )
    if not linked:
        raise DomainError("该诉求人与本诉求无关")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("请填写查看原因（至少2个字）", code="reason_required")
    value = getattr(petitioner, field)
    audit.record(
        "pii_revealed",
        actor=actor,
        target=appeal,
        changes={"field": f"petitioner.{field}", "petitioner": petitioner.pk},
        note=reason,
    )
    return value.reveal() if isinstance(value, Sensitive) else str(value or "")
