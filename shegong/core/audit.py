"""The audit trail: ``record()`` is called by services, in their transaction.

Never from signals (they miss changes made by tasks and scripts). Action names are
``<noun>_<past participle>``: ``region_created``, ``user_role_changed``, ``pii_revealed``.
Each event is hash-chained to the previous one with HMAC-SM3 (GB/T 32905) under a row lock
on the chain head, so the chain is a total order even with several app servers. The HMAC key
comes from the key ring, outside the database (``core.audit_checkpoint.audit_key``): a
database writer cannot rewrite an event and recompute the chain. Signed checkpoints of the
head, written outside the database at every verification, catch a cut tail.
"""

from __future__ import annotations

import contextvars
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, transaction
from django.utils import timezone

from .audit_checkpoint import CheckpointTampered, latest_checkpoint, write_checkpoint
from .audit_checkpoint import keyed_sm3 as keyed_sm3
from .db import bulk_insert
from .models import AuditChainHead, AuditEvent, AuditVerification
from .pii import EncryptedField, Sensitive
from .scoping import Actor

GENESIS = "0" * 64

# Set per request by core.middleware so services need not take the request.
request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_ip", default=None)


def _json(value: Any) -> Any:
    if isinstance(value, Sensitive):
        return "***"
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Field values for an audit diff. Encrypted fields appear only as '***'."""
    result: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"path", "depth"} or field.name.endswith("_bidx"):
            continue
        if isinstance(field, EncryptedField):
            result[field.name] = "***" if getattr(instance, field.attname) else ""
            continue
        result[field.name] = _json(getattr(instance, field.attname))
    plain_json: dict[str, Any] = json.loads(json.dumps(result, cls=DjangoJSONEncoder))
    return plain_json


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields that changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        # UTC, so the hash does not depend on the zone the caller or the database used.
        "at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor": event.actor_id,
        "actor_repr": event.actor_repr,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "region_path": event.region_path,
        "changes": event.changes,
        "note": event.note,
        "ip": event.ip,
        "success": event.success,
        "prev": event.prev_hash,
    }
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode("utf-8")


def compute_hash(event: AuditEvent) -> str:
    return keyed_sm3(_canonical(event))


def plain_hash(event: AuditEvent) -> str:
    """The unkeyed SM3 of the chains written before the key (migration core 0008 reads it)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(_canonical(event))
    return digest.finalize().hex()


def _region_path_of(target: models.Model | RegionPathTarget | None) -> str:
    if target is None:
        return ""
    for attr in ("audit_region_path", "path"):
        value = getattr(target, attr, None)
        if isinstance(value, str) and value.startswith("/"):
            return value
    region = getattr(target, "region", None)
    return getattr(region, "path", "") or ""


class RegionPathTarget(Protocol):
    """A target that is not a row (the caller gives ``target_type``/``target_id``): only
    its region path is read, for the audit event's scope."""

    @property
    def audit_region_path(self) -> str: ...


@dataclass
class Entry:
    """One event to append (``record_many``); the same arguments as ``record``."""

    action: str
    actor: Actor | None = None
    target: models.Model | RegionPathTarget | None = None
    changes: dict[str, Any] | None = None
    note: str = ""
    success: bool = True
    target_type: str = ""
    target_id: str = ""
    target_repr: str = ""
    at: datetime | None = None
    # The client address; None = this request's (core.middleware). Batch writers running
    # outside the request's thread pass the one they captured.
    ip: str | None = None


def record(
    action: str,
    *,
    actor: Actor | None,
    target: models.Model | RegionPathTarget | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    success: bool = True,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain (joins the caller's transaction)."""
    return record_many(
        [
            Entry(
                action,
                actor=actor,
                target=target,
                changes=changes,
                note=note,
                success=success,
                target_type=target_type,
                target_id=target_id,
                target_repr=target_repr,
                at=at,
            )
        ]
    )[0]


def record_many(entries: list[Entry]) -> list[AuditEvent]:
    """Append events in order under one lock of the chain head (joins the caller's
    transaction). Callers should record last, just before commit, so the head row stays
    locked as briefly as possible."""
    events: list[AuditEvent] = []
    for entry in entries:
        target = entry.target
        target_type, target_id, target_repr = entry.target_type, entry.target_id, entry.target_repr
        if isinstance(target, models.Model):
            target_type = target_type or target._meta.label_lower
            target_id = target_id or str(target.pk)
        if target is not None:
            target_repr = target_repr or str(target)[:255]
        # An unsaved or anonymous actor is recorded as the system.
        actor_obj = entry.actor if entry.actor is not None and entry.actor.pk else None
        events.append(
            AuditEvent(
                occurred_at=entry.at or timezone.now(),
                actor_id=actor_obj.pk if actor_obj else None,
                actor_repr=(actor_obj.get_username() if actor_obj else "system")[:150],
                action=entry.action,
                target_type=target_type,
                target_id=target_id,
                target_repr=target_repr,
                region_path=_region_path_of(target),
                changes=json.loads(json.dumps(entry.changes or {}, cls=DjangoJSONEncoder)),
                note=entry.note,
                ip=entry.ip if entry.ip is not None else request_ip.get(),
                success=entry.success,
            )
        )
    if not events:
        return events
    # No savepoint of its own: events belong to the caller's transaction.
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            AuditChainHead.objects.get_or_create(pk=1)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        seq, prev = head.last_seq, head.last_hash
        for event in events:
            seq += 1
            event.seq = seq
            event.prev_hash = prev
            event.hash = prev = compute_hash(event)
        bulk_insert(AuditEvent, events)
        AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
    return events


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None
    detail: str


def verify_chain(
    *, batch_size: int = 5000, save: bool = True, using: str = "default"
) -> ChainReport:
    """Recompute every hash in order; report the first break (edit, gap, reorder, cut)."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    report: ChainReport | None = None
    last_seq = 0
    while report is None:
        rows = list(
            AuditEvent.objects.using(using)
            .filter(seq__gte=expected_seq)
            .order_by("seq")[:batch_size]
        )
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                report = ChainReport(False, checked, expected_seq, f"第 {expected_seq} 条记录缺失")
                break
            if event.prev_hash != prev:
                report = ChainReport(
                    False,
                    checked,
                    event.seq,
                    f"第 {event.seq} 条记录与前一条衔接不上（前一条被改动、删除或调换）",
                )
                break
            if compute_hash(event) != event.hash:
                report = ChainReport(
                    False, checked, event.seq, f"第 {event.seq} 条记录的内容被改动"
                )
                break
            prev = event.hash
            last_seq = event.seq
            expected_seq += 1
            checked += 1
    if report is None:
        head = AuditChainHead.objects.using(using).filter(pk=1).first()
        if head is not None and (head.last_seq != last_seq or head.last_hash != prev):
            report = ChainReport(False, checked, last_seq + 1, f"第 {last_seq} 条之后的记录被删除")
        elif using != "default":  # another copy (a backup): the checkpoints are this one's
            report = ChainReport(True, checked, None, "审计链完整")
        else:
            report = _against_checkpoint(checked, last_seq)
    if using != "default":
        return report
    if save and report.ok and last_seq:
        write_checkpoint(last_seq, prev)
    if save:
        AuditVerification.objects.create(
            ok=report.ok,
            events_checked=report.checked,
            first_bad_seq=report.first_bad_seq,
            detail=report.detail,
        )
    return report


def _against_checkpoint(checked: int, last_seq: int) -> ChainReport:
    """The whole chain is still compared with the newest checkpoint written outside the
    database: the event it names must still be there with the same hash."""
    try:
        point = latest_checkpoint()
    except CheckpointTampered as exc:
        return ChainReport(False, checked, None, exc.message)
    if point is None:
        return ChainReport(True, checked, None, "审计链完整")
    if point.seq > last_seq:
        return ChainReport(
            False,
            checked,
            last_seq + 1,
            f"校验点（{point.at[:19].replace('T', ' ')} UTC）记录审计链已有 {point.seq} 条，"
            f"现在只到第 {last_seq} 条：第 {last_seq} 条之后的记录被删除",
        )
    stored = AuditEvent.objects.filter(seq=point.seq).values_list("hash", flat=True).first()
    if stored != point.hash:
        return ChainReport(
            False,
            checked,
            point.seq,
            f"第 {point.seq} 条记录与校验点（{point.at[:19].replace('T', ' ')} UTC）不符："
            "审计链被改写",
        )
    return ChainReport(True, checked, None, "审计链完整")


def verify_chain_in(database: Path) -> str:
    """Verify the chain of another SQLite database file (a backup being restored); the
    problem in Chinese, or "" when it is whole."""
    alias = f"verify-{uuid.uuid4().hex[:8]}"
    connections.databases[alias] = {
        **connections.databases["default"],
        "NAME": str(database),
        "OPTIONS": {"timeout": 30},
    }
    try:
        report = verify_chain(save=False, using=alias)
    finally:
        connections[alias].close()
        del connections.databases[alias]
    return "" if report.ok else report.detail
