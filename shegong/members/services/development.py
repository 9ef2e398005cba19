"""发展党员: record a step (入党申请人 → 积极分子 → 发展对象 → 预备党员 → 正式党员, plus
延长预备期, 取消预备党员资格, 退出) through ``partyrules.development``.

The rules live in the library (``TRANSITIONS``, ``check_transition``); this module turns the
stored rows into the library's history and facts, refuses a step with every Chinese
violation the library finds, and otherwise writes the row, replays the history into
``Member.stage`` / ``applied_on`` / ``admitted_on`` / ``confirmed_on`` and audits, in one
transaction (the member row locked).

The app adds three edges of its own: the step's date is not in the future; 基层党委预审
(``PRE_REVIEW``, a step of the app that feeds the ADMIT fact ``pre_review_passed_on``) is
recorded for a 发展对象 only; and the 党委's decisions (预审, 审批) need
``Cap.MEMBERS_APPROVE`` held above the branch (``common.covers_above``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.calendar import get_calendar
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.lib.partyrules import development as dev
from shegong.lib.text import MAX_ID

from ..choices import APPROVAL_KINDS, Discipline, EventKind, Stage, Standing
from ..models import DevelopmentEvent, Member, MembersPolicy
from .common import covers_above, visible_member


class StepRefused(DomainError):
    """The rules refuse the step; ``violations`` are the library's Chinese messages."""

    code = "step_refused"

    def __init__(self, violations: Sequence[str]) -> None:
        super().__init__("；".join(violations))
        self.violations = list(violations)


@dataclass
class StepInput:
    kind: str
    on: date
    decision_body: str = ""
    document_ref: str = ""
    extension_months: int = 0
    training_hours: Decimal = Decimal(0)
    training_days: int = 0
    volunteer_form_issued_on: date | None = None
    publicity_first_day: date | None = None
    publicity_last_day: date | None = None
    leaving_unit_on: date | None = None
    special_case: bool = False
    people_ids: list[int] = field(default_factory=list)
    note: str = ""


#: the bounds of a step's numbers (the API schema and the form say the same)
MAX_EXTENSION_MONTHS = 24
MAX_TRAINING_DAYS = 365
MAX_TRAINING_HOURS = Decimal("9999.9")
MAX_PEOPLE = 10


def out_of_bounds(step: StepInput) -> list[str]:
    """Chinese reasons a step's numbers are outside what the record can hold."""
    out: list[str] = []
    if not 0 <= step.extension_months <= MAX_EXTENSION_MONTHS:
        out.append(f"延长预备期的月数应在 0 到 {MAX_EXTENSION_MONTHS} 之间")
    if not 0 <= step.training_days <= MAX_TRAINING_DAYS:
        out.append(f"培训天数应在 0 到 {MAX_TRAINING_DAYS} 之间")
    if not Decimal(0) <= step.training_hours <= MAX_TRAINING_HOURS:
        out.append(f"培训学时应在 0 到 {MAX_TRAINING_HOURS} 之间")
    if len(step.people_ids) > MAX_PEOPLE:
        out.append(f"介绍人/联系人最多选 {MAX_PEOPLE} 人")
    if any(not 1 <= pk <= MAX_ID for pk in step.people_ids):
        out.append("所选介绍人/联系人不存在或不在您的管辖范围内")
    return out


def library_policy(policy: MembersPolicy | None = None) -> dev.DevelopmentPolicy:
    policy = policy or MembersPolicy.current()
    return dev.DevelopmentPolicy(
        publicity_working_days=policy.publicity_working_days,
        training_min_hours=Decimal(policy.training_min_hours),
    )


def baseline(member: Member) -> list[dev.Event]:
    """A roster member's development before the platform knew them: the library's history
    up to 预备党员 (approved) on the 入党日期, and 转正 on the 转正日期 for a 正式党员."""
    if not member.roster_stage or member.admitted_on is None:
        return []
    on = member.admitted_on
    events = [
        dev.Event(dev.EventKind(kind), on)
        for kind in ("apply", "confirm_activist", "confirm_candidate", "admit", "approve")
    ]
    if member.roster_stage == Stage.FULL and member.confirmed_on is not None:
        events.append(dev.Event(dev.EventKind.CONFIRM_FULL, member.confirmed_on))
    return events


def history(member: Member, rows: Iterable[DevelopmentEvent]) -> list[dev.Event]:
    """The library's history: the roster baseline, then the recorded steps (预审 excluded:
    it is a fact of the 接收 step, not a stage step)."""
    out = baseline(member)
    for row in sorted(rows, key=lambda r: (r.on, r.pk or 0)):
        if row.kind == EventKind.PRE_REVIEW:
            continue
        out.append(dev.Event(dev.EventKind(row.kind), row.on, row.extension_months))
    return out


def _member_status(m: Member, subject: Member) -> dev.MemberStatus:
    if m.pk == subject.pk or m.standing not in (Standing.ACTIVE, Standing.TRANSFERRING):
        return dev.MemberStatus.OTHER
    if m.discipline == Discipline.PROBATION:
        return dev.MemberStatus.DISCIPLINED
    if m.stage == Stage.FULL:
        return dev.MemberStatus.FORMAL
    if m.stage == Stage.PROBATIONARY:
        return dev.MemberStatus.PROBATIONARY
    return dev.MemberStatus.OTHER


def _latest_pre_review(member: Member, rows: Sequence[DevelopmentEvent]) -> date | None:
    applies = [r.on for r in rows if r.kind == EventKind.APPLY]
    since = max(applies) if applies else date.min
    found = [r.on for r in rows if r.kind == EventKind.PRE_REVIEW and r.on >= since]
    return max(found) if found else None


def check_step(
    member: Member,
    rows: Sequence[DevelopmentEvent],
    kind: str,
    on: date,
    step: StepInput | None = None,
    people: Sequence[Member] = (),
) -> list[str]:
    """Every Chinese reason the step cannot be recorded (empty = allowed)."""
    step = step or StepInput(kind=kind, on=on)
    out: list[str] = []
    if on > timezone.localdate():
        out.append("步骤日期不能晚于今天")
    hist = history(member, rows)
    if kind == EventKind.PRE_REVIEW:
        stage = dev.stage_of(hist)
        if stage is not dev.Stage.CANDIDATE:
            out.append(f"{stage.label}不能进行“基层党委预审”（预审针对发展对象）")
        elif hist and on < max(e.on for e in hist):
            out.append("日期早于已记录的上一步骤")
        return out
    statuses = tuple(_member_status(p, member) for p in people)
    publicity = None
    if step.publicity_first_day and step.publicity_last_day:
        publicity = dev.Publicity(step.publicity_first_day, step.publicity_last_day)
    facts = dev.Facts(
        birth_date=member.birth_date,
        contacts=statuses if kind == EventKind.CONFIRM_ACTIVIST else (),
        sponsors=statuses if kind == EventKind.ADMIT else (),
        training_hours=step.training_hours,
        training_days=step.training_days,
        pre_review_passed_on=_latest_pre_review(member, rows),
        volunteer_form_issued_on=step.volunteer_form_issued_on,
        publicity=publicity,
        leaving_unit_on=step.leaving_unit_on,
        special_case=step.special_case,
    )
    violations = dev.check_transition(
        hist,
        dev.Event(dev.EventKind(kind), on, step.extension_months),
        facts,
        is_workday=get_calendar().is_workday,
        policy=library_policy(),
    )
    out.extend(v.message for v in violations)
    return out


def apply_replay(member: Member, rows: Sequence[DevelopmentEvent]) -> list[str]:
    """Set the stage and its dates from the replayed history; returns the fields changed."""
    hist = history(member, rows)
    stage = dev.stage_of(hist)
    changed: list[str] = []
    if stage is dev.Stage.NONE:
        return changed
    applies = [e.on for e in hist if e.kind is dev.EventKind.APPLY]
    current = [e for e in hist if e.on >= max(applies)] if applies else hist
    # The roster baseline's 申请 on the 入党日期 is a stand-in, not the real 递交入党申请日期:
    # only a recorded APPLY row replaces what the roster says.
    real_applies = [e.on for e in hist[len(baseline(member)) :] if e.kind is dev.EventKind.APPLY]
    admits = [e.on for e in current if e.kind is dev.EventKind.ADMIT]
    fulls = [e.on for e in current if e.kind is dev.EventKind.CONFIRM_FULL]
    values = {
        "stage": stage.value,
        "applied_on": max(real_applies) if real_applies else member.applied_on,
        "admitted_on": max(admits) if admits else None,
        # 党章 第七条: 党龄 counts from the day the probation ended (预备期满之日), not from
        # the day of the 支部大会 that confirmed it (normally a little later).
        "confirmed_on": dev.probation_end(current) if fulls else None,
    }
    for name, value in values.items():
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)
    return changed


def record_step(*, actor: User, member_id: int, step: StepInput) -> DevelopmentEvent:
    """Record one 发展党员 step, or refuse it (``StepRefused`` with every violation)."""
    require_capability(actor, Cap.MEMBERS_MANAGE, "您的角色不能记录发展党员步骤")
    if step.kind not in EventKind.values:
        raise DomainError("步骤不在可选范围内")
    with transaction.atomic():
        member = visible_member(actor, member_id, lock=True)
        if member.standing not in (Standing.ACTIVE, Standing.TRANSFERRING):
            raise DomainError("该人员已不在册，不能记录发展步骤")
        if step.kind in APPROVAL_KINDS:
            require_capability(actor, Cap.MEMBERS_APPROVE, "您的角色不能作党委审批")
            if not covers_above(actor, member.organization):
                raise PermissionDenied("预审和审批由上级党委作出，本支部管理员不能办理")
        if step.kind == EventKind.EXTEND_PROBATION and not step.extension_months:
            raise StepRefused(["请填写延长预备期的月数"])
        bounds = out_of_bounds(step)
        if bounds:
            raise StepRefused(bounds)
        people = list(
            Member.objects.visible_to(actor).filter(pk__in=step.people_ids).order_by("pk")
        )
        if len(people) != len(set(step.people_ids)):
            raise StepRefused(["所选介绍人/联系人不存在或不在您的管辖范围内"])
        rows = list(member.development_events.all())
        violations = check_step(member, rows, step.kind, step.on, step, people)
        if violations:
            raise StepRefused(violations)
        event = DevelopmentEvent.objects.create(
            member=member,
            kind=step.kind,
            on=step.on,
            decision_body=step.decision_body.strip()[:100],
            document_ref=step.document_ref.strip()[:100],
            extension_months=step.extension_months,
            training_hours=step.training_hours,
            training_days=step.training_days,
            pre_review_passed_on=step.on if step.kind == EventKind.PRE_REVIEW else None,
            volunteer_form_issued_on=step.volunteer_form_issued_on,
            publicity_first_day=step.publicity_first_day,
            publicity_last_day=step.publicity_last_day,
            leaving_unit_on=step.leaving_unit_on,
            special_case=step.special_case,
            note=step.note.strip()[:255],
            recorded_by=actor,
        )
        event.people.set(people)
        before = audit.snapshot(member, ("stage", "applied_on", "admitted_on", "confirmed_on"))
        changed = apply_replay(member, [*rows, event])
        changed += next_due_changes(member, [*rows, event])
        if changed:
            member.save(update_fields=[*changed, "updated_at"])
        audit.record(
            "member_development_recorded",
            actor=actor,
            target=member,
            changes={
                "step": [None, event.get_kind_display()],
                "on": [None, step.on.isoformat()],
                **audit.diff(before, audit.snapshot(member, tuple(before))),
            },
            note=step.note.strip()[:255],
        )
    return event


@dataclass(frozen=True)
class PipelineRow:
    member: Member
    deadlines: list[dev.Deadline]

    @property
    def next(self) -> dev.Deadline | None:
        return self.deadlines[0] if self.deadlines else None


def deadlines_of(
    member: Member,
    rows: Sequence[DevelopmentEvent],
    today: date,
    policy: dev.DevelopmentPolicy | None = None,
) -> list[dev.Deadline]:
    """The open deadlines of ``member``; pass ``policy`` (:func:`library_policy`) when
    asking for many members, so the policy row is read once."""
    try:
        return dev.next_deadlines(history(member, rows), today, policy or library_policy())
    except ValueError:
        return []


def next_due_changes(
    member: Member,
    rows: Sequence[DevelopmentEvent],
    policy: dev.DevelopmentPolicy | None = None,
) -> list[str]:
    """Set ``next_due_on`` / ``next_due_code`` to the nearest open deadline of ``rows``
    (the same ``deadlines_of`` the pages show; a due date does not depend on today, only
    ``days_left`` does); returns the fields changed, for the caller's save. ``policy``
    (:func:`library_policy`) for a caller doing this for many members."""
    deadlines = deadlines_of(member, rows, timezone.localdate(), policy)
    values = {
        "next_due_on": deadlines[0].due if deadlines else None,
        "next_due_code": deadlines[0].code if deadlines else "",
    }
    changed: list[str] = []
    for name, value in values.items():
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)
    return changed


def store_next_due(member: Member) -> None:
    """Recompute and save the stored next deadline of a saved member (inside the caller's
    transaction): for every writer of the history or the roster dates."""
    changed = next_due_changes(member, list(member.development_events.order_by("on", "pk")))
    if changed:
        member.save(update_fields=changed)


#: the page's order: overdue and nearest first, people without a deadline last, then pk
PIPELINE_ORDER = (F("next_due_on").asc(nulls_last=True), "pk")

PIPELINE_LIMIT = 2000


def pipeline(
    members: Iterable[Member], today: date, policy: dev.DevelopmentPolicy | None = None
) -> list[PipelineRow]:
    """The people on the path (申请人 … 预备党员) with their open deadlines, in the order
    given (the callers order in SQL by ``PIPELINE_ORDER`` before paginating); the policy
    is read once (or given by a caller that calls this many times)."""
    chosen = list(members)
    policy = policy or library_policy()
    by_member: dict[int, list[DevelopmentEvent]] = {m.pk: [] for m in chosen}
    for row in DevelopmentEvent.objects.filter(member__in=[m.pk for m in chosen]).order_by(
        "on", "pk"
    ):
        by_member[row.member_id].append(row)
    return [PipelineRow(m, deadlines_of(m, by_member[m.pk], today, policy)) for m in chosen]
