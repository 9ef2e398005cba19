"""Meeting photos: JPEG, PNG or WebP checked by content (not by name), at most 10 MB each and
30 per meeting, stored under a random name; served only through the scoped photo view."""

from __future__ import annotations

import secrets
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError

from ..choices import MeetingStatus
from ..models import MeetingPhoto
from .common import load_meeting, require_manage

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_MEETING = 30


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an allowed image, from its first bytes; else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def add_photo(*, actor: User, meeting_id: int, upload: IO[bytes], name: str) -> MeetingPhoto:
    require_manage(actor, "您的角色不能上传会议照片")
    data = upload.read(MAX_BYTES + 1)
    if not data:
        raise DomainError(f"照片“{name}”是空文件")
    if len(data) > MAX_BYTES:
        raise DomainError(f"照片“{name}”超过 10 MB，请压缩后再上传")
    kind = sniff_image(data)
    if kind is None:
        raise DomainError(f"“{name}”不是可识别的照片，请上传手机或相机拍摄的照片")
    content_type, extension = kind
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        if meeting.status == MeetingStatus.CANCELLED:
            raise DomainError("已取消的会议不能上传照片")
        if meeting.photos.count() >= MAX_PER_MEETING:
            raise DomainError(f"每次会议最多上传 {MAX_PER_MEETING} 张照片")
        photo = MeetingPhoto(
            meeting=meeting,
            token=secrets.token_hex(16),
            original_name=(name or "照片")[:200],
            content_type=content_type,
            extension=extension,
            size=len(data),
            uploaded_by=actor,
        )
        photo.file.save(f"{photo.token}{extension}", ContentFile(data), save=False)
        photo.save()
        audit.record(
            "orglife_photo_added",
            actor=actor,
            target=meeting,
            changes={"photo": photo.token, "size": len(data)},
        )
    return photo


def delete_photo(*, actor: User, meeting_id: int, token: str) -> None:
    require_manage(actor, "您的角色不能删除会议照片")
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        photo = meeting.photos.filter(token=token).first()
        if photo is None:
            raise DomainError("照片不存在", code="not_found")
        stored = str(photo.file.name)
        photo.delete()
        audit.record("orglife_photo_deleted", actor=actor, target=meeting, changes={"photo": token})
        storage = MeetingPhoto._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(stored))
