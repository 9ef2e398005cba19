"""Attachments: type checked by content (magic bytes), size-limited, stored under a random
name, and served only through a view that loads the appeal through ``visible_to``.

An attachment is ``confidential`` (it shows who the petitioner is: the letter, an ID card
photo, a call note) unless the uploader says otherwise; a confidential one is listed without
its file name and opened only by users who may see the petitioner's identity
(``can_open``), and every opening is audited (``opened``)."""

from __future__ import annotations

import secrets
import zipfile
from io import BytesIO
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction

from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import has_capability, require_capability
from shegong.core.roles import Cap

from .models import Appeal, Attachment

MAX_BYTES = 20 * 1024 * 1024
MAX_PER_APPEAL = 20


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the bytes themselves, or None if not allowed."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if head[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav", ".wav"
    if head.startswith(b"#!AMR"):
        return "audio/amr", ".amr"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg", ".mp3"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".docx",
            )
        if "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
        return None
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" not in text:
        return "text/plain; charset=utf-8", ".txt"
    return None


def can_open(user: Any, appeal: Appeal, attachment: Attachment) -> bool:
    """信访工作条例 第三十条 / 接诉即办条例 第八条: a confidential attachment is opened only by
    those who may see the petitioner's identity on this appeal and reveal personal data
    (the same two rights ``reveal_identity`` needs; the opening is audited)."""
    from shegong.core.roles import Cap

    from .services.identity import can_see_identity

    return not attachment.confidential or (
        can_see_identity(user, appeal) and user.has_capability(Cap.PII_REVEAL)
    )


def opened(*, actor: Any, appeal: Appeal, attachment: Attachment) -> None:
    """Record the download of a confidential attachment (unmasked personal data viewed)."""
    if attachment.confidential:
        audit.record(
            "appeal_attachment_opened",
            actor=actor,
            target=appeal,
            changes={"attachment": attachment.token},
        )


def add_attachment(
    *,
    actor: Any,
    appeal: Appeal,
    upload: IO[bytes],
    name: str,
    from_citizen: bool = False,
    confidential: bool = True,
) -> Attachment:
    """Store ``upload`` on ``appeal``. Staff (not ``from_citizen``) must see appeals and
    register or handle them — the appeal page's "attach" row says the same."""
    if not from_citizen:
        require_capability(actor, Cap.APPEALS_VIEW)
        if not (
            has_capability(actor, Cap.APPEALS_REGISTER) or has_capability(actor, Cap.APPEALS_HANDLE)
        ):
            raise PermissionDenied("您的角色不能上传附件")
    if appeal.anonymised_at is not None:
        raise DomainError("该诉求已匿名化，不能再添加附件")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError(f"附件“{name}”超过 20 MB")
    if not data:
        raise DomainError(f"附件“{name}”是空文件")
    kind = sniff(data)
    if kind is None:
        raise DomainError(f"附件“{name}”的类型不支持（可上传 PDF、图片、Word、Excel、录音或文本）")
    if appeal.attachments.count() >= MAX_PER_APPEAL:
        raise DomainError(f"每件诉求最多 {MAX_PER_APPEAL} 个附件")
    content_type, extension = kind
    with transaction.atomic():
        attachment = Attachment(
            appeal=appeal,
            token=secrets.token_hex(16),
            original_name=name[:200],
            content_type=content_type,
            extension=extension,
            size=len(data),
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            from_citizen=from_citizen,
            confidential=confidential,
        )
        attachment.file.save(f"{attachment.token}{extension}", ContentFile(data), save=False)
        attachment.save()
        audit.record(
            "appeal_attachment_added",
            actor=actor,
            target=appeal,
            changes={
                # No file name: it may name the petitioner ("张三的来信.pdf"), auditors
                # never see identities, and the audit chain outlives anonymisation.
                "attachment": attachment.token,
                "type": content_type,
                "size": len(data),
                "confidential": confidential,
            },
        )
    return attachment
