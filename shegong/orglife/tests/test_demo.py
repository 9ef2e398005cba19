"""The 组织生活 demo generator: through the services, fast, both compliant-looking and patchy
branches, late minutes, and branches without members."""

from __future__ import annotations

import random
import time

import pytest
import time_machine
from django.utils import timezone

from shegong.orglife.models import Attendance, Meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(branch):
    from shegong.accounts.models import User
    from shegong.demo import party_orglife

    User.objects.create_superuser("admin", password="x")
    for i in range(7):
        branch.member("probationary" if i == 6 else "full")
    with time_machine.travel("2026-06-10 10:00 +0800", tick=False):
        started = time.monotonic()
        party_orglife.generate("small", rng=random.Random(7), log=lambda _m: None)
        return branch, time.monotonic() - started


def test_small_demo(demo):
    """One generator run (a minute of service calls on a busy machine), several outcomes."""
    branch, seconds = demo
    held = Meeting.objects.filter(organization=branch.org, status="held")
    # bounded (≈30 s alone on a busy 2-core machine; see docs/orglife.md "Limits")
    assert seconds < 150
    # the first (administered) branch has three full years of 主题党日
    assert held.filter(kind="theme_day").count() == 36
    # a branch without members still has meetings, and no attendance rows
    assert Meeting.objects.filter(organization=branch.other, status="held").exists()
    assert not Attendance.objects.filter(meeting__organization=branch.other).exists()
    # some minutes were saved more than 7 days after the meeting
    assert any(
        (timezone.localdate(m.minutes_recorded_at) - m.held_on).days > 7
        for m in held.filter(minutes_recorded_at__isnull=False)
    )
    # every member on the roll has a row at a 党员大会
    assert held.filter(kind="assembly").first().attendance.count() == 7
    # 6 graded (the 预备党员 is not): at most 2 优秀
    evaluation = held.filter(kind="evaluation").first()
    assert evaluation.grades.filter(grade="excellent").count() == 2
