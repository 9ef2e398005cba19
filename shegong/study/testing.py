"""Helpers for the study app's tests and sample objects (no pytest imports here).

The members app has no creating service on this branch yet, so ``make_member`` writes a
``Member`` row directly (a test stand-in for the roster import); everything of the study app
goes through its services.
"""

from __future__ import annotations

from datetime import date
from itertools import count

from shegong.members.choices import Gender, Stage
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization

_numbers = count(1)


def make_member(org: PartyOrganization, *, name: str = "张学习", stage: str = Stage.FULL) -> Member:
    n = next(_numbers)
    return Member.objects.create(
        organization=org,
        name=name,
        gender=Gender.MALE,
        birth_date=date(1980, 1, 1),
        id_number=f"T{org.pk:06d}{n:08d}",
        stage=stage,
        joined_branch_on=date(2020, 1, 1),
        confirmed_on=date(2015, 1, 1) if stage == Stage.FULL else None,
    )
