"""reserve_ids and bulk_insert: the group-commit writer's two helpers, on both databases."""

from __future__ import annotations

import pytest
from django.db import transaction

from shegong.appeals.models import Petitioner
from shegong.core.db import bulk_insert, reserve_ids
from shegong.core.models import CalendarYear
from shegong.core.pii import blind_index


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
