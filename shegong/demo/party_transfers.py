"""Demo data of the transfers app (issue 15), made through its services; see ``party.py``.

Runs after the members generator and uses the party members it made (on the roll, in a
branch): a few transfers in every state of every kind — open, returned, completed,
cancelled, with a 介绍信 past its 有效期 among the open ones — and a few arrivals from
outside the city. With no members yet (the members generator not run) it says so and makes
nothing but the arrivals.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.lib.validators import id_check_digit
from shegong.members.choices import Stage, Standing
from shegong.members.models import Member
from shegong.organizations.choices import BRANCH_KINDS, OrgStatus
from shegong.organizations.models import PartyOrganization
from shegong.transfers.choices import TransferAction, TransferKind
from shegong.transfers.services import (
    InboundPerson,
    act_on_transfer,
    start_inbound_transfer,
    start_transfer,
)

# Transfers of members already in the city, per size (each cycles through the scenarios).
COUNTS = {"small": 14, "city": 300, "metro": 3000}
ARRIVALS = {"small": 3, "city": 40, "metro": 300}
OUTSIDE = (
    "中共上海市浦东新区某街道工作委员会",
    "中共杭州市西湖区某社区委员会",
    "中共广州市天河区某企业支部委员会",
    "中共成都市武侯区某社区支部委员会",
)
REASONS = ("工作调动", "居住地变更", "外出务工满6个月", "随子女定居", "毕业分配")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"

# (kind, steps after the start) — every state of every kind.
SCENARIOS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (TransferKind.WITHIN, ()),
    (TransferKind.WITHIN, (TransferAction.APPROVE_OUT,)),
    (TransferKind.WITHIN, (TransferAction.APPROVE_OUT, TransferAction.RECEIVE)),
    (TransferKind.WITHIN, (TransferAction.RETURN,)),
    (TransferKind.WITHIN, (TransferAction.APPROVE_OUT, TransferAction.RETURN)),
    (TransferKind.WITHIN, (TransferAction.CANCEL,)),
    (TransferKind.OUT, ()),
    (TransferKind.OUT, (TransferAction.APPROVE_OUT,)),
    (TransferKind.OUT, (TransferAction.APPROVE_OUT, TransferAction.CONFIRM_OUT)),
    (TransferKind.OUT, (TransferAction.RETURN, TransferAction.RESUBMIT)),
    (TransferKind.OUT, (TransferAction.CANCEL,)),
    (TransferKind.WITHIN, (TransferAction.APPROVE_OUT, TransferAction.RECEIVE)),
)
NOTES: dict[str, str] = {
    TransferAction.RETURN: "介绍信信息与档案不一致，请核对后重新提交",
    TransferAction.CANCEL: "党员本人决定暂不转接",
}


def _id_number(rng: random.Random, seq: int) -> str:
    birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))
    body = f"330106{birth:%Y%m%d}{seq % 1000:03d}"
    return body + id_check_digit(body)


def _arrival(rng: random.Random, name: str, id_number: str, on: date, seq: int) -> InboundPerson:
    """Who arrives, as the other side's letter says: every third a 预备党员."""
    if seq % 3 == 2:
        admitted = on - timedelta(days=rng.randint(30, 300))
        return InboundPerson(name, id_number, Stage.PROBATIONARY, admitted_on=admitted)
    admitted = on - timedelta(days=rng.randint(2 * 365, 10 * 365))
    return InboundPerson(
        name, id_number, Stage.FULL, admitted_on=admitted, confirmed_on=admitted + timedelta(365)
    )


def _act(admin: User, transfer_id: int, action: str, on: date) -> None:
    act_on_transfer(
        actor=admin, transfer_id=transfer_id, action=action, note=NOTES.get(action, ""), today=on
    )


def generate(size_name: str, *, rng: random.Random, log: Callable[[str], object]) -> None:
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    branches = list(
        PartyOrganization.objects.filter(status=OrgStatus.ACTIVE, kind__in=BRANCH_KINDS)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not branches:
        log("组织关系转接：没有党支部，跳过")
        return
    count = COUNTS.get(size_name, COUNTS["small"])
    candidates = list(
        Member.objects.filter(standing=Standing.ACTIVE, stage__in=(Stage.FULL, Stage.PROBATIONARY))
        .order_by("pk")
        .values_list("pk", "organization_id")[: count * 20]
    )
    picked = rng.sample(candidates, min(count, len(candidates)))
    log(f"组织关系转接 … {len(picked)} 件（党员 {len(candidates)} 名可选）")
    if not picked:
        log("组织关系转接：尚无党员记录（党员生成器未运行），只生成外地转入")
    with transaction.atomic():
        for index, (member_id, org_id) in enumerate(picked):
            kind, steps = SCENARIOS[index % len(SCENARIOS)]
            started = today - timedelta(days=rng.randint(5, 150))
            destination = rng.choice([pk for pk in branches if pk != org_id] or branches)
            if kind == TransferKind.WITHIN and destination == org_id:
                kind = TransferKind.OUT
            transfer = start_transfer(
                actor=admin,
                member_id=member_id,
                kind=kind,
                to_organization_id=destination if kind == TransferKind.WITHIN else None,
                outside_organization=rng.choice(OUTSIDE) if kind == TransferKind.OUT else "",
                reason=rng.choice(REASONS),
                dues_paid_through=(started.replace(day=1) - timedelta(days=1)).replace(day=1),
                today=started,
            )
            on = started
            for action in steps:
                on = min(on + timedelta(days=rng.randint(1, 10)), today)
                _act(admin, transfer.pk, action, on)
        for seq in range(ARRIVALS.get(size_name, ARRIVALS["small"])):
            started = today - timedelta(days=rng.randint(3, 60))
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            try:
                with transaction.atomic():
                    transfer = start_inbound_transfer(
                        actor=admin,
                        to_organization_id=rng.choice(branches),
                        person=_arrival(rng, name, _id_number(rng, seq), started, seq),
                        outside_organization=rng.choice(OUTSIDE),
                        outside_letter_number=f"外转〔{started.year}〕{seq + 1}号",
                        letter_valid_until=started + timedelta(days=90),
                        reason=rng.choice(REASONS),
                        today=started,
                    )
            except DomainError as exc:  # e.g. the made-up ID number is already on a roll
                log(f"组织关系转接：跳过一件外地转入（{exc.message}）")
                continue
            if seq % 2 == 0:
                _act(
                    admin,
                    transfer.pk,
                    TransferAction.RECEIVE,
                    min(started + timedelta(days=3), today),
                )
