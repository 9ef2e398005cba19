"""The handling unit's work-order queues (待签收, 办理中, 临期, 已超期) and 待复查复核 read
their rows through partial indexes in deadline order, on planner statistics of a table
where open orders are few (issue 13): no scan of the orders, no sort of every visible row.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import ReviewLevel
from shegong.appeals.models import Appeal, ExtensionRequest, Review, WorkOrder
from shegong.appeals.tests.test_search_indexes import analyze, clone_appeals
from shegong.appeals.views_workbench import _queues, queue_rows

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.get_fixed_timezone(480))
# queue → the partial index its page reads
HANDLER_QUEUES = {
    "to_sign": "order_queue_to_sign",
    "handling": "order_queue_handling",
    "due_soon": "order_queue_unit_open",
    "overdue": "order_queue_unit_open",
}
DISPATCHER_QUEUES = {"due_soon": "order_queue_open", "overdue": "order_queue_open"}


@pytest.fixture
def orders(world, make_appeal) -> dict[str, list[WorkOrder]]:
    """2,001 appeals with a work order each, half at 市住建局 and half at 市教育局, all
    closed but 100 pending (signing deadlines an hour apart) and 100 signed (handling
    deadlines an hour apart, the first 50 past) at 市住建局."""
    lead, _ = make_appeal()
    clones = clone_appeals(lead, 2000)
    rows = WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                appeal=a,
                unit=world.unit_a if i % 2 == 0 else world.unit_b,
                role="lead",
                status="closed",
                dispatched_at=NOW - timedelta(days=30),
            )
            for i, a in enumerate(clones)
        ],
        batch_size=500,
    )
    mine = [o for o in rows if o.unit_id == world.unit_a.pk]
    pending, signed = mine[:100], mine[100:200]
    for i, o in enumerate(pending):
        WorkOrder.objects.filter(pk=o.pk).update(
            status="pending",
            sign_due_at=NOW + timedelta(hours=i),
            due_at=NOW + timedelta(days=10, hours=-i),
        )
    for i, o in enumerate(signed):
        WorkOrder.objects.filter(pk=o.pk).update(
            status="signed", due_at=NOW + timedelta(hours=i - 50)
        )
    analyze()
    return {"pending": pending, "signed": signed}


Rows = QuerySet[Appeal] | QuerySet[WorkOrder] | QuerySet[ExtensionRequest]


def page(key: str, user: User) -> Rows:
    return queue_rows(_queues(user, NOW), key, user)[:30]


def count_query(key: str, user: User) -> QuerySet[WorkOrder]:
    # what ``count()`` reads: the filter, no ORDER BY
    rows: QuerySet[WorkOrder] = _queues(user, NOW)[key]["qs"].order_by().values("pk")
    return rows


def plan(rows: Rows) -> str:
    return rows.explain()


def page_plan(rows: Rows) -> str:
    """The plan of a queue page. On PostgreSQL with sorting priced out: the fixture's queues
    hold 100 rows and ANALYZE inside the test's transaction rates them a handful, which
    PostgreSQL would sort rather than read in order; without the sort what remains shows the
    queue's partial index matches the filter and delivers the deadline order (at scale the
    queue is longer than a page and the cost model picks it: bench/README.md)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
    return plan(rows)


def sorted_afterwards(text: str) -> bool:
    if connection.vendor == "sqlite":
        return "TEMP B-TREE" in text
    return bool(re.search(r"^\s*(->\s*)?(Incremental )?Sort\b", text, re.MULTILINE))


@pytest.mark.parametrize("key", HANDLER_QUEUES)
def test_a_handler_queue_page_reads_its_partial_index(orders, world, key) -> None:
    expected = HANDLER_QUEUES[key]
    if connection.vendor == "postgresql" and key == "handling":
        # PostgreSQL may read 办理中 from the (status, due_at) index, filtering the unit:
        # also in deadline order (the next test), over the signed orders only
        expected = r"order_queue_handling|appeals_wor_status_\w+"
    assert re.search(expected, page_plan(page(key, world.handler_unit_a)))


@pytest.mark.parametrize("key", HANDLER_QUEUES)
def test_a_handler_queue_page_is_read_in_deadline_order(orders, world, key) -> None:
    assert not sorted_afterwards(page_plan(page(key, world.handler_unit_a)))


@pytest.mark.parametrize("key", HANDLER_QUEUES)
def test_a_handler_queue_count_reads_only_open_orders(orders, world, key) -> None:
    text = plan(count_query(key, world.handler_unit_a))
    assert not re.search(
        r"SCAN appeals_workorder\b(?! USING (COVERING )?INDEX order_queue)"
        r"|Seq Scan on appeals_workorder\b",
        text,
    )


@pytest.mark.parametrize("key", DISPATCHER_QUEUES)
def test_a_dispatcher_deadline_queue_reads_the_open_orders_index(orders, world, key) -> None:
    assert DISPATCHER_QUEUES[key] in page_plan(page(key, world.dispatcher))


@pytest.mark.parametrize("key", DISPATCHER_QUEUES)
def test_a_dispatcher_deadline_queue_is_read_in_deadline_order(orders, world, key) -> None:
    assert not sorted_afterwards(page_plan(page(key, world.dispatcher)))


def test_to_sign_lists_the_pending_orders_by_signing_deadline(orders, world) -> None:
    expected = [o.pk for o in orders["pending"][:30]]
    assert [o.pk for o in page("to_sign", world.handler_unit_a)] == expected


def test_handling_lists_the_signed_orders_by_handling_deadline(orders, world) -> None:
    expected = [o.pk for o in orders["signed"][:30]]
    assert [o.pk for o in page("handling", world.handler_unit_a)] == expected


def test_overdue_lists_the_late_orders_by_deadline(orders, world) -> None:
    expected = [o.pk for o in orders["signed"][:30]]
    assert [o.pk for o in page("overdue", world.handler_unit_a)] == expected


def test_overdue_counts_the_late_orders(orders, world) -> None:
    assert _queues(world.handler_unit_a, NOW)["overdue"]["qs"].count() == 50


def test_due_soon_lists_the_orders_due_within_three_days(orders, world) -> None:
    expected = [o.pk for o in orders["signed"][50:80]]
    assert [o.pk for o in page("due_soon", world.handler_unit_a)] == expected


def test_the_dispatcher_sees_every_late_order(orders, world) -> None:
    assert _queues(world.dispatcher, NOW)["overdue"]["qs"].count() == 50


def test_another_unit_has_none_of_these_orders_to_sign(orders, world) -> None:
    assert _queues(world.handler_unit_b, NOW)["to_sign"]["qs"].count() == 0


# --- 待复查复核 ------------------------------------------------------------------------------


@pytest.fixture
def reviews(orders, world) -> list[Appeal]:
    """300 decided reviews at 市教育局, and three undecided ones at 市住建局 (one appeal with
    both its 复查 and 复核 undecided)."""
    appeals = list(Appeal.objects.order_by("pk")[:303])
    made = []
    for i, appeal in enumerate(appeals):
        open_ = i >= 300
        made.append(
            Review(
                appeal=appeal,
                level=ReviewLevel.REVIEW,
                requested_at=NOW,
                request_text="不服处理意见",
                window_end=NOW,
                reviewer_unit=world.unit_a if open_ else world.unit_b,
                due_at=NOW + timedelta(days=30),
                decided_at=None if open_ else NOW,
            )
        )
    made.append(
        Review(
            appeal=appeals[300],
            level=ReviewLevel.RECHECK,
            requested_at=NOW,
            request_text="不服复查意见",
            window_end=NOW,
            reviewer_unit=world.unit_a,
            due_at=NOW + timedelta(days=30),
        )
    )
    Review.objects.bulk_create(made)
    analyze()
    return appeals[300:]


def test_the_review_queue_counts_each_appeal_once(reviews, world) -> None:
    assert _queues(world.handler_unit_a, NOW)["reviews"]["qs"].count() == 3


def test_the_review_queue_is_empty_for_another_unit(reviews, world) -> None:
    assert _queues(world.street_north, NOW)["reviews"]["qs"].count() == 0


def test_the_review_queue_reads_the_undecided_reviews_index(reviews, world) -> None:
    rows: QuerySet[Appeal] = _queues(world.handler_unit_a, NOW)["reviews"]["qs"]
    assert "review_open_by_unit" in rows.order_by().values("pk").explain()


def test_the_review_queue_no_longer_matches_unit_paths_by_like(reviews, world) -> None:
    rows: QuerySet[Appeal] = _queues(world.handler_unit_a, NOW)["reviews"]["qs"]
    assert " LIKE " not in str(rows.query).upper()


# --- the work-order scope without the appeal scope's EXISTS ---------------------------------


def order_personas() -> list[User]:
    from shegong.core.roles import Role
    from shegong.regions.models import Region
    from shegong.units.models import Unit

    people = list(User.objects.filter(is_active=True))
    units = list(Unit.objects.order_by("pk"))
    for unit in units:
        people.append(User(username=f"h{unit.pk}", role=Role.HANDLER, unit=unit))
    for i, region in enumerate(Region.objects.order_by("pk")):
        people.append(User(username=f"s{region.pk}", role=Role.STREET_STAFF, region=region))
        unit = units[i % len(units)]
        people.append(
            User(username=f"d{region.pk}", role=Role.STREET_STAFF, region=region, unit=unit)
        )
    return people


@pytest.fixture
def accusations(world, make_appeal) -> list[Appeal]:
    """检举控告 against 市住建局 and against a street office, with orders at the accused
    unit, at another unit and at a street; ordinary appeals with orders here and there."""
    import random

    from shegong.appeals.choices import AppealKind
    from shegong.regions.models import Region
    from shegong.units.models import Unit

    rng = random.Random(5)
    units = list(Unit.objects.order_by("pk"))
    regions = list(Region.objects.order_by("pk"))
    made = []
    for i in range(24):
        appeal, _ = make_appeal(
            kind=AppealKind.XF_ACCUSATION if i % 3 == 0 else AppealKind.HL_COMPLAINT,
            region_id=rng.choice(regions).pk,
        )
        if i % 3 == 0:
            appeal.accused_units.set([rng.choice(units)])
        for _ in range(rng.randrange(1, 4)):
            WorkOrder.objects.create(
                appeal=appeal, unit=rng.choice(units), role="lead", dispatched_at=NOW
            )
        made.append(appeal)
    return made


def test_the_order_scope_sees_what_the_exists_form_saw(accusations) -> None:
    differences = [
        user.username
        for user in order_personas()
        if set(WorkOrder.objects.visible_to(user).values_list("pk", flat=True))
        != set(WorkOrder.objects.visible_to_exists(user).values_list("pk", flat=True))
    ]
    assert differences == []


def test_the_accusation_rule_hides_some_order_from_someone(accusations) -> None:
    # the comparison above is not vacuous: for some persona the 检举控告 rule removes an
    # order that the unit and region scope alone would show
    from shegong.core.scoping import ScopedQuerySet

    hidden = [
        user.username
        for user in order_personas()
        if ScopedQuerySet(model=WorkOrder).visible_to(user).count()
        > WorkOrder.objects.visible_to(user).count()
    ]
    assert hidden != []
