"""The demo's older appeals through the bulk history import: the same checks as production.

A small demo with most appeals imported as finished histories, then: the audit chain
verifies (``verify_chain``, what ``shegong verify-audit`` runs), the volunteer ledger
verifies, every imported appeal's clocks are what the policy and the work calendar give
(what the step services compute), and the newest appeals still went through the services.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from shegong.appeals.choices import (
    ClockKey,
    EventKind,
    Stream,
    WorkOrderRole,
    WorkOrderStatus,
)
from shegong.appeals.models import Appeal, AppealEvent, AssessmentFact, UnitMonthStat, WorkOrder
from shegong.appeals.services.policies import compute_deadline
from shegong.core.audit import verify_chain
from shegong.core.models import AuditEvent
from shegong.demo import appeals as demo_appeals
from shegong.demo.generator import generate
from shegong.volunteers.services.ledger import verify_ledger

COUNT = 360
STEPS = 40


@pytest.fixture(scope="module")
def _history_demo_built(module_db):
    """Built once for the module (each test reads it; its own changes roll back)."""
    logged: list[str] = []
    with pytest.MonkeyPatch.context() as patch, module_db.unblock():
        patch.setitem(demo_appeals.APPEAL_COUNTS, "small", COUNT)
        patch.setattr(demo_appeals, "STEP_APPEALS", STEPS)
        patch.setattr(demo_appeals, "HISTORY_CHUNK", 100)
        result = generate("small", log=logged.append)
    return result, logged


@pytest.fixture
def history_demo(_history_demo_built, db):
    return _history_demo_built


def test_the_history_demo_passes_the_production_checks(history_demo) -> None:
    result, logged = history_demo
    assert result.appeals == COUNT == Appeal.objects.count()
    assert any("批量导入" in line for line in logged)
    assert verify_chain(save=False).ok
    assert verify_ledger(save=False).ok
    assert AuditEvent.objects.filter(action="appeal_registered").count() == COUNT


def test_most_appeals_were_imported_and_the_newest_went_through_the_services(
    history_demo,
) -> None:
    summary = next(line for line in history_demo[1] if "批量导入历史" in line)
    imported = int(summary.split("批量导入历史 ")[1].split(" 件")[0].replace(",", ""))
    stepped = int(summary.split("逐步办理 ")[1].split(" 件")[0].replace(",", ""))
    assert imported + stepped == COUNT
    assert imported >= COUNT - STEPS - COUNT // 10
    assert stepped >= STEPS


def test_imported_clocks_are_what_the_services_compute(history_demo) -> None:
    orders = list(
        WorkOrder.objects.filter(
            role=WorkOrderRole.LEAD,
            status=WorkOrderStatus.CLOSED,
            extensions=0,  # an approved extension moves the deadline on purpose
            appeal__returns=0,
        )
        .select_related("appeal__policy")
        .order_by("pk")[:80]
    )
    assert len(orders) >= 40
    for order in orders:
        appeal = order.appeal
        triage = compute_deadline(appeal.policy, ClockKey.TRIAGE, appeal.registered_at)
        sign = compute_deadline(appeal.policy, ClockKey.SIGN, order.dispatched_at)
        start = (
            appeal.accepted_at
            if appeal.stream == Stream.PETITION and appeal.accepted_at
            else order.dispatched_at
        )
        handle = compute_deadline(appeal.policy, ClockKey.HANDLE, start, appeal.urgency)
        revisit = compute_deadline(appeal.policy, ClockKey.REVISIT, appeal.replied_at)
        assert (appeal.triage_due_at, order.sign_due_at, order.due_at, appeal.revisit_due_at) == (
            triage.due if triage else None,
            sign.due if sign else None,
            handle.due if handle else None,
            revisit.due if revisit else None,
        ), appeal.number


def test_imported_timelines_are_complete(history_demo) -> None:
    closed = Appeal.objects.filter(work_orders__status=WorkOrderStatus.CLOSED).distinct()
    assert closed.count() >= COUNT // 2
    for appeal in closed.order_by("pk")[:60]:
        kinds = list(appeal.events.order_by("at", "pk").values_list("kind", flat=True))
        assert kinds[0] == EventKind.REGISTERED
        assert kinds[-1] == EventKind.CLOSED
        assert EventKind.DISPATCHED in kinds
        assert EventKind.REPLIED in kinds
    # Every first answer counted once in the assessment, and the unit-month totals add up.
    replied = Appeal.objects.filter(replied_at__isnull=False).count()
    assert AssessmentFact.objects.count() == replied
    assert sum(UnitMonthStat.objects.values_list("replied", flat=True)) == replied
    assert not Appeal.objects.annotate(n=Count("events")).filter(n=0).exists()


def test_imported_warnings_are_where_the_clock_job_puts_them(history_demo) -> None:
    warned = list(
        AppealEvent.objects.filter(kind=EventKind.WARNED, work_order__extensions=0).select_related(
            "work_order", "appeal__policy"
        )
    )
    assert warned
    for event in warned:
        order = event.work_order
        assert order.warned_at == event.at
        assert order.due_at - timedelta(hours=event.appeal.policy.warn_hours) <= event.at
        assert event.at < order.due_at


def test_the_command_refuses_a_negative_number_of_appeals(db) -> None:
    with pytest.raises(CommandError, match="诉求件数不能为负数"):
        call_command("demo", "--appeals", "-1")
