"""Demo 双报到, wishes and service orders, built through the services (the demo generator
calls ``build_serving_demo``; docs/service-orders.md)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import WorkOrderRole, WorkOrderStatus
from shegong.appeals.models import Appeal
from shegong.core.exceptions import DomainError
from shegong.core.roles import Role
from shegong.core.tree import subtree_q
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region
from shegong.volunteers.choices import VolunteerStatus
from shegong.volunteers.models import Volunteer

from . import services
from .choices import NeedKind

COMMUNITIES = {"small": 2, "medium": 4, "large": 6}
VOLUNTEERS = {"small": 12, "medium": 30, "large": 60}
APPEALS = {"small": 3, "medium": 6, "large": 10}

WISHES = (
    ("陪同独居老人到医院复查", True, False),
    ("帮残疾人家庭更换灯泡、检查线路", False, True),
    ("为留守儿童辅导功课", False, False),
    ("清理楼道堆放杂物", False, False),
    ("为高龄老人代购生活用品", True, False),
)


def build_serving_demo(
    *,
    manager: User,
    community_ids: Sequence[int],
    volunteer_ids: Sequence[int],
    dispatcher: User | None = None,
    appeal_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> dict[str, int]:
    """Build, through the services, as ``manager`` (street/community staff whose scope
    covers ``community_ids``):

    * a 双报到 of the first third of ``volunteer_ids`` to the first community;
    * per community, the 微心愿 and projects of ``WISHES`` starting ten days before ``now``;
      every other one claimed, served (checked in/out), reported and confirmed by the
      community — the hours land on the volunteer ledger (双报到 typed for reported members);
    * with ``dispatcher``, each of ``appeal_ids`` whose lead work order is open turned into a
      service order due within the appeal's deadline (skipped quietly otherwise).

    Returns counts: ``reports``, ``orders``, ``confirmed``, ``converted``."""
    now = now or timezone.now()
    counts = {"reports": 0, "orders": 0, "confirmed": 0, "converted": 0}
    if not community_ids:
        return counts
    for vid in volunteer_ids[: max(1, len(volunteer_ids) // 3)]:
        try:
            services.report_member(
                actor=manager,
                volunteer_id=vid,
                community_id=community_ids[0],
                skills_note="可提供上门帮扶、代购、陪诊",
                reported_on=timezone.localdate(now) - timedelta(days=30),
            )
            counts["reports"] += 1
        except DomainError:
            continue
    past = now - timedelta(days=10)
    volunteers = list(volunteer_ids)
    turn = 0
    for community_id in community_ids:
        for i, (title, elderly, disabled) in enumerate(WISHES):
            start = past.replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=i)
            order = services.create_need(
                actor=manager,
                kind=NeedKind.PROJECT if i == 3 else NeedKind.WISH,
                data=services.NeedData(
                    title=title,
                    community_id=community_id,
                    address="社区党群服务中心",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    elderly_alone=elderly,
                    disabled=disabled,
                    people_needed=2 if i == 3 else 1,
                ),
                now=start - timedelta(days=2),
            )
            counts["orders"] += 1
            if i % 2 or not volunteers:
                continue
            served = False
            for _ in range(len(volunteers)):
                vid = volunteers[turn % len(volunteers)]
                turn += 1
                try:
                    services.claim_order(
                        volunteer_id=vid, order_id=order.pk, now=start - timedelta(days=1)
                    )
                except DomainError:
                    continue
                token = services.checkin_token(order.pk)
                services.scan(volunteer_id=vid, token=token, now=start)
                services.scan(volunteer_id=vid, token=token, now=start + timedelta(hours=2))
                services.submit_report(volunteer_id=vid, order_id=order.pk, text=f"已完成：{title}")
                served = True
                break
            if served:
                services.confirm_by_community(
                    actor=manager, order_id=order.pk, now=start + timedelta(hours=3)
                )
                counts["confirmed"] += 1
    if dispatcher is not None:
        for appeal_id in appeal_ids:
            start = now + timedelta(days=1)
            try:
                services.convert_appeal(
                    actor=dispatcher,
                    appeal_id=appeal_id,
                    data=services.NeedData(
                        title="上门帮扶（由诉求转来）",
                        community_id=community_ids[0],
                        address="诉求人住址（电话联系）",
                        starts_at=start.replace(hour=9, minute=0),
                        ends_at=start.replace(hour=11, minute=0),
                    ),
                    now=now,
                )
                counts["converted"] += 1
            except DomainError:
                continue
    return counts


def generate(size_name: str, *, rng: random.Random, log: Callable[[str], object]) -> None:
    """The demo city's part: the first street staff account (``street`` when present) as
    manager, a few of its communities, active volunteers living in that street, the
    ``dispatcher`` account and a few of the street's appeals with an open lead work order."""
    manager = (
        User.objects.filter(username="street", role=Role.STREET_STAFF, region__isnull=False)
        .select_related("region")
        .first()
        or User.objects.filter(role=Role.STREET_STAFF, region__level=RegionLevel.STREET)
        .select_related("region")
        .order_by("pk")
        .first()
    )
    if manager is None or manager.region is None:
        log("双报到与服务：没有街道工作人员账号，跳过")
        return
    street = manager.region
    communities = list(
        Region.objects.filter(subtree_q(street.path), level=RegionLevel.COMMUNITY)
        .order_by("path")
        .values_list("pk", flat=True)
    )
    community_ids = rng.sample(communities, min(len(communities), COMMUNITIES.get(size_name, 2)))
    volunteers = list(
        Volunteer.objects.filter(subtree_q(street.path, "region__path"))
        .filter(status=VolunteerStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    volunteer_ids = rng.sample(volunteers, min(len(volunteers), VOLUNTEERS.get(size_name, 12)))
    dispatcher = User.objects.filter(username="dispatcher", role=Role.DISPATCHER).first()
    community_ids = sorted(community_ids)
    first = Region.objects.filter(pk__in=community_ids[:1]).first()
    appeals = list(
        Appeal.objects.filter(subtree_q(first.path if first else street.path, "region__path"))
        .filter(
            work_orders__role=WorkOrderRole.LEAD,
            work_orders__status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:50]
    )
    appeal_ids = rng.sample(appeals, min(len(appeals), APPEALS.get(size_name, 3)))
    counts = build_serving_demo(
        manager=manager,
        community_ids=community_ids,
        volunteer_ids=volunteer_ids,
        dispatcher=dispatcher,
        appeal_ids=appeal_ids,
    )
    log(
        f"双报到与服务：{counts['reports']} 条双报到，{counts['orders']} 个服务订单"
        f"（{counts['confirmed']} 个已确认，{counts['converted']} 个由诉求转来）"
    )
