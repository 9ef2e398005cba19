"""Demo 村、社区 party organizations (issue 15), through ``organizations.services.orgs``.

The organizations generator founds the 两新 side (a branch per covered firm, 联合党支部);
most of a city's branches are in its communities, though: per street a 街道党工委, per
community a 社区党委 (``is_community``) and under it 网格党支部 and a 离退休党员党支部,
each with its imported member figures and a secretary. These are the branches the members
and 组织生活 generators fill at metro size (≥ 20,000 branches with the 两新 ones).
Per size: how many communities get their party organizations, and how many branches each.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.organizations.choices import CommitteePost
from shegong.organizations.services import orgs as org_services
from shegong.regions.models import Region

from .people import random_name

# size → (communities with party organizations (None = all), branches per community)
SIZES: dict[str, tuple[int | None, tuple[int, int]]] = {
    "small": (2, (1, 1)),
    "city": (300, (2, 2)),
    "metro": (None, (2, 3)),
}
BRANCH_NAMES = ("第一网格党支部", "离退休党员党支部", "第二网格党支部", "第三网格党支部")


def generate(size_name: str, *, rng: random.Random, log: Callable[[str], object]) -> None:
    root = User.objects.get(username="admin")
    limit, per_community = SIZES.get(size_name, SIZES["small"])
    today = timezone.localdate()
    communities = list(
        Region.objects.filter(level=4).select_related("parent").order_by("code")[:limit]
    )
    log(
        f"社区党组织：{len(communities):,} 个社区，"
        f"每个社区 {per_community[0]}–{per_community[1]} 个党支部 …"
    )
    works: dict[int, int] = {}
    branches = 0
    for index, community in enumerate(communities):
        with transaction.atomic():
            street = community.parent
            if street is None:
                continue
            if street.pk not in works:
                works[street.pk] = org_services.create_organization(
                    actor=root,
                    code=f"W{street.code}",
                    name=f"中共{street.name}工作委员会",
                    kind="committee",
                    region_id=street.pk,
                    founded_on=date(2002, 7, 1),
                    term_started_on=today - timedelta(days=rng.randint(200, 1700)),
                ).pk
            committee = org_services.create_organization(
                actor=root,
                code=f"C{community.code}",
                name=f"中共{community.name}委员会",
                kind="committee",
                region_id=community.pk,
                parent_id=works[street.pk],
                is_community=True,
                founded_on=date(2005, 3, 1),
                term_started_on=today - timedelta(days=rng.randint(100, 1700)),
            )
            for k in range(rng.randint(*per_community)):
                founded = date(2006, 1, 1) + timedelta(days=rng.randint(0, 5000))
                org = org_services.create_organization(
                    actor=root,
                    code=f"G{community.code}{k + 1:02d}",
                    name=f"中共{community.name}{BRANCH_NAMES[k % len(BRANCH_NAMES)]}",
                    kind="branch",
                    region_id=community.pk,
                    parent_id=committee.pk,
                    is_community=True,
                    founded_on=founded,
                    term_started_on=max(founded, today - timedelta(days=rng.randint(30, 1900))),
                    formal_members=rng.randint(8, 26),
                    probationary_members=rng.choice((0, 0, 1, 2)),
                )
                org_services.add_committee_member(
                    actor=root,
                    org_id=org.pk,
                    name=random_name(rng),
                    post=CommitteePost.SECRETARY,
                    started_on=org.term_started_on or founded,
                )
                branches += 1
        if index % 1000 == 999:
            log(f"  {index + 1:,}/{len(communities):,}")
    log(f"社区党组织：{len(works):,} 个街道党工委，{branches:,} 个社区党支部")
