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


@pytest.mark.django_db(transaction=True)
def test_two_processes_record_each_branch_history_once(branch):
    """With two forked recorders every branch's planned history is written exactly once —
    the same meetings and sign-in sheets one process writes — and the audit chain holds."""
    from shegong.accounts.models import User
    from shegong.core.audit import verify_chain
    from shegong.demo import party_orglife

    User.objects.create_superuser("admin", password="x")
    for _ in range(5):
        branch.member("full")
    with time_machine.travel("2026-06-10 10:00 +0800", tick=False):
        world = party_orglife.plan_world("small", random.Random(7))
        planned = sorted(
            (
                m.organization_id,
                m.data.kind,
                m.data.held_on,
                m.data.title,
                tuple(sorted(m.present_ids)),
            )
            for i in range(len(world.chosen))
            for m in party_orglife.branch_meetings(world, i)
        )
        party_orglife.generate("small", rng=random.Random(7), log=lambda _m: None, workers=2)
    present: dict[int, list[int]] = {}
    for meeting_id, member_id in Attendance.objects.filter(status="present").values_list(
        "meeting_id", "member_id"
    ):
        present.setdefault(meeting_id, []).append(member_id)
    written = sorted(
        (m.organization_id, m.kind, m.held_on, m.title, tuple(sorted(present.get(m.pk, []))))
        for m in Meeting.objects.filter(status="held")
    )
    assert written == planned
    assert verify_chain(save=False).ok


@pytest.mark.django_db(transaction=True)
def test_a_failing_recorder_stops_the_other_and_the_run(branch, monkeypatch):
    """The first recorder to fail stops the other at once (not after its whole share, which
    is hours at metro size) and the run fails with the child's error."""
    from shegong.accounts.models import User
    from shegong.demo import party_orglife

    User.objects.create_superuser("admin", password="x")

    def record_share(world, share, shares, log, prefix=""):
        if share == 1:
            raise RuntimeError("第 1 批写入失败")
        time.sleep(120)
        return 0

    monkeypatch.setattr(party_orglife, "record_share", record_share)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="第 1 批写入失败"):
        party_orglife.generate("small", rng=random.Random(7), log=lambda _m: None, workers=2)
    assert time.monotonic() - started < 60
