"""Test and sample helpers of the dues app: party organizations and members built directly
(the members app's services are built in parallel; only ``organization``, ``stage`` and the
dates matter here)."""

from __future__ import annotations

from datetime import date

from shegong.accounts.models import User
from shegong.members.choices import Stage
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization
from shegong.organizations.services import orgs

_counter = [0]


def id_number(n: int) -> str:
    """A well-formed fictional 18-digit ID number (check digit computed)."""
    body = f"33990119{80 + n % 20:02d}0101{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def organization(
    actor: User, *, code: str, name: str, kind: str, region_id: int, parent_id: int | None = None
) -> PartyOrganization:
    return orgs.create_organization(
        actor=actor, code=code, name=name, kind=kind, region_id=region_id, parent_id=parent_id
    )


def member(
    org: PartyOrganization,
    *,
    name: str = "张三",
    stage: str = Stage.FULL,
    admitted_on: date | None = date(2015, 6, 1),
    number: int | None = None,
) -> Member:
    _counter[0] += 1
    n = number if number is not None else _counter[0] % 900
    return Member.objects.create(
        organization=org,
        name=name,
        gender="M",
        id_number=id_number(n),
        stage=stage,
        admitted_on=admitted_on,
        confirmed_on=None if stage != Stage.FULL or admitted_on is None else admitted_on,
        joined_branch_on=admitted_on or date(2020, 1, 1),
    )
