"""Hours per year, progress figures and the bulk read."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from shegong.study.models import StudyRecord
from shegong.study.services import plans, progress
from shegong.study.services.progress import expected_by, hours_by_member

from .conftest import at

pytestmark = pytest.mark.django_db


def _record(kit, member, on, hours):
    return plans.add_record(
        actor=kit.world.dept_admin,
        member_id=member.pk,
        kind="self",
        title="自学",
        studied_on=on,
        hours=Decimal(hours),
    )


def test_a_record_on_31_december_counts_in_its_own_year(kit):
    member = kit.north_members[0]
    with time_machine.travel(at(2026, 1, 5), tick=False):
        _record(kit, member, date(2025, 12, 31), "3.5")
        _record(kit, member, date(2026, 1, 1), "2")
    assert hours_by_member([member.pk], 2025)[member.pk] == Decimal("3.5")


def test_a_record_on_1_january_counts_in_the_new_year(kit):
    member = kit.north_members[0]
    with time_machine.travel(at(2026, 1, 5), tick=False):
        _record(kit, member, date(2025, 12, 31), "3.5")
        _record(kit, member, date(2026, 1, 1), "2")
    assert hours_by_member([member.pk], 2026)[member.pk] == Decimal("2")


def test_members_without_records_map_to_zero(kit):
    ids = [m.pk for m in kit.north_members]
    assert hours_by_member(ids, 2026) == dict.fromkeys(ids, Decimal(0))


def test_hours_by_member_is_one_query_for_any_number_of_ids(kit, django_assert_num_queries):
    ids = [m.pk for m in kit.north_members + kit.south_members]
    with django_assert_num_queries(1):
        hours_by_member(ids, 2026)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 1, 31), Decimal("0.0")),
        (date(2026, 2, 1), Decimal("2.7")),
        (date(2026, 7, 1), Decimal("16.0")),
        (date(2026, 12, 31), Decimal("29.3")),
        (date(2027, 1, 1), Decimal("32.0")),
    ],
)
def test_expected_hours_grow_with_completed_months(today, expected):
    assert expected_by(Decimal(32), 2026, today) == expected


def test_a_secretary_linked_to_a_member_owes_the_leaders_hours(kit):
    from shegong.study.services import secretaries

    member = kit.north_members[0]
    secretaries.link_member(
        actor=kit.world.dept_admin, committee_member_id=kit.north_secretary.pk, member_id=member.pk
    )
    with time_machine.travel(at(2026, 6, 10), tick=False):
        rows = progress.branch_member_progress(kit.world.dept_admin, kit.north, 2026)
    required = {r.member.pk: r.progress.required for r in rows}
    assert required[member.pk] == Decimal(56)


def test_a_member_without_a_post_owes_the_members_hours(kit):
    with time_machine.travel(at(2026, 6, 10), tick=False):
        rows = progress.branch_member_progress(kit.world.dept_admin, kit.north, 2026)
    assert {r.progress.required for r in rows} == {Decimal(32)}


def test_the_requirement_follows_the_settings(kit):
    from shegong.study.services.common import set_requirement

    set_requirement(
        actor=kit.world.dept_admin,
        member_hours=Decimal(40),
        leader_hours=Decimal(56),
        cadre_hours=Decimal(32),
    )
    with time_machine.travel(at(2026, 6, 10), tick=False):
        rows = progress.branch_member_progress(kit.world.dept_admin, kit.north, 2026)
    assert {r.progress.required for r in rows} == {Decimal(40)}


def test_branch_figures_equal_a_direct_sum_over_the_records(kit):
    rng = random.Random(15)
    members = kit.north_members + kit.south_members
    with time_machine.travel(at(2026, 6, 10), tick=False):
        for _ in range(40):
            on = date(2025, 10, 1) + timedelta(days=rng.randrange(0, 250))
            _record(kit, rng.choice(members), on, f"{rng.randrange(1, 80) / 10:.1f}")
        rows = progress.branch_rows(kit.world.dept_admin, [kit.north, kit.south], 2026)
    direct = {}
    for org in (kit.north, kit.south):
        direct[org.pk] = sum(
            (
                r.hours
                for r in StudyRecord.objects.filter(member__organization=org, studied_on__year=2026)
            ),
            Decimal(0),
        )
    assert {r.organization.pk: r.hours for r in rows} == direct


def test_branch_on_track_counts_equal_a_direct_count(kit):
    rng = random.Random(7)
    members = kit.north_members
    with time_machine.travel(at(2026, 6, 10), tick=False):
        for _ in range(12):
            on = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 150))
            _record(kit, rng.choice(members), on, f"{rng.randrange(5, 120) / 10:.1f}")
        (row,) = progress.branch_rows(kit.world.dept_admin, [kit.north], 2026)
    sums = {m.pk: Decimal(0) for m in members}
    for r in StudyRecord.objects.filter(member__in=members, studied_on__year=2026):
        sums[r.member_id] += r.hours
    expected = Decimal(32) * 5 / 12  # five completed months on 10 June
    assert row.on_track == sum(1 for v in sums.values() if v >= expected.quantize(Decimal("0.1")))


def test_a_branch_with_no_members_has_zero_figures(kit):
    from shegong.organizations.services import orgs

    empty = orgs.create_organization(
        actor=kit.world.root,
        code="S-E",
        name="空支部",
        kind="branch",
        region_id=kit.world.north_one.pk,
    )
    (row,) = progress.branch_rows(kit.world.dept_admin, [empty], 2026)
    assert (row.members, row.hours, row.average) == (0, Decimal(0), Decimal(0))


def test_only_the_department_administrator_changes_the_requirement(kit):
    from django.core.exceptions import PermissionDenied

    from shegong.study.services.common import set_requirement

    with pytest.raises(PermissionDenied):
        set_requirement(
            actor=kit.world.street_north,
            member_hours=Decimal(40),
            leader_hours=Decimal(56),
            cadre_hours=Decimal(32),
        )
