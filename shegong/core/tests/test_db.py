"""reserve_ids and bulk_insert: the group-commit writer's two helpers, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from shegong.appeals.models import Petitioner
from shegong.core.db import bulk_insert, reserve_ids
from shegong.core.models import AuditEvent, CalendarYear
from shegong.core.pii import blind_index
from shegong.core.roles import Role


@pytest.mark.django_db
def test_reserve_ids_are_fresh_and_never_reused() -> None:
    with transaction.atomic():
        first = reserve_ids(Petitioner, 3)
        assert len(set(first)) == 3
        people = [Petitioner(pk=pk, name=f"甲{pk}") for pk in first]
        bulk_insert(Petitioner, people)
        second = reserve_ids(Petitioner, 2)
    assert min(second) > max(first)
    # The ORM's own next id comes after the reserved ones too.
    later = Petitioner.objects.create(name="乙")
    assert later.pk > max(first)


@pytest.mark.django_db(transaction=True)
def test_reserve_ids_outside_transaction_raises() -> None:
    with pytest.raises(RuntimeError):
        reserve_ids(Petitioner, 1)


@pytest.mark.django_db
def test_bulk_insert_writes_what_the_orm_writes() -> None:
    with transaction.atomic():
        (pk,) = reserve_ids(Petitioner, 1)
        bulk_insert(
            Petitioner,
            [Petitioner(pk=pk, name="王五", phone="13912345678", id_number="")],
        )
    row = Petitioner.objects.get(pk=pk)
    assert row.name.reveal() == "王五"
    assert row.phone.reveal() == "13912345678"
    assert row.created_at is not None  # auto_now_add ran
    assert row.phone_bidx == blind_index("phone", "13912345678")


@pytest.mark.django_db
def test_bulk_insert_without_primary_keys_and_mixed_refused() -> None:
    bulk_insert(CalendarYear, [CalendarYear(year=2031), CalendarYear(year=2032)])
    assert set(CalendarYear.objects.values_list("year", flat=True)) >= {2031, 2032}
    with pytest.raises(ValueError, match="every row"):
        bulk_insert(Petitioner, [Petitioner(pk=10**9, name="甲"), Petitioner(name="乙")])


def _raw_rows(model: type, pks: list[int], columns: list[str]) -> list[tuple[object, ...]]:
    """The stored values as the driver returns them (no field conversion)."""
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {quoted} FROM "{table}" WHERE id IN ({", ".join(["%s"] * len(pks))}) '  # noqa: S608
            "ORDER BY id",
            pks,
        )
        return list(cursor.fetchall())


@pytest.mark.django_db
def test_bulk_insert_plain_values_stored_as_bulk_create_stores_them() -> None:
    """The fast path (str/int/bool passed through) and the prepared path (a choices
    member, a datetime, JSON, an empty address) give the very columns ``bulk_create``
    writes."""
    at = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)

    def event(seq: int) -> AuditEvent:
        return AuditEvent(
            seq=seq,
            occurred_at=at,
            actor_id=None,
            actor_repr="张三",
            action=Role.DISPATCHER,  # a str subclass: prepared by the field
            target_type="appeals.appeal",
            target_id="42",
            target_repr="",
            region_path="/1/2/",
            changes={"a": [1, "二"]},
            note="",
            ip="",
            success=False,
            prev_hash="0" * 64,
            hash="1" * 64,
        )

    with transaction.atomic():
        first, second = reserve_ids(AuditEvent, 2)
        AuditEvent.objects.bulk_create([_with_pk(event(10**9 + 1), first)])
        bulk_insert(AuditEvent, [_with_pk(event(10**9 + 2), second)])
    columns = [f.column for f in AuditEvent._meta.concrete_fields if f.name not in ("id", "seq")]
    orm, ours = _raw_rows(AuditEvent, [first, second], columns)
    assert ours == orm


def _with_pk(obj: AuditEvent, pk: int) -> AuditEvent:
    obj.pk = obj.id = pk
    return obj


@pytest.mark.django_db
def test_bulk_insert_prepares_a_bool_given_to_an_integer_column() -> None:
    """``True`` in an integer column is not passed through as a bool (PostgreSQL refuses
    a boolean for an integer): it is prepared to 1, as the ORM does."""
    bulk_insert(CalendarYear, [CalendarYear(year=True)])
    assert CalendarYear.objects.filter(year=1).exists()
