"""Many new member records at once (a large roster import, the demo at metro size).

``bulk_create_members`` does what ``people.create_member`` does for each row — the same
checks (``check_profile``, the branch in the actor's scope, one record per ID number), the
same row (``_apply_profile`` and the stage rules), the 递交入党申请书 step of an applicant,
the stored next deadline (``next_due_changes`` over the same events) and the same
``member_created`` audit event with the same snapshot — but in batches: ids reserved up
front, one multi-row INSERT per batch, one append of the batch's events to the audit chain
(``audit.record_many``, one lock of the chain head). A batch is one transaction: a problem
in any row refuses the whole batch (earlier batches stay), with the row's number."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.db import bulk_insert, reserve_ids
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.pii import blind_index
from shegong.core.roles import Cap
from shegong.lib.partyrules import development as dev
from shegong.organizations.models import PartyOrganization

from ..choices import EventKind, Stage
from ..models import DevelopmentEvent, Member
from .common import visible_organization
from .development import library_policy, next_due_changes
from .people import MemberInput, _apply_profile, check_profile

BATCH = 2000
DUPLICATE = "该身份证号已有党员档案（同一人只能有一份档案）"


def bulk_create_members(
    *, actor: User, rows: Sequence[MemberInput], batch_size: int = BATCH
) -> list[int]:
    """Create a record per row, in order; returns their ids. ``DomainError`` names the
    first bad row (1-based, counted over all ``rows``); its batch is not written."""
    require_capability(actor, Cap.MEMBERS_MANAGE, "您的角色不能维护党员信息")
    today = timezone.localdate()
    policy = library_policy()
    orgs: dict[int, PartyOrganization] = {}
    ids: list[int] = []
    for start in range(0, len(rows), batch_size):
        ids += _batch(actor, rows[start : start + batch_size], start, today, policy, orgs)
    return ids


def _fail(row: int, message: str, code: str = "invalid") -> DomainError:
    return DomainError(f"第 {row} 条：{message}", code=code)


def _batch(
    actor: User,
    rows: Sequence[MemberInput],
    offset: int,
    today: date,
    policy: dev.DevelopmentPolicy,
    orgs: dict[int, PartyOrganization],
) -> list[int]:
    keys: dict[str, int] = {}
    for i, data in enumerate(rows, start=offset + 1):
        problems = check_profile(data, today=today)
        if problems:
            raise _fail(i, "；".join(f"{label}：{message}" for label, message in problems))
        key = blind_index("id_number", data.id_number)
        if key in keys:
            raise _fail(i, f"{DUPLICATE}（与第 {keys[key]} 条重复）", "duplicate")
        keys[key] = i
    taken = set(
        Member.objects.filter(id_number_bidx__in=list(keys)).values_list(
            "id_number_bidx", flat=True
        )
    )
    if taken:
        first = min(keys[k] for k in taken)
        raise _fail(first, DUPLICATE, "duplicate")
    members: list[Member] = []
    events: list[DevelopmentEvent] = []
    for i, data in enumerate(rows, start=offset + 1):
        org = orgs.get(data.organization_id)
        if org is None:
            try:
                org = visible_organization(actor, data.organization_id)
            except DomainError as exc:
                raise _fail(i, exc.message, exc.code) from exc
            orgs[org.pk] = org
        member = Member(organization=org)
        try:
            _apply_profile(member, actor, data, today)
        except DomainError as exc:
            raise _fail(i, exc.message, exc.code) from exc
        rows_of_member: list[DevelopmentEvent] = []
        if data.stage == Stage.APPLICANT and data.applied_on is not None:
            member.stage = Stage.APPLICANT
            member.applied_on = data.applied_on
            member.joined_branch_on = data.joined_branch_on or data.applied_on
            event = DevelopmentEvent(
                member=member,
                kind=EventKind.APPLY,
                on=data.applied_on,
                decision_body=org.name[:100],
                recorded_by=actor,
            )
            rows_of_member.append(event)
            events.append(event)
        else:
            member.stage = data.stage
            member.roster_stage = data.stage
            member.applied_on = data.applied_on
            member.admitted_on = data.admitted_on
            member.confirmed_on = data.confirmed_on if data.stage == Stage.FULL else None
            member.joined_branch_on = data.joined_branch_on or data.admitted_on or today
        next_due_changes(member, rows_of_member, policy)
        members.append(member)
    try:
        with transaction.atomic():
            for member, pk in zip(members, reserve_ids(Member, len(members)), strict=True):
                member.pk = member.id = pk
            bulk_insert(Member, members)
            for event in events:
                event.member_id = event.member.pk
            DevelopmentEvent.objects.bulk_create(events)
            audit.record_many(
                [
                    audit.Entry(
                        "member_created",
                        actor=actor,
                        target=m,
                        changes=audit.diff({}, audit.snapshot(m)),
                    )
                    for m in members
                ]
            )
    except IntegrityError as exc:  # a concurrent entry of the same ID number
        raise DomainError(DUPLICATE, code="duplicate") from exc
    return [m.pk for m in members]
