"""党组织书记: lists of branches without a secretary and secretaries short of training; reviews."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.organizations.services import orgs
from shegong.study.models import SecretaryReview
from shegong.study.services import plans, secretaries

from .conftest import at

pytestmark = pytest.mark.django_db


def _link(kit, post, member):
    secretaries.link_member(
        actor=kit.world.dept_admin, committee_member_id=post.pk, member_id=member.pk
    )


def _hours(kit, member, on, hours):
    plans.add_record(
        actor=kit.world.dept_admin,
        member_id=member.pk,
        kind="training",
        title="书记培训",
        studied_on=on,
        hours=Decimal(hours),
    )


def _gaps(kit, user=None):
    return {r.post.pk: r.codes for r in secretaries.training_gaps(user or kit.world.dept_admin)}


def test_a_branch_whose_secretary_left_lacks_a_secretary(kit):
    orgs.end_committee_member(
        actor=kit.world.root, member_id=kit.north_secretary.pk, ended_on=date(2026, 5, 1)
    )
    lacking = set(secretaries.lacking_secretary(kit.world.dept_admin).values_list("pk", flat=True))
    assert kit.north.pk in lacking


def test_a_branch_with_a_secretary_does_not_lack_one(kit):
    lacking = set(secretaries.lacking_secretary(kit.world.dept_admin).values_list("pk", flat=True))
    assert kit.south.pk not in lacking


def test_the_lacking_list_is_scoped(kit):
    orgs.end_committee_member(
        actor=kit.world.root, member_id=kit.north_secretary.pk, ended_on=date(2026, 5, 1)
    )
    lacking = set(secretaries.lacking_secretary(kit.south_admin).values_list("pk", flat=True))
    assert kit.north.pk not in lacking


def test_an_unlinked_secretary_is_short_of_training(kit):
    with time_machine.travel(at(2026, 6, 10), tick=False):
        assert _gaps(kit)[kit.north_secretary.pk] == ["unlinked"]


def test_a_secretary_at_the_pro_rata_hours_is_not_short(kit):
    member = kit.north_members[0]
    _link(kit, kit.north_secretary, member)
    with time_machine.travel(at(2026, 6, 10), tick=False):
        _hours(kit, member, date(2025, 11, 1), "56")
        _hours(kit, member, date(2026, 3, 1), "23.3")  # 5 months done → 23.3 due
        assert kit.north_secretary.pk not in _gaps(kit)


def test_one_tenth_short_of_the_pro_rata_hours_is_behind(kit):
    member = kit.north_members[0]
    _link(kit, kit.north_secretary, member)
    with time_machine.travel(at(2026, 6, 10), tick=False):
        _hours(kit, member, date(2025, 11, 1), "56")
        _hours(kit, member, date(2026, 3, 1), "23.2")
        assert _gaps(kit)[kit.north_secretary.pk] == ["behind"]


def test_a_secretary_below_last_years_requirement_is_short(kit):
    member = kit.north_members[0]
    _link(kit, kit.north_secretary, member)
    with time_machine.travel(at(2026, 1, 20), tick=False):  # nothing due yet this year
        _hours(kit, member, date(2025, 12, 31), "55.9")
        assert _gaps(kit)[kit.north_secretary.pk] == ["last_year"]


def test_last_years_hours_in_the_new_year_do_not_count_for_last_year(kit):
    member = kit.north_members[0]
    _link(kit, kit.north_secretary, member)
    with time_machine.travel(at(2026, 1, 20), tick=False):
        _hours(kit, member, date(2025, 12, 31), "50")
        _hours(kit, member, date(2026, 1, 1), "6")
        assert _gaps(kit)[kit.north_secretary.pk] == ["last_year"]


def test_a_secretary_who_met_last_year_and_is_on_track_is_not_short(kit):
    member = kit.north_members[0]
    _link(kit, kit.north_secretary, member)
    with time_machine.travel(at(2026, 1, 20), tick=False):
        _hours(kit, member, date(2025, 12, 31), "56")
        assert kit.north_secretary.pk not in _gaps(kit)


def test_a_secretary_appointed_this_year_is_not_judged_on_last_year(kit):
    with time_machine.travel(at(2026, 1, 20), tick=False):
        orgs.end_committee_member(
            actor=kit.world.root, member_id=kit.north_secretary.pk, ended_on=date(2026, 1, 5)
        )
        new = orgs.add_committee_member(
            actor=kit.world.root,
            org_id=kit.north.pk,
            name="新书记",
            post="secretary",
            started_on=date(2026, 1, 6),
        )
        _link(kit, new, kit.north_members[1])
        assert new.pk not in _gaps(kit)


def test_the_gap_list_is_scoped(kit):
    with time_machine.travel(at(2026, 6, 10), tick=False):
        assert kit.north_secretary.pk not in _gaps(kit, kit.south_admin)


def test_a_member_of_another_branch_cannot_be_linked(kit):
    with pytest.raises(DomainError):
        _link(kit, kit.north_secretary, kit.south_members[0])


def test_a_review_is_recorded_once_a_year_and_corrected_in_place(kit):
    for grade in ("good", "fair"):
        secretaries.record_review(
            actor=kit.world.street_north,
            committee_member_id=kit.north_secretary.pk,
            year=2025,
            grade=grade,
            evaluator="北街道党工委",
        )
    assert list(SecretaryReview.objects.values_list("grade", flat=True)) == ["fair"]


def test_a_review_before_the_term_is_refused(kit):
    with pytest.raises(DomainError):
        secretaries.record_review(
            actor=kit.world.dept_admin,
            committee_member_id=kit.north_secretary.pk,
            year=2022,
            grade="good",
            evaluator="北街道党工委",
        )


def test_another_branchs_secretary_cannot_record_a_review(kit):
    with pytest.raises(DomainError):
        secretaries.record_review(
            actor=kit.south_admin,
            committee_member_id=kit.north_secretary.pk,
            year=2025,
            grade="poor",
            evaluator="南",
        )
