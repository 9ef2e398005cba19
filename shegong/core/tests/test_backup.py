"""``shegong backup`` / ``restore`` for the embedded database: a verified round trip, and a
damaged backup refused before anything is replaced (issue 16 item 9).

The commands run as a person runs them, in their own processes, on a copy of the test
database; one scenario runs once per module (process start-up is the slow part) and each
test reads one outcome of it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from shegong.core import backup

pytestmark = [
    # The scenario copies the test database, which is created only for marked tests.
    pytest.mark.django_db,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="backup/restore here is the embedded SQLite's; PostgreSQL uses pg_dump",
    ),
]


def _shegong(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SHEGONG_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'shegong.sqlite3'}",
        "SHEGONG_TASKS": "immediate",
        "DJANGO_SETTINGS_MODULE": "shegong.conf.settings",
    }
    return subprocess.run(
        [sys.executable, "-m", "shegong.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _events(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM core_auditevent").fetchone()[0])


def _counts_tampered(file: Path, out: Path) -> None:
    with zipfile.ZipFile(file) as src, zipfile.ZipFile(out, "w") as dst:
        manifest = json.loads(src.read(backup.MANIFEST))
        manifest["tables"]["core_auditevent"] += 1
        dst.writestr(backup.DB_NAME, src.read(backup.DB_NAME))
        dst.writestr(backup.MANIFEST, json.dumps(manifest))


def _event_forged(file: Path, out: Path, work: Path) -> None:
    """An audit event rewritten inside the backup, with the file hash recomputed to match."""
    with zipfile.ZipFile(file) as src:
        src.extractall(work)
    db = work / backup.DB_NAME
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE core_auditevent SET note = 'forged' WHERE seq = 1")
    manifest = json.loads((work / backup.MANIFEST).read_text(encoding="utf-8"))
    manifest["sha256"] = backup._sha256(db)
    with zipfile.ZipFile(out, "w") as dst:
        dst.write(db, backup.DB_NAME)
        dst.writestr(backup.MANIFEST, json.dumps(manifest))


@dataclass
class Scenario:
    file: Path
    events_at_backup: int = 0
    events_before_refusals: int = 0
    events_after_refusals: int = 0
    events_after_restore: int = 0
    results: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> Scenario:
    site = tmp_path_factory.mktemp("site")
    db = site / "shegong.sqlite3"
    test_db = connection.settings_dict["TEST"]["NAME"] or connection.settings_dict["NAME"]
    with sqlite3.connect(str(test_db)) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    run = Scenario(file=site / "b.zip")
    run.results["first"] = _shegong(site, "verify-audit", "--new-chain")
    run.results["backup"] = _shegong(site, "backup", "--output", str(run.file))
    run.events_at_backup = _events(db)
    run.results["later"] = _shegong(site, "verify-audit", "--new-chain")
    _counts_tampered(run.file, site / "counts.zip")
    _event_forged(run.file, site / "forged.zip", tmp_path_factory.mktemp("work"))
    run.events_before_refusals = _events(db)
    run.results["counts"] = _shegong(site, "restore", str(site / "counts.zip"), "--yes")
    run.results["forged"] = _shegong(site, "restore", str(site / "forged.zip"), "--yes")
    run.events_after_refusals = _events(db)
    run.results["restore"] = _shegong(site, "restore", str(run.file), "--yes")
    run.events_after_restore = _events(db)
    run.results["verify"] = _shegong(site, "verify-audit")
    return run


def test_the_backup_command_succeeds(scenario: Scenario) -> None:
    assert scenario.results["backup"].returncode == 0, scenario.results["backup"].stderr


def test_the_restore_command_succeeds(scenario: Scenario) -> None:
    assert scenario.results["restore"].returncode == 0, scenario.results["restore"].stderr


def test_a_restore_brings_back_what_the_backup_held(scenario: Scenario) -> None:
    # what the backup held, plus the restore's own audit event
    assert scenario.events_after_restore == scenario.events_at_backup + 1


def test_the_restored_chain_verifies(scenario: Scenario) -> None:
    assert scenario.results["verify"].returncode == 0, scenario.results["verify"].stderr


def test_the_backup_file_is_private(scenario: Scenario) -> None:
    assert stat.S_IMODE(scenario.file.stat().st_mode) == 0o600


def test_the_backup_holds_no_keys(scenario: Scenario) -> None:
    assert zipfile.ZipFile(scenario.file).namelist() == [backup.DB_NAME, backup.MANIFEST]


def test_a_backup_whose_counts_differ_is_refused(scenario: Scenario) -> None:
    assert "行数与清单不符" in scenario.results["counts"].stderr


def test_a_backup_with_a_rewritten_audit_event_is_refused(scenario: Scenario) -> None:
    assert "审计链不完整" in scenario.results["forged"].stderr


def test_refused_restores_exit_with_an_error(scenario: Scenario) -> None:
    codes = {scenario.results["counts"].returncode, scenario.results["forged"].returncode}
    assert codes == {1}


def test_refused_restores_leave_the_database_alone(scenario: Scenario) -> None:
    assert scenario.events_after_refusals == scenario.events_before_refusals


def test_postgresql_is_sent_to_pg_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "vendor", "postgresql")
    with pytest.raises(backup.BackupError) as caught:
        backup.database_path()
    assert "pg_dump" in caught.value.message
