"""Statutory clocks across real 2025/2026 holidays, and escalation that happens once."""

from __future__ import annotations

import pytest

from shegong.appeals.choices import AppealKind, EventKind, Urgency, WorkOrderRole
from shegong.appeals.models import WorkOrder
from shegong.appeals.services import clocks
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.policies import publish_policy_version
from shegong.core.models import AuditEvent, Notification

from .conftest import at

pytestmark = pytest.mark.django_db


def lead(appeal) -> WorkOrder:
    return appeal.work_orders.get(role=WorkOrderRole.LEAD)


def test_petition_triage_rolls_past_spring_festival_2026(world, make_appeal) -> None:
    # Registered 2026-02-01: 15 natural days end 02-16 (春节) → first working day 02-24.
    appeal, _ = make_appeal(kind=AppealKind.XF_CLAIM, now=at(2026, 2, 1, 10))
    assert appeal.triage_due_at == at(2026, 2, 24, 23, 59, 59)
    assert not appeal.triage_provisional


def test_petition_handling_is_60_days_from_acceptance(world, make_appeal) -> None:
    appeal, _ = make_appeal(kind=AppealKind.XF_CLAIM, now=at(2025, 8, 1, 9))
    wf.accept_appeal(actor=world.dispatcher, appeal_id=appeal.pk, now=at(2025, 8, 4, 9))
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=at(2025, 8, 10, 9),
    )
    # 2025-08-04 + 60 = 2025-10-03, inside 国庆 (10-01..10-08) → 2025-10-09 (Thu).
    assert lead(appeal).due_at == at(2025, 10, 9, 23, 59, 59)


def test_objection_window_counts_working_days_and_make_up_saturday(world, make_appeal) -> None:
    appeal, _ = make_appeal(kind=AppealKind.XF_CLAIM, now=at(2025, 9, 24, 9))
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=at(2025, 9, 26, 9),
    )
    # 5 working days after Fri 09-26: Sun 09-28 (调休上班) 1, 09-29 2, 09-30 3, 10-09 4, 10-10 5.
    wf.return_order(
        actor=world.handler_unit_a,
        order_id=lead(appeal).pk,
        reason="非本单位职责",
        now=at(2025, 10, 10, 18),
    )
    event = appeal.events.get(kind=EventKind.RETURNED)
    assert event.clock_due_at == at(2025, 10, 10, 23, 59, 59)
    assert event.clock_met is True


def test_hotline_urgency_classes(world, make_appeal) -> None:
    for urgency, expected in (
        (Urgency.URGENT, at(2026, 5, 6, 12)),
        (Urgency.UTILITY, at(2026, 5, 7, 10)),
        (Urgency.COMPLEX, at(2026, 5, 21, 23, 59, 59)),
    ):
        appeal, _ = make_appeal(urgency=urgency, now=at(2026, 5, 6, 9))
        wf.dispatch_appeal(
            actor=world.dispatcher,
            appeal_id=appeal.pk,
            lead_unit_id=world.unit_a.pk,
            now=at(2026, 5, 6, 10),
        )
        assert lead(appeal).due_at == expected, urgency


def test_running_appeal_keeps_its_policy_version(world, make_appeal) -> None:
    before, _ = make_appeal(kind=AppealKind.XF_CLAIM, now=at(2026, 6, 1, 9))
    publish_policy_version(
        actor=world.dept_admin,
        kind=AppealKind.XF_CLAIM,
        changes={},
        clocks=[
            ("triage", "", 5, "working_day", "某省条例"),
            ("handle", "", 30, "natural_day", "某省条例"),
        ],
        effective_from=at(2026, 6, 2),
    )
    after, _ = make_appeal(kind=AppealKind.XF_CLAIM, now=at(2026, 6, 3, 9))
    assert before.policy.version == 1
    assert after.policy.version == 2
    assert before.triage_due_at == at(2026, 6, 16, 23, 59, 59)
    assert after.triage_due_at == at(2026, 6, 10, 23, 59, 59)  # 5 working days
    assert AuditEvent.objects.filter(action="appeal_policy_published").exists()


def test_breach_escalates_once_even_when_the_job_runs_twice(world, make_appeal) -> None:
    appeal, _ = make_appeal(urgency=Urgency.URGENT, now=at(2026, 5, 6, 9))
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=at(2026, 5, 6, 10),
    )
    wf.sign_order(actor=world.handler_unit_a, order_id=lead(appeal).pk, now=at(2026, 5, 6, 10, 30))
    assert clocks.warn_due_soon(at(2026, 5, 6, 11)) == 1
    assert clocks.warn_due_soon(at(2026, 5, 6, 11, 5)) == 0
    first = clocks.escalate_breached(at(2026, 5, 6, 13))
    second = clocks.escalate_breached(at(2026, 5, 6, 13, 15))
    assert first == {"breached": 1, "escalated": 0}
    assert second == {"breached": 0, "escalated": 0}
    order = lead(appeal)
    assert order.escalation_level == 1
    assert appeal.events.filter(kind=EventKind.BREACHED).count() == 1
    notes = Notification.objects.filter(title__startswith="已超期").count()
    assert notes >= 1
    # A day later the department is told, once.
    assert clocks.escalate_breached(at(2026, 5, 7, 14))["escalated"] == 1
    assert clocks.escalate_breached(at(2026, 5, 7, 15))["escalated"] == 0
    assert lead(appeal).escalation_level == 2
    assert Notification.objects.filter(title__startswith="已超期").count() == notes


def test_periodic_task_runs_all_clock_jobs(world, make_appeal) -> None:
    from shegong.appeals.tasks import run_appeal_clocks

    make_appeal(kind=AppealKind.XF_CLAIM, now=at(2024, 1, 2, 9))  # long overdue triage
    result = run_appeal_clocks.enqueue().return_value
    assert result["triage_breached"] == 1
    assert run_appeal_clocks.enqueue().return_value["triage_breached"] == 0
