"""Partial indexes where a column is mostly empty: the planner picks them once ANALYZE has
run on skewed data (issue 13). A full index on a column that is NULL in almost every row
looks useless to SQLite's statistics (every NULL counts as one value), so the look-up used
to scan through another index."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import QuerySet

from shegong.accounts.models import User
from shegong.appeals.choices import ExtensionStatus
from shegong.appeals.models import Appeal, ExtensionRequest, WorkOrder


def clone_appeals(base: Appeal, count: int) -> list[Appeal]:
    """``count`` copies of ``base`` with their own numbers (the planner's statistics need
    rows, not realistic ones)."""
    fields = [f.attname for f in Appeal._meta.concrete_fields if f.attname not in ("id", "number")]
    values = {name: getattr(base, name) for name in fields}
    rows = [Appeal(number=f"{base.number}-{i:05d}", **values) for i in range(count)]
    return Appeal.objects.bulk_create(rows, batch_size=500)


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def plan(queryset: QuerySet[Appeal] | QuerySet[ExtensionRequest] | QuerySet[WorkOrder]) -> str:
    return queryset.explain()


@pytest.fixture
def skewed(world, make_appeal) -> dict[str, Appeal | User]:
    """2,000 appeals of which five are merged into a lead and one split from it; a work
    order per appeal for 400 of them, each with a decided extension, and one pending."""
    lead, _ = make_appeal()
    clones = clone_appeals(lead, 2000)
    Appeal.objects.filter(pk__in=[a.pk for a in clones[:5]]).update(merged_into=lead)
    Appeal.objects.filter(pk=clones[5].pk).update(split_from=lead)
    orders = WorkOrder.objects.bulk_create(
        [
            WorkOrder(appeal=a, unit=world.unit_a, role="lead", dispatched_at=a.registered_at)
            for a in clones[:400]
        ]
    )
    ExtensionRequest.objects.bulk_create(
        [
            ExtensionRequest(
                work_order=o,
                days=5,
                reason="材料待补",
                requested_by=world.root,
                requested_at=o.dispatched_at,
                status=ExtensionStatus.PENDING if i == 0 else ExtensionStatus.APPROVED,
            )
            for i, o in enumerate(orders)
        ]
    )
    # almost every order is finished: the open ones are a handful
    WorkOrder.objects.exclude(pk=orders[0].pk).update(status="closed")
    WorkOrder.objects.filter(pk=orders[0].pk).update(due_at=orders[0].dispatched_at)
    analyze()
    return {"lead": lead, "user": world.users["dept_admin"]}


@pytest.mark.django_db
def test_merged_appeals_use_the_partial_index(skewed) -> None:
    assert "appeal_merged_into_set" in plan(skewed["lead"].merged_appeals.all())


@pytest.mark.django_db
def test_merged_appeals_are_found(skewed) -> None:
    assert skewed["lead"].merged_appeals.count() == 5


@pytest.mark.django_db
def test_split_children_use_the_partial_index(skewed) -> None:
    assert "appeal_split_from_set" in plan(skewed["lead"].split_children.all())


@pytest.mark.django_db
def test_pending_extension_count_uses_the_partial_index(skewed) -> None:
    queryset = ExtensionRequest.objects.filter(
        status=ExtensionStatus.PENDING,
        work_order__in=WorkOrder.objects.visible_to(skewed["user"]),
    )
    assert "extension_pending" in plan(queryset)


@pytest.mark.django_db
def test_pending_visible_to_reads_the_partial_index(skewed) -> None:
    assert "extension_pending" in plan(ExtensionRequest.objects.pending_visible_to(skewed["user"]))


@pytest.mark.django_db
def test_pending_visible_to_counts_the_pending_request(skewed) -> None:
    assert ExtensionRequest.objects.pending_visible_to(skewed["user"]).count() == 1


@pytest.mark.django_db
def test_pending_visible_to_is_scoped(skewed, world) -> None:
    assert ExtensionRequest.objects.pending_visible_to(world.handler_unit_b).count() == 0


def overdue(user: User) -> QuerySet[WorkOrder]:
    """The workbench's 已超期 queue (a fixed instant far ahead: every open order is late)."""
    return WorkOrder.objects.visible_to(user).filter(
        status__in=["pending", "signed"], due_at__lt=datetime(2100, 1, 1, tzinfo=UTC)
    )


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite drove the query from an IN list; PostgreSQL semi-joins",
)
@pytest.mark.django_db
def test_overdue_orders_of_a_city_wide_user_start_from_the_status_index(skewed) -> None:
    # not from the list of every visible appeal (the scope's appeal check is per order)
    assert "status" in plan(overdue(skewed["user"])).splitlines()[0]


@pytest.mark.django_db
def test_overdue_orders_of_a_city_wide_user_are_counted(skewed) -> None:
    assert overdue(skewed["user"]).count() == 1


@pytest.mark.django_db
def test_overdue_orders_stay_in_scope(skewed, world) -> None:
    assert overdue(world.handler_unit_b).count() == 0


@pytest.fixture
def one_final(skewed) -> Appeal:
    """The lead of ``skewed`` closed by 复核: the one final appeal among 2,001 of one person."""
    lead = skewed["lead"]
    Appeal.objects.filter(pk=lead.pk).update(finality_at=datetime(2026, 1, 5, tzinfo=UTC))
    analyze()
    return lead


def _final_appeals(appeal: Appeal) -> QuerySet[Appeal]:
    from shegong.appeals.services.review import final_appeals_of

    petitioner = appeal.petitioner
    assert petitioner is not None
    return final_appeals_of(phone_bidx=petitioner.phone_bidx, id_bidx="")


@pytest.mark.django_db
def test_the_finality_check_of_intake_reads_the_partial_index(one_final) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the plan is SQLite's; PostgreSQL plans a 2,000-row table by cost")
    assert "appeal_finality_set" in plan(_final_appeals(one_final))


@pytest.mark.django_db
def test_the_finality_check_finds_the_final_appeal(one_final) -> None:
    assert list(_final_appeals(one_final)) == [one_final]


# The dispatcher's queues (待受理, 待派单, 待办结): one open status each, a partial index per
# queue on its clock serves the count and the ORDER BY of the page (issue 13: 待受理 sorted
# every registered appeal with all columns).
QUEUE_STATUS = {
    "to_accept": ("registered", "triage_due_at", "appeal_queue_to_accept"),
    "to_dispatch": ("accepted", "accepted_at", "appeal_queue_to_dispatch"),
    "to_close": ("replied", "replied_at", "appeal_queue_to_close"),
}


LONG_TEXTS = ("body", "masked_search_text", "reply_text", "decision_reason")


def put_in_queue(appeals: list[Appeal], key: str) -> None:
    status, clock, _ = QUEUE_STATUS[key]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i, appeal in enumerate(appeals):
        Appeal.objects.filter(pk=appeal.pk).update(
            status=status, **{clock: start + timedelta(hours=i)}
        )


@pytest.fixture
def queued(world, make_appeal) -> list[Appeal]:
    """2,001 appeals, most closed: 100 in each dispatcher queue (more than a page, else
    PostgreSQL sorts the few rows rather than read an index in order)."""
    lead, _ = make_appeal()
    clones = clone_appeals(lead, 2000)
    Appeal.objects.exclude(pk__in=[a.pk for a in clones[:300]]).update(status="closed")
    for n, key in enumerate(QUEUE_STATUS):
        put_in_queue(clones[100 * n : 100 * n + 100], key)
    analyze()
    return clones


def queue_page(
    key: str, user: User
) -> QuerySet[Appeal] | QuerySet[WorkOrder] | QuerySet[ExtensionRequest]:
    from django.utils import timezone

    from shegong.appeals.views_workbench import _queues, queue_rows

    return queue_rows(_queues(user, timezone.now()), key, user)[:30]


def queue_count(key: str, user: User) -> QuerySet[Appeal]:
    from django.utils import timezone

    from shegong.appeals.views_workbench import _queues

    # what ``count()`` reads: the filter, no ORDER BY
    return _queues(user, timezone.now())[key]["qs"].order_by().values("pk")


@pytest.mark.django_db
@pytest.mark.parametrize("key", QUEUE_STATUS)
def test_a_dispatcher_queue_page_reads_its_partial_index(queued, world, key) -> None:
    assert QUEUE_STATUS[key][2] in plan(queue_page(key, world.dispatcher))


@pytest.mark.django_db
@pytest.mark.parametrize("key", QUEUE_STATUS)
def test_a_dispatcher_queue_page_is_not_sorted_afterwards(queued, world, key) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan wording")
    assert "TEMP B-TREE" not in plan(queue_page(key, world.dispatcher))


@pytest.mark.django_db
@pytest.mark.parametrize("key", QUEUE_STATUS)
def test_a_dispatcher_queue_count_reads_only_its_status(queued, world, key) -> None:
    # its partial index or the status index: either reads the queue's rows only
    text = plan(queue_count(key, world.dispatcher))
    assert not re.search(
        r"SCAN appeals_appeal\b(?! USING INDEX appeal_queue)|Seq Scan on appeals_appeal\b", text
    )


@pytest.mark.django_db
@pytest.mark.parametrize("key", QUEUE_STATUS)
def test_a_dispatcher_queue_lists_its_appeals_in_clock_order(queued, world, key) -> None:
    first = 100 * list(QUEUE_STATUS).index(key)
    expected = [a.pk for a in queued[first : first + 30]]
    assert [a.pk for a in queue_page(key, world.dispatcher)] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("key", QUEUE_STATUS)
def test_a_dispatcher_queue_page_leaves_the_long_texts_unread(queued, world, key) -> None:
    sql = str(queue_page(key, world.dispatcher).query)
    assert [column for column in LONG_TEXTS if f'"{column}"' in sql] == []


@pytest.mark.django_db
def test_an_order_queue_page_leaves_the_order_texts_unread(queued, world) -> None:
    sql = str(queue_page("overdue", world.dispatcher).query)
    texts = ("instructions", "return_reason", "reply_text")
    assert [c for c in texts if f'"appeals_workorder"."{c}"' in sql] == []


@pytest.mark.django_db
def test_an_order_queue_page_leaves_the_appeal_texts_unread(queued, world) -> None:
    sql = str(queue_page("overdue", world.dispatcher).query)
    assert [c for c in LONG_TEXTS if f'"appeals_appeal"."{c}"' in sql] == []


def workbench_queries(client, key: str) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/appeals/?queue={key}")
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("key", QUEUE_STATUS)
def test_a_dispatcher_queue_costs_the_same_queries_for_more_rows(
    queued, world, client_for, key
) -> None:
    status = QUEUE_STATUS[key][0]
    first = 100 * list(QUEUE_STATUS).index(key)
    Appeal.objects.filter(status=status).exclude(pk=queued[first].pk).update(status="closed")
    client = client_for(world.dispatcher)
    workbench_queries(client, key)  # warm the per-request caches (session, roles)
    one_row = workbench_queries(client, key)
    put_in_queue(queued[first + 1 : first + 30], key)  # a full page
    assert workbench_queries(client, key) == one_row
