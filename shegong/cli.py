"""The ``shegong`` console command: a friendly front for the management commands.

shegong serve [--host 127.0.0.1 --port 8000]   run the web app (+ embedded worker)
shegong demo --size {small,city,metro}           generate a demo city
shegong migrate | createsuperuser | worker | scheduler
shegong verify-audit | rotate-keys | keys
shegong <any manage.py command> ...
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "verify-audit": "verify_audit",
    "rotate-keys": "rotate_keys",
    "create-superuser": "createsuperuser",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    command = ALIASES.get(
        args[0], args[0].replace("-", "_") if args[0] not in {"runserver"} else args[0]
    )
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shegong", command, *args[1:]])


if __name__ == "__main__":
    main()
