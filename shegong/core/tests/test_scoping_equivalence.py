"""The semi-join form of ``visible_to`` sees exactly what the joined form saw.

``ScopedQuerySet.visible_to`` turns a scope path whose hop is a reverse foreign key
(``work_orders__unit``, ``reviews__reviewer_unit``, ``memberships__team__unit`` with its
``path_filters``, ``appeals__region``, ``appeal__work_orders__unit``) into
``key IN (SELECT fk FROM related WHERE …)``. This is the security core: the test keeps
the earlier algorithm (one ``filter`` over LEFT JOINs, wrapped in ``pk IN (…)`` when a
hop is multi-valued) as a reference and compares the pk sets for every persona and every
scoped model over a demo city with varied data: work orders in and out of each unit,
reviews by bodies that handle nothing, volunteers whose membership ended, petitioners
with appeals in several regions.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from shegong.accounts.models import User
from shegong.core.scoping import Scope, ScopedQuerySet, _is_multi_valued, _paths, _prefix
from shegong.core.tree import subtree_q

pytestmark = pytest.mark.django_db


def reference_visible_pks(model: type[models.Model], user: User) -> set[object]:
    """The algorithm of ``ScopedQuerySet.visible_to`` before the semi-joins (reference)."""
    scope = getattr(model, "scope", None)
    assert isinstance(scope, Scope)
    base = model._base_manager.all()
    if not user.is_active:
        return set()
    if user.is_superuser:
        return set(base.values_list("pk", flat=True))
    if scope.capability and not user.has_capability(scope.capability):
        return set()
    if user.has_citywide_scope:
        return set(base.values_list("pk", flat=True))
    condition = models.Q()
    matched = False
    multi_valued = False
    for path, rels in ((user.scope_region_path, scope.region), (user.scope_unit_path, scope.unit)):
        if not path:
            continue
        for rel in _paths(rels):
            condition |= subtree_q(path, _prefix(rel)) & models.Q(**scope.path_filters.get(rel, {}))
            matched = True
            multi_valued |= _is_multi_valued(model, rel)
    if scope.region_path_column and user.scope_region_path:
        condition |= subtree_q(user.scope_region_path, scope.region_path_column)
        matched = True
    if not matched:
        return set()
    if multi_valued:
        inner = model._base_manager.filter(condition).values("pk")
        return set(base.filter(pk__in=inner).values_list("pk", flat=True))
    return set(base.filter(condition).values_list("pk", flat=True))


def new_visible_pks(model: type[models.Model], user: User) -> set[object]:
    # The core method itself (AppealQuerySet / WorkOrderQuerySet add their own conditions
    # on top of it through ``super()``; those are the same before and after).
    rows = ScopedQuerySet(model=model).visible_to(user)
    return set(rows.values_list("pk", flat=True))


def scoped_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if getattr(m, "scope", None) is not None]


def _vary(rng: random.Random) -> None:
    """Make the demo city's data awkward on purpose (edges of every scope path)."""
    from shegong.appeals.choices import ReviewLevel
    from shegong.appeals.models import Appeal, Petitioner, Review, WorkOrder
    from shegong.regions.models import Region
    from shegong.units.models import Unit
    from shegong.volunteers.models import Membership

    units = list(Unit.objects.order_by("pk"))
    regions = list(Region.objects.order_by("pk"))
    appeals = list(Appeal.objects.order_by("pk"))
    # Work orders moved to other units: some appeals now have orders in and out of scope.
    orders = list(WorkOrder.objects.order_by("pk"))
    for order in rng.sample(orders, k=min(len(orders), 40)):
        WorkOrder.objects.filter(pk=order.pk).update(unit=rng.choice(units))
    # Reviews (复查/复核) by bodies that handle none of the appeal's orders, some decided.
    now = timezone.now()
    for appeal in rng.sample(appeals, k=min(len(appeals), 25)):
        Review.objects.create(
            appeal=appeal,
            level=rng.choice(ReviewLevel.values),
            requested_at=now,
            request_text="申请复查",
            window_end=now,
            reviewer_unit=rng.choice(units),
            due_at=now,
            decided_at=rng.choice([None, now]),
        )
    # Petitioners with appeals in several regions.
    petitioners = list(Petitioner.objects.order_by("pk")[:30])
    for petitioner in petitioners:
        for appeal in rng.sample(appeals, k=min(len(appeals), 3)):
            Appeal.objects.filter(pk=appeal.pk).update(
                petitioner=petitioner, region=rng.choice(regions)
            )
    # Ended memberships (a unit no longer sees these volunteers through that team).
    memberships = list(Membership.objects.order_by("pk"))
    for membership in rng.sample(memberships, k=len(memberships) // 3):
        Membership.objects.filter(pk=membership.pk).update(left_at=now - timedelta(days=3))


SECOND_HOP = [
    # (scope on Region through two reverse hops, whether it is a semi-join)
    (
        Scope(
            capability=None,
            unit=("appeals__work_orders__unit",),
            path_filters={
                "appeals__work_orders__unit": {"appeals__work_orders__status": "pending"}
            },
        ),
        True,
    ),
    (Scope(capability=None, unit=("appeals__work_orders__unit",)), True),
    (
        Scope(
            capability=None,
            unit=("appeals__work_orders__unit",),
            path_filters={"appeals__work_orders__unit": {"appeals__status": "closed"}},
        ),
        False,  # a filter on the first hop only: the joined form
    ),
]


@pytest.fixture(scope="module")
def _varied_city_built(module_db: DjangoDbBlocker) -> None:
    """Built once for the module; each test reads it (its own changes roll back)."""
    from shegong.demo.generator import generate

    with module_db.unblock():
        # 150 appeals reach every street of the small city; _vary spreads them further.
        generate("small", log=lambda _m: None, appeals=150)
        _vary(random.Random(13))


@pytest.fixture
def varied_city(_varied_city_built: None, db: None) -> None:
    return None


def personas() -> list[User]:
    """Every account of the city, plus each unit as a handler and as a street user without
    a region, and each region as a street user, a leader and a dispatcher (unsaved users:
    scoping reads only role, region and unit)."""
    from shegong.core.roles import Role
    from shegong.regions.models import Region
    from shegong.units.models import Unit

    people = list(User.objects.filter(is_active=True))
    units = list(Unit.objects.order_by("pk"))
    for unit in units:
        people.append(User(username=f"h{unit.pk}", role=Role.HANDLER, unit=unit))
        # Unit only, with the volunteer capability: sees a team's members through the unit.
        people.append(User(username=f"u{unit.pk}", role=Role.STREET_STAFF, unit=unit))
    for i, region in enumerate(Region.objects.order_by("pk")):
        people.append(User(username=f"s{region.pk}", role=Role.STREET_STAFF, region=region))
        people.append(User(username=f"v{region.pk}", role=Role.LEADER, region=region))
        # A dispatcher below the city (person history: petitioners) with a unit as well,
        # so the region and unit paths of one scope are OR-ed together.
        unit = units[i % len(units)]
        people.append(
            User(username=f"d{region.pk}", role=Role.DISPATCHER, region=region, unit=unit)
        )
    return people


@pytest.mark.usefixtures("varied_city")
def test_semi_joins_see_exactly_what_the_joined_form_saw() -> None:
    from shegong.appeals.models import Appeal, Petitioner
    from shegong.volunteers.models import Volunteer

    differences = []
    partial: set[str] = set()
    people = personas()
    for model in scoped_models():
        total = model._base_manager.count()
        for user in people:
            old = reference_visible_pks(model, user)
            new = new_visible_pks(model, user)
            if old != new:
                differences.append((model.__name__, user.username, len(old), len(new)))
            if 0 < len(old) < total:
                partial.add(model.__name__)
    assert differences == []
    # Not a vacuous comparison: for each rewritten model some persona sees some rows and
    # not all of them.
    assert {Appeal.__name__, Petitioner.__name__, Volunteer.__name__} <= partial


@pytest.mark.usefixtures("varied_city")
@pytest.mark.parametrize(("scope", "semi_join"), SECOND_HOP)
def test_a_second_reverse_hop_sees_what_the_joined_form_saw(
    scope: Scope, semi_join: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shegong.regions.models import Region

    monkeypatch.setattr(Region, "scope", scope, raising=False)
    differing = [
        user.username
        for user in personas()
        if user.scope_unit_path
        and reference_visible_pks(Region, user) != new_visible_pks(Region, user)
    ]
    assert differing == []
