"""The engine over time: the stored quorum verdict, findings of earlier quarters re-checked,
lapse keys stable past the lookback, the member check in bounded batches."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shegong.compliance import testing as t
from shegong.compliance.choices import FindingStatus, Rule
from shegong.compliance.models import ComplianceFinding
from shegong.compliance.services import engine
from shegong.compliance.services.engine import run_compliance
from shegong.compliance.services.facts import MemberFacts, month_facts
from shegong.lib.partyrules.months import Month
from shegong.orglife.models import Meeting

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 20)


def _open(rule: str) -> list[ComplianceFinding]:
    return list(ComplianceFinding.objects.filter(rule=rule, status__in=["open", "escalated"]))


# --- quorum: orglife's stored verdict --------------------------------------------------------


def test_stored_failed_quorum_is_a_finding_whatever_the_rows_say(branch) -> None:
    formal = [t.member(branch.pk, joined=date(2020, 1, 1)) for _ in range(4)]
    m = t.meeting(branch.pk, "assembly", date(2026, 11, 5), present=formal[:3], absent=formal[3:])
    Meeting.objects.filter(pk=m.pk).update(quorum_met=False)
    run_compliance(today=TODAY, check_members=False)
    assert [f.meeting_id for f in _open(Rule.ASSEMBLY_QUORUM)] == [m.pk]


def test_stored_quorum_met_is_no_finding_whatever_the_rows_say(branch) -> None:
    formal = [t.member(branch.pk, joined=date(2020, 1, 1)) for _ in range(4)]
    m = t.meeting(branch.pk, "assembly", date(2026, 11, 5), present=formal[:1], absent=formal[1:])
    Meeting.objects.filter(pk=m.pk).update(quorum_met=True)
    run_compliance(today=TODAY, check_members=False)
    assert _open(Rule.ASSEMBLY_QUORUM) == []


def test_assembly_without_a_stored_verdict_is_not_provable(branch) -> None:
    m = t.meeting(branch.pk, "assembly", date(2026, 11, 5))
    Meeting.objects.filter(pk=m.pk).update(quorum_met=None)
    run_compliance(today=TODAY, check_members=False)
    assert "无法确认到会人数" in _open(Rule.ASSEMBLY_QUORUM)[0].evidence


# --- per-meeting findings of earlier quarters are re-checked -------------------------------


def _minutes_now(m: Meeting, day: date) -> None:
    at = timezone.make_aware(datetime.combine(day, time(12)))
    Meeting.objects.filter(pk=m.pk).update(minutes="补录的记录", minutes_recorded_at=at)


def test_minutes_added_later_clear_an_old_quarter_finding(branch) -> None:
    m = t.meeting(branch.pk, "lecture", date(2026, 5, 10), minutes="")
    run_compliance(today=date(2026, 6, 20), check_members=False)
    _minutes_now(m, date(2026, 12, 1))
    run_compliance(today=TODAY, check_members=False)
    f = ComplianceFinding.objects.get(rule=Rule.NO_MINUTES, meeting=m)
    assert f.status == FindingStatus.AUTO_RESOLVED


def test_minutes_added_late_for_an_old_quarter_are_late(branch) -> None:
    m = t.meeting(branch.pk, "lecture", date(2026, 5, 10), minutes="")
    run_compliance(today=date(2026, 6, 20), check_members=False)
    _minutes_now(m, date(2026, 12, 1))
    run_compliance(today=TODAY, check_members=False)
    assert [f.meeting_id for f in _open(Rule.LATE_MINUTES)] == [m.pk]


def test_cancelled_meeting_clears_its_old_quarter_finding(branch) -> None:
    m = t.meeting(branch.pk, "lecture", date(2026, 5, 10), minutes="")
    run_compliance(today=date(2026, 6, 20), check_members=False)
    Meeting.objects.filter(pk=m.pk).update(status="cancelled")
    run_compliance(today=TODAY, check_members=False)
    assert _open(Rule.NO_MINUTES) == []


def test_old_quarter_finding_still_true_stays_open(branch) -> None:
    people = [t.member(branch.pk, joined=date(2020, 1, 1)) for _ in range(5)]
    m = t.meeting(branch.pk, "lecture", date(2026, 5, 10), present=people[:2], absent=people[2:])
    run_compliance(today=date(2026, 6, 20), check_members=False)
    run_compliance(today=TODAY, check_members=False)
    assert [f.meeting_id for f in _open(Rule.LOW_ATTENDANCE)] == [m.pk]


def test_old_quarter_meetings_short_finding_is_left_alone(branch) -> None:
    run_compliance(today=date(2026, 6, 20), check_members=False)
    run_compliance(today=TODAY, check_members=False)
    keys = {f.subject_key for f in _open(Rule.MEETINGS_SHORT)}
    assert f"org:{branch.pk}:theme_day:2026-05" in keys


# --- lapse runs longer than the lookback keep their key --------------------------------------


def test_lapse_run_longer_than_the_lookback_keeps_its_key(branch) -> None:
    t.member(branch.pk, joined=date(2019, 1, 1))  # never attended: a run since 2019
    run_compliance(today=TODAY)
    before = {f.subject_key for f in _open(Rule.LAPSE_RISK)}
    run_compliance(today=date(2027, 1, 20))
    run_compliance(today=date(2027, 2, 20))
    after = {f.subject_key for f in _open(Rule.LAPSE_RISK)}
    assert after == before


def test_lapse_run_longer_than_the_lookback_is_not_reopened(branch) -> None:
    t.member(branch.pk, joined=date(2019, 1, 1))
    run_compliance(today=TODAY)
    run_compliance(today=date(2027, 1, 20))
    assert ComplianceFinding.objects.filter(rule=Rule.LAPSE_RISK).count() == 1


def test_handled_long_lapse_run_stays_handled_next_month(branch, world) -> None:
    from shegong.compliance.services.actions import handle_finding

    t.member(branch.pk, joined=date(2019, 1, 1))
    run_compliance(today=TODAY)
    f = _open(Rule.LAPSE_RISK)[0]
    handle_finding(actor=world.users["secretary"], finding_id=f.pk, note="已联系本人")
    run_compliance(today=date(2027, 1, 20))
    assert _open(Rule.LAPSE_RISK) == []


def test_new_run_after_attendance_gets_its_own_key(branch) -> None:
    m = t.member(branch.pk, joined=date(2019, 1, 1))
    run_compliance(today=TODAY)
    t.meeting(branch.pk, "theme_day", date(2026, 12, 10), present=[m])
    run_compliance(today=date(2027, 7, 20))
    keys = {f.subject_key for f in _open(Rule.LAPSE_RISK) if ":org_life:" in f.subject_key}
    assert keys == {f"member:{m.pk}:org_life:2027-01"}


# --- the nightly member check is bounded ------------------------------------------------------


def test_member_facts_are_read_per_batch_of_branches(world, branch, monkeypatch) -> None:
    from shegong.organizations.services import orgs

    others = [
        orgs.create_organization(
            actor=world.root,
            code=f"C-X{i}",
            name=f"另一党支部{i}",
            kind="branch",
            region_id=world.north_one.pk,
        )
        for i in range(2)
    ]
    for org in [branch, *others]:
        t.member(org.pk, joined=date(2025, 1, 1))
    calls: list[int] = []

    def counting(members: list[MemberFacts], first: Month, last: Month) -> None:
        calls.append(len(members))
        month_facts(members, first, last)

    monkeypatch.setattr(engine, "MEMBER_BRANCHES", 1)
    monkeypatch.setattr(engine, "month_facts", counting)
    run_compliance(today=TODAY)
    assert calls == [1, 1, 1]


def test_attendance_is_read_one_row_per_member_and_month(branch) -> None:
    m = t.member(branch.pk, joined=date(2025, 1, 1))
    for day in (3, 10, 17, 24):
        t.meeting(branch.pk, "theme_day", date(2026, 11, day), present=[m])
    facts = [MemberFacts(m.pk, branch.pk, m.joined_branch_on)]
    with CaptureQueriesContext(connection) as ctx:
        month_facts(facts, Month(2026, 1), Month(2026, 11))
    attendance = [q["sql"] for q in ctx.captured_queries if "orglife_attendance" in q["sql"]]
    assert ["DISTINCT" in sql.upper() for sql in attendance] == [True]


def test_member_month_facts_stay_right_when_aggregated(branch) -> None:
    m = t.member(branch.pk, joined=date(2025, 1, 1))
    t.meeting(branch.pk, "theme_day", date(2026, 11, 3), present=[m])
    t.meeting(branch.pk, "theme_day", date(2026, 11, 30), present=[m])
    facts = [MemberFacts(m.pk, branch.pk, m.joined_branch_on)]
    month_facts(facts, Month(2026, 10), Month(2026, 11))
    assert [facts[0].months[mo].attended for mo in (Month(2026, 10), Month(2026, 11))] == [
        False,
        True,
    ]
