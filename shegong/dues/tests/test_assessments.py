from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.dues.models import DuesAssessment
from shegong.dues.services import assessments

pytestmark = pytest.mark.django_db
NOW = time_machine.travel(date(2026, 3, 15), tick=False)


@NOW
@pytest.mark.parametrize(
    ("category", "base", "amount"),
    [
        ("salaried", "3000.00", "15.00"),
        ("salaried", "3000.01", "30.00"),
        ("salaried", "5000.00", "50.00"),
        ("salaried", "5000.01", "75.00"),
        ("salaried", "10000.00", "150.00"),
        ("salaried", "10000.01", "200.00"),
        ("salaried", "4321.50", "43.22"),  # D1: 43.215 → 43.22 (HALF_UP)
        ("retiree", "5000.00", "25.00"),
        ("retiree", "5000.01", "50.00"),
        ("farmer", "", "0.20"),
        ("student", "", "0.20"),
    ],
)
def test_bracket_edges_through_the_service(party, category, base, amount):
    row = assessments.set_assessment(
        actor=party.world.secretary,
        member_id=party.member.pk,
        year=2026,
        category=category,
        base=base or None,
    )
    assert row.monthly_amount == Decimal(amount)


@NOW
def test_salaried_needs_a_base(party):
    with pytest.raises(DomainError, match="须填写党费计算基数"):
        assessments.set_assessment(
            actor=party.world.secretary, member_id=party.member.pk, year=2026, category="salaried"
        )


@NOW
def test_negative_base_is_refused_in_chinese(party):
    with pytest.raises(DomainError, match="不能为负数"):
        assessments.set_assessment(
            actor=party.world.secretary,
            member_id=party.member.pk,
            year=2026,
            category="salaried",
            base="-1",
        )


@NOW
def test_other_branch_member_is_out_of_scope(party):
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        assessments.set_assessment(
            actor=party.world.secretary,
            member_id=party.far_member.pk,
            year=2026,
            category="student",
        )


@NOW
def test_copy_forward_keeps_category_and_base(party):
    assessments.set_assessment(
        actor=party.world.secretary,
        member_id=party.member.pk,
        year=2025,
        category="salaried",
        base="6000",
    )
    created = assessments.copy_forward(
        actor=party.world.street_north, organization_id=party.committee.pk, year=2026
    )
    assert created == 1
    copied = DuesAssessment.objects.get(member=party.member, year=2026)
    assert (copied.base, copied.monthly_amount, copied.source) == (
        Decimal("6000.00"),
        Decimal("90.00"),
        "copied",
    )


@NOW
def test_copy_forward_twice_creates_nothing_more(party):
    assessments.set_assessment(
        actor=party.world.secretary, member_id=party.member.pk, year=2025, category="student"
    )
    assessments.copy_forward(
        actor=party.world.secretary, organization_id=party.branch.pk, year=2026
    )
    again = assessments.copy_forward(
        actor=party.world.secretary, organization_id=party.branch.pk, year=2026
    )
    assert again == 0
