"""督办 and 领导批示 (挂牌督办): instructions on appeals with deadlines and progress reports.

Overdue progress escalates once per report period (compare-and-swap on ``escalated_for``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User, staff_user
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.notify import notify
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.units.models import Unit

from ..choices import EventKind, WorkOrderRole, WorkOrderStatus
from ..models import Appeal, Supervision, SupervisionReport
from .common import acts_for_unit, department_users, event


def _lead_units(appeals: list[Appeal]) -> list[Unit]:
    units: list[Unit] = []
    for appeal in appeals:
        order = (
            appeal.work_orders.filter(
                role=WorkOrderRole.LEAD,
                status__in=[
                    WorkOrderStatus.PENDING,
                    WorkOrderStatus.SIGNED,
                    WorkOrderStatus.REPLIED,
                ],
            )
            .select_related("unit")
            .order_by("-dispatched_at")
            .first()
        )
        if order is not None:
            units.append(order.unit)
    return units


def create_supervision(
    *,
    actor: User,
    appeal_ids: list[int],
    title: str,
    instruction: str,
    deadline: datetime,
    report_every_days: int = 7,
    now: datetime | None = None,
) -> Supervision:
    require_capability(actor, Cap.APPEALS_SUPERVISE, "只有领导或部门管理员可以督办")
    now = now or timezone.now()
    title, instruction = (title or "").strip(), (instruction or "").strip()
    if not title or len(instruction) < 4:
        raise DomainError("请填写督办事项和批示内容")
    if deadline <= now:
        raise DomainError("办结期限应晚于现在")
    if not 1 <= report_every_days <= 90:
        raise DomainError("进展报告间隔应为1至90天")
    appeals = list(
        Appeal.objects.visible_to(actor).filter(pk__in=appeal_ids).select_related("region")
    )
    if not appeals or len(appeals) != len(set(appeal_ids)):
        raise DomainError("请选择您管辖范围内的诉求")
    with transaction.atomic():
        regions = [a.region for a in appeals]
        common = regions[0]
        for region in regions[1:]:
            while not region.path.startswith(common.path) and common.parent_id:
                common = common.parent
        item = Supervision.objects.create(
            title=title,
            instruction=instruction,
            leader=actor,
            region=common,
            deadline=deadline,
            report_every_days=report_every_days,
            next_report_due=min(deadline, now + timedelta(days=report_every_days)),
            created_at=now,
        )
        item.appeals.set(appeals)
        for appeal in appeals:
            event(
                appeal,
                EventKind.SUPERVISED,
                actor=actor,
                at=now,
                note=f"挂牌督办「{title}」：{instruction}（{timezone.localtime(deadline):%Y-%m-%d}前办结，"
                f"每{report_every_days}天报告进展）",
                clock_due_at=deadline,
            )
        units = _lead_units(appeals)
        notify(
            get_user_model().objects.filter(unit__in=units),
            f"督办：{title}",
            instruction,
            url=f"/appeals/supervisions/{item.pk}/",
            level="warning",
        )
        audit.record(
            "supervision_created",
            actor=actor,
            target=item,
            at=now,
            changes={"appeals": [a.number for a in appeals], "deadline": deadline},
        )
    return item


def report_progress(
    *, actor: User | AnonymousUser, supervision_id: int, text: str, now: datetime | None = None
) -> SupervisionReport:
    actor = staff_user(actor)
    now = now or timezone.now()
    text = (text or "").strip()
    if len(text) < 4:
        raise DomainError("请填写进展情况")
    with transaction.atomic():
        item = (
            Supervision.objects.visible_to(actor)
            .select_for_update()
            .filter(pk=supervision_id)
            .first()
        )
        if item is None:
            raise DomainError("督办事项不存在或不在您的管辖范围内", code="not_found")
        if not item.is_open:
            raise DomainError("督办事项已结束")
        units = _lead_units(list(item.appeals.all()))
        if not actor.has_capability(Cap.APPEALS_DISPATCH) and not any(
            acts_for_unit(actor, u) for u in units
        ):
            raise DomainError("只有承办单位可以报告进展")
        report = SupervisionReport.objects.create(
            supervision=item,
            unit=getattr(actor, "unit", None),
            text=text,
            reported_by=actor,
            at=now,
        )
        item.next_report_due = min(item.deadline, now + timedelta(days=item.report_every_days))
        item.save(update_fields=["next_report_due"])
        for appeal in item.appeals.all():
            event(
                appeal,
                EventKind.SUPERVISION_REPORTED,
                actor=actor,
                at=now,
                note=f"督办「{item.title}」进展：{text}",
            )
        audit.record("supervision_reported", actor=actor, target=item, at=now)
    return report


def close_supervision(
    *, actor: User | AnonymousUser, supervision_id: int, note: str, now: datetime | None = None
) -> Supervision:
    actor = staff_user(actor)
    require_capability(actor, Cap.APPEALS_SUPERVISE, "只有领导或部门管理员可以结束督办")
    now = now or timezone.now()
    with transaction.atomic():
        item = (
            Supervision.objects.visible_to(actor)
            .select_for_update()
            .filter(pk=supervision_id)
            .first()
        )
        if item is None or not item.is_open:
            raise DomainError("督办事项不存在或已结束")
        item.closed_at = now
        item.closing_note = (note or "").strip()
        item.save(update_fields=["closed_at", "closing_note"])
        audit.record("supervision_closed", actor=actor, target=item, at=now, note=item.closing_note)
    return item


def escalate_overdue_reports(now: datetime | None = None) -> int:
    """Progress report overdue → the leader and the department are told, once per period."""
    now = now or timezone.now()
    count = 0
    overdue = Supervision.objects.filter(closed_at__isnull=True, next_report_due__lt=now)
    for item in overdue.select_related("leader").iterator(chunk_size=200):
        with transaction.atomic():
            won = (
                Supervision.objects.filter(pk=item.pk, next_report_due=item.next_report_due)
                .exclude(escalated_for=item.next_report_due)
                .update(escalated_for=item.next_report_due)
            )
            if won != 1:
                continue
            people = [
                item.leader,
                *department_users(),
            ]
            notify(
                people,
                f"督办进展逾期：{item.title}",
                f"应于 {timezone.localtime(item.next_report_due):%Y-%m-%d %H:%M} 前报告进展",
                url=f"/appeals/supervisions/{item.pk}/",
                level="danger",
            )
            for appeal in item.appeals.all():
                event(
                    appeal,
                    EventKind.ESCALATED,
                    actor=None,
                    at=now,
                    note=f"督办「{item.title}」进展报告逾期，已报告领导",
                    clock_due_at=item.next_report_due,
                    clock_met=False,
                )
            audit.record(
                "supervision_escalated",
                actor=None,
                target=item,
                at=now,
                changes={"report_due": item.next_report_due},
            )
        count += 1
    return count
