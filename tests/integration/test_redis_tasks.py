"""The production task path: the same django-tasks API on Redis (RQ), end to end.

Runs real processes (migrate, enqueue, `shegong worker --batch`) against the Redis on
127.0.0.1:6379 (database 15). Skipped only if no Redis answers there.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ENQUEUE = """
import django; django.setup()
from shegong.core.tasks import verify_audit_chain
print(verify_audit_chain.enqueue().id)
"""
RESULT = """
import sys, django; django.setup()
from shegong.core.tasks import verify_audit_chain
r = verify_audit_chain.get_result(sys.argv[1])
print(r.status, r.return_value["ok"] if r.status == "SUCCESSFUL" else r.errors)
"""


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_task_enqueued_on_redis_runs_in_the_rq_worker(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shegong.conf.settings",
        "SHEGONG_DATA_DIR": str(tmp_path),
        "SHEGONG_TASKS": "redis",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    run("-m", "shegong.cli", "migrate", "-v0")
    task_id = run("-c", ENQUEUE).splitlines()[-1]
    run("-m", "shegong.cli", "worker", "--batch")
    assert run("-c", RESULT, task_id).splitlines()[-1] == "SUCCESSFUL True"
