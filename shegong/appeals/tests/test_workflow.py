"""The dispatch-and-handling state machine, end to end through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from shegong.appeals.choices import (
    APPEAL_TRANSITIONS,
    OPEN_APPEAL_STATES,
    WORK_ORDER_TRANSITIONS,
    AppealAction,
    AppealKind,
    AppealStatus,
    EventKind,
    RedirectChannel,
    WorkOrderAction,
    WorkOrderRole,
    WorkOrderStatus,
)
from shegong.appeals.models import Appeal, WorkOrder
from shegong.appeals.services import merge as merge_service
from shegong.appeals.services import revisit as revisit_service
from shegong.appeals.services import workflow as wf
from shegong.core.exceptions import DomainError, StaleObject, TransitionNotAllowed
from shegong.core.models import AuditEvent
from shegong.core.notify import ConsoleSmsSender

from .conftest import at

pytestmark = pytest.mark.django_db


def lead(appeal: Appeal) -> WorkOrder:
    return appeal.work_orders.get(role=WorkOrderRole.LEAD, status__in=["pending", "signed"])


def test_full_path_dispatch_return_redispatch_extend_reply_close(
    world, make_appeal, django_capture_on_commit_callbacks
) -> None:
    appeal, code = make_appeal(now=at(2026, 3, 2, 9))
    assert len(code) == 8
    assert appeal.number.startswith("RX20260302")
    assert appeal.status == AppealStatus.REGISTERED
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_b.pk,
        now=at(2026, 3, 2, 10),
    )
    order = lead(appeal)
    # hotline, normal urgency: 7 natural days from dispatch → 2026-03-09 (Mon) end of day
    assert order.due_at == at(2026, 3, 9, 23, 59, 59)
    wf.sign_order(actor=world.handler_unit_b, order_id=order.pk, now=at(2026, 3, 2, 11))
    wf.return_order(
        actor=world.handler_unit_b,
        order_id=order.pk,
        reason="路灯归住建局管理",
        now=at(2026, 3, 2, 12),
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.returns) == (AppealStatus.ACCEPTED, 1)
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=at(2026, 3, 2, 13),
    )
    order = lead(appeal)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=at(2026, 3, 2, 14))
    wf.add_handling_note(
        actor=world.handler_unit_a,
        order_id=order.pk,
        note="已电话联系张先生",
        contacted=True,
        now=at(2026, 3, 3, 9),
    )
    request = wf.request_extension(
        actor=world.handler_unit_a,
        order_id=order.pk,
        days=5,
        reason="需采购灯具",
        now=at(2026, 3, 4, 9),
    )
    with pytest.raises(PermissionDenied):
        wf.decide_extension(actor=world.handler_unit_a, request_id=request.pk, approve=True)
    ConsoleSmsSender.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        wf.decide_extension(
            actor=world.dispatcher, request_id=request.pk, approve=True, now=at(2026, 3, 4, 10)
        )
    order.refresh_from_db()
    # +5 natural days from 03-09 ends Sat 03-14 (rest day) → Mon 03-16 (民法典 第二百零三条)
    assert order.due_at == at(2026, 3, 16, 23, 59, 59)
    assert any("延长至" in text for _, text in ConsoleSmsSender.outbox)
    with pytest.raises(DomainError, match="不能再延期"):
        wf.request_extension(
            actor=world.handler_unit_a,
            order_id=order.pk,
            days=1,
            reason="再延",
            now=at(2026, 3, 5, 9),
        )
    wf.reply_order(
        actor=world.handler_unit_a,
        order_id=order.pk,
        text="路灯已更换，恢复照明。",
        now=at(2026, 3, 6, 9),
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REPLIED
    wf.close_appeal(actor=world.dispatcher, appeal_id=appeal.pk, now=at(2026, 3, 6, 10))
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds[:3] == [EventKind.REGISTERED, EventKind.DISPATCHED, EventKind.SIGNED]
    assert EventKind.RETURNED in kinds
    assert kinds[-1] == EventKind.CLOSED
    actions = set(
        AuditEvent.objects.filter(
            target_type="appeals.appeal", target_id=str(appeal.pk)
        ).values_list("action", flat=True)
    )
    assert {"appeal_registered", "appeal_dispatched", "appeal_closed"} <= actions


def test_illegal_transitions_are_refused_with_a_clear_message(world, make_appeal) -> None:
    appeal, _ = make_appeal()
    with pytest.raises(TransitionNotAllowed, match="不能“办结”"):
        wf.close_appeal(actor=world.dispatcher, appeal_id=appeal.pk)
    wf.reject_appeal(actor=world.dispatcher, appeal_id=appeal.pk, reason="不属于受理范围")
    with pytest.raises(TransitionNotAllowed):
        wf.accept_appeal(actor=world.dispatcher, appeal_id=appeal.pk)


def _reached(table: dict[tuple[str, str], str], start: str) -> set[str]:
    """Every status a walk along ``table`` reaches from ``start``."""
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for (source, _action), target in table.items():
            if source == here and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_every_status_in_the_tables_is_reachable_from_the_first() -> None:
    assert _reached(APPEAL_TRANSITIONS, AppealStatus.REGISTERED) == set(AppealStatus.values)
    assert {action for _, action in APPEAL_TRANSITIONS} == set(AppealAction.values)
    ends = {s for s in AppealStatus.values if not any(k[0] == s for k in APPEAL_TRANSITIONS)}
    assert ends == {
        AppealStatus.CLOSED,
        AppealStatus.REJECTED,
        AppealStatus.REDIRECTED,
        AppealStatus.FORWARDED,
        AppealStatus.MERGED,
    }
    assert ends == set(AppealStatus.values) - OPEN_APPEAL_STATES
    assert _reached(WORK_ORDER_TRANSITIONS, WorkOrderStatus.PENDING) == set(WorkOrderStatus.values)
    assert {action for _, action in WORK_ORDER_TRANSITIONS} == set(WorkOrderAction.values)
    order_ends = {
        s for s in WorkOrderStatus.values if not any(k[0] == s for k in WORK_ORDER_TRANSITIONS)
    }
    assert order_ends == {
        WorkOrderStatus.RETURNED,
        WorkOrderStatus.CLOSED,
        WorkOrderStatus.CANCELLED,
    }


def test_every_transition_in_the_tables_is_taken_by_a_service(world, make_appeal) -> None:
    """Walk the services from a fresh appeal until every (status, action) row of both tables
    has been taken once, each landing on the status its row names."""
    taken: set[tuple[str, str]] = set()
    taken_orders: set[tuple[str, str]] = set()
    d = world.dispatcher
    ha, hb = world.handler_unit_a, world.handler_unit_b

    def watch(orders):  # type: ignore[no-untyped-def]
        """Each order with the action expected of it and its status before the call."""
        for order, _action in orders:
            order.refresh_from_db()
        return [(order, action, order.status) for order, action in orders]

    def check(watched) -> None:  # type: ignore[no-untyped-def]
        for order, action, before in watched:
            order.refresh_from_db()
            assert order.status == WORK_ORDER_TRANSITIONS[(before, action)], (before, action)
            taken_orders.add((before, action))

    def step(appeal: Appeal, action: str, call, orders=()) -> None:  # type: ignore[no-untyped-def]
        """``call`` takes the appeal's row (before, action) and each order's row."""
        appeal.refresh_from_db()
        before, watched = appeal.status, watch(orders)
        call()
        appeal.refresh_from_db()
        assert appeal.status == APPEAL_TRANSITIONS[(before, action)], (before, action)
        taken.add((before, action))
        check(watched)

    def order_step(appeal: Appeal, call, orders) -> None:  # type: ignore[no-untyped-def]
        """``call`` takes each order's row and leaves the appeal's status as it is."""
        appeal.refresh_from_db()
        before, watched = appeal.status, watch(orders)
        call()
        appeal.refresh_from_db()
        assert appeal.status == before
        check(watched)

    def new() -> Appeal:
        appeal, _code = make_appeal()
        return appeal

    def dispatch(appeal: Appeal, unit) -> None:  # type: ignore[no-untyped-def]
        wf.dispatch_appeal(actor=d, appeal_id=appeal.pk, lead_unit_id=unit.pk)

    # Registered → accepted → forwarded; registered → rejected / redirected / forwarded.
    a = new()
    step(a, AppealAction.ACCEPT, lambda: wf.accept_appeal(actor=d, appeal_id=a.pk))
    step(
        a,
        AppealAction.FORWARD,
        lambda: wf.forward_appeal(actor=d, appeal_id=a.pk, organ="市纪委监委"),
    )
    b = new()
    step(
        b,
        AppealAction.REJECT,
        lambda: wf.reject_appeal(actor=d, appeal_id=b.pk, reason="不属于受理范围"),
    )
    c = new()
    step(
        c,
        AppealAction.REDIRECT,
        lambda: wf.redirect_appeal(
            actor=d, appeal_id=c.pk, channel=RedirectChannel.LITIGATION, reason="属于民事纠纷"
        ),
    )
    f = new()
    step(f, AppealAction.FORWARD, lambda: wf.forward_appeal(actor=d, appeal_id=f.pk, organ="外市"))

    # The handling round: dispatch, reassign, return, dispatch again, sign, extend, reply,
    # an unsatisfied revisit (redo), a second reply, close.
    e = new()
    step(e, AppealAction.DISPATCH, lambda: dispatch(e, world.unit_a))
    first = lead(e)
    step(
        e,
        AppealAction.DISPATCH,
        lambda: wf.reassign_appeal(
            actor=d, appeal_id=e.pk, lead_unit_id=world.unit_b.pk, reason="职责调整"
        ),
        orders=[(first, WorkOrderAction.CANCEL)],
    )
    second = lead(e)
    step(
        e,
        AppealAction.RETURNED,
        lambda: wf.return_order(actor=hb, order_id=second.pk, reason="非本单位职责"),
        orders=[(second, WorkOrderAction.RETURN)],
    )
    step(e, AppealAction.DISPATCH, lambda: dispatch(e, world.unit_a))
    third = lead(e)
    order_step(
        e,
        lambda: wf.sign_order(actor=ha, order_id=third.pk),
        orders=[(third, WorkOrderAction.SIGN)],
    )
    order_step(
        e,
        lambda: wf.request_extension(actor=ha, order_id=third.pk, days=3, reason="需要协调施工"),
        orders=[(third, WorkOrderAction.EXTEND)],
    )
    step(
        e,
        AppealAction.REPLY,
        lambda: wf.reply_order(actor=ha, order_id=third.pk, text="已修复"),
        orders=[(third, WorkOrderAction.REPLY)],
    )
    step(
        e,
        AppealAction.REDO,
        lambda: revisit_service.record_revisit(
            actor=d,
            appeal_id=e.pk,
            contacted=True,
            resolved=False,
            satisfaction="dissatisfied",
            method="phone",
        ),
    )
    fourth = lead(e)
    assert fourth.pk != third.pk
    wf.sign_order(actor=ha, order_id=fourth.pk)
    wf.reply_order(actor=ha, order_id=fourth.pk, text="已更换灯具")
    step(
        e,
        AppealAction.CLOSE,
        lambda: wf.close_appeal(actor=d, appeal_id=e.pk),
        orders=[(fourth, WorkOrderAction.CLOSE)],
    )

    # Merging: a registered, an accepted (after a signed order was returned) and a
    # dispatched appeal (its signed order withdrawn) go into one lead appeal.
    main = new()
    dup_registered, dup_accepted, dup_dispatched = new(), new(), new()
    dispatch(dup_accepted, world.unit_a)
    returned = lead(dup_accepted)
    wf.sign_order(actor=ha, order_id=returned.pk)
    step(
        dup_accepted,
        AppealAction.RETURNED,
        lambda: wf.return_order(actor=ha, order_id=returned.pk, reason="非本单位职责"),
        orders=[(returned, WorkOrderAction.RETURN)],
    )
    dispatch(dup_dispatched, world.unit_a)
    withdrawn = lead(dup_dispatched)
    wf.sign_order(actor=ha, order_id=withdrawn.pk)
    for dup in (dup_registered, dup_accepted, dup_dispatched):
        step(
            dup,
            AppealAction.MERGE,
            lambda dup=dup: merge_service.merge_appeals(
                actor=d, lead_id=main.pk, duplicate_ids=[dup.pk], reason="同一路灯"
            ),
            orders=[(withdrawn, WorkOrderAction.CANCEL)] if dup is dup_dispatched else [],
        )

    assert taken == set(APPEAL_TRANSITIONS)
    assert taken_orders == set(WORK_ORDER_TRANSITIONS)


def test_optimistic_locking_refuses_stale_edits(world, make_appeal) -> None:
    appeal, _ = make_appeal()
    version = appeal.version
    wf.accept_appeal(actor=world.dispatcher, appeal_id=appeal.pk, expected_version=version)
    with pytest.raises(StaleObject):
        wf.dispatch_appeal(
            actor=world.dispatcher,
            appeal_id=appeal.pk,
            lead_unit_id=world.unit_a.pk,
            expected_version=version,
        )


def test_second_return_escalates_to_the_level_above(world, make_appeal) -> None:
    appeal, _ = make_appeal()
    for unit, handler in (
        (world.unit_a, world.handler_unit_a),
        (world.unit_b, world.handler_unit_b),
    ):
        wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=unit.pk)
        wf.return_order(actor=handler, order_id=lead(appeal).pk, reason="非本单位职责")
    appeal.refresh_from_db()
    assert appeal.returns == 2
    assert appeal.status == AppealStatus.DISPATCHED
    fallback = lead(appeal)
    assert fallback.unit == world.street_unit_n  # 属地兜底: the street of the place
    assert appeal.events.filter(kind=EventKind.ESCALATED).exists()


def test_only_the_units_own_staff_handle_its_orders(world, make_appeal) -> None:
    appeal, _ = make_appeal()
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    order = lead(appeal)
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        wf.sign_order(actor=world.handler_unit_b, order_id=order.pk)
    with pytest.raises(PermissionDenied):
        wf.dispatch_appeal(
            actor=world.handler_unit_a, appeal_id=appeal.pk, lead_unit_id=world.unit_b.pk
        )
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.PENDING


def test_whistle_with_three_units_each_reports_back(world, make_appeal) -> None:
    appeal, _ = make_appeal()
    wf.dispatch_appeal(
        actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.street_unit_n.pk
    )
    wf.sign_order(actor=world.street_north, order_id=lead(appeal).pk)
    orders = wf.blow_whistle(
        actor=world.street_north,
        appeal_id=appeal.pk,
        unit_ids=[world.unit_a.pk, world.unit_b.pk, world.dept.pk],
        note="路灯线路涉及多个部门",
    )
    assert len(orders) == 3
    assert all(o.role == WorkOrderRole.WHISTLE and o.due_at == lead(appeal).due_at for o in orders)
    for order, handler in zip(
        orders[:2], (world.handler_unit_a, world.handler_unit_b), strict=True
    ):
        wf.sign_order(actor=handler, order_id=order.pk)
        wf.reply_order(actor=handler, order_id=order.pk, text="已到场处置")
    assert appeal.events.filter(kind=EventKind.REPORTED).count() == 2
    with pytest.raises(PermissionDenied):
        wf.blow_whistle(
            actor=world.handler_unit_a,
            appeal_id=appeal.pk,
            unit_ids=[world.unit_b.pk],
            note="x" * 3,
        )


def test_accused_unit_can_never_be_dispatched_nor_see_the_accusation(world, make_appeal) -> None:
    appeal, _ = make_appeal(
        kind=AppealKind.XF_ACCUSATION,
        title="检举市住建局工作人员",
        body="市住建局某科室人员收受好处费，有转账记录。",
        accused_unit_ids=[world.unit_a.pk],
    )
    assert appeal.identity_confidential
    with pytest.raises(DomainError, match="被检举控告单位"):
        wf.dispatch_appeal(
            actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk
        )
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_b.pk,
        assist_unit_ids=[],
    )
    assert not Appeal.objects.visible_to(world.handler_unit_a).filter(pk=appeal.pk).exists()
    assert Appeal.objects.visible_to(world.handler_unit_b).filter(pk=appeal.pk).exists()


def test_docs_state_diagrams_are_generated_from_the_tables() -> None:
    from pathlib import Path

    from shegong.appeals.diagram import appeal_diagram, work_order_diagram

    doc = (Path(__file__).resolve().parents[3] / "docs" / "appeals.md").read_text(encoding="utf-8")
    assert appeal_diagram() in doc, (
        "run `python -m shegong.appeals.diagram` and update docs/appeals.md"
    )
    assert work_order_diagram() in doc


def test_accusation_against_a_unit_can_go_to_the_unit_above_it(world, make_appeal) -> None:
    from shegong.units import services as units

    committee = units.create_unit(
        actor=world.root,
        code="U-JW",
        name="北一居委会",
        kind="community",
        region_id=world.north_one.pk,
        parent_id=world.street_unit_n.pk,
    )
    appeal, _ = make_appeal(
        kind=AppealKind.XF_ACCUSATION,
        title="检举居委会",
        body="北一居委会违规发放补贴，有名单为证。",
        accused_unit_ids=[committee.pk],
    )
    with pytest.raises(DomainError):
        wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=committee.pk)
    wf.dispatch_appeal(
        actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.street_unit_n.pk
    )
    # The supervising street sees and signs it; the accused committee never sees it.
    wf.sign_order(actor=world.street_north, order_id=lead(appeal).pk)
    assert Appeal.objects.visible_to(world.street_north).filter(pk=appeal.pk).exists()
