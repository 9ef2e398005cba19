"""Run Shegong: migrate, start the embedded task worker, serve HTTP with waitress.

``--processes N`` runs N waitress processes on one listening socket (the parent binds it and
hands it to its children), so Python uses every core: one process is held to one core by the
GIL. The children share nothing but the database, exactly like several app servers behind a
load balancer; see docs/operations.md. ``--switch-interval`` shortens CPython's GIL switch
interval in the web processes (see ``_serve``).

The task worker is supervised (``core.supervise``: restarted with back-off when it exits),
and every child ends with ``serve`` even when ``serve`` is killed (``core.lifeline``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from shegong.core.lifeline import die_with_parent
from shegong.core.management.base import Command as ShegongCommand
from shegong.core.supervise import Supervisor


class Command(ShegongCommand):
    help = "启动社工平台网页服务（waitress），并同时启动后台任务进程"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址")
        parser.add_argument("--port", type=int, default=8000, help="监听端口")
        parser.add_argument("--threads", type=int, default=32, help="每个服务进程的线程数")
        parser.add_argument(
            "--switch-interval",
            type=float,
            default=float(os.environ.get("SHEGONG_SWITCH_INTERVAL", "0.005")),
            help="Python 线程切换间隔（秒，Python 默认 0.005）",
        )
        parser.add_argument(
            "--processes",
            default=os.environ.get("SHEGONG_WEB_PROCESSES", "1"),
            help="网页服务进程数：数字，或 auto（每个 CPU 核心一个）",
        )
        parser.add_argument(
            "--trusted-proxy",
            default=os.environ.get("SHEGONG_TRUSTED_PROXY", ""),
            help="前置反向代理的地址（或 *）：信任它转发的 X-Forwarded-For 和 "
            "X-Forwarded-Proto，按来源地址的限制才能看到群众的真实地址",
        )
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")
        parser.add_argument("--no-migrate", action="store_true", help="启动前不执行数据库迁移")
        parser.add_argument("--listen-fd", type=int, help="内部使用：在继承的套接字上提供服务")
        parser.add_argument("--parent-pid", type=int, help="内部使用：该进程退出时本进程随之退出")

    def handle(self, *args: Any, **options: Any) -> None:
        from shegong.core.pii import keyring

        if options["listen_fd"] is not None:
            if options.get("parent_pid"):
                die_with_parent(options["parent_pid"])
            self._serve(options, socket.socket(fileno=options["listen_fd"]))
            return
        processes = _process_count(options["processes"])
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        keyring()  # create or load the personal-data keys before the first request
        worker: Supervisor | None = None
        if not options["no_worker"] and settings.TASK_BACKEND != "immediate":
            worker = Supervisor(
                [sys.executable, "-m", "shegong.cli", "worker", "--parent-pid", str(os.getpid())],
                write=self.stdout.write,
            )
            worker.start()
        url = f"http://{options['host']}:{options['port']}"
        children: list[subprocess.Popen[bytes]] = []

        def stop(*_: Any) -> None:
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        try:
            if processes == 1:
                self.stdout.write(self.style.SUCCESS(f"社工平台已启动：{url}  （Ctrl+C 停止）"))
                self._serve(options, None)
                return
            listener = socket.create_server((options["host"], options["port"]), backlog=1024)
            listener.set_inheritable(True)
            fd = listener.fileno()
            for _ in range(processes):
                children.append(
                    subprocess.Popen(  # noqa: S603 - our own interpreter and module
                        [
                            *(sys.executable, "-m", "shegong.cli", "serve"),
                            *("--listen-fd", str(fd), "--threads", str(options["threads"])),
                            *("--switch-interval", str(options["switch_interval"])),
                            *("--trusted-proxy", options["trusted_proxy"]),
                            *("--parent-pid", str(os.getpid())),
                        ],
                        pass_fds=(fd,),
                    )
                )
            self.stdout.write(
                self.style.SUCCESS(
                    f"社工平台已启动：{url}  （{processes} 个服务进程，Ctrl+C 停止）"
                )
            )
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            raise CommandError("有一个网页服务进程已退出，正在停止其他进程")
        finally:
            if worker is not None:
                worker.stop()
            for proc in children:
                if proc.poll() is None:
                    proc.terminate()
            for proc in children:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def _serve(self, options: dict[str, Any], sock: socket.socket | None) -> None:
        from django.core.servers.basehttp import get_internal_wsgi_application
        from waitress import serve

        # settings.WSGI_APPLICATION (shegong.wsgi), as runserver loads it: core does not
        # import the entry-point layer (import-linter layers contract).
        application = get_internal_wsgi_application()

        where: dict[str, Any] = (
            {"sockets": [sock]} if sock else {"host": options["host"], "port": options["port"]}
        )
        if sock is not None:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        # A tuning knob, measured in bench/README.md: a shorter interval lets the intake
        # writer thread win the GIL back sooner after each database round trip, but costs
        # CPU in GIL hand-offs; CPython's default measured best on 2 cores.
        sys.setswitchinterval(options["switch_interval"])
        serve(
            application,
            threads=options["threads"],
            ident="shegong",
            _quiet=True,
            **where,
            **proxy_options(options.get("trusted_proxy", "")),
        )


def proxy_options(trusted_proxy: str) -> dict[str, Any]:
    """waitress's own proxy handling: behind a reverse proxy every request comes from the
    proxy's address, so the SMS and look-up limits per client address (portal, volunteer
    portal, certificate verification) and the audit trail would see one address for the
    whole city. With the proxy named, waitress puts the client's address from
    X-Forwarded-For into REMOTE_ADDR (one hop) and drops those headers from anyone else."""
    if not trusted_proxy:
        return {}
    return {
        "trusted_proxy": trusted_proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }


def _process_count(value: str) -> int:
    if str(value).strip().lower() == "auto":
        return max(1, os.cpu_count() or 1)
    try:
        count = int(value)
    except ValueError:
        raise CommandError(f"--processes 应为数字或 auto，收到的是“{value}”") from None
    if count < 1:
        raise CommandError("--processes 至少为 1")
    return count
