"""The demo generator makes transfers in every state through the services."""

from __future__ import annotations

import random

import pytest

from shegong.accounts.models import User
from shegong.demo import party_transfers
from shegong.members.choices import Standing
from shegong.members.models import Member
from shegong.transfers.choices import TransferKind, TransferStatus
from shegong.transfers.models import Transfer

from .factories import Party

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return User.objects.create_superuser("admin", password="pw-Demo-2026!")


def test_small_makes_every_state(party: Party, admin: User) -> None:
    for _ in range(14):
        party.member()
    party_transfers.generate("small", rng=random.Random(7), log=lambda text: None)
    assert set(Transfer.objects.values_list("status", flat=True)) == set(TransferStatus.values)


def test_small_makes_every_kind(party: Party, admin: User) -> None:
    for _ in range(14):
        party.member()
    party_transfers.generate("small", rng=random.Random(7), log=lambda text: None)
    assert set(Transfer.objects.values_list("kind", flat=True)) == set(TransferKind.values)


def test_every_member_stays_in_exactly_one_branch(party: Party, admin: User) -> None:
    for _ in range(14):
        party.member()
    party_transfers.generate("small", rng=random.Random(7), log=lambda text: None)
    open_members = set(Transfer.objects.open().values_list("member_id", flat=True))
    transferring = set(
        Member.objects.filter(standing=Standing.TRANSFERRING).values_list("pk", flat=True)
    )
    assert (open_members, Member.objects.filter(organization__isnull=True).count()) == (
        transferring,
        0,
    )


def test_with_no_members_only_arrivals_are_made(party: Party, admin: User) -> None:
    lines: list[str] = []
    party_transfers.generate("small", rng=random.Random(7), log=lines.append)
    assert (
        set(Transfer.objects.values_list("kind", flat=True)),
        any("尚无党员" in x for x in lines),
    ) == (
        {TransferKind.IN},
        True,
    )
