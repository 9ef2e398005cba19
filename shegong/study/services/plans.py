"""The writers of 理论学习: plans, sessions, attendance → records, individual records.

Every function checks the capability, loads what it changes through the actor's scope, writes
the rows and one audit event in one transaction. A branch plan or session belongs to an
organization in the actor's scope; one without an organization belongs to the department's
own cadres and only city-wide staff write it (``common.require_department``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.members.models import Member

from ..choices import INDIVIDUAL_KINDS, SESSION_KINDS, StudyKind
from ..models import StudyPlan, StudyRecord, StudySession
from .common import (
    MAX_RECORD_HOURS,
    MAX_SESSION_HOURS,
    cadres,
    check_hours,
    load_org,
    require_department,
    require_manage,
)

YEAR_RANGE = (2000, 2100)


def _require_writer(actor: User, org_id: int | None) -> None:
    if org_id is None:
        require_department(actor)
    else:
        require_manage(actor)


def _check_year(year: int) -> None:
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise DomainError("年度不正确")


def _check_date(on: date) -> None:
    if on > timezone.localdate():
        raise DomainError("学习日期不能晚于今天")
    _check_year(on.year)


def create_plan(
    *,
    actor: User,
    org_id: int | None,
    year: int,
    title: str,
    content: str = "",
    planned_hours: Decimal = Decimal(0),
) -> StudyPlan:
    """A branch's (``org_id``) or the department cadres' (``org_id=None``) plan for a year."""
    _require_writer(actor, org_id)
    title = title.strip()
    if not title:
        raise DomainError("请填写计划名称")
    _check_year(year)
    if planned_hours < 0 or planned_hours > 1000:
        raise DomainError("计划学时应在0到1000之间")
    with transaction.atomic():
        if org_id is None:
            require_department(actor)
            org = None
        else:
            require_manage(actor)
            org = load_org(actor, org_id)
        plan = StudyPlan.objects.create(
            organization=org,
            year=year,
            title=title,
            content=content.strip(),
            planned_hours=planned_hours,
            created_by=actor,
        )
        audit.record(
            "study_plan_created",
            actor=actor,
            target=plan,
            changes={"organization": org_id, "year": year, "title": title},
        )
    return plan


def create_session(
    *,
    actor: User,
    org_id: int | None,
    kind: str,
    topic: str,
    held_on: date,
    hours: Decimal,
    plan_id: int | None = None,
    speaker: str = "",
    materials: str = "",
) -> StudySession:
    """A collective study (专题学习, 研讨交流, 党课) of a branch or of the department's cadres."""
    _require_writer(actor, org_id)
    topic = topic.strip()
    if kind not in SESSION_KINDS:
        raise DomainError("请选择集体学习形式：专题学习、研讨交流或党课")
    if not topic:
        raise DomainError("请填写学习主题")
    _check_date(held_on)
    check_hours(hours, limit=MAX_SESSION_HOURS, what="学时")
    with transaction.atomic():
        if org_id is None:
            require_department(actor)
            org = None
        else:
            require_manage(actor)
            org = load_org(actor, org_id)
        plan = None
        if plan_id is not None:
            plan = StudyPlan.objects.visible_to(actor).filter(pk=plan_id).first()
            if plan is None or plan.organization_id != org_id:
                raise DomainError("所选学习计划不属于该党组织")
        session = StudySession.objects.create(
            organization=org,
            plan=plan,
            kind=kind,
            topic=topic,
            held_on=held_on,
            hours=hours,
            speaker=speaker.strip(),
            materials=materials.strip(),
            created_by=actor,
        )
        audit.record(
            "study_session_created",
            actor=actor,
            target=session,
            changes={"organization": org_id, "kind": kind, "topic": topic, "held_on": held_on},
        )
    return session


def record_attendance(
    *,
    actor: User,
    session_id: int,
    member_ids: list[int] | None = None,
    user_ids: list[int] | None = None,
) -> StudySession:
    """Set who was present: one ``StudyRecord`` with the session's hours per person present.

    Recording again replaces the set (people added get a record, people removed lose the
    session's record); a branch session takes party members on the branch's roll, a department
    session takes the department's cadres. Idempotent.
    """
    require_manage(actor)
    wanted_members = set(member_ids or [])
    wanted_users = set(user_ids or [])
    with transaction.atomic():
        session = (
            StudySession.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=session_id)
            .first()
        )
        if session is None:
            raise DomainError("集体学习不存在或不在您的管辖范围内", code="not_found")
        if session.organization_id is None:
            require_department(actor)
            if wanted_members:
                raise DomainError("部机关干部学习只登记机关干部")
            allowed = set(cadres().filter(pk__in=wanted_users).values_list("pk", flat=True))
            if allowed != wanted_users:
                raise DomainError("所选人员中有非部机关干部的账号")
        else:
            if wanted_users:
                raise DomainError("支部集体学习只登记本支部党员")
            allowed = set(
                Member.objects.party_members()
                .filter(organization_id=session.organization_id, pk__in=wanted_members)
                .values_list("pk", flat=True)
            )
            if allowed != wanted_members:
                raise DomainError("所选人员中有不在本支部党员名册上的人")
        existing = list(session.records.order_by("pk"))
        have_members = {r.member_id for r in existing if r.member_id is not None}
        have_users = {r.user_id for r in existing if r.member_id is None}
        gone_rows = [
            r
            for r in existing
            if (r.member_id is not None and r.member_id not in wanted_members)
            or (r.member_id is None and r.user_id not in wanted_users)
        ]
        gone = [r.pk for r in gone_rows]
        StudyRecord.objects.filter(pk__in=gone).delete()
        title = f"{session.get_kind_display()}：{session.topic}"[:200]
        new = [
            StudyRecord(
                member_id=m,
                kind=session.kind,
                title=title,
                studied_on=session.held_on,
                hours=session.hours,
                session=session,
                recorded_by=actor,
            )
            for m in sorted(wanted_members - have_members)
        ] + [
            StudyRecord(
                user_id=u,
                kind=session.kind,
                title=title,
                studied_on=session.held_on,
                hours=session.hours,
                session=session,
                recorded_by=actor,
            )
            for u in sorted(wanted_users - have_users)
        ]
        StudyRecord.objects.bulk_create(new)
        session.attendance_recorded_at = timezone.now()
        session.save(update_fields=["attendance_recorded_at"])
        audit.record(
            "study_attendance_recorded",
            actor=actor,
            target=session,
            changes={
                "present": len(wanted_members) + len(wanted_users),
                "hours": str(session.hours),
                # whose hours changed: the people given the session's hours, and the people
                # whose record of it was removed (with the hours they lost)
                "added_members": sorted(wanted_members - have_members),
                "added_users": sorted(wanted_users - have_users),
                "removed_members": [
                    {"member": r.member_id, "hours": str(r.hours)}
                    for r in gone_rows
                    if r.member_id is not None
                ],
                "removed_users": [
                    {"user": r.user_id, "hours": str(r.hours)}
                    for r in gone_rows
                    if r.member_id is None
                ],
            },
        )
    return session


def add_record(
    *,
    actor: User,
    kind: str,
    title: str,
    studied_on: date,
    hours: Decimal,
    member_id: int | None = None,
    user_id: int | None = None,
) -> StudyRecord:
    """An individual record (集中培训, 网络学习, 个人自学) of a member in the actor's scope, or of
    a department cadre (city-wide staff; a cadre may also record their own learning)."""
    if member_id is not None or user_id != actor.pk:
        require_manage(actor)
    else:
        require_capability(actor, Cap.STUDY_VIEW, "您的角色不能登记学习")
    title = title.strip()
    if kind not in INDIVIDUAL_KINDS:
        raise DomainError("请选择学习形式：集中培训、网络学习或个人自学")
    if not title:
        raise DomainError("请填写学习内容")
    if (member_id is None) == (user_id is None):
        raise DomainError("请选择一名党员或一名机关干部")
    _check_date(studied_on)
    check_hours(hours, limit=MAX_RECORD_HOURS, what="学时")
    with transaction.atomic():
        if member_id is not None:
            require_manage(actor)
            member = Member.objects.visible_to(actor).on_roll().filter(pk=member_id).first()
            if member is None:
                raise DomainError("党员不存在、不在册或不在您的管辖范围内", code="not_found")
        else:
            if user_id != actor.pk:
                require_department(actor)
            if user_id is None or not cadres().filter(pk=user_id).exists():
                raise DomainError("只能为部机关干部登记个人学习")
        record = StudyRecord.objects.create(
            member_id=member_id,
            user_id=user_id,
            kind=StudyKind(kind),
            title=title,
            studied_on=studied_on,
            hours=hours,
            recorded_by=actor,
        )
        audit.record(
            "study_record_added",
            actor=actor,
            target=record,
            changes={
                "member": member_id,
                "user": user_id,
                "kind": kind,
                "studied_on": studied_on,
                "hours": hours,
            },
        )
    return record


def delete_record(*, actor: User, record_id: int) -> None:
    """Remove an individual record entered by mistake (session records change through the
    session's attendance)."""
    require_manage(actor)
    with transaction.atomic():
        record = (
            StudyRecord.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=record_id)
            .first()
        )
        if record is None:
            raise DomainError("学习记录不存在或不在您的管辖范围内", code="not_found")
        if record.session_id is not None:
            raise DomainError("集体学习的记录请在出席登记中修改")
        audit.record(
            "study_record_deleted",
            actor=actor,
            target=record,
            changes={
                "member": record.member_id,
                "user": record.user_id,
                "studied_on": record.studied_on,
                "hours": record.hours,
            },
        )
        record.delete()
