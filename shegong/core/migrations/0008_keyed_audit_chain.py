"""Re-key the audit chain: hashes written with plain SM3 become HMAC-SM3 under the key
ring's audit key (core.audit_checkpoint). Only a chain that verifies under the old hash is
re-keyed — a chain that was already broken is left as it is, so verification keeps
reporting the break instead of the migration laundering it."""

from __future__ import annotations

from typing import Any

from django.db import migrations

BATCH = 2000


def rekey(apps: Any, schema_editor: Any) -> None:
    from shegong.core.audit import GENESIS, compute_hash, plain_hash

    event_model = apps.get_model("core", "AuditEvent")
    if not event_model.objects.exists():
        return
    connection = schema_editor.connection
    table = connection.ops.quote_name(event_model._meta.db_table)
    # Pass 1: the old chain must verify.
    prev, expected = GENESIS, 1
    for event in event_model.objects.order_by("seq").iterator(chunk_size=BATCH):
        if event.seq != expected or event.prev_hash != prev or plain_hash(event) != event.hash:
            print(f"\n  审计链在第 {expected} 条处已不完整，未重新签名；请运行 shegong verify-audit")
            return
        prev, expected = event.hash, expected + 1
    # Pass 2: re-key in order (each hash covers the previous one).
    prev = GENESIS
    updates: list[tuple[str, str, int]] = []
    with connection.cursor() as cursor:
        for event in event_model.objects.order_by("seq").iterator(chunk_size=BATCH):
            event.prev_hash = prev
            prev = compute_hash(event)
            updates.append((event.prev_hash, prev, event.seq))
            if len(updates) >= BATCH:
                cursor.executemany(
                    f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE seq = %s", updates
                )
                updates = []
        if updates:
            cursor.executemany(
                f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE seq = %s", updates
            )
        head = connection.ops.quote_name(apps.get_model("core", "AuditChainHead")._meta.db_table)
        cursor.execute(f"UPDATE {head} SET last_hash = %s WHERE id = 1", [prev])


class Migration(migrations.Migration):
    dependencies = [("core", "0007_document_template")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
