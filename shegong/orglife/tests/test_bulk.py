"""``bulk_record_meetings`` writes what plan → mark_present → hold → save_minutes →
set_grades write one meeting at a time: the same meetings (status, stored quorum, record
times), attendance, grades and audit events; the audit chain still verifies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import transaction

from shegong.core.audit import verify_chain
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.orglife import services
from shegong.orglife.models import Attendance, EvaluationGrade, Meeting
from shegong.orglife.services.bulk import PastMeeting, bulk_record_meetings

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 5, day, hour, 0, tzinfo=UTC)


def _past(branch) -> list[PastMeeting]:
    full = [branch.member("full", name=f"正式{i}") for i in range(4)]
    prob = branch.member("probationary", name="预备")
    org = branch.org.pk

    def data(
        kind: str, day: int, committee_size: int | None = None, committee_present: int | None = None
    ) -> services.MeetingData:
        return services.MeetingData(
            kind=kind,
            title=f"{kind}会议",
            held_on=date(2026, 5, day),
            committee_size=committee_size,
            committee_present=committee_present,
        )

    return [
        PastMeeting(
            org,
            data("theme_day", 3),
            _at(3),
            [full[0].pk, prob.pk],
            "会议记录一",
            _at(4),
        ),
        PastMeeting(org, data("assembly", 6), _at(6), [full[0].pk, full[1].pk, full[2].pk]),
        PastMeeting(org, data("assembly", 7), _at(7), [full[0].pk, prob.pk], "记录", _at(20)),
        PastMeeting(org, data("committee", 8, committee_size=5, committee_present=2), _at(8)),
        PastMeeting(org, data("heart_talk", 9), _at(9), [], "谈心谈话记录", _at(9)),
        PastMeeting(
            org,
            data("evaluation", 10),
            _at(10),
            [full[1].pk],
            "评议记录",
            _at(11),
            {full[0].pk: "excellent", full[1].pk: "qualified", full[2].pk: "basic"},
        ),
    ]


def _one_by_one(actor, past: PastMeeting) -> None:
    """The demo's former path: each service in turn."""
    meeting = services.plan_meeting(
        actor=actor, organization_id=past.organization_id, data=past.data
    )
    if past.present_ids:
        services.mark_present(
            actor=actor, meeting_id=meeting.pk, member_ids=list(past.present_ids), now=past.held_at
        )
    services.hold_meeting(actor=actor, meeting_id=meeting.pk, now=past.held_at)
    if past.minutes:
        services.save_minutes(
            actor=actor, meeting_id=meeting.pk, minutes=past.minutes, now=past.minutes_at
        )
    if past.grades:
        services.set_grades(actor=actor, meeting_id=meeting.pk, grades=past.grades)


def _state(since: int) -> dict[str, object]:
    order = {
        pk: i for i, pk in enumerate(Meeting.objects.order_by("pk").values_list("pk", flat=True))
    }
    meetings = [{**m, "id": None} for m in Meeting.objects.order_by("pk").values()]
    attendance = sorted(
        (order[a["meeting_id"]], a["member_id"], a["status"], a["method"], a["recorded_at"])
        for a in Attendance.objects.values()
    )
    grades = sorted(
        (order[g["meeting_id"]], g["member_id"], g["grade"])
        for g in EvaluationGrade.objects.values()
    )
    audit = [
        {**a, "target_id": order[int(a["target_id"])]}
        for a in AuditEvent.objects.filter(seq__gt=since)
        .order_by("seq")
        .values(
            "action",
            "actor_id",
            "target_type",
            "target_id",
            "target_repr",
            "region_path",
            "changes",
            "occurred_at",
        )
    ]
    return {"meetings": meetings, "attendance": attendance, "grades": grades, "audit": audit}


@time_machine.travel(NOW, tick=False)
def test_bulk_writes_what_the_services_write_one_by_one(branch) -> None:
    past = _past(branch)
    actor = branch.world.secretary
    since = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    with transaction.atomic():
        for p in past:
            _one_by_one(actor, p)
        one_by_one = _state(since)
        transaction.set_rollback(True)
    bulk_record_meetings(actor=actor, meetings=past, batch_size=4)
    assert _state(since) == one_by_one


@time_machine.travel(NOW, tick=False)
def test_the_quorum_verdicts_are_stored(branch) -> None:
    ids = bulk_record_meetings(actor=branch.world.secretary, meetings=_past(branch))
    verdicts = [Meeting.objects.get(pk=pk).quorum_met for pk in ids[1:4]]
    assert verdicts == [True, False, False]


@time_machine.travel(NOW, tick=False)
def test_the_audit_chain_verifies_after_bulk_meetings(branch) -> None:
    bulk_record_meetings(actor=branch.world.secretary, meetings=_past(branch), batch_size=4)
    assert verify_chain(save=False).ok


@time_machine.travel(NOW, tick=False)
def test_a_member_of_another_branch_is_refused_with_the_meetings_number(branch) -> None:
    past = _past(branch)
    stranger = branch.member("full", org=branch.other)
    past[1].present_ids = [stranger.pk]
    with pytest.raises(DomainError, match="第 2 个会议：有党员不在本支部党员名册中"):
        bulk_record_meetings(actor=branch.world.secretary, meetings=past)


@time_machine.travel(NOW, tick=False)
def test_too_many_excellent_grades_are_refused(branch) -> None:
    past = _past(branch)
    past[5].grades = dict.fromkeys(list(past[5].grades)[:2], "excellent")
    with pytest.raises(DomainError, match="三分之一"):
        bulk_record_meetings(actor=branch.world.secretary, meetings=past)


@time_machine.travel(NOW, tick=False)
def test_a_meeting_in_the_future_cannot_be_held(branch) -> None:
    past = _past(branch)
    past[0].held_at = datetime(2026, 5, 2, 12, 0, tzinfo=UTC)
    with pytest.raises(DomainError, match="还没到"):
        bulk_record_meetings(actor=branch.world.secretary, meetings=past)
