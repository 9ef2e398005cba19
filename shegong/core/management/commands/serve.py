"""Run Shegong: migrate, start the embedded task worker, serve HTTP with waitress."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform (waitress) with an embedded background worker"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not start a worker")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from shegong.core.pii import keyring
        from shegong.wsgi import application

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        keyring()  # create or load the personal-data keys before the first request
        worker = None
        if not options["no_worker"] and settings.TASK_BACKEND != "immediate":
            worker = subprocess.Popen([sys.executable, "-m", "shegong.cli", "worker"])
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"社工平台已启动：{url}  （Ctrl+C 停止）"))

        def stop(*_: Any) -> None:
            if worker is not None:
                worker.terminate()
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        try:
            serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="shegong",
                _quiet=True,
            )
        finally:
            if worker is not None:
                worker.terminate()
