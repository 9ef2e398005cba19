"""Training, award and evaluation records (志愿服务记录与证明出具办法 第八至十条).

志愿服务条例 第十九条 lists what a volunteer's record holds: 个人基本信息、志愿服务情况、
培训情况、表彰奖励情况、评价情况. The service records are the hours ledger
(``ledger.py``); this module writes the other three:

- 第八条 training: 名称、主要内容、学习时长、举办单位、日期 (``add_training``);
- 第九条 awards: 名称、日期、授予单位; a government award at county level or higher is
  recorded once the volunteer has provided proof (``add_award`` needs ``proof_note``);
- 第十条 evaluation: 服务质量评价 and 评价日期 by the organising team, per confirmed
  sign-up or for a named service (``add_evaluation``). The hours-based star level stays
  as it is (``ledger.py``); evaluations are shown next to it.
- 第十三条 corrections on the volunteer's request: ``correct_record`` edits the row,
  increments ``revision`` and audits old/new (``audit.snapshot``/``diff``) with the
  reason; ``void_record`` marks it 作废 with a reason — nothing is deleted.
- 第十一条: service and evaluation records are due within 10 working days of the service;
  the entry time and the event date are both kept and ``mark_lateness`` flags late
  evaluations (never blocking). 第十一条 sets no limit for training or award records.

Capabilities: training and award records need ``volunteers.manage``, evaluations
``volunteers.activities`` (the organising team); correcting or voiding needs the same
capability as adding that kind.

Scope: each record keeps ``recorder_unit`` (the recording team's unit, else the recording
person's unit — imports too). Every row is loaded through ``visible_to(actor)``, i.e.
``RECORD_SCOPE``: the volunteer's residence region is in the actor's region, or the
recording unit (or the recording team's unit) is in the actor's unit subtree. The same rule
governs corrections and voiding; team membership — current or ended — grants nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap

from ..choices import (
    PROOF_LEVELS,
    AttendanceState,
    AwardLevel,
    EvaluationRating,
    RecordKind,
    RecordStatus,
    SignupStatus,
)
from ..models import (
    AwardRecord,
    EvaluationRecord,
    Signup,
    Team,
    TrainingRecord,
    Volunteer,
)
from .common import clean_hours, get_policy

logger = logging.getLogger(__name__)

# Any: the concrete record models share fields mypy cannot see on the abstract base.
MODELS: dict[str, Any] = {
    RecordKind.TRAINING: TrainingRecord,
    RecordKind.AWARD: AwardRecord,
    RecordKind.EVALUATION: EvaluationRecord,
}
CAPABILITY: dict[str, str] = {
    RecordKind.TRAINING: Cap.VOLUNTEERS_MANAGE,
    RecordKind.AWARD: Cap.VOLUNTEERS_MANAGE,
    RecordKind.EVALUATION: Cap.VOLUNTEER_ACTIVITIES,
}
DENIED: dict[str, str] = {
    RecordKind.TRAINING: "您的角色不能登记培训记录",
    RecordKind.AWARD: "您的角色不能登记表彰奖励记录",
    RecordKind.EVALUATION: "您的角色不能进行服务评价",
}
# Fields a correction may change, per kind (the volunteer, team and links stay).
EDITABLE: dict[str, tuple[str, ...]] = {
    RecordKind.TRAINING: ("title", "content", "hours", "organizer", "held_on"),
    RecordKind.AWARD: ("title", "awarded_on", "grantor", "level", "government", "proof_note"),
    RecordKind.EVALUATION: ("rating", "comment", "evaluated_on"),
}
MAX_TRAINING_HOURS = Decimal("1000")


def record_model(kind: str) -> Any:
    try:
        return MODELS[kind]
    except KeyError:
        raise DomainError("记录类型不正确") from None


def _text(value: Any, label: str, max_length: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(f"请填写{label}")
    if len(text) > max_length:
        raise DomainError(f"{label}不能超过{max_length}个字")
    return text


def _day(value: Any, label: str) -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise DomainError(f"请填写正确的{label}") from None
    if day > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天")
    return day


def _study_hours(value: Any) -> Decimal:
    try:
        return clean_hours(value, maximum=MAX_TRAINING_HOURS)
    except DomainError:
        raise DomainError(f"学习时长应为大于0且不超过{MAX_TRAINING_HOURS}的小时数") from None


def _clean(kind: str, data: dict[str, Any], *, current: Any = None) -> dict[str, Any]:
    """Validate the editable fields of ``kind``; with ``current`` (a correction) missing
    fields keep the stored value."""

    def get(name: str) -> Any:
        if name in data:
            return data[name]
        return getattr(current, name) if current is not None else None

    if kind == RecordKind.TRAINING:
        return {
            "title": _text(get("title"), "培训名称", 120),
            "content": _text(get("content"), "主要内容", 255),
            "hours": _study_hours(get("hours")),
            "organizer": _text(get("organizer"), "举办单位", 100),
            "held_on": _day(get("held_on"), "培训日期"),
        }
    if kind == RecordKind.AWARD:
        level = str(get("level") or AwardLevel.OTHER)
        if level not in AwardLevel.values:
            raise DomainError("授予级别不正确")
        government = bool(get("government"))
        proof = _text(get("proof_note"), "证明材料", 255, required=False)
        if government and level in PROOF_LEVELS and not proof:
            # 第九条: 县级以上人民政府及其部门的表彰奖励, recorded once proof is provided.
            raise DomainError(
                "县级以上人民政府及其部门的表彰奖励，须志愿者提供证明后记录，请填写证明材料"
            )
        return {
            "title": _text(get("title"), "表彰奖励名称", 120),
            "awarded_on": _day(get("awarded_on"), "表彰日期"),
            "grantor": _text(get("grantor"), "授予单位", 100),
            "level": level,
            "government": government,
            "proof_note": proof,
        }
    rating = str(get("rating") or "")
    if rating not in EvaluationRating.values:
        raise DomainError("请选择服务质量评价（优秀、良好、合格、不合格）")
    default_day = current.evaluated_on if current is not None else timezone.localdate()
    evaluated_on = _day(get("evaluated_on") or default_day, "评价日期")
    service_date = data.get("service_date") or (current.service_date if current else None)
    if service_date is not None and evaluated_on < service_date:
        raise DomainError("评价日期不能早于服务日期")
    return {
        "rating": rating,
        "comment": _text(get("comment"), "评语", 255, required=False),
        "evaluated_on": evaluated_on,
    }


def _recorder(actor: User, team: Team | None) -> str:
    if team is not None:
        return team.name
    unit = getattr(actor, "unit", None)
    return (unit.name if unit is not None else get_policy().issuer_name)[:100]


def _recorder_unit(actor: User, team: Team | None) -> Any:
    """The unit that made the record: the team's unit, else the actor's (may be None for a
    city-wide account without a unit)."""
    if team is not None and team.unit_id is not None:
        return team.unit
    return getattr(actor, "unit", None)


def _visible_team(actor: User, team_id: int | None) -> Team | None:
    if not team_id:
        return None
    team = Team.objects.visible_to(actor).filter(pk=team_id).first()
    if team is None:
        raise DomainError("队伍不存在或不在您的管辖范围内")
    return team


def _visible_volunteer(actor: User, volunteer_id: int) -> Volunteer:
    volunteer = Volunteer.objects.visible_to(actor).filter(pk=volunteer_id).first()
    if volunteer is None:
        raise DomainError("志愿者不存在或不在您的管辖范围内")
    return volunteer


def _create(kind: str, *, actor: User, row: Any, team: Team | None) -> Any:
    row.team = team
    row.recorder_name = _recorder(actor, team)
    row.recorder_unit = _recorder_unit(actor, team)
    row.recorded_at = timezone.now()
    row.recorded_by = actor
    try:
        with transaction.atomic():  # savepoint: a concurrent evaluation of the same sign-up
            row.save(force_insert=True)
    except IntegrityError as exc:
        # The only constraint a valid input can hit is vol_one_eval_per_signup (a second,
        # concurrent evaluation of the same sign-up); anything else is unexpected.
        if kind == RecordKind.EVALUATION and getattr(row, "signup_id", None) is not None:
            raise DomainError("该次服务已评价，如需修改请更正原评价") from None
        logger.warning("volunteer %s record not saved: integrity error: %s", kind, exc)
        raise DomainError("记录保存失败，请检查填写的内容后重试") from None
    audit.record(
        f"volunteer_{kind}_recorded",
        actor=actor,
        target=row,
        changes={"volunteer": row.volunteer_id, **audit.snapshot(row, EDITABLE[kind])},
    )
    return row


def add_training(
    *, actor: User, volunteer_id: int, team_id: int | None = None, **fields: Any
) -> TrainingRecord:
    """Record a training (第八条): ``title``, ``content``, ``hours``, ``organizer``,
    ``held_on``."""
    require_capability(actor, CAPABILITY[RecordKind.TRAINING], DENIED[RecordKind.TRAINING])
    data = _clean(RecordKind.TRAINING, fields)
    with transaction.atomic():
        volunteer = _visible_volunteer(actor, volunteer_id)
        team = _visible_team(actor, team_id)
        row = TrainingRecord(volunteer=volunteer, **data)
        return _create(RecordKind.TRAINING, actor=actor, row=row, team=team)


def add_award(
    *, actor: User, volunteer_id: int, team_id: int | None = None, **fields: Any
) -> AwardRecord:
    """Record an award (第九条): ``title``, ``awarded_on``, ``grantor``, ``level``,
    ``government``, ``proof_note`` (required for a county-level or higher government
    award)."""
    require_capability(actor, CAPABILITY[RecordKind.AWARD], DENIED[RecordKind.AWARD])
    data = _clean(RecordKind.AWARD, fields)
    with transaction.atomic():
        volunteer = _visible_volunteer(actor, volunteer_id)
        team = _visible_team(actor, team_id)
        row = AwardRecord(volunteer=volunteer, **data)
        return _create(RecordKind.AWARD, actor=actor, row=row, team=team)


def add_evaluation(
    *,
    actor: User,
    rating: str,
    signup_id: int | None = None,
    volunteer_id: int | None = None,
    title: str = "",
    service_date: date | str | None = None,
    team_id: int | None = None,
    comment: str = "",
    evaluated_on: date | str | None = None,
) -> EvaluationRecord:
    """Evaluate a volunteer's service (第十条): a confirmed sign-up (``signup_id``: the
    activity, its team and the slot's date are taken from it; one valid evaluation per
    sign-up) or a service named by ``volunteer_id``, ``title`` and ``service_date``."""
    require_capability(actor, CAPABILITY[RecordKind.EVALUATION], DENIED[RecordKind.EVALUATION])
    with transaction.atomic():
        if signup_id is not None:
            signup = (
                Signup.objects.visible_to(actor)
                .select_related("slot__activity__team")
                .filter(pk=signup_id)
                .first()
            )
            if signup is None:
                raise DomainError("报名记录不存在或不在您的管辖范围内")
            if signup.status != SignupStatus.CONFIRMED or (
                signup.attendance != AttendanceState.CONFIRMED
            ):
                raise DomainError("只能评价已确认服务时长的报名")
            if EvaluationRecord.objects.filter(signup=signup, status=RecordStatus.VALID).exists():
                raise DomainError("该次服务已评价，如需修改请更正原评价")
            activity = signup.slot.activity
            day = timezone.localtime(signup.slot.starts_at).date()
            data = _clean(
                RecordKind.EVALUATION,
                {
                    "rating": rating,
                    "comment": comment,
                    "evaluated_on": evaluated_on,
                    "service_date": day,
                },
            )
            team: Team | None = activity.team
            row = EvaluationRecord(
                volunteer_id=signup.volunteer_id,
                signup=signup,
                activity=activity,
                title=activity.title,
                service_date=day,
                **data,
            )
        else:
            if volunteer_id is None:
                raise DomainError("请选择志愿者或报名记录")
            volunteer = _visible_volunteer(actor, volunteer_id)
            day = _day(service_date, "服务日期")
            data = _clean(
                RecordKind.EVALUATION,
                {
                    "rating": rating,
                    "comment": comment,
                    "evaluated_on": evaluated_on,
                    "service_date": day,
                },
            )
            row = EvaluationRecord(
                volunteer=volunteer,
                title=_text(title, "服务项目", 120),
                service_date=day,
                **data,
            )
            team = _visible_team(actor, team_id)
        return _create(RecordKind.EVALUATION, actor=actor, row=row, team=team)


def _load_for_update(kind: str, *, actor: User, record_id: int) -> Any:
    """The row, locked, if ``actor`` may change it: ``RECORD_SCOPE`` (the volunteer's
    residence region, or the recording unit / team's unit) — never through a membership."""
    model = record_model(kind)
    row = (
        model.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=record_id).first()
    )
    if row is None:
        raise DomainError("记录不存在或不在您的管辖范围内")
    if row.status != RecordStatus.VALID:
        raise DomainError("该记录已作废，不能更改")
    return row


def correct_record(*, actor: User, kind: str, record_id: int, reason: str, **changes: Any) -> Any:
    """Correct a record on the volunteer's request (第十三条): the changed fields are
    checked like a new record, ``revision`` goes up, and the audit event carries the
    old and new values (``audit.diff``) and the reason. A certificate that printed the
    old revision reports itself superseded."""
    record_model(kind)
    require_capability(actor, CAPABILITY[kind], DENIED[kind])
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写更正原因（如志愿者申请更正的事由）")
    unknown = set(changes) - set(EDITABLE[kind])
    if unknown:
        raise DomainError("这些内容不能更正：" + "、".join(sorted(unknown)))
    with transaction.atomic():
        row = _load_for_update(kind, actor=actor, record_id=record_id)
        before = audit.snapshot(row, EDITABLE[kind])
        data = _clean(kind, changes, current=row)
        for name, value in data.items():
            setattr(row, name, value)
        after = audit.snapshot(row, EDITABLE[kind])
        changed = audit.diff(before, after)
        if not changed:
            raise DomainError("没有需要更正的内容")
        row.revision += 1
        row.save(update_fields=[*data, "revision"])
        audit.record(
            f"volunteer_{kind}_corrected",
            actor=actor,
            target=row,
            changes={**changed, "revision": [row.revision - 1, row.revision]},
            note=reason[:255],
        )
    return row


def void_record(*, actor: User, kind: str, record_id: int, reason: str) -> Any:
    """作废 a record (第十三条): the row stays, marked voided with the reason."""
    record_model(kind)
    require_capability(actor, CAPABILITY[kind], DENIED[kind])
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写作废原因")
    with transaction.atomic():
        row = _load_for_update(kind, actor=actor, record_id=record_id)
        row.status = RecordStatus.VOIDED
        row.voided_at = timezone.now()
        row.voided_by = actor
        row.void_reason = reason[:255]
        row.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
        audit.record(
            f"volunteer_{kind}_voided",
            actor=actor,
            target=row,
            changes={"status": [RecordStatus.VALID, RecordStatus.VOIDED]},
            note=reason[:255],
        )
    return row


def mark_lateness(rows: Iterable[Any]) -> list[Any]:
    """Set ``record_due`` (the service date + the policy's working days, 第十一条) and
    ``recorded_late`` on each evaluation (display only — a late record is never refused).
    第十一条 covers service and evaluation records only: other rows get
    ``record_due=None`` and ``recorded_late=False``."""
    from shegong.core.calendar import get_calendar

    rows = list(rows)
    days = get_policy().record_deadline_working_days
    calendar = get_calendar()
    dues: dict[date, date] = {}
    for row in rows:
        evaluation = isinstance(row, EvaluationRecord)  # (a flag: keeps ``row`` as Any)
        if not evaluation:
            row.record_due = None
            row.recorded_late = False
            continue
        event = row.event_date
        if event not in dues:
            dues[event] = calendar.add_working_days(event, days).end_date
        row.record_due = dues[event]
        row.recorded_late = timezone.localtime(row.recorded_at).date() > dues[event]
    return rows


def records_of(volunteer: Volunteer, queryset: models.QuerySet[Any]) -> list[Any]:
    """The volunteer's rows of ``queryset`` (already scoped), newest first, with
    lateness marked (evaluations only)."""
    return mark_lateness(queryset.filter(volunteer=volunteer).select_related("team"))
