"""Uploaded files kept between an import's dry run and its commit.

The person checks the dry-run report, then confirms; the confirmed commit re-reads the
very same bytes (never a second upload that could differ). Files live under
``MEDIA_ROOT/imports/<user id>/`` so one user can never commit another's upload, and are
removed after commit, on cancel, or after a day (``sweep_staged`` runs hourly for every
user; the person's next upload also sweeps their own folder).

The files may hold ID numbers and phone numbers in clear (that is what a roster is), so the
folders are ``0700`` and the files ``0600``: only the server's own account can read them.
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
MAX_AGE_SECONDS = 86400
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class StagingError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def _dir(user: Actor | AnonymousUser) -> Path:
    _private_dir(_root())
    return _private_dir(_root() / str(signed_in(user).pk))


def _write_private(path: Path, content: bytes) -> None:
    """Write ``content`` to a new file readable by the server's account only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


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
        _write_private(path, content)
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


def _cleanup(directory: Path, max_age: float = MAX_AGE_SECONDS) -> int:
    now = time.time()
    removed = 0
    for path in directory.iterdir():
        try:
            if path.is_file() and now - path.stat().st_mtime > max_age:
                path.unlink(missing_ok=True)
                removed += 1
        except FileNotFoundError:  # removed meanwhile by another process
            continue
    return removed


def sweep_staged(max_age: float = MAX_AGE_SECONDS) -> int:
    """Remove every user's staged files older than ``max_age`` seconds; the number removed."""
    root = _root()
    if not root.is_dir():
        return 0
    removed = 0
    for directory in root.iterdir():
        if directory.is_dir():
            removed += _cleanup(directory, max_age)
    return removed
