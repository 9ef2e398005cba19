"""Coverage figures: definitions, the pre-aggregated cells equal the live GROUP BY after
every kind of write, and the scope of the figures."""

from __future__ import annotations

import random

import pytest

from shegong.organizations.choices import CoverageMode
from shegong.organizations.models import CoverageCell, Entity
from shegong.organizations.services import coverage, entities, orgs
from shegong.organizations.services.imports import import_entities
from shegong.organizations.testing import credit_code

pytestmark = pytest.mark.django_db


def _cells() -> dict[tuple, tuple]:
    return {
        (c.street_id, c.kind, c.industry, c.size_band): tuple(
            getattr(c, m) for m in coverage.MEASURES
        )
        for c in CoverageCell.objects.all()
    }


def _live() -> dict[tuple, tuple]:
    return {
        (s, k, i or "", z): tuple(v) for s, k, i, z, *v in coverage.live_cells(Entity.objects.all())
    }


def test_figures_and_rates(world, make_entity, make_org) -> None:
    branch = make_org()
    a = make_entity(employees=5)
    b = make_entity(employees=60, industry="I")
    c = make_entity(region=world.south_one, employees=400)
    make_entity(employees=1)
    entities.set_coverage(
        actor=world.root, entity_id=a.pk, mode="single", organization_id=branch.pk, formal_members=3
    )
    entities.assign_instructor(actor=world.root, entity_id=b.pk, name="甲")
    entities.update_entity(actor=world.root, entity_id=c.pk, is_active=False)
    data = coverage.coverage_for(world.root, world.district)
    o = data.overall
    assert (o.total, o.org_covered, o.work_covered, o.instructor_only, o.gaps) == (3, 1, 2, 1, 1)
    assert (o.org_rate, o.work_rate) == (33.3, 66.7)
    assert o.formal_members == 3
    assert o.by_mode == {"single": 1, "joint": 0, "attached": 0, "none": 2}
    assert [(r.code, f.total) for r, f in data.by_region] == [("339901001", 3)]
    sizes = {k: f.total for k, _, f in data.by_size}
    assert sizes == {"micro": 2, "medium": 1}
    industries = {k: f.total for k, _, f in data.by_industry}
    assert industries == {"I": 1, "": 2}
    # Figures are kept per street: at street level the one row is the street itself.
    street = coverage.coverage_for(world.root, world.north)
    assert [r.code for r, _ in street.by_region] == ["339901001"]
    empty = coverage.coverage_for(world.root, world.district_b)
    assert empty.overall.total == 0
    assert empty.overall.org_rate is None


def test_cells_equal_live_aggregation_after_every_write(world, make_org) -> None:
    rng = random.Random(5)
    regions = [world.north_one, world.south_one, world.north, world.south]
    branch = make_org(kind="joint_branch")
    other = make_org(kind="joint_branch", region=world.south_one)
    created = []
    for i in range(40):
        created.append(
            entities.create_entity(
                actor=world.root,
                credit_code=credit_code(i + 1),
                name=f"企业{i}",
                kind=rng.choice(["enterprise", "social_org", "association"]),
                region_id=rng.choice(regions).pk,
                industry=rng.choice(["", "C", "F", "I"]),
                employees=rng.choice([1, 20, 80, 500]),
            )
        )
    assert _cells() == _live()
    for e in rng.sample(created, 15):
        entities.set_coverage(
            actor=world.root,
            entity_id=e.pk,
            mode=rng.choice(["joint", "attached"]),
            organization_id=rng.choice([branch, other]).pk,
            formal_members=rng.randint(0, 6),
            probationary_members=rng.randint(0, 2),
        )
        assert _cells() == _live()
    instructors = []
    for e in rng.sample(created, 10):
        instructors.append(entities.assign_instructor(actor=world.root, entity_id=e.pk, name="乙"))
        assert _cells() == _live()
    for instructor in instructors[:5]:  # half of them end again
        entities.end_instructor(actor=world.root, instructor_id=instructor.pk)
        assert _cells() == _live()
    for e in rng.sample(created, 10):
        entities.update_entity(
            actor=world.root,
            entity_id=e.pk,
            region_id=rng.choice(regions).pk,
            employees=rng.choice([3, 30, 300]),
            is_active=rng.random() < 0.8,
        )
        assert _cells() == _live()
    orgs.merge_organizations(actor=world.root, source_id=other.pk, target_id=branch.pk)
    assert _cells() == _live()
    rows = [
        (
            i + 2,
            {
                "统一社会信用代码": e.credit_code,
                "名称": e.name,
                "类型": "企业",
                "所在区划代码": rng.choice(regions).code,
                "从业人员数": str(rng.choice([2, 200])),
            },
        )
        for i, e in enumerate(created)
    ]
    rows.append(
        (
            99,
            {
                "统一社会信用代码": credit_code(999),
                "名称": "新",
                "类型": "企业",
                "所在区划代码": world.south.code,
            },
        )
    )
    assert import_entities(actor=world.root, rows=rows, commit=True).committed
    assert _cells() == _live()
    # The daily rebuild gives the same cells.
    before = _cells()
    coverage.rebuild_cells()
    assert _cells() == before


def test_street_users_read_cells_and_community_users_read_their_own_rows(
    world, make_entity
) -> None:
    make_entity(region=world.north_one, employees=70)
    make_entity(region=world.north, employees=70)  # in the street, outside 北一社区
    make_entity(region=world.south_one)
    street = coverage.coverage_for(world.street_north, world.north)
    assert street.source == "cells"
    assert street.overall.total == 2
    community = coverage.coverage_for(world.community_north, world.north_one)
    assert community.source == "live"
    assert community.overall.total == 1
    # A community user asking for the street gets only their community, not the cells.
    assert coverage.coverage_for(world.community_north, world.north).overall.total == 1
    city = coverage.coverage_for(world.dept_admin, None)
    assert city.source == "cells"
    assert city.overall.total == 3


def test_filters_apply_to_cells_and_live_alike(world, make_entity) -> None:
    make_entity(region=world.north_one, kind="social_org", industry="S")
    make_entity(region=world.north_one, kind="enterprise", industry="I")
    for user, root in ((world.street_north, world.north), (world.community_north, world.north_one)):
        data = coverage.coverage_for(user, root, kind="social_org")
        assert data.overall.total == 1
        assert [k for k, _, _ in data.by_industry] == ["S"]


def test_snapshot_rows_and_trend(world, make_entity, make_org) -> None:
    from datetime import date

    e = make_entity(employees=70)
    make_entity(region=world.south_one)
    coverage.take_snapshot(on=date(2026, 10, 1))
    entities.set_coverage(
        actor=world.root, entity_id=e.pk, mode=CoverageMode.ATTACHED, organization_id=make_org().pk
    )
    coverage.take_snapshot(on=date(2026, 11, 1))
    city = coverage.trend(world.dept_admin, None)
    assert [(t["date"], t["org_rate"]) for t in city] == [("2026-10-01", 0.0), ("2026-11-01", 50.0)]
    north = coverage.trend(world.street_north, None)
    assert [t["org_rate"] for t in north] == [0.0, 100.0]
    assert coverage.trend(world.street_north, world.north, kind="social_org") == []


def test_users_with_administrator_links_read_cells_plus_their_linked_entities(
    world, make_entity, make_org
) -> None:
    """Cells for the jurisdiction, live rows only for linked entities outside it; nothing
    counted twice (a link inside the own region adds nothing)."""
    from shegong.organizations.models import OrgAdministrator

    south_branch = make_org(region=world.south_one, code="S-L1")
    north_branch = make_org(region=world.north_one, code="N-L1")
    make_entity(region=world.north_one, employees=70)
    inside = make_entity(region=world.north_one, kind="social_org")
    linked = make_entity(region=world.south_one, kind="social_org", employees=12)
    make_entity(region=world.south_one)  # southern, not linked: never counted
    for entity, org in ((linked, south_branch), (inside, north_branch)):
        entities.set_coverage(
            actor=world.root, entity_id=entity.pk, mode=CoverageMode.SINGLE, organization_id=org.pk
        )
    for user in (world.street_north, world.district_leader):
        OrgAdministrator.objects.create(user=user, organization=south_branch)
        OrgAdministrator.objects.create(user=user, organization=north_branch)
    street_user = type(world.street_north).objects.get(pk=world.street_north.pk)
    data = coverage.coverage_for(street_user, None)
    assert data.source == "cells+live"
    assert data.overall.total == 3
    assert data.overall.org_covered == 2
    assert data.overall.total == Entity.objects.visible_to(street_user).count()
    filtered = coverage.coverage_for(street_user, None, kind="social_org")
    assert (filtered.overall.total, filtered.source) == (2, "cells+live")
    assert coverage.coverage_for(street_user, world.north).overall.total == 2
    south = coverage.coverage_for(street_user, world.south)
    assert (south.overall.total, south.source) == (1, "cells+live")
    # The district leader's district contains both streets: the link adds nothing.
    leader = type(world.district_leader).objects.get(pk=world.district_leader.pk)
    district = coverage.coverage_for(leader, world.district)
    assert (district.source, district.overall.total) == ("cells", 4)
