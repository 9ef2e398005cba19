from __future__ import annotations

import random
from datetime import date

import pytest
import time_machine

from shegong.demo import party_dues
from shegong.dues import testing
from shegong.dues.models import DuesAssessment, DuesHardship, DuesPayment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 5, 20), tick=False):
        yield


def test_no_members_makes_nothing(world):
    party_dues.generate("small", rng=random.Random(1), log=lambda _: None)
    assert DuesAssessment.objects.count() == 0


def test_members_get_two_years_of_bases(party):
    for i in range(6):
        testing.member(party.branch, name=f"演示{i}")
    party_dues.generate("small", rng=random.Random(1), log=lambda _: None)
    assert DuesAssessment.objects.count() == 2 * 8


def test_payments_are_recorded(party):
    party_dues.generate("small", rng=random.Random(1), log=lambda _: None)
    assert DuesPayment.objects.exists()


def test_one_hardship_is_approved(party):
    for i in range(6):
        testing.member(party.branch, name=f"演示{i}")
    party_dues.generate("small", rng=random.Random(3), log=lambda _: None)
    assert DuesHardship.objects.filter(status="approved").count() == 1
