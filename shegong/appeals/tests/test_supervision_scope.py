"""督办 scope (issue 13): a supervision is seen through its region or through the units
handling its appeals (a many-to-many hop). ``visible_to`` reads it as semi-joins — the link
rows of the appeals whose work orders lie in the user's units — and sees exactly the rows
the joined form saw, each once."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.models import Supervision, WorkOrder
from shegong.core.roles import Role
from shegong.core.tests.test_scoping_equivalence import reference_visible_pks
from shegong.regions.models import Region
from shegong.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisions(world, make_appeal) -> list[Supervision]:
    """30 appeals with 0–3 work orders at random units, 12 supervisions over random sets of
    them (some none) in random regions."""
    rng = random.Random(13)
    units = list(Unit.objects.order_by("pk"))
    regions = list(Region.objects.order_by("pk"))
    now = timezone.now()
    appeals = [make_appeal()[0] for _ in range(30)]
    for appeal in appeals:
        for _ in range(rng.randrange(0, 4)):
            WorkOrder.objects.create(
                appeal=appeal, unit=rng.choice(units), role="lead", dispatched_at=now
            )
    made = []
    for i in range(12):
        row = Supervision.objects.create(
            title=f"督办事项{i}",
            instruction="请抓紧办理",
            leader=world.users["leader"],
            region=rng.choice(regions),
            deadline=now + timedelta(days=10),
            next_report_due=now + timedelta(days=7),
            created_at=now,
        )
        row.appeals.set(rng.sample(appeals, k=rng.randrange(0, 5)))
        made.append(row)
    return made


def personas(world) -> list[User]:
    people = list(User.objects.filter(is_active=True))
    for unit in Unit.objects.order_by("pk"):
        people.append(User(username=f"h{unit.pk}", role=Role.HANDLER, unit=unit))
    for region in Region.objects.order_by("pk")[:20]:
        unit = Unit.objects.order_by("pk").first()
        people.append(
            User(username=f"d{region.pk}", role=Role.DISPATCHER, region=region, unit=unit)
        )
    return people


def test_the_semi_joins_see_what_the_joined_form_saw(supervisions, world) -> None:
    differences = [
        user.username
        for user in personas(world)
        if reference_visible_pks(Supervision, user)
        != set(Supervision.objects.visible_to(user).values_list("pk", flat=True))
    ]
    assert differences == []


def test_some_handler_sees_some_supervisions_but_not_all(supervisions, world) -> None:
    # the comparison above is not vacuous
    seen = {
        Supervision.objects.visible_to(u).count() for u in personas(world) if u.role == Role.HANDLER
    }
    assert any(0 < n < len(supervisions) for n in seen)


def test_a_handler_sees_each_supervision_once(supervisions, world) -> None:
    rows = list(Supervision.objects.visible_to(world.handler_unit_a).values_list("pk", flat=True))
    assert len(rows) == len(set(rows))


def test_the_scope_is_semi_joins_not_a_join_through_the_links(supervisions, world) -> None:
    sql = str(Supervision.objects.visible_to(world.handler_unit_a).query)
    assert 'JOIN "appeals_supervision_appeals"' not in sql


def test_an_appeal_of_another_unit_does_not_show_its_supervision(world, make_appeal) -> None:
    appeal, _ = make_appeal()
    now = timezone.now()
    WorkOrder.objects.create(appeal=appeal, unit=world.unit_b, role="lead", dispatched_at=now)
    row = Supervision.objects.create(
        title="督办",
        instruction="请抓紧办理",
        leader=world.users["leader"],
        region=Region.objects.get(code="339901002"),
        deadline=now,
        next_report_due=now,
        created_at=now,
    )
    row.appeals.set([appeal])
    assert not Supervision.objects.visible_to(world.handler_unit_a).filter(pk=row.pk).exists()
