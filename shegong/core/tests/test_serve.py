"""``shegong serve --processes N``: N web processes on one socket, stopped together."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from shegong.core.management.commands.serve import _process_count


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def test_process_count_parses_numbers_and_auto() -> None:
    assert _process_count("3") == 3
    assert _process_count("auto") == max(1, os.cpu_count() or 1)
    with pytest.raises(CommandError):
        _process_count("0")
    with pytest.raises(CommandError):
        _process_count("many")


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
def test_two_processes_serve_one_port_and_stop_together(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SHEGONG_DATA_DIR": str(tmp_path), "SHEGONG_TASKS": "database"}
    env["DJANGO_SETTINGS_MODULE"] = "shegong.conf.settings"
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "shegong.cli", "serve", "--no-worker", "--no-migrate"),
            *("--processes", "2", "--port", str(port), "--threads", "2"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert json.loads(r.read()) == {"status": "ok"}
                break
            except OSError:
                assert server.poll() is None, "server exited"
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.3)
        children = _children(server.pid)
        assert len(children) == 2
        for _ in range(6):  # both processes accept on the shared socket
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                assert r.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    time.sleep(0.5)
    for child in children:
        assert (
            not Path(f"/proc/{child}").exists()
            or "Z" in Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        )


ECHO_SERVER = """
import sys
from waitress import serve
from shegong.core.management.commands.serve import proxy_options

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ.get("REMOTE_ADDR", "").encode()]

serve(app, host="127.0.0.1", port=int(sys.argv[1]), _quiet=True, **proxy_options(sys.argv[2]))
"""


def _remote_addr_seen(trusted_proxy: str) -> str:
    """Serve an echo app with ``serve``'s proxy options (in its own process, stopped after)
    and ask it once, from 127.0.0.1, with an X-Forwarded-For header naming another client."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", ECHO_SERVER, str(port), trusted_proxy],
        cwd=Path(__file__).resolve().parents[3],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"X-Forwarded-For": "203.0.113.9"}
        )
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    return str(response.read().decode())
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_behind_a_named_proxy_the_clients_address_is_seen() -> None:
    assert _remote_addr_seen("127.0.0.1") == "203.0.113.9"
    # Not named: the header is nobody's word, the connection's address stands.
    assert _remote_addr_seen("") == "127.0.0.1"
    # Named, but the request comes from elsewhere: the header is dropped.
    assert _remote_addr_seen("10.255.255.1") == "127.0.0.1"
