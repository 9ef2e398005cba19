"""Demo party organizations and the 两新 registry, through the same services as real input.

Organizations are founded with ``organizations.services.orgs`` (create, 换届, committee);
the registry goes through the spreadsheet import ``import_entities`` — the very path a
clerk's 市场主体名录 takes — in three rounds two months apart in the story: the first
import registers every entity with the coverage known then, the next two re-import the
rows whose coverage improved (the incremental re-import by 统一社会信用代码). A coverage
snapshot is taken after each round, so the trend chart shows real figures of those
states. Then the rules engine runs and a few findings are assigned and closed.

Sizes: small ≈ 300 entities (``make run`` stays fast), city ≈ 10,000, metro ≈ 52,000.
Names, codes and people are fictional; credit codes carry valid GB 32100 check characters.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.organizations.choices import CommitteePost, CoverageMode, EntityKind, WorkerGroup
from shegong.organizations.models import Finding, PartyOrganization
from shegong.organizations.services import coverage as coverage_services
from shegong.organizations.services import entities as entity_services
from shegong.organizations.services import findings as finding_services
from shegong.organizations.services import orgs as org_services
from shegong.organizations.services.imports import import_entities
from shegong.organizations.services.rules import run_rules
from shegong.organizations.testing import credit_code
from shegong.regions.models import Region

ENTITY_COUNTS = {"small": 300, "city": 10_000, "metro": 52_000}

NAME_HEADS = [
    "恒信",
    "瑞丰",
    "华泰",
    "启航",
    "宏达",
    "鑫源",
    "博远",
    "安和",
    "晨光",
    "嘉禾",
    "蓝海",
    "明德",
    "锦程",
    "万通",
    "天合",
    "新禾",
    "云启",
    "智联",
    "青禾",
    "长风",
]
INDUSTRY_WORDS = {
    "C": ("制造", "机械", "电子", "服饰"),
    "E": (
        "建设",
        "建筑工程",
    ),
    "F": ("商贸", "贸易", "超市"),
    "G": ("物流", "快运", "运输"),
    "H": ("餐饮", "酒店", "食品"),
    "I": ("科技", "软件", "网络", "信息技术"),
    "J": ("小额贷款", "融资担保"),
    "K": ("置业", "物业服务"),
    "L": ("企业管理", "人力资源", "会展"),
    "M": ("检测", "设计", "工程咨询"),
    "O": ("家政", "维修", "美容"),
    "P": ("培训", "教育咨询"),
    "Q": ("诊所", "康养"),
    "R": ("文化传媒", "体育"),
}
INDUSTRY_WEIGHTS = {
    "F": 26,
    "I": 12,
    "L": 12,
    "C": 10,
    "H": 9,
    "O": 7,
    "E": 5,
    "G": 5,
    "M": 4,
    "K": 3,
    "R": 3,
    "P": 2,
    "Q": 1,
    "J": 1,
}
SOCIAL_NAMES = (
    "社会工作服务中心",
    "志愿者协会",
    "养老服务中心",
    "文化促进会",
    "青少年服务中心",
    "公益基金会",
    "调解服务中心",
)
ASSOCIATIONS = (
    ("餐饮行业协会", "H", "市商务局"),
    ("物流行业协会", "G", "市交通运输局"),
    ("软件行业协会", "I", "市经信局"),
    ("个体劳动者协会", "F", "市市场监管局"),
    ("温州商会", "L", "市工商联"),
    ("福建商会", "L", "市工商联"),
)
PLATFORMS = (
    ("示范市速达外卖平台有限公司", "I", WorkerGroup.DELIVERY_RIDER),
    ("示范市快捷递物流有限公司", "G", WorkerGroup.COURIER),
    ("示范市顺程网约车科技有限公司", "I", WorkerGroup.RIDE_HAILING),
    ("示范市货满满货运信息有限公司", "G", WorkerGroup.TRUCK_DRIVER),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华国志海燕"


@dataclass
class _Planned:
    code: str
    name: str
    kind: str
    industry: str
    employees: int
    community: Region
    supervising: str = ""
    formal: int = 0
    probationary: int = 0
    # Coverage at each of the three rounds: (mode, org code, instructor name)
    rounds: list[tuple[str, str, str]] = field(default_factory=list)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _employees(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.55:
        return rng.randint(1, 9)
    if roll < 0.85:
        return rng.randint(10, 49)
    if roll < 0.97:
        return rng.randint(50, 299)
    return rng.randint(300, 3000)


def _members(rng: random.Random, employees: int) -> tuple[int, int]:
    if rng.random() < 0.6:
        return 0, 0
    formal = min(employees, int(rng.expovariate(1 / max(1.0, employees * 0.06))))
    probationary = 1 if formal and rng.random() < 0.15 else 0
    return formal, probationary


def _plan(size_name: str, rng: random.Random, communities: list[Region]) -> list[_Planned]:
    count = ENTITY_COUNTS[size_name]
    industries = list(INDUSTRY_WEIGHTS)
    weights = list(INDUSTRY_WEIGHTS.values())
    # Some communities (business districts) hold many more firms than others.
    community_weights = [rng.choice((1, 1, 1, 2, 3, 6)) for _ in communities]
    planned: list[_Planned] = []
    for seq in range(count):
        community = rng.choices(communities, community_weights)[0]
        district_code = community.code[:6]
        roll = rng.random()
        if roll < 0.86:
            industry = rng.choices(industries, weights)[0]
            word = rng.choice(INDUSTRY_WORDS[industry])
            head = rng.choice(NAME_HEADS)
            name = (
                f"示范市{head}{word}有限公司"
                if rng.random() < 0.5
                else f"{community.name[:2]}{head}{word}有限公司"
            )
            kind, code = (
                EntityKind.ENTERPRISE,
                credit_code(seq + 1, prefix="91", region=district_code),
            )
            supervising = ""
        elif roll < 0.97:
            industry = rng.choice(("S", "Q", "P", "O"))
            name = f"{community.name[:-2]}{rng.choice(SOCIAL_NAMES)}"
            kind, code = (
                EntityKind.SOCIAL_ORG,
                credit_code(seq + 1, prefix="52", region=district_code),
            )
            supervising = rng.choice(("区民政局", "区卫健局", "区教育局", "区文旅局", ""))
        else:
            label, industry, supervising = rng.choice(ASSOCIATIONS)
            name = f"{community.name[:2]}{label}"
            kind, code = (
                EntityKind.ASSOCIATION,
                credit_code(seq + 1, prefix="51", region=district_code),
            )
        name = (
            f"{name[:-4]}{seq % 97:02d}{name[-4:]}"
            if kind == EntityKind.ENTERPRISE
            else f"{name}（{seq}）"
        )
        employees = _employees(rng)
        formal, prob = _members(rng, employees)
        planned.append(
            _Planned(code, name, kind, industry, employees, community, supervising, formal, prob)
        )
    for p_index, (name, industry, _group) in enumerate(PLATFORMS):
        planned.append(
            _Planned(
                credit_code(900_000 + p_index, prefix="91", region="339900"),
                name,
                EntityKind.PLATFORM,
                industry,
                rng.randint(300, 900),
                communities[p_index % len(communities)],
                formal=rng.randint(4, 20),
            )
        )
    return planned


def _committee(rng: random.Random, size: int) -> list[tuple[str, str]]:
    posts = [
        CommitteePost.SECRETARY,
        CommitteePost.ORGANIZATION,
        CommitteePost.PROPAGANDA,
        CommitteePost.DISCIPLINE,
        CommitteePost.DEPUTY_SECRETARY,
    ][:size]
    return [(_person(rng), str(p)) for p in posts]


def generate_organizations(
    size_name: str, *, rng: random.Random, log: Callable[[str], Any] = print
) -> int:
    """Build organizations and the registry; returns the number of entities registered."""
    root = User.objects.get(username="admin")
    today = timezone.localdate()
    streets = list(Region.objects.filter(level=3).select_related("parent").order_by("code"))
    communities = list(Region.objects.filter(level=4).order_by("code"))
    log("党组织 …")
    street_committee: dict[str, PartyOrganization] = {}
    with transaction.atomic():
        for district in Region.objects.filter(level=2).order_by("code"):
            d_org = org_services.create_organization(
                actor=root,
                code=f"D{district.code}",
                name=f"中共{district.name}非公有制经济组织和社会组织综合委员会",
                kind="committee",
                region_id=district.pk,
                founded_on=date(2016, 6, 1),
                term_started_on=date(2022, 6, 1),
            )
            for street in (s for s in streets if s.parent_id == district.pk):
                started = today - timedelta(days=rng.randint(200, 2100))
                street_committee[street.code] = org_services.create_organization(
                    actor=root,
                    code=f"S{street.code}",
                    name=f"中共{street.name}两新组织综合委员会",
                    kind="committee",
                    region_id=street.pk,
                    parent_id=d_org.pk,
                    founded_on=date(2017, 3, 1),
                    term_started_on=started,
                )
    planned = _plan(size_name, rng, communities)
    log(f"为 {len(planned):,} 个两新组织建立党组织 …")
    joint_open: dict[str, tuple[PartyOrganization, int]] = {}
    branch_seq = 0
    for index, p in enumerate(planned):
        street_code = p.community.code[:9]
        parent = street_committee[street_code]
        final: tuple[str, str, str] = (CoverageMode.NONE, "", "")
        covered = rng.random()
        if p.formal >= 3 and covered < 0.82:
            branch_seq += 1
            founded = today - timedelta(days=rng.randint(90, 3600))
            members = p.formal + p.probationary + rng.randint(0, 3)
            big = p.formal >= 7 or members >= 7
            org = org_services.create_organization(
                actor=root,
                code=f"B{branch_seq:06d}",
                name=f"中共{p.name}支部委员会" if big else f"中共{p.name}支部",
                kind="branch",
                region_id=p.community.pk,
                parent_id=parent.pk,
                founded_on=founded,
                # A few branches are past their 3-year term (the rules will say so).
                term_started_on=max(founded, today - timedelta(days=rng.randint(30, 1300))),
                formal_members=p.formal,
                probationary_members=p.probationary,
            )
            if big and rng.random() < 0.8:
                org_services.record_re_election(
                    actor=root,
                    org_id=org.pk,
                    on=org.term_started_on or founded,
                    committee=_committee(rng, rng.choice((3, 3, 5))),
                )
            else:
                org_services.add_committee_member(
                    actor=root,
                    org_id=org.pk,
                    name=_person(rng),
                    post=CommitteePost.SECRETARY,
                    started_on=org.term_started_on or founded,
                )
            final = (CoverageMode.SINGLE, org.code, "")
        elif p.formal >= 1 and covered < 0.7:
            current = joint_open.get(street_code)
            limit = rng.choice((4, 5, 5, 5, 6))  # now and then one grows past the limit of 5
            if current is None or current[1] >= limit:
                branch_seq += 1
                joint = org_services.create_organization(
                    actor=root,
                    code=f"J{branch_seq:06d}",
                    name=f"中共{p.community.name}两新组织联合支部{branch_seq}",
                    kind="joint_branch",
                    region_id=p.community.pk,
                    parent_id=parent.pk,
                    founded_on=today - timedelta(days=rng.randint(90, 2000)),
                    term_started_on=today - timedelta(days=rng.randint(30, 1200)),
                )
                org_services.add_committee_member(
                    actor=root,
                    org_id=joint.pk,
                    name=_person(rng),
                    post=CommitteePost.SECRETARY,
                    started_on=joint.term_started_on or today,
                )
                current = (joint, 0)
            joint_open[street_code] = (current[0], current[1] + 1)
            final = (CoverageMode.JOINT, current[0].code, "")
        elif p.formal >= 1 and covered < 0.85:
            final = (CoverageMode.ATTACHED, parent.code, "")
        elif rng.random() < (0.55 if p.employees >= 50 else 0.3):
            final = (CoverageMode.NONE, "", _person(rng))
        # The story: coverage arrived over the last months, in three rounds.
        arrival = rng.random()
        none: tuple[str, str, str] = (CoverageMode.NONE, "", "")
        if arrival < 0.7:
            p.rounds = [final, final, final]
        elif arrival < 0.85:
            p.rounds = [none, final, final]
        else:
            p.rounds = [none, none, final]
        if index % 5000 == 4999:
            log(f"  {index + 1:,}/{len(planned):,}")
    # Joint branches: member counts are the sum of their units' members.
    joint_members: dict[str, list[int]] = {}
    for p in planned:
        mode, code, _ = p.rounds[-1]
        if mode == CoverageMode.JOINT:
            agg = joint_members.setdefault(code, [0, 0])
            agg[0] += p.formal
            agg[1] += p.probationary
    for code, (formal, prob) in joint_members.items():
        org = PartyOrganization.objects.get(code=code)
        org_services.update_organization(
            actor=root, org_id=org.pk, formal_members=formal, probationary_members=prob
        )
    log("两新组织名录导入（3 轮）…")
    for round_index, days_ago in enumerate((60, 30, 0)):
        rows = []
        for p in planned:
            mode, org_code, instructor = p.rounds[round_index]
            if round_index and p.rounds[round_index] == p.rounds[round_index - 1]:
                continue
            rows.append(
                {
                    "统一社会信用代码": p.code,
                    "名称": p.name,
                    "类型": EntityKind(p.kind).label,
                    "行业门类": p.industry,
                    "从业人员数": str(p.employees),
                    "地址": f"{p.community.name}{rng.randint(1, 300)}号",
                    "所在区划代码": p.community.code,
                    "业务主管单位": p.supervising,
                    "覆盖方式": CoverageMode(mode).label,
                    "覆盖党组织编码": org_code,
                    "正式党员数": str(p.formal),
                    "预备党员数": str(p.probationary),
                    "党建指导员": instructor,
                }
            )
        report = import_entities(
            actor=root, rows=[(i + 2, r) for i, r in enumerate(rows)], commit=True
        )
        if not report.ok:
            raise RuntimeError(f"demo registry import failed: {report.errors[:3]}")
        coverage_services.take_snapshot(on=today - timedelta(days=days_ago))
        log(f"  第 {round_index + 1} 轮：新增 {report.created:,} 个，更新 {report.updated:,} 个")
    platforms = [p for p in planned if p.kind == EntityKind.PLATFORM]
    from shegong.organizations.models import Entity

    districts = list(Region.objects.filter(level=2).order_by("code"))
    for (_name, _industry, group), p in zip(PLATFORMS, platforms, strict=True):
        entity = Entity.objects.get(credit_code=p.code)
        for district in districts:
            workers = rng.randint(200, 3000)
            entity_services.set_workforce(
                actor=root,
                platform_id=entity.pk,
                region_id=district.pk,
                group=group,
                workers=workers,
                formal_members=int(workers * rng.uniform(0.01, 0.04)),
            )
    log("覆盖规则检查 …")
    run_rules()
    # A few gap tasks are already in hand.
    street_user = User.objects.filter(username="street").first()
    if street_user is not None:
        visible = Finding.objects.visible_to(street_user).open().order_by("pk")
        for finding in list(visible[:3]):
            finding_services.assign_finding(
                actor=root,
                finding_id=finding.pk,
                assignee_id=street_user.pk,
                due_on=today + timedelta(days=30),
                note="请于月底前落实",
            )
        for finding in list(visible.filter(status="assigned")[:1]):
            finding_services.close_finding(
                actor=street_user, finding_id=finding.pk, note="已与企业负责人约谈，指导员下周进驻"
            )
    secretary = User.objects.filter(username="secretary").first()
    if secretary is not None and secretary.region is not None:
        branch = (
            PartyOrganization.objects.filter(
                region=secretary.region, kind__in=("branch", "joint_branch")
            )
            .order_by("pk")
            .first()
        )
        if branch is not None:
            org_services.set_org_administrator(actor=root, org_id=branch.pk, user_id=secretary.pk)
    return len(planned)
