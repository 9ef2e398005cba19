"""Matching: nearness in the region tree, skills, reliability, workload, the 双报到 flag,
and the exclusions of the volunteer rules (minors, absentees, overloaded people)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.core.exceptions import DomainError
from shegong.regions.models import Region
from shegong.serving import services
from shegong.volunteers.models import Volunteer

from .test_orders import need

if TYPE_CHECKING:
    from conftest import World
    from shegong.volunteers.tests.conftest import Kit

pytestmark = pytest.mark.django_db


def ranked(world: World, **extra: object) -> services.matching.Result:
    order = services.create_need(actor=world.street_north, data=need(world, **extra))
    return services.suggest(actor=world.street_north, order_id=order.pk)


def ids(result: services.matching.Result) -> list[int]:
    return [s.volunteer_id for s in result.suggestions]


def test_the_same_community_ranks_above_the_same_street(world: World, kit: Kit) -> None:
    north_two = Region.objects.get(code="339901001002")
    street = kit.volunteer(region=north_two)
    home = kit.volunteer()
    assert ids(ranked(world)) == [home.pk, street.pk]


def test_another_district_is_not_suggested(world: World, kit: Kit) -> None:
    west = Region.objects.get(code="339902001001")
    kit.volunteer(region=west, actor=world.root)
    assert ids(ranked(world)) == []


def test_the_skill_asked_for_ranks_first_with_its_reason(world: World, kit: Kit) -> None:
    plain = kit.volunteer()
    nurse = kit.volunteer(skills=("医疗护理",))
    result = ranked(world, skills=["医疗护理"])
    assert (ids(result), result.suggestions[0].reasons[-1]) == (
        [nurse.pk, plain.pk],
        "具备技能：医疗护理",
    )


def test_a_minor_is_excluded_from_serving_an_elderly_person_alone(world: World, kit: Kit) -> None:
    minor = kit.volunteer(age=16)
    result = ranked(world, elderly_alone=True)
    assert [(e.volunteer_id, e.reason) for e in result.excluded] == [
        (minor.pk, "未成年人不承担独居老人、残疾人、未成年人的上门服务")
    ]


def test_a_minor_with_consent_may_serve_a_courtyard_cleaning(world: World, kit: Kit) -> None:
    minor = kit.volunteer(age=16)
    assert ids(ranked(world, title="清扫楼道")) == [minor.pk]


def test_a_minor_cannot_claim_a_vulnerable_order_either(world: World, kit: Kit) -> None:
    minor = kit.volunteer(age=16)
    order = services.create_need(actor=world.street_north, data=need(world, disabled=True))
    with pytest.raises(DomainError, match="未成年人"):
        services.claim_order(volunteer_id=minor.pk, order_id=order.pk)


def test_repeated_absence_excludes_from_vulnerable_orders(world: World, kit: Kit) -> None:
    absent = kit.volunteer()
    Volunteer.objects.filter(pk=absent.pk).update(no_shows=3)
    result = ranked(world, minors=True)
    assert [e.reason for e in result.excluded] == ["缺席3次，不安排服务困难群众"]


def test_absence_lowers_the_rank_but_does_not_exclude_otherwise(world: World, kit: Kit) -> None:
    absent = kit.volunteer()
    Volunteer.objects.filter(pk=absent.pk).update(no_shows=3)
    reliable = kit.volunteer()
    assert ids(ranked(world)) == [reliable.pk, absent.pk]


def test_a_full_workload_excludes(world: World, kit: Kit) -> None:
    busy = kit.volunteer()
    for i in range(3):
        order = services.create_need(
            actor=world.street_north, data=need(world, title=f"服务{i + 1}号")
        )
        services.claim_order(volunteer_id=busy.pk, order_id=order.pk)
    result = ranked(world)
    assert [e.reason for e in result.excluded] == ["已有3项服务未完成"]


def test_a_reported_member_living_elsewhere_counts_as_near(world: World, kit: Kit) -> None:
    south = Region.objects.get(code="339901002001")
    member = kit.volunteer(region=south, actor=world.root)
    services.report_member(
        actor=world.street_north, volunteer_id=member.pk, community_id=world.north_one.pk
    )
    top = ranked(world).suggestions[0]
    assert (top.volunteer_id, top.reported, top.reasons[0]) == (
        member.pk,
        True,
        "已向本社区报到的在职党员",
    )


def test_suggestions_mask_names(world: World, kit: Kit) -> None:
    kit.volunteer(name="张志愿")
    assert ranked(world).suggestions[0].name == "张**"


def count_queries(world: World, order_id: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.suggest(actor=world.street_north, order_id=order_id)
    return len(queries)


# One suggestion: the actor's scoped load of the order, the two policies, the skills asked
# for, the community's path, the reported members, two per ring (skill holders, anyone) for
# the three rings, the skills held, the claims, the shown names.
QUERIES_ALL_RINGS = 15


def test_the_queries_per_suggestion_do_not_grow_with_the_candidates(world: World, kit: Kit) -> None:
    kit.volunteer(skills=("医疗护理",))
    services.get_policy()  # created on first use: not part of a suggestion
    order = services.create_need(
        actor=world.street_north, data=need(world, skills=["医疗护理"], elderly_alone=True)
    )
    alone = count_queries(world, order.pk)
    street = Region.objects.get(code="339901001002")
    district = Region.objects.get(code="339901002001")
    many = [kit.volunteer(skills=("医疗护理",)) for _ in range(3)] + [kit.volunteer()]
    many += [kit.volunteer(region=street, age=16) for _ in range(3)]
    many += [kit.volunteer(region=district, actor=world.root) for _ in range(3)]
    services.report_member(
        actor=world.street_north, volunteer_id=many[-1].pk, community_id=world.north_one.pk
    )
    for i, volunteer in enumerate(many[:3]):
        other = services.create_need(actor=world.street_north, data=need(world, title=f"服务{i}"))
        services.claim_order(volunteer_id=volunteer.pk, order_id=other.pk)
    services.claim_order(volunteer_id=many[3].pk, order_id=order.pk)
    result = services.suggest(actor=world.street_north, order_id=order.pk)
    assert (len(result.suggestions) + len(result.excluded), alone) == (10, QUERIES_ALL_RINGS)
    assert count_queries(world, order.pk) == QUERIES_ALL_RINGS


def test_a_full_first_ring_leaves_the_outer_rings_unread(
    world: World, kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services.matching, "POOL", 3)
    services.get_policy()
    order = services.create_need(actor=world.street_north, data=need(world))
    for _ in range(3):
        kit.volunteer()
    kit.volunteer(region=Region.objects.get(code="339901001002"))
    result = services.suggest(actor=world.street_north, order_id=order.pk)
    # No skills asked for: one query per ring, and only the first ring read.
    assert ({s.distance for s in result.suggestions}, count_queries(world, order.pk)) == (
        {0},
        QUERIES_ALL_RINGS - 1 - 1 - 2 - 2,
    )


def test_reported_members_fill_the_pool_before_other_residents_but_not_skills(
    world: World, kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services.matching, "POOL", 2)
    reported = [kit.volunteer(), kit.volunteer()]
    for member in reported:
        services.report_member(
            actor=world.street_north, volunteer_id=member.pk, community_id=world.north_one.pk
        )
    kit.volunteer()  # a resident without the skill: the pool is already full
    nurse = kit.volunteer(skills=("医疗护理",))
    services.get_policy()
    order = services.create_need(actor=world.street_north, data=need(world, skills=["医疗护理"]))
    result = services.suggest(actor=world.street_north, order_id=order.pk)
    assert ids(result) == [nurse.pk, reported[0].pk, reported[1].pk]
    # The ring's residents are not read at all: one query fewer than with an open pool.
    assert count_queries(world, order.pk) == QUERIES_ALL_RINGS - 2 - 2 - 1
