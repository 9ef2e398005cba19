"""Bulk history import writes the rows the step-by-step services write for the same history."""

from __future__ import annotations

from datetime import datetime

import pytest

from conftest import World
from shegong.appeals.choices import AppealKind, AppealStatus, Channel, RedirectChannel
from shegong.appeals.models import Appeal, AssessmentFact, WorkOrder
from shegong.appeals.services import clocks
from shegong.appeals.services import history_import as hi
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import IntakeData, submit_appeal
from shegong.core.audit import verify_chain
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent

from .conftest import at

pytestmark = pytest.mark.django_db

SKIP_APPEAL = {"id", "number", "tracking_hash", "updated_at", "petitioner"}


def intake(
    world: World, kind: str = AppealKind.XF_CLAIM, channel: str = Channel.LETTER
) -> IntakeData:
    return IntakeData(
        kind=kind,
        channel=channel,
        title="小区路灯不亮",
        body="北一社区3号楼前路灯坏了两周，晚上出行不安全。",
        region_id=world.north_one.pk,
        name="张三",
        phone="13912345678",
    )


def run_steps(
    world: World, data: IntakeData, registered_at: datetime, steps: list[hi.HistoryStep]
) -> Appeal:
    """The same history through the services, one call per step."""
    appeal, _ = submit_appeal(actor=world.dispatcher, data=data, now=registered_at)
    for step in steps:
        if isinstance(step, hi.Accept):
            wf.accept_appeal(actor=step.actor, appeal_id=appeal.pk, note=step.note, now=step.at)
        elif isinstance(step, hi.Decide) and step.action == "reject":
            wf.reject_appeal(actor=step.actor, appeal_id=appeal.pk, reason=step.reason, now=step.at)
        elif isinstance(step, hi.Decide) and step.action == "redirect":
            wf.redirect_appeal(
                actor=step.actor,
                appeal_id=appeal.pk,
                channel=step.channel,
                reason=step.reason,
                now=step.at,
            )
        elif isinstance(step, hi.Decide):
            wf.forward_appeal(
                actor=step.actor,
                appeal_id=appeal.pk,
                organ=step.organ,
                reason=step.reason,
                now=step.at,
            )
        elif isinstance(step, hi.Dispatch):
            wf.dispatch_appeal(
                actor=step.actor,
                appeal_id=appeal.pk,
                lead_unit_id=step.lead_unit_id,
                assist_unit_ids=list(step.assist_unit_ids),
                instructions=step.instructions,
                category_l1=step.category_l1,
                now=step.at,
            )
        elif isinstance(step, hi.Warn):
            clocks.warn_due_soon(now=step.at)
        elif isinstance(step, hi.Close):
            wf.close_appeal(actor=step.actor, appeal_id=appeal.pk, note=step.note, now=step.at)
        else:
            order = WorkOrder.objects.get(appeal=appeal, unit_id=step.unit_id)
            if isinstance(step, hi.Sign):
                wf.sign_order(actor=step.actor, order_id=order.pk, now=step.at)
            elif isinstance(step, hi.Note):
                wf.add_handling_note(
                    actor=step.actor,
                    order_id=order.pk,
                    note=step.note,
                    contacted=step.contacted,
                    now=step.at,
                )
            else:
                wf.reply_order(actor=step.actor, order_id=order.pk, text=step.text, now=step.at)
    return Appeal.objects.get(pk=appeal.pk)


def rows(appeal: Appeal) -> dict[str, object]:
    """Everything the history wrote for ``appeal``, with its own number and ids taken out."""
    number = appeal.number

    def clean(value: object) -> object:
        return value.replace(number, "<number>") if isinstance(value, str) else value

    orders = list(WorkOrder.objects.filter(appeal=appeal).order_by("dispatched_at", "role", "pk"))
    order_keys = {o.pk: (o.role, o.unit_id) for o in orders}
    targets = [("appeals.appeal", str(appeal.pk))] + [
        ("appeals.workorder", str(o.pk)) for o in orders
    ]
    audit_rows = [
        e for e in AuditEvent.objects.order_by("seq") if (e.target_type, e.target_id) in targets
    ]
    return {
        "appeal": {
            f.name: clean(getattr(appeal, f.attname))
            for f in Appeal._meta.concrete_fields
            if f.name not in SKIP_APPEAL
        },
        "orders": [
            {
                f.name: getattr(o, f.attname)
                for f in WorkOrder._meta.concrete_fields
                if f.name not in {"id", "appeal"}
            }
            for o in orders
        ],
        "events": [
            (
                e.kind,
                e.at,
                e.actor_id,
                e.actor_label,
                clean(e.note),
                e.public,
                clean(e.public_note),
                e.clock_due_at,
                e.clock_met,
                order_keys.get(e.work_order_id) if e.work_order_id else None,
            )
            for e in appeal.events.order_by("at", "pk")
        ],
        "audit": [
            (
                e.action,
                e.actor_id,
                e.actor_repr,
                e.occurred_at,
                e.target_type,
                clean(e.target_repr),
                e.region_path,
                e.changes,
                e.note,
                e.success,
            )
            for e in audit_rows
        ],
        "facts": [
            {
                f.name: getattr(fact, f.attname)
                for f in AssessmentFact._meta.concrete_fields
                if f.name not in {"id", "appeal"}
            }
            for fact in AssessmentFact.objects.filter(appeal=appeal)
        ],
    }


def petition_history(world: World) -> list[hi.HistoryStep]:
    return [
        hi.Accept(at=at(2026, 3, 3, 10), actor=world.dispatcher, note="符合受理条件"),
        hi.Dispatch(
            at=at(2026, 3, 4, 9),
            actor=world.dispatcher,
            lead_unit_id=world.unit_b.pk,
            assist_unit_ids=(world.unit_a.pk,),
            instructions="请按时限办理",
            category_l1="城乡建设",
        ),
        hi.Sign(at=at(2026, 3, 4, 11), actor=world.handler_unit_b, unit_id=world.unit_b.pk),
        hi.Sign(at=at(2026, 3, 4, 15), actor=world.handler_unit_a, unit_id=world.unit_a.pk),
        hi.Note(
            at=at(2026, 3, 5, 9),
            actor=world.handler_unit_b,
            unit_id=world.unit_b.pk,
            note="已电话联系诉求人",
            contacted=True,
        ),
        hi.Reply(
            at=at(2026, 3, 10, 16),
            actor=world.handler_unit_a,
            unit_id=world.unit_a.pk,
            text="已配合现场处置",
        ),
        hi.Reply(
            at=at(2026, 3, 12, 10),
            actor=world.handler_unit_b,
            unit_id=world.unit_b.pk,
            text="路灯已修复",
        ),
        hi.Close(at=at(2026, 3, 13, 9), actor=world.dispatcher, note="回访满意"),
    ]


def hotline_history(world: World) -> list[hi.HistoryStep]:
    return [
        hi.Dispatch(at=at(2026, 3, 2, 10), actor=world.dispatcher, lead_unit_id=world.unit_b.pk),
        hi.Sign(at=at(2026, 3, 2, 11), actor=world.handler_unit_b, unit_id=world.unit_b.pk),
        hi.Reply(
            at=at(2026, 3, 4, 10),
            actor=world.handler_unit_b,
            unit_id=world.unit_b.pk,
            text="路灯已修复",
        ),
        hi.Close(at=at(2026, 3, 5, 9), actor=world.dispatcher),
    ]


def compare(
    world: World,
    steps: list[hi.HistoryStep],
    kind: str = AppealKind.XF_CLAIM,
    channel: str = Channel.LETTER,
) -> None:
    registered = at(2026, 3, 2, 9)
    stepped = run_steps(world, intake(world, kind, channel), registered, steps)
    [imported] = hi.import_history(
        actor=world.dispatcher,
        records=[
            hi.HistoryRecord(
                data=intake(world, kind, channel),
                registered_by=world.dispatcher,
                registered_at=registered,
                steps=steps,
            )
        ],
    )
    imported = Appeal.objects.get(pk=imported.pk)
    assert rows(imported) == rows(stepped)


def test_petition_with_assist_and_note_writes_the_rows_the_services_write(world) -> None:
    compare(world, petition_history(world))


def test_hotline_instant_dispatch_writes_the_rows_the_services_write(world) -> None:
    compare(world, hotline_history(world), AppealKind.HL_COMPLAINT, Channel.PHONE)


@pytest.mark.parametrize("decision", ["reject", "redirect", "forward"])
def test_a_decision_writes_the_rows_the_services_write(world, decision: str) -> None:
    step = hi.Decide(
        at=at(2026, 3, 3, 10),
        actor=world.dispatcher,
        action=decision,
        reason="诉求内容不明确",
        channel=RedirectChannel.LITIGATION,
        organ="市纪委监委",
    )
    compare(world, [step])


def test_the_imported_steps_are_on_the_audit_chain(world) -> None:
    hi.import_history(
        actor=world.dispatcher,
        records=[
            hi.HistoryRecord(
                data=intake(world),
                registered_by=world.dispatcher,
                registered_at=at(2026, 3, 2, 9),
                steps=petition_history(world),
            )
        ],
    )
    assert verify_chain(save=False).ok


def test_the_imported_appeal_is_closed(world) -> None:
    [appeal] = hi.import_history(
        actor=world.dispatcher,
        records=[
            hi.HistoryRecord(
                data=intake(world),
                registered_by=world.dispatcher,
                registered_at=at(2026, 3, 2, 9),
                steps=petition_history(world),
            )
        ],
    )
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.CLOSED


def test_a_clock_warning_writes_the_rows_the_clock_job_writes(world) -> None:
    steps = hotline_history(world)
    steps[2:] = [
        hi.Warn(at=at(2026, 3, 9, 8), unit_id=world.unit_b.pk),  # due 03-09 23:59:59, 24 h
        hi.Reply(
            at=at(2026, 3, 9, 10),
            actor=world.handler_unit_b,
            unit_id=world.unit_b.pk,
            text="路灯已修复",
        ),
        hi.Close(at=at(2026, 3, 10, 9), actor=world.dispatcher),
    ]
    compare(world, steps, AppealKind.HL_COMPLAINT, Channel.PHONE)


def test_a_warning_outside_the_warning_window_is_refused(world) -> None:
    steps = hotline_history(world)
    steps.insert(2, hi.Warn(at=at(2026, 3, 3, 8), unit_id=world.unit_b.pk))
    record = hi.HistoryRecord(
        data=intake(world, kind=AppealKind.HL_COMPLAINT, channel=Channel.PHONE),
        registered_by=world.dispatcher,
        registered_at=at(2026, 3, 2, 9),
        steps=steps,
    )
    with pytest.raises(DomainError, match="提醒时段"):
        hi.import_history(actor=world.dispatcher, records=[record])


def test_a_reply_after_the_deadline_is_refused(world) -> None:
    steps = hotline_history(world)
    steps[2] = hi.Reply(
        at=at(2026, 3, 10, 10),  # due 03-09 23:59:59: the clock job would have breached it
        actor=world.handler_unit_b,
        unit_id=world.unit_b.pk,
        text="路灯已修复",
    )
    steps[3] = hi.Close(at=at(2026, 3, 11, 9), actor=world.dispatcher)
    record = hi.HistoryRecord(
        data=intake(world, kind=AppealKind.HL_COMPLAINT, channel=Channel.PHONE),
        registered_by=world.dispatcher,
        registered_at=at(2026, 3, 2, 9),
        steps=steps,
    )
    with pytest.raises(DomainError, match="超过办理期限"):
        hi.import_history(actor=world.dispatcher, records=[record])


def test_a_refused_record_writes_nothing(world) -> None:
    record = hi.HistoryRecord(
        data=intake(world),
        registered_by=world.dispatcher,
        registered_at=at(2026, 3, 2, 9),
        steps=petition_history(world)[:3],  # still being handled
    )
    with pytest.raises(DomainError, match="已经结束"):
        hi.import_history(actor=world.dispatcher, records=[record])
    assert not Appeal.objects.exists()


def test_a_handler_of_another_unit_cannot_sign(world) -> None:
    steps = hotline_history(world)
    steps[1] = hi.Sign(at=at(2026, 3, 2, 11), actor=world.handler_unit_a, unit_id=world.unit_b.pk)
    record = hi.HistoryRecord(
        data=intake(world, kind=AppealKind.HL_COMPLAINT, channel=Channel.PHONE),
        registered_by=world.dispatcher,
        registered_at=at(2026, 3, 2, 9),
        steps=steps,
    )
    with pytest.raises(DomainError, match="承办单位的工作人员"):
        hi.import_history(actor=world.dispatcher, records=[record])
