"""Download of the 介绍信 (DOCX or PDF); each download is audited."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from ..letter.context import letter_context, letter_text
from ..letter.docx import letter_docx
from ..letter.pdf import letter_pdf
from ..models import Transfer

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def letter_file(
    *, actor: User, transfer_id: int, fmt: str, today: date | None = None
) -> tuple[bytes, str, str]:
    """(content, file name, content type) of a transfer's 介绍信 in ``fmt`` (docx/pdf)."""
    require_capability(actor, Cap.TRANSFERS_MANAGE, "您的角色不能下载组织关系介绍信")
    today = today or timezone.localdate()
    if fmt not in ("docx", "pdf"):
        raise DomainError("请选择下载格式：Word 或 PDF")
    transfer = (
        Transfer.objects.visible_to(actor)
        .select_related("member", "from_organization__parent", "to_organization")
        .filter(pk=transfer_id)
        .first()
    )
    if transfer is None:
        raise DomainError("转接不存在或不在您的管辖范围内", code="not_found")
    if not transfer.has_letter:
        raise DomainError("转出方党委审批同意后才能开具介绍信")
    if fmt == "docx":
        data, content_type = letter_docx(transfer, today=today), DOCX_TYPE
    else:
        data = letter_pdf(letter_text(letter_context(transfer, today=today)))
        content_type = "application/pdf"
    with transaction.atomic():
        audit.record(
            "transfer_letter_downloaded",
            actor=actor,
            target=transfer,
            changes={"format": fmt.upper()},
        )
    return data, f"介绍信-{transfer.number}.{fmt}", content_type
