"""Demo data of the study app (issue 15), made through its services; see ``party.py``.

For a sample of branches (all of them at small size, a few hundred at city and metro size;
the administered ones, the demo secretary's among them, always)
over last year and this year: a plan, a collective study each quarter (专题学习, 研讨交流,
党课) with attendance, individual records, and the secretaries: most linked to a member of
their branch with enough training, some short of it, some not linked; last year's 述职评议;
and a few branches whose secretary has left (so the department's "缺书记" list is not
empty). Branches without member records (the members generator may have made none) get
plans and sessions without attendance. The department's cadres get a plan and sessions too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from shegong.accounts.models import User
from shegong.members.models import Member
from shegong.organizations.choices import CommitteePost, OrgKind, OrgStatus
from shegong.organizations.models import CommitteeMember, OrgAdministrator, PartyOrganization
from shegong.organizations.services import orgs as org_services
from shegong.study.choices import ReviewGrade
from shegong.study.services import plans, secretaries
from shegong.study.services.common import cadres

BRANCHES = {"small": 24, "city": 200, "metro": 600}
TOPICS = (
    ("topic", "学习贯彻党的二十届历次全会精神"),
    ("seminar", "围绕基层治理开展研讨交流"),
    ("lecture", "书记讲党课：做合格共产党员"),
    ("topic", "学习《中国共产党支部工作条例（试行）》"),
)
SELF_TITLES = (
    ("online", "“学习强国”平台专题学习"),
    ("self", "自学《习近平谈治国理政》"),
    ("training", "街道党工委党员冬训"),
)
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)


def _quarter_days(year: int, today: date) -> list[date]:
    """The 15th of the middle month of each quarter that is over (or in the past)."""
    return [d for d in (date(year, m, 15) for m in (2, 5, 8, 11)) if d < today]


def _branch(root: User, org: PartyOrganization, rng: random.Random, today: date) -> tuple[int, int]:
    members = list(
        Member.objects.party_members().filter(organization=org).values_list("pk", flat=True)
    )
    sessions = records = 0
    for year in (today.year - 1, today.year):
        plan = plans.create_plan(
            actor=root,
            org_id=org.pk,
            year=year,
            title=f"{year}年度党员学习教育计划",
            content="每季度至少一次集体学习；党员个人自学与网络学习相结合。",
            planned_hours=Decimal(32),
        )
        for i, day in enumerate(_quarter_days(year, today)):
            kind, topic = TOPICS[i % len(TOPICS)]
            session = plans.create_session(
                actor=root,
                org_id=org.pk,
                plan_id=plan.pk,
                kind=kind,
                topic=topic,
                held_on=day,
                hours=Decimal(rng.choice(("2", "3", "4"))),
            )
            sessions += 1
            if members:
                present = [m for m in members if rng.random() < 0.85]
                plans.record_attendance(actor=root, session_id=session.pk, member_ids=present)
                records += len(present)
        for member_id in members:
            for _ in range(rng.choice((0, 1, 2, 3))):
                kind, title = rng.choice(SELF_TITLES)
                start = date(year, 1, 1)
                span = ((today if year == today.year else date(year, 12, 31)) - start).days
                plans.add_record(
                    actor=root,
                    member_id=member_id,
                    kind=kind,
                    title=title,
                    studied_on=start + timedelta(days=rng.randint(0, max(span, 0))),
                    hours=Decimal(rng.randint(4, 16)),
                )
                records += 1
    return sessions, records


def _secretary(root: User, post: CommitteeMember, rng: random.Random, today: date) -> None:
    if post.started_on.year <= today.year - 1:
        grade = rng.choices(list(ReviewGrade.values), weights=(5, 3, 1, 0.3))[0]
        secretaries.record_review(
            actor=root,
            committee_member_id=post.pk,
            year=today.year - 1,
            grade=grade,
            evaluator="街道党工委",
            comments="抓党建工作责任落实，组织生活规范。",
            reviewed_on=date(today.year, 1, 20) if today >= date(today.year, 1, 20) else today,
        )
    members = list(
        Member.objects.party_members()
        .filter(organization_id=post.organization_id)
        .values_list("pk", flat=True)
    )
    if not members or rng.random() < 0.15:
        return  # no member record linked: "学时无法统计"
    member_id = rng.choice(members)
    secretaries.link_member(actor=root, committee_member_id=post.pk, member_id=member_id)
    diligent = rng.random() < 0.7
    for year in (today.year - 1, today.year):
        if year == today.year and today.month == 1:
            continue
        last_day = today - timedelta(days=1)
        target = Decimal(60) if diligent else Decimal(rng.randint(10, 40))
        if year == today.year:
            target = target * (today.month - 1) / 12 + 2
        plans.add_record(
            actor=root,
            member_id=member_id,
            kind="training",
            title="基层党组织书记培训班",
            studied_on=date(year, 11, 20) if year < today.year else last_day,
            hours=min(target.quantize(Decimal(1)), Decimal(200)),
        )


def _department(root: User, rng: random.Random, today: date) -> int:
    people = list(cadres().values_list("pk", flat=True))
    count = 0
    for year in (today.year - 1, today.year):
        plan = plans.create_plan(
            actor=root,
            org_id=None,
            year=year,
            title=f"{year}年度部机关理论学习计划",
            content="部务会集体学习、支部党课和专题研讨。",
            planned_hours=Decimal(32),
        )
        for i, day in enumerate(_quarter_days(year, today)):
            kind, topic = TOPICS[(i + 1) % len(TOPICS)]
            session = plans.create_session(
                actor=root,
                org_id=None,
                plan_id=plan.pk,
                kind=kind,
                topic=topic,
                held_on=day,
                hours=Decimal(4),
            )
            present = [u for u in people if rng.random() < 0.9]
            if present:
                plans.record_attendance(actor=root, session_id=session.pk, user_ids=present)
            count += 1
    return count


def _chosen(size_name: str, rng: random.Random) -> list[PartyOrganization]:
    """The sample of branches with study: the administered ones first (whoever logs in as
    the demo's secretary finds their branch's plan and hours, as in 组织生活), the rest drawn
    at random."""
    active = PartyOrganization.objects.filter(status=OrgStatus.ACTIVE, kind__in=BRANCH_KINDS)
    branches = list(active.order_by("pk"))
    # (a subquery, not a list of ~24,000 ids at metro size)
    administered = set(
        OrgAdministrator.objects.filter(organization__in=active).values_list(
            "organization_id", flat=True
        )
    )
    limit = BRANCHES.get(size_name, 24)
    first = [o for o in branches if o.pk in administered][:limit]
    rest = [o for o in branches if o.pk not in administered]
    return first + rng.sample(rest, min(len(rest), limit - len(first)))


def generate(size_name: str, *, rng: random.Random, log: Callable[[str], object]) -> None:
    root = (
        User.objects.filter(username="admin").first()
        or User.objects.filter(is_superuser=True).first()
    )
    if root is None:
        log("理论学习：没有管理员账号，跳过")
        return
    today = timezone.localdate()
    chosen = _chosen(size_name, rng)
    sessions = records = 0
    for org in chosen:
        s, r = _branch(root, org, rng, today)
        sessions += s
        records += r
    posts = list(
        CommitteeMember.objects.filter(
            organization__in=[o.pk for o in chosen],
            post=CommitteePost.SECRETARY,
            ended_on__isnull=True,
        ).order_by("pk")
    )
    leaving = set(rng.sample(range(len(posts)), max(1, len(posts) // 12))) if posts else set()
    for i, post in enumerate(posts):
        if i in leaving:
            org_services.end_committee_member(
                actor=root, member_id=post.pk, ended_on=today - timedelta(days=rng.randint(5, 60))
            )
            continue
        _secretary(root, post, rng, today)
    department = _department(root, rng, today)
    log(
        f"理论学习：{len(chosen)} 个党支部 {sessions} 次集体学习、{records} 条学习记录；"
        f"{len(posts) - len(leaving)} 名书记，{len(leaving)} 个支部书记离任待补；"
        f"部机关 {department} 次学习"
    )
