"""Backup and restore of the embedded (SQLite) database, with a verified round trip.

A backup is one zip file (0600): ``database.sqlite3`` — a consistent copy taken with
SQLite's online backup API, so the server may keep running — and ``manifest.json``: when it
was taken, the SHA-256 of the copy, the row count of every table and the audit chain's head.
The key ring is **not** in it (a backup that carries its own keys would carry the personal
data in clear to whoever holds it): back up ``keys.json`` separately, to another place.

Restore checks before it touches anything: the file's hash, ``PRAGMA integrity_check``, every
table's row count against the manifest, and the audit chain of the copy (whole, and its head
equal to the manifest's). Only then is the current database moved aside
(``…before-restore-<time>``) and the copy put in its place. The restore is itself an audit
event, and the old checkpoints are archived (the restored chain is, legitimately, shorter).

PostgreSQL: use ``pg_dump``/``pg_restore`` (docs/operations.md, "Backup"); this module
refuses with that advice.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection, connections

FORMAT = 1
DB_NAME = "database.sqlite3"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """``message`` is Chinese, for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Manifest:
    created_at: str
    sha256: str
    tables: dict[str, int]
    audit_last_seq: int
    audit_last_hash: str

    def as_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "created_at": self.created_at,
                "sha256": self.sha256,
                "tables": self.tables,
                "audit": {"last_seq": self.audit_last_seq, "last_hash": self.audit_last_hash},
            },
            ensure_ascii=False,
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data = json.loads(text)
            if data["format"] != FORMAT:
                raise BackupError(f"备份格式 {data['format']} 不受支持")
            return cls(
                created_at=str(data["created_at"]),
                sha256=str(data["sha256"]),
                tables={str(k): int(v) for k, v in data["tables"].items()},
                audit_last_seq=int(data["audit"]["last_seq"]),
                audit_last_hash=str(data["audit"]["last_hash"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError("备份清单（manifest.json）无法读取，备份文件可能已损坏") from exc


def database_path() -> Path:
    if connection.vendor != "sqlite":
        raise BackupError(
            "当前使用 PostgreSQL：请用 pg_dump / pg_restore 备份和恢复"
            "（见 docs/operations.md 的“备份”）"
        )
    return Path(str(connection.settings_dict["NAME"]))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
        )
    ]
    # Table names come from sqlite_master of the file itself, quoted as identifiers.
    return {
        name: int(db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])  # noqa: S608
        for name in names
    }


def _head(db: sqlite3.Connection) -> tuple[int, str]:
    row = db.execute("SELECT last_seq, last_hash FROM core_auditchainhead WHERE id = 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "0" * 64)


def create_backup(output: Path) -> Manifest:
    """Write a backup of the embedded database to ``output`` (a new file)."""
    source = database_path()
    if output.exists():
        raise BackupError(f"文件 {output} 已存在，请换一个文件名")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as work:
        copy = Path(work) / DB_NAME
        with sqlite3.connect(source) as live, sqlite3.connect(copy) as target:
            live.backup(target)
        with sqlite3.connect(copy) as db:
            db.execute("PRAGMA journal_mode=DELETE")
            tables = _counts(db)
            last_seq, last_hash = _head(db)
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(),
            sha256=_sha256(copy),
            tables=tables,
            audit_last_seq=last_seq,
            audit_last_hash=last_hash,
        )
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with (
            os.fdopen(fd, "wb") as handle,
            zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            archive.write(copy, DB_NAME)
            archive.writestr(MANIFEST, manifest.as_json())
    return manifest


def _extract(backup: Path, work: Path) -> tuple[Path, Manifest]:
    try:
        with zipfile.ZipFile(backup) as archive:
            manifest = Manifest.from_json(archive.read(MANIFEST).decode("utf-8"))
            archive.extract(DB_NAME, work)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise BackupError(f"{backup} 不是社工平台的备份文件，或已损坏") from exc
    return work / DB_NAME, manifest


def check_backup(copy: Path, manifest: Manifest) -> None:
    """Everything a restore checks before it replaces anything; BackupError on a mismatch."""
    from .audit import verify_chain_in

    if _sha256(copy) != manifest.sha256:
        raise BackupError("备份中的数据库与清单记录的校验值不符，备份文件已被改动或损坏")
    with sqlite3.connect(copy) as db:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("备份中的数据库未通过完整性检查（PRAGMA integrity_check）")
        counts = _counts(db)
        head = _head(db)
    differing = sorted(
        name
        for name in set(counts) | set(manifest.tables)
        if counts.get(name) != manifest.tables.get(name)
    )
    if differing:
        raise BackupError(f"备份中这些表的行数与清单不符：{'、'.join(differing[:10])}")
    if head != (manifest.audit_last_seq, manifest.audit_last_hash):
        raise BackupError("备份中审计链的末条与清单不符")
    problem = verify_chain_in(copy)
    if problem:
        raise BackupError(f"备份中的审计链不完整：{problem}")


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    moved_aside: Path


def restore_backup(backup: Path) -> Restored:
    """Check ``backup``, then put it in place of the embedded database (the current one is
    moved aside). Stop the server and its workers first."""
    target = database_path()
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        copy, manifest = _extract(backup, Path(work))
        check_backup(copy, manifest)
        connections.close_all()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = target.with_name(f"{target.name}.before-restore-{stamp}")
        if target.exists():
            with sqlite3.connect(target) as live:
                live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.move(target, aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.move(copy, target)
        target.chmod(0o600)
    return Restored(manifest=manifest, moved_aside=aside)
