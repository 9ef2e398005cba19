"""Uploaded files kept between an import's dry run and its commit.

The person checks the dry-run report, then confirms; the confirmed commit re-reads the
very same bytes (never a second upload that could differ). Files live under
``MEDIA_ROOT/imports/<user id>/`` so one user can never commit another's upload, and are
removed after commit or after a day.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from .scoping import Actor, signed_in

MAX_BYTES = 50 * 1024 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class StagingError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _dir(user: Actor | AnonymousUser) -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports" / str(signed_in(user).pk)
    path.mkdir(parents=True, exist_ok=True)
    return path


def stage(user: Actor | AnonymousUser, upload: IO[bytes], filename: str) -> str:
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise StagingError("文件超过 50 MB，请拆分后再导入")
    suffix = Path(filename).suffix.lower()
    if suffix not in {".csv", ".xlsx", ".xlsm", ".xls", ".ods"}:
        raise StagingError("文件格式不支持，请上传 .xlsx 或 .csv 文件")
    token = secrets.token_urlsafe(24)
    now = time.time()
    for path, content in (
        (_dir(user) / f"{token}{suffix}", data),
        (_dir(user) / f"{token}.name", Path(filename).name[:200].encode("utf-8")),
    ):
        path.write_bytes(content)
        # Age is measured on this process's clock, not the file system's (a shared volume on
        # another host, or a clock moved for tests, must not expire a fresh upload).
        os.utime(path, (now, now))
    _cleanup(_dir(user))
    return token


def load(user: Actor | AnonymousUser, token: str) -> tuple[bytes, str]:
    """The staged bytes and the file name the person uploaded."""
    if not _TOKEN.match(token or ""):
        raise StagingError("导入文件已失效，请重新上传")
    matches = [p for p in _dir(user).glob(f"{token}.*") if p.suffix != ".name"]
    if not matches:
        raise StagingError("导入文件已失效，请重新上传")
    name_file = matches[0].with_suffix(".name")
    original = name_file.read_text(encoding="utf-8") if name_file.exists() else matches[0].name
    if Path(original).suffix.lower() != matches[0].suffix:
        original = matches[0].name
    return matches[0].read_bytes(), original


def discard(user: Actor | AnonymousUser, token: str) -> None:
    if _TOKEN.match(token or ""):
        for path in _dir(user).glob(f"{token}.*"):
            path.unlink(missing_ok=True)


def _cleanup(directory: Path, max_age: float = 86400) -> None:
    now = time.time()
    for path in directory.iterdir():
        if now - path.stat().st_mtime > max_age:
            path.unlink(missing_ok=True)
