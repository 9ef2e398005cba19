"""Adding and editing member records (姓名, 身份证号 → 出生日期 and 性别, stage at roster
entry, 流动党员, 新就业群体 platform, employer). The stage of a person entered as 入党申请人
comes from their development steps (``services.development``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index, plain
from shegong.core.roles import Cap

from ..choices import Education, EventKind, Stage, WorkerGroup
from ..models import DevelopmentEvent, Member
from .common import (
    clean_phone,
    employer_entity,
    parse_identity,
    platform_entity,
    visible_member,
    visible_organization,
)
from .development import check_step, next_due_changes, store_next_due

#: stages a record may start in: a roster member, or someone handing in an application
ENTRY_STAGES = (Stage.FULL, Stage.PROBATIONARY, Stage.APPLICANT)


@dataclass
class MemberInput:
    """What a form, the API or an import row says about a person (plain values)."""

    name: str
    id_number: str
    organization_id: int
    stage: str = Stage.FULL
    phone: str = ""
    ethnicity: str = ""
    education: str = ""
    applied_on: date | None = None
    admitted_on: date | None = None
    confirmed_on: date | None = None
    joined_branch_on: date | None = None
    is_floating: bool = False
    floating_destination: str = ""
    floating_since: date | None = None
    worker_group: str = ""
    platform_id: int | None = None
    employer_id: int | None = None
    employer_name: str = ""
    note: str = ""


def check_profile(
    data: MemberInput, *, today: date, stage_dates: bool = True
) -> list[tuple[str, str]]:
    """Every problem of the input as ``(field label, Chinese message)``; used by the form,
    the API and the import (which lists all problems of a row at once). An applicant's
    递交入党申请书 step is checked through the rules here too, so the import's dry run
    refuses what its commit would. ``stage_dates=False`` (the development steps own the
    stage and its dates) checks only identity and circumstances."""
    problems: list[tuple[str, str]] = []
    if not data.name.strip():
        problems.append(("姓名", "请填写姓名"))
    elif len(data.name.strip()) > 50:
        problems.append(("姓名", "姓名过长"))
    try:
        parse_identity(data.id_number, today=today)
    except DomainError as exc:
        problems.append(("身份证号", exc.message))
    try:
        clean_phone(data.phone)
    except DomainError as exc:
        problems.append(("手机号码", exc.message))
    if stage_dates:
        problems.extend(_stage_problems(data, today))
    if data.education and data.education not in Education.values:
        problems.append(("学历", "学历不在可选范围内"))
    if data.worker_group and data.worker_group not in WorkerGroup.values:
        problems.append(("新就业群体", "新就业群体类别不在可选范围内"))
    if data.platform_id and not data.worker_group:
        problems.append(("所属平台", "填写所属平台的，请同时选择新就业群体类别"))
    if data.is_floating and not data.floating_destination.strip():
        problems.append(("外出去向", "流动党员请填写外出去向"))
    if data.floating_since is not None and data.floating_since > today:
        problems.append(("外出日期", "外出日期不能晚于今天"))
    return problems


def _stage_problems(data: MemberInput, today: date) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if data.stage not in ENTRY_STAGES:
        problems.append(("发展阶段", "新建档案只能是正式党员、预备党员或入党申请人"))
    if data.stage in (Stage.FULL, Stage.PROBATIONARY):
        if data.admitted_on is None:
            problems.append(("入党日期", "请填写入党日期（支部大会接收为预备党员的日期）"))
        elif data.admitted_on > today:
            problems.append(("入党日期", "入党日期不能晚于今天"))
    if data.stage == Stage.FULL:
        if data.confirmed_on is None:
            problems.append(("转正日期", "正式党员请填写转正日期"))
        elif data.admitted_on is not None and data.confirmed_on < data.admitted_on:
            problems.append(("转正日期", "转正日期不能早于入党日期"))
        elif data.confirmed_on > today:
            problems.append(("转正日期", "转正日期不能晚于今天"))
    elif data.confirmed_on is not None:
        problems.append(("转正日期", "只有正式党员填写转正日期"))
    if data.stage == Stage.APPLICANT:
        if data.applied_on is None:
            problems.append(("递交入党申请日期", "入党申请人请填写递交入党申请书的日期"))
        else:
            violations = _apply_violations(data.id_number, data.applied_on, today)
            problems.extend(("递交入党申请日期", v) for v in violations)
    return problems


def _apply_violations(id_number: str, applied_on: date, today: date) -> list[str]:
    """The rules' reasons against the 递交入党申请书 step (age on the day, not in the
    future); nothing when the ID number is unreadable (reported on its own)."""
    try:
        identity = parse_identity(id_number, today=today)
    except DomainError:
        return []
    probe = Member(stage=Stage.APPLICANT, birth_date=identity.birth_date)
    return check_step(probe, [], EventKind.APPLY, applied_on)


def _raise_first(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise DomainError("；".join(f"{label}：{message}" for label, message in problems))


def _apply_profile(member: Member, actor: User, data: MemberInput, today: date) -> None:
    identity = parse_identity(data.id_number, today=today)
    member.name = data.name.strip()
    member.id_number = identity.number
    member.birth_date = identity.birth_date
    member.gender = identity.sex
    member.phone = clean_phone(data.phone)
    member.ethnicity = data.ethnicity.strip()[:20]
    member.education = data.education
    member.is_floating = data.is_floating
    member.floating_destination = data.floating_destination.strip() if data.is_floating else ""
    member.floating_since = data.floating_since if data.is_floating else None
    member.worker_group = data.worker_group
    member.platform = platform_entity(data.platform_id)
    member.employer = employer_entity(actor, data.employer_id)
    member.employer_name = data.employer_name.strip()[:200]
    member.note = data.note.strip()[:255]


def create_member(*, actor: User, data: MemberInput) -> Member:
    """A new record on a branch's roll: a roster member (正式/预备, with 入党/转正 dates), or
    an 入党申请人 (the 递交入党申请书 step is recorded with it, through the rules)."""
    require_capability(actor, Cap.MEMBERS_MANAGE, "您的角色不能维护党员信息")
    today = timezone.localdate()
    _raise_first(check_profile(data, today=today))
    org = visible_organization(actor, data.organization_id)
    if Member.objects.filter(id_number_bidx=blind_index("id_number", data.id_number)).exists():
        raise DomainError("该身份证号已有党员档案（同一人只能有一份档案）", code="duplicate")
    member = Member(organization=org)
    _apply_profile(member, actor, data, today)
    if data.stage == Stage.APPLICANT and data.applied_on is not None:
        # the applicant's first step goes through the rules like every other
        member.stage = Stage.APPLICANT
        member.applied_on = data.applied_on
        member.joined_branch_on = data.joined_branch_on or data.applied_on
    else:
        member.stage = data.stage
        member.roster_stage = data.stage
        member.applied_on = data.applied_on
        member.admitted_on = data.admitted_on
        member.confirmed_on = data.confirmed_on if data.stage == Stage.FULL else None
        member.joined_branch_on = data.joined_branch_on or data.admitted_on or today
    try:
        with transaction.atomic():
            member.save()
            if data.stage == Stage.APPLICANT and data.applied_on is not None:
                DevelopmentEvent.objects.create(
                    member=member,
                    kind=EventKind.APPLY,
                    on=data.applied_on,
                    decision_body=org.name[:100],
                    recorded_by=actor,
                )
            store_next_due(member)
            audit.record(
                "member_created",
                actor=actor,
                target=member,
                changes=audit.diff({}, audit.snapshot(member)),
            )
    except IntegrityError as exc:  # the unique blind index: a concurrent entry of the same ID
        raise DomainError(
            "该身份证号已有党员档案（同一人只能有一份档案）", code="duplicate"
        ) from exc
    return Member.objects.get(pk=member.pk)  # personal data read back wrapped (masked)


def update_member(*, actor: User, member_id: int, data: MemberInput) -> Member:
    """Edit a record's identity and circumstances. The branch (转接), the stage and its
    dates (发展党员 steps) are changed by their own services, not here. A blank name, ID
    number or phone keeps the stored value — except the 入党/转正
    dates of a roster member, which are corrections of the roster."""
    require_capability(actor, Cap.MEMBERS_MANAGE, "您的角色不能维护党员信息")
    today = timezone.localdate()
    with transaction.atomic():
        member = visible_member(actor, member_id, lock=True)
        data.organization_id = member.organization_id
        # Blank personal data = unchanged (the edit page never shows it whole).
        data.name = data.name or plain(member.name)
        data.id_number = data.id_number or plain(member.id_number)
        data.phone = data.phone or plain(member.phone)
        data.applied_on = data.applied_on or member.applied_on
        data.admitted_on = data.admitted_on or member.admitted_on
        data.confirmed_on = data.confirmed_on or member.confirmed_on
        data.stage = member.roster_stage or Stage.APPLICANT
        # Once steps are recorded (or for a person who entered as an applicant) the
        # development steps own the stage and its dates: they are neither checked against
        # the roster stage (a 预备党员 on the roster may since have been confirmed) nor written.
        roster_dates = bool(member.roster_stage) and not member.development_events.exists()
        _raise_first(check_profile(data, today=today, stage_dates=roster_dates))
        duplicate = (
            Member.objects.filter(id_number_bidx=blind_index("id_number", data.id_number))
            .exclude(pk=member.pk)
            .exists()
        )
        if duplicate:
            raise DomainError("该身份证号已有党员档案（同一人只能有一份档案）", code="duplicate")
        before = audit.snapshot(member)
        _apply_profile(member, actor, data, today)
        if roster_dates:
            member.admitted_on = data.admitted_on
            member.confirmed_on = data.confirmed_on if member.roster_stage == Stage.FULL else None
            member.applied_on = data.applied_on
        next_due_changes(member, list(member.development_events.order_by("on", "pk")))
        member.save()
        changes = audit.diff(before, audit.snapshot(member))
        if changes:
            audit.record("member_changed", actor=actor, target=member, changes=changes)
    return Member.objects.get(pk=member.pk)
