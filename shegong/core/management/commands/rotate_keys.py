"""Re-encrypt every encrypted field with the active key, in batches, while the app runs.

Readers never break: old ciphertexts stay readable because old keys stay in the ring until
this command reports zero rows left. Each batch is its own short transaction and only
rows still under an old key are rewritten (compare-and-swap on the stored value), so the
command can be interrupted and re-run at any time.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connection, transaction

from shegong.core import audit
from shegong.core.management.base import Command as ShegongCommand
from shegong.core.pii import EncryptedField, decrypt, encrypt, key_id_of, keyring


class Command(ShegongCommand):
    help = "用当前启用的 SM4 密钥重新加密个人信息（分批进行，中断后可继续）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=1000, help="每批行数")

    def handle(self, *args: Any, **options: Any) -> None:
        ring = keyring()
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
            for field in fields:
                rewritten = self._rotate(model, field, ring, options["batch_size"])
                if rewritten:
                    self.stdout.write(
                        f"{model._meta.verbose_name}·{field.verbose_name}：重新加密 {rewritten} 条"
                    )
                total += rewritten
        audit.record(
            "pii_keys_rotated",
            actor=None,
            target_type="core.keyring",
            target_repr=f"启用密钥 {ring.active}",
            changes={"rows": total},
        )
        self.stdout.write(
            self.style.SUCCESS(f"完成：共 {total} 项数据已改用密钥 {ring.active} 加密")
        )

    def _rotate(self, model: Any, field: EncryptedField, ring: Any, batch_size: int) -> int:
        column = field.attname
        prefix = f"sm4gcm${ring.active}$"
        rewritten = 0
        last_pk: Any = None
        manager = model._base_manager
        while True:
            qs = manager.exclude(**{f"{column}__isnull": True}).order_by("pk")
            if last_pk is not None:
                qs = qs.filter(pk__gt=last_pk)
            rows = list(qs.values_list("pk", flat=True)[:batch_size])
            if not rows:
                return rewritten
            last_pk = rows[-1]
            # Read raw ciphertexts (bypassing from_db_value) with plain SQL.
            qn = connection.ops.quote_name
            table = qn(model._meta.db_table)
            pk_col = qn(str(model._meta.pk.column))
            col = qn(str(field.column))
            placeholders = ",".join(["%s"] * len(rows))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {pk_col}, {col} FROM {table} WHERE {pk_col} IN ({placeholders})",  # noqa: S608
                    rows,
                )
                raw = cursor.fetchall()
            with transaction.atomic():
                for pk, stored in raw:
                    if (
                        not isinstance(stored, str)
                        or not stored
                        or stored.startswith(prefix)
                        or key_id_of(stored) is None
                    ):
                        continue
                    fresh = encrypt(field.kind, decrypt(field.kind, stored, ring), ring)
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"UPDATE {table} SET {col} = %s WHERE {pk_col} = %s AND {col} = %s",  # noqa: S608
                            [fresh, pk, stored],
                        )
                        rewritten += cursor.rowcount
