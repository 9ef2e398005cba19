from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shegong.core.pii import KeyRing, keyring, reset_keyring, write_keyring


class Command(BaseCommand):
    help = (
        "Personal-data keys: `keys init` creates the key file, `keys status` describes it, "
        "`keys add` adds and activates a new SM4 key"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["init", "status", "add"])

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.SHEGONG_KEYS_FILE
        if options["action"] == "init":
            if path.exists() or settings.SHEGONG_KEYS_JSON:
                raise CommandError(f"keys already exist ({path}); refusing to overwrite")
            write_keyring(KeyRing.generate())
            self.stdout.write(
                self.style.SUCCESS(f"created {path} — back it up; losing it loses the data")
            )
        elif options["action"] == "add":
            if settings.SHEGONG_KEYS_JSON:
                raise CommandError("keys come from SHEGONG_KEYS; add the key there")
            ring = keyring().with_new_active_key()
            write_keyring(ring)
            reset_keyring()
            self.stdout.write(
                self.style.SUCCESS(f"active key is now {ring.active}; run `shegong rotate-keys`")
            )
        else:
            ring = keyring()
            self.stdout.write(f"source: {'SHEGONG_KEYS' if settings.SHEGONG_KEYS_JSON else path}")
            self.stdout.write(
                f"active SM4 key: {ring.active}; known: {', '.join(sorted(ring.sm4))}"
            )
