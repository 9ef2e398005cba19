"""The audit chain is keyed and checkpointed outside the database (issue 16 item 3): a
database writer can neither recompute a rewritten chain nor cut its tail unnoticed."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from types import ModuleType

import pytest
from cryptography.hazmat.primitives import hashes
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from conftest import World
from shegong.core import audit
from shegong.core.audit_checkpoint import checkpoint_file
from shegong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _sql(query: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(query, params)


def _rewrite_chain(hash_of: Callable[[AuditEvent], str], note_at: int | None = None) -> None:
    """What a database writer without the key can do: rewrite rows and recompute every hash
    (and the head) with the hash function they have."""
    prev = audit.GENESIS
    for event in AuditEvent.objects.order_by("seq"):
        if event.seq == note_at:
            event.note = "forged"
        event.prev_hash = prev
        prev = hash_of(event)
        _sql(
            "UPDATE core_auditevent SET note = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [event.note, event.prev_hash, prev, event.seq],
        )
    _sql("UPDATE core_auditchainhead SET last_hash = %s WHERE id = 1", [prev])


def _cut_tail(keep: int) -> None:
    kept = AuditEvent.objects.get(seq=keep)
    _sql("DELETE FROM core_auditevent WHERE seq > %s", [keep])
    _sql(
        "UPDATE core_auditchainhead SET last_seq = %s, last_hash = %s WHERE id = 1",
        [keep, kept.hash],
    )


def test_a_whole_chain_writes_a_checkpoint(world: World) -> None:
    audit.verify_chain()
    line = json.loads(checkpoint_file().read_text(encoding="utf-8").splitlines()[-1])
    assert line["seq"] == AuditEvent.objects.order_by("-seq").values_list("seq", flat=True)[0]


def test_the_checkpoint_file_is_private(world: World) -> None:
    audit.verify_chain()
    assert stat.S_IMODE(checkpoint_file().stat().st_mode) == 0o600


def test_a_cut_tail_with_the_head_fixed_is_caught_by_the_checkpoint(world: World) -> None:
    audit.verify_chain()
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    _cut_tail(last.seq - 2)
    report = audit.verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, last.seq - 1)


def test_the_cut_is_named_in_chinese(world: World) -> None:
    audit.verify_chain()
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    _cut_tail(last.seq - 2)
    assert f"第 {last.seq - 2} 条之后的记录被删除" in audit.verify_chain().detail


def test_a_cut_tail_without_a_checkpoint_looks_whole(world: World) -> None:
    """Why the checkpoint is needed: the shortened chain alone verifies."""
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    _cut_tail(last.seq - 2)
    assert audit.verify_chain(save=False).ok


def test_a_chain_recomputed_with_plain_sm3_is_detected(world: World) -> None:
    _rewrite_chain(audit.plain_hash, note_at=3)
    report = audit.verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 1)


def test_a_chain_recomputed_under_another_key_is_detected(world: World) -> None:
    def other_key(event: AuditEvent) -> str:
        digest = hashes.Hash(hashes.SM3())
        digest.update(b"guessed key" + audit._canonical(event))
        return digest.finalize().hex()

    _rewrite_chain(other_key, note_at=3)
    assert not audit.verify_chain().ok


def test_a_forged_checkpoint_line_is_reported(world: World) -> None:
    audit.verify_chain()
    path = checkpoint_file()
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    line["seq"] = 1
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert "签名不符" in audit.verify_chain().detail


def test_a_rebuilt_database_is_accepted_after_new_chain(world: World) -> None:
    audit.verify_chain()
    _cut_tail(1)
    with pytest.raises(CommandError):
        call_command("verify_audit")
    call_command("verify_audit", "--new-chain")
    assert audit.verify_chain(save=False).ok


def test_the_new_chain_is_audited(world: World) -> None:
    call_command("verify_audit", "--new-chain")
    assert AuditEvent.objects.filter(action="audit_checkpoints_archived").count() == 1


class _Editor:
    def __init__(self) -> None:
        self.connection = connection


def _migration() -> ModuleType:
    from importlib import import_module

    return import_module("shegong.core.migrations.0008_keyed_audit_chain")


def test_the_migration_rekeys_a_whole_plain_chain(world: World) -> None:
    _rewrite_chain(audit.plain_hash)
    _migration().rekey(apps, _Editor())
    assert audit.verify_chain(save=False).ok


def test_the_migration_leaves_a_broken_plain_chain_broken(world: World) -> None:
    _rewrite_chain(audit.plain_hash)
    _sql("UPDATE core_auditevent SET note = %s WHERE seq = %s", ["forged", 2])
    _migration().rekey(apps, _Editor())
    assert audit.verify_chain(save=False).first_bad_seq == 1
