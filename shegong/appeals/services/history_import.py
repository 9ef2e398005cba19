"""Bulk import of finished appeal history (an older system's closed cases, the demo's past).

``import_history(actor=…, records=[…])`` writes, for many appeals at once, the rows the
step-by-step services would have written for the same history — the intake rows
(``intake._prepare`` / ``intake._write_rows``: petitioner, appeal with its number and
triage clock, registration event), then for each step the same field changes, version
bumps, work orders with their sign and handle deadlines from the appeal's policy and the
work calendar (``policies.compute_deadline``, as ``workflow._new_order``), timeline events
(``common.build_event``, same notes and clocks) and audit entries (same actions and
changes), the assessment fact of the reply (``assessment.record_reply``) — and the state
machine is walked with ``next_appeal_status`` / ``next_order_status``, so an impossible
history is refused exactly where the services would refuse it. Rows go in with
``reserve_ids`` + ``bulk_insert`` in batches, the whole call in one transaction; the audit
entries of the call are appended in time order through ``audit.record_many`` (chained by
``core.audit`` itself, one lock of the chain head per batch).

What it does not do, on purpose: no SMS and no in-app notifications (they told people about
a moment that is long past), no ``appeals_registered`` hook (closed appeals are not
triaged). The steps it knows: accept, reject / redirect / forward, dispatch (主办 + 协办),
sign, handling note, reply (主办 answer or 协办 report), the clock job's warning and
close. Histories with 退单, 延期 or 吹哨 go through the services one step at a time.

The clock jobs (``services.clocks``) write a 临期提醒 for an order still open inside its
warning window, breaches and escalations for one past its deadline or an appeal undecided
past the triage clock. A warning is part of the history (the ``Warn`` step, at the moment
the job ran: ``warned_at`` and the WARNED event, as the job writes them); a breach is not
supported — every order must be answered by its ``due_at`` and the appeal decided by its
``triage_due_at``, otherwise the record is refused (DomainError naming it): import such an
appeal through the services, where the clock jobs record the breach.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.db import bulk_insert, reserve_ids
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.regions.models import Region
from shegong.units.models import Unit

from ..choices import EventKind
from ..models import Appeal, AppealEvent, AssessmentFact, WorkOrder
from . import assessment, intake, policies
from .history_steps import (
    Accept,
    Close,
    Decide,
    Dispatch,
    HistoryStep,
    Note,
    Replay,
    Reply,
    Sign,
    Warn,
    apply_step,
)

__all__ = [
    "Accept",
    "Close",
    "Decide",
    "Dispatch",
    "HistoryRecord",
    "HistoryStep",
    "Note",
    "Reply",
    "Sign",
    "Warn",
    "import_history",
]

BATCH = 400  # appeals per round of inserts


@dataclass
class HistoryRecord:
    """One appeal's finished history: the submission as registered and its steps in order."""

    data: intake.IntakeData
    registered_by: User | None
    registered_at: datetime
    steps: list[HistoryStep] = field(default_factory=list)
    proxied: bool = False
    # The caller's already-loaded ``data.region_id`` row (saves a query per appeal).
    region: Region | None = None


def import_history(*, actor: User, records: Sequence[HistoryRecord]) -> list[Appeal]:
    """Write ``records`` (finished appeals) in one transaction; returns the appeals in order.
    Raises ``IntakeError`` for an invalid submission and ``DomainError`` /
    ``TransitionNotAllowed`` / ``PermissionDenied`` for a step the services would refuse."""
    require_capability(actor, Cap.APPEALS_DISPATCH, "您的角色不能导入诉求办理历史")
    for kind in {record.data.kind for record in records}:
        # Outside a transaction this fills the process's policy cache (policies.py), which
        # intake's validation then reads for every record instead of querying.
        policies._versions_of(kind)
    units: dict[int, Unit] = {}
    appeals: list[Appeal] = []
    entries: list[tuple[datetime, int, audit.Entry]] = []
    with transaction.atomic():
        for start in range(0, len(records), BATCH):
            chunk = records[start : start + BATCH]
            for replay in _import_chunk(chunk, start, units):
                appeals.append(replay.appeal)
                for entry in replay.entries:
                    assert entry.at is not None
                    entries.append((entry.at, len(entries), entry))
        entries.sort(key=lambda item: (item[0], item[1]))
        ordered = [entry for _, _, entry in entries]
        for start in range(0, len(ordered), 2000):
            audit.record_many(ordered[start : start + 2000])
    return appeals


def _import_chunk(
    records: Sequence[HistoryRecord], first_index: int, units: dict[int, Unit]
) -> list[Replay]:
    prepared = [
        intake._prepare(
            actor=record.registered_by,
            data=record.data,
            idempotency_key=None,
            now=record.registered_at,
            proxied=record.proxied,
            region=record.region,
        )
        for record in records
    ]
    wanted = {
        unit_id
        for record in records
        for step in record.steps
        for unit_id in _unit_ids(step)
        if unit_id not in units
    }
    if wanted:
        units.update({u.pk: u for u in Unit.objects.filter(pk__in=wanted)})
    rows = intake._write_rows(prepared)
    replays: list[Replay] = []
    for i, (record, item, appeal) in enumerate(zip(records, prepared, rows, strict=True)):
        if item.accused:
            appeal.accused_units.set(item.accused)
        for rep in item.data.representatives:
            appeal.representatives.add(
                intake.Petitioner.objects.create(
                    name=rep["name"].strip(),
                    phone=rep.get("phone", ""),
                    id_number=rep.get("id_number", ""),
                )
            )
        replay = Replay(first_index + i, appeal)
        replay.entries.append(intake._audit_entry(item, appeal))
        previous = record.registered_at
        for step in record.steps:
            if step.at < previous:
                raise replay.fail("办理步骤的时间早于上一步")
            previous = step.at
            apply_step(replay, step, units)
        if appeal.is_open:
            raise replay.fail("只能导入已经结束的诉求（办结、不予受理、告知或转送）")
        _check_clocks(replay)
        replays.append(replay)
    orders = [order for replay in replays for order in replay.orders]
    for order, pk in zip(orders, reserve_ids(WorkOrder, len(orders)), strict=True):
        order.pk = pk
    bulk_insert(WorkOrder, orders)
    events = [e for replay in replays for e in replay.events]
    for e in events:
        if e.work_order is not None:  # built before the order had its id
            e.work_order_id = e.work_order.pk
    bulk_insert(AppealEvent, events)
    now = timezone.now()
    for replay in replays:
        appeal = replay.appeal
        fields = sorted(replay.appeal_fields)
        values = {name: getattr(appeal, name) for name in fields}
        appeal.updated_at = now
        Appeal.objects.filter(pk=appeal.pk).update(
            version=appeal.version, updated_at=now, **_db_values(appeal, values)
        )
    _record_replies([r for r in replays if r.lead_reply is not None])
    return replays


def _record_replies(replays: list[Replay]) -> None:
    """``assessment.record_reply`` for many first replies: the facts in one insert, the
    unit-month counters moved once per unit and month by the sum of the facts'
    contributions (what one ``record_reply`` per fact adds up to)."""
    facts: list[AssessmentFact] = []
    for replay in replays:
        order, appeal = replay.lead_reply, replay.appeal
        assert order is not None
        assert order.replied_at is not None
        facts.append(
            AssessmentFact(
                appeal=appeal,
                round=order.round,
                unit_id=order.unit_id,
                region_path=appeal.region.path,
                replied_at=order.replied_at,
                month=assessment.month_of(order.replied_at),
                due_at=order.due_at,
                on_time=order.due_at is None or order.replied_at <= order.due_at,
            )
        )
    bulk_insert(AssessmentFact, facts)
    totals: dict[tuple[int, date], Counter[str]] = {}
    for fact in facts:
        totals.setdefault((fact.unit_id, fact.month), Counter()).update(
            assessment.contribution(fact)
        )
    for (unit_id, month), delta in totals.items():
        assessment._apply(unit_id, month, dict(delta))


def _db_values(appeal: Appeal, values: dict[str, object]) -> dict[str, object]:
    """Foreign keys by their column (``lead_unit`` → ``lead_unit_id``)."""
    out: dict[str, object] = {}
    for name, value in values.items():
        model_field = appeal._meta.get_field(name)
        if model_field.is_relation:
            out[f"{name}_id"] = getattr(appeal, f"{name}_id")
        else:
            out[name] = value
    return out


def _unit_ids(step: HistoryStep) -> list[int]:
    if isinstance(step, Dispatch):
        return [step.lead_unit_id, *step.assist_unit_ids]
    if isinstance(step, Sign | Note | Reply | Warn):
        return [step.unit_id]
    return []


def _check_clocks(replay: Replay) -> None:
    """Refuse a history in which the clock jobs would have recorded a breach (they write
    rows — events, audit, escalation — at moments the import cannot know)."""
    appeal = replay.appeal
    decided = [
        e.at
        for e in replay.events
        if e.kind
        in (
            EventKind.ACCEPTED,
            EventKind.DISPATCHED,
            EventKind.REJECTED,
            EventKind.REDIRECTED,
            EventKind.FORWARDED,
        )
    ]
    if appeal.triage_due_at is not None and (not decided or decided[0] > appeal.triage_due_at):
        raise replay.fail("受理/告知超过期限（定时任务会记录超期），请通过办理服务逐步导入")
    for order in replay.orders:
        if order.due_at is None:
            continue
        ended = order.replied_at or order.closed_at
        if ended is None or ended > order.due_at:
            raise replay.fail(
                "工单超过办理期限才答复（定时任务会记录超期并升级），请通过办理服务逐步导入"
            )
