"""Where report files live: ``SHEGONG_DATA_DIR/reports/<report id>/`` (folders 0700, files
0600, written once with ``O_EXCL``), like the staged uploads and backups (core.staging)."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from django.conf import settings


def root() -> Path:
    return Path(settings.DATA_DIR) / "reports"


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def new_folder(report_id: int) -> str:
    """A fresh folder for one generation of a report (``<id>-<random>``: an id reused after
    a rolled-back transaction never meets an older generation's files)."""
    _private_dir(root())
    name = f"{report_id}-{secrets.token_hex(8)}"
    _private_dir(root() / name)
    return name


def write(folder: str, name: str, content: bytes) -> dict[str, object]:
    """Store one file of a report; returns its record (name, folder, size, sha256)."""
    path = path_of(folder, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    return {
        "name": name,
        "folder": folder,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def path_of(folder: str, name: str) -> Path:
    for part in (folder, name):
        if not part or "/" in part or "\\" in part or part.startswith("."):
            raise ValueError("bad file name")
    return root() / folder / name
