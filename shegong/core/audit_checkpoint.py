"""Signed checkpoints of the audit chain's head, kept outside the database.

The chain itself (``core.audit``) is keyed: each event's hash is HMAC-SM3 under a key
derived from the key ring, which lives outside the database — so someone who can write the
database cannot rewrite an event and recompute the chain. What a database writer *can* do
is cut the newest events and set the head row back to the last one kept: the shortened
chain is whole. Checkpoints catch that. Every verification that finds the chain whole
appends the head (sequence number and hash), the time and an HMAC-SM3 over them to
``SHEGONG_AUDIT_CHECKPOINT_FILE`` (0600, one JSON object a line) and logs the same line on
the ``shegong.audit.checkpoint`` logger (route it to syslog or a log host: a copy the
database's administrators cannot reach). The next verification demands that the event the
newest checkpoint names is still there with the same hash.

A database rebuilt on purpose (a new installation on the same data folder) starts a new
chain: ``shegong verify-audit --new-chain`` archives the old checkpoints, audited.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.conf import settings

from .pii import keyring

logger = logging.getLogger("shegong.audit.checkpoint")


def audit_key() -> bytes:
    """The chain's key: HMAC-SM3 of a fixed label under the key ring's blind-index key (the
    key ring is outside the database; see ``core.pii``)."""
    mac = crypto_hmac.HMAC(keyring().blind, hashes.SM3())
    mac.update(b"shegong/audit-chain/v1")
    return mac.finalize()


def keyed_sm3(data: bytes) -> str:
    mac = crypto_hmac.HMAC(audit_key(), hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str

    def _payload(self) -> bytes:
        return f"{self.seq}:{self.hash}:{self.at}".encode()

    def line(self) -> str:
        return json.dumps(
            {"seq": self.seq, "hash": self.hash, "at": self.at, "mac": keyed_sm3(self._payload())},
            ensure_ascii=False,
        )


class CheckpointTampered(Exception):
    """A checkpoint line whose signature does not verify; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def checkpoint_file() -> Path:
    return Path(settings.SHEGONG_AUDIT_CHECKPOINT_FILE)


def write_checkpoint(seq: int, head_hash: str) -> Checkpoint:
    point = Checkpoint(seq=seq, hash=head_hash, at=datetime.now(UTC).isoformat())
    line = point.line()
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    logger.info("audit checkpoint %s", line)
    return point


def latest_checkpoint() -> Checkpoint | None:
    """The newest checkpoint, or None if none was written. Raises
    :class:`CheckpointTampered` when the newest line's signature is wrong."""
    path = checkpoint_file()
    if not path.exists():
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return None
    try:
        data = json.loads(lines[-1])
        point = Checkpoint(seq=int(data["seq"]), hash=str(data["hash"]), at=str(data["at"]))
        signature = str(data["mac"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointTampered(f"审计校验点文件 {path} 的最后一行无法读取，可能被改动") from exc
    if not hmac.compare_digest(signature, keyed_sm3(point._payload())):
        raise CheckpointTampered(f"审计校验点文件 {path} 的最后一行签名不符，校验点被改动")
    return point


def archive_checkpoints() -> Path | None:
    """Move the checkpoint file aside (a deliberate new chain); the archive's path."""
    path = checkpoint_file()
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.archived-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    path.rename(target)
    return target
