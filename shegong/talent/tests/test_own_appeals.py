"""The evaluation evidence holds the person's own appeals figures (work orders their linked
account signed or replied, the replies' on-time, resolution and satisfaction from the same
assessment facts the unit counters count) beside the unit's, each labelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from shegong.appeals.choices import AppealKind, Channel, WorkOrderRole
from shegong.appeals.models import AssessmentFact
from shegong.appeals.services import revisit as rs
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import IntakeData, submit_appeal
from shegong.talent.models import Person
from shegong.talent.services.evidence import evidence_for

from .conftest import TalentKit, at


def _handled(kit: TalentKit, handler: object, day: int, *, late: bool, satisfied: str) -> None:
    w = kit.world
    start = at(2025, 3, day, 9)
    appeal, _ = submit_appeal(
        actor=None,
        data=IntakeData(
            kind=AppealKind.HL_COMPLAINT,
            channel=Channel.PORTAL,
            title=f"路灯不亮{day}",
            body="北一社区3号楼前路灯坏了两周，晚上出行不安全。",
            region_id=w.north_one.pk,
            name="张三",
            phone="13912345678",
        ),
        now=start,
    )
    wf.dispatch_appeal(
        actor=w.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=w.street_unit_n.pk,
        now=start + timedelta(hours=1),
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=handler, order_id=order.pk, now=start + timedelta(hours=2))
    wf.reply_order(
        actor=handler,
        order_id=order.pk,
        text="已修复",
        now=start + timedelta(days=40 if late else 1),
    )
    rs.record_revisit(
        actor=w.dispatcher,
        appeal_id=appeal.pk,
        contacted=True,
        resolved=satisfied != "dissatisfied",
        satisfaction=satisfied,
        method="phone",
        now=start + timedelta(days=45),
    )


def _facts(person: Person) -> dict[str, str]:
    return {f.key: f.value for f in evidence_for(person, 2025)}


@pytest.fixture
def handled(kit: TalentKit) -> TalentKit:
    # the worker's account answers two (one late, one 不满意); a colleague account one more
    _handled(kit, kit.sw_user, 3, late=False, satisfied="satisfied")
    _handled(kit, kit.sw_user, 5, late=True, satisfied="dissatisfied")
    _handled(kit, kit.world.street_north, 7, late=False, satisfied="basic")
    return kit


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_own_figures_count_what_the_account_answered(handled: TalentKit) -> None:
    facts = _facts(Person.objects.get(pk=handled.worker.pk))
    own = (
        facts["appeals_own_handled"],
        facts["appeals_own_replied"],
        facts["appeals_own_on_time"],
        facts["appeals_own_resolved"],
        facts["appeals_own_satisfied"],
    )
    assert own == ("2", "2", "50.0%", "50.0%", "50.0%")
    # the unit's figures count all three, beside the person's
    assert (facts["appeals_replied"], AssessmentFact.objects.count()) == ("3", 3)


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_without_an_account_the_own_figures_say_why(handled: TalentKit) -> None:
    facts = {f.key: f for f in evidence_for(Person.objects.get(pk=handled.colleague.pk), 2025)}
    assert (facts["appeals_own_replied"].value, facts["appeals_replied"].value) == (
        "未关联账号",
        "3",
    )


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_unit_and_own_figures_are_labelled(handled: TalentKit) -> None:
    labels = {f.key: f.label for f in evidence_for(handled.worker, 2025)}
    assert (labels["appeals_on_time"].startswith("单位"), labels["appeals_own_on_time"][:2]) == (
        True,
        "本人",
    )
