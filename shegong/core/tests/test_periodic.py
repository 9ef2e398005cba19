from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from shegong.core.models import AuditVerification, PeriodicRun
from shegong.core.periodic import REGISTRY, run_due_jobs

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def test_daily_audit_verification_is_registered_and_runs_once_per_day() -> None:
    run_due_jobs(datetime(2026, 11, 28, 1, 0, tzinfo=TZ))  # loads the jobs; before 02:30
    assert "core.verify_audit_chain" in REGISTRY
    assert not PeriodicRun.objects.filter(job="core.verify_audit_chain").exists()
    first = run_due_jobs(datetime(2026, 11, 28, 3, 0, tzinfo=TZ))
    second = run_due_jobs(datetime(2026, 11, 28, 23, 0, tzinfo=TZ))  # a second scheduler tick
    assert "core.verify_audit_chain" in first
    assert "core.verify_audit_chain" not in second
    assert PeriodicRun.objects.filter(job="core.verify_audit_chain").count() == 1
    assert AuditVerification.objects.count() == 1  # immediate backend in tests ran it
    run_due_jobs(datetime(2026, 11, 29, 3, 0, tzinfo=TZ))
    assert PeriodicRun.objects.filter(job="core.verify_audit_chain").count() == 2
