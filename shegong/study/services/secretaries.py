"""党组织书记 (带头人): profiles, 述职评议 results, and the department's two lists — branches
without a secretary and secretaries short of training.

A secretary is an ``organizations.CommitteeMember`` with post 书记 and no ``ended_on`` (the
organizations app records 换届, 增补 and 离任); ``SecretaryProfile`` links that row to the
person's ``Member`` record so the training hours come from ``StudyRecord``. Visibility follows
the organization (``PartyOrganization.objects.visible_to``) and the study capability.

Short of training (``training_gaps``; docs/study.md "书记培训不足"):

* ``unlinked``  — no member record is linked, so no hours can be counted;
* ``behind``    — this year's hours are below the leaders' requirement pro rata over the
  completed months (``progress.expected_by``);
* ``last_year`` — the secretary was in post on 31 December last year and last year's hours are
  below the yearly requirement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.members.models import Member
from shegong.organizations.choices import CommitteePost, OrgStatus
from shegong.organizations.models import CommitteeMember, PartyOrganization

from ..choices import ReviewGrade
from ..models import SecretaryProfile, SecretaryReview, StudyRecord
from .common import (
    current_policy,
    require_manage,
    require_superior,
    visible_orgs,
    year_window,
)
from .progress import Progress, expected_by, hours_by_member, progress


def visible_committee(user: User) -> QuerySet[CommitteeMember]:
    """Committee rows of the organizations in the user's scope (study capability required)."""
    if not user.has_capability(Cap.STUDY_VIEW):
        return CommitteeMember.objects.none()
    return CommitteeMember.objects.filter(organization__in=visible_orgs(user).values("pk"))


def visible_secretaries(user: User) -> QuerySet[CommitteeMember]:
    """Secretaries in post, in scope, of active organizations."""
    return (
        visible_committee(user)
        .filter(
            post=CommitteePost.SECRETARY,
            ended_on__isnull=True,
            organization__status=OrgStatus.ACTIVE,
        )
        .select_related("organization", "organization__region", "study_profile__member")
        .order_by("organization__path", "pk")
    )


def _load_post(actor: User, committee_member_id: int) -> CommitteeMember:
    post = (
        visible_committee(actor)
        .select_for_update(of=("self",))
        .filter(pk=committee_member_id)
        .select_related("organization")
        .first()
    )
    if post is None:
        raise DomainError("班子成员不存在或不在您的管辖范围内", code="not_found")
    return post


def link_member(
    *, actor: User, committee_member_id: int, member_id: int | None, note: str = ""
) -> SecretaryProfile:
    """Link a secretary's (or committee member's) post to the person's member record; ``None``
    unlinks. The member must be a party member on the roll of the same organization."""
    require_manage(actor)
    with transaction.atomic():
        post = _load_post(actor, committee_member_id)
        require_superior(actor, post.organization, "关联书记的党员档案")
        if member_id is not None:
            ok = (
                Member.objects.visible_to(actor)
                .party_members()
                .filter(pk=member_id, organization_id=post.organization_id)
                .exists()
            )
            if not ok:
                raise DomainError("请选择本组织名册上的党员")
        profile, _ = SecretaryProfile.objects.get_or_create(committee_member=post)
        before = profile.member_id
        profile.member_id = member_id
        profile.note = note.strip()[:255]
        profile.save(update_fields=["member", "note", "updated_at"])
        audit.record(
            "secretary_member_linked",
            actor=actor,
            target=post.organization,
            changes={"committee_member": post.pk, "member": [before, member_id]},
        )
    return profile


def record_review(
    *,
    actor: User,
    committee_member_id: int,
    year: int,
    grade: str,
    evaluator: str,
    comments: str = "",
    reviewed_on: date | None = None,
) -> SecretaryReview:
    """Enter (or correct) one year's 述职评议 result of a secretary."""
    require_manage(actor)
    if grade not in ReviewGrade.values:
        raise DomainError("请选择评议等次")
    evaluator = evaluator.strip()
    if not evaluator:
        raise DomainError("请填写评议主体（如街道党工委）")
    today = timezone.localdate()
    reviewed_on = reviewed_on or today
    if reviewed_on > today:
        raise DomainError("评议日期不能晚于今天")
    if not 2000 <= year <= today.year:
        raise DomainError("评议年度不正确")
    with transaction.atomic():
        post = _load_post(actor, committee_member_id)
        require_superior(actor, post.organization, "述职评议")
        if post.post != CommitteePost.SECRETARY:
            raise DomainError("述职评议只登记党组织书记")
        if post.started_on.year > year:
            raise DomainError("该年度尚未任职，不能登记述职评议")
        review, created = SecretaryReview.objects.update_or_create(
            committee_member=post,
            year=year,
            defaults={
                "grade": grade,
                "evaluator": evaluator[:100],
                "comments": comments.strip(),
                "reviewed_on": reviewed_on,
                "recorded_by": actor,
            },
        )
        audit.record(
            "secretary_review_recorded" if created else "secretary_review_corrected",
            actor=actor,
            target=post.organization,
            changes={"committee_member": post.pk, "year": year, "grade": grade},
        )
    return review


@dataclass
class SecretaryRow:
    post: CommitteeMember
    member: Member | None
    this_year: Progress | None
    last_year: Progress | None
    reasons: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    @property
    def organization(self) -> PartyOrganization:
        return self.post.organization


def _in_post_on(post: CommitteeMember, on: date) -> bool:
    return post.started_on <= on and (post.ended_on is None or post.ended_on >= on)


def secretary_rows(
    posts: list[CommitteeMember], *, today: date | None = None
) -> list[SecretaryRow]:
    """Each secretary with this and last year's training and the reasons they are short."""
    today = today or timezone.localdate()
    policy = current_policy()
    year = today.year
    members: dict[int, Member | None] = {}
    for post in posts:
        profile = getattr(post, "study_profile", None)
        members[post.pk] = profile.member if profile is not None else None
    ids = [m.pk for m in members.values() if m is not None]
    now_hours = hours_by_member(ids, year)
    last_hours = hours_by_member(ids, year - 1)
    rows = []
    for post in posts:
        member = members[post.pk]
        if member is None:
            row = SecretaryRow(post, None, None, None)
            row.codes.append("unlinked")
            row.reasons.append("未关联党员档案，培训学时无法统计")
            rows.append(row)
            continue
        now = progress(now_hours[member.pk], year, leader=True, policy=policy, today=today)
        last = progress(last_hours[member.pk], year - 1, leader=True, policy=policy, today=today)
        row = SecretaryRow(post, member, now, last)
        if not now.on_track:
            row.codes.append("behind")
            row.reasons.append(f"本年进度落后：应达{now.expected}学时，已学{now.done}学时")
        if _in_post_on(post, date(year - 1, 12, 31)) and not last.met:
            row.codes.append("last_year")
            row.reasons.append(f"{year - 1}年未达标：{last.done}/{last.required}学时")
        rows.append(row)
    return rows


def _hours_in(year: int) -> Coalesce:
    """The linked member's hours in ``year`` (a sub-select per secretary row; 0 without any)."""
    start, end = year_window(year)
    total = (
        StudyRecord.objects.filter(
            member_id=OuterRef("study_profile__member_id"),
            studied_on__gte=start,
            studied_on__lte=end,
        )
        .values("member_id")
        .annotate(total=Sum("hours"))
        .values("total")[:1]
    )
    money = DecimalField(max_digits=12, decimal_places=1)
    return Coalesce(Subquery(total, output_field=money), Value(Decimal(0)), output_field=money)


def gap_posts(user: User, *, today: date | None = None) -> QuerySet[CommitteeMember]:
    """Secretaries in scope who are short of training (see the module's docstring), as a
    queryset to page: the same three tests as ``secretary_rows``, in the database."""
    today = today or timezone.localdate()
    required = current_policy().leader_hours
    year = today.year
    last_end = date(year - 1, 12, 31)
    return (
        visible_secretaries(user)
        .annotate(now_hours=_hours_in(year), last_hours=_hours_in(year - 1))
        .filter(
            Q(study_profile__member__isnull=True)
            | Q(now_hours__lt=expected_by(required, year, today))
            | (
                Q(started_on__lte=last_end, last_hours__lt=required)
                & (Q(ended_on__isnull=True) | Q(ended_on__gte=last_end))
            )
        )
    )


def training_gaps(user: User, *, today: date | None = None) -> list[SecretaryRow]:
    """Secretaries in scope who are short of training, with their reasons (all of them: for a
    page of them, ``secretary_rows`` over a page of ``gap_posts``)."""
    return [r for r in secretary_rows(list(gap_posts(user, today=today)), today=today) if r.codes]


def lacking_secretary(user: User) -> QuerySet[PartyOrganization]:
    """Active organizations in scope with no secretary in post."""
    require_capability(user, Cap.STUDY_VIEW)
    in_post = CommitteeMember.objects.filter(
        organization=OuterRef("pk"), post=CommitteePost.SECRETARY, ended_on__isnull=True
    )
    return (
        visible_orgs(user)
        .filter(status=OrgStatus.ACTIVE)
        .filter(~Exists(in_post))
        .select_related("region")
        .order_by("path")
    )


def reviews_of(post: CommitteeMember) -> QuerySet[SecretaryReview]:
    return SecretaryReview.objects.filter(committee_member=post).order_by("-year")


def history_of(user: User, post: CommitteeMember) -> list[tuple[int, Decimal]]:
    """Hours of the linked member in each of the last three years (newest first)."""
    profile = getattr(post, "study_profile", None)
    if profile is None or profile.member_id is None:
        return []
    year = timezone.localdate().year
    return [
        (y, hours_by_member([profile.member_id], y)[profile.member_id])
        for y in range(year, year - 3, -1)
    ]
