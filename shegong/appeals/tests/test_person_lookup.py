"""One person's appeals by phone *or* ID number (blind indexes) without reading every appeal.

An ``OR`` across the petitioner join (``petitioner.phone_bidx = ? OR
petitioner.id_number_bidx = ?``) left SQLite no index to start from: every 信访 intake's
finality check scanned all appeals (0.21 s at 48,000 appeals in the metro demo's history
import, linear in the table). ``Petitioner.objects.same_person`` finds the person's rows
through the two blind indexes and the appeals follow by ``petitioner_id``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models import Q

from shegong.appeals.models import Appeal, Petitioner
from shegong.appeals.services import merge
from shegong.appeals.services.review import final_appeals_of
from shegong.appeals.tests.test_search_indexes import clone_appeals
from shegong.core.pii import blind_index

pytestmark = pytest.mark.django_db

FINAL = datetime(2026, 1, 5, tzinfo=UTC)
PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def person(world, make_appeal) -> dict[str, list[int]]:
    """2,000 appeals of other people (one final), and one person under three petitioner
    rows — phone only, ID number only, both — with five appeals, three of them final."""
    other, _ = make_appeal(phone="13700000000", title="别人的诉求")
    others = clone_appeals(other, 2000)
    Appeal.objects.filter(pk=others[0].pk).update(finality_at=FINAL)
    mine = [
        make_appeal(phone=PHONE, title="电话一致")[0],
        make_appeal(phone="", id_number=ID_NUMBER, title="身份证一致")[0],
        make_appeal(phone=PHONE, id_number=ID_NUMBER, title="两者都有")[0],
        make_appeal(phone=PHONE, title="未终结")[0],
        make_appeal(phone="", id_number=ID_NUMBER, title="也未终结")[0],
    ]
    Appeal.objects.filter(pk__in=[a.pk for a in mine[:3]]).update(finality_at=FINAL)
    return {"final": sorted(a.pk for a in mine[:3]), "mine": sorted(a.pk for a in mine)}


def _reference_final() -> list[int]:
    """The old form, ``OR`` across the join: the rows the new query must equal."""
    person = Q(petitioner__phone_bidx=blind_index("phone", PHONE)) | Q(
        petitioner__id_number_bidx=blind_index("id_number", ID_NUMBER)
    )
    return sorted(
        Appeal.objects.filter(finality_at__isnull=False).filter(person).values_list("pk", flat=True)
    )


def _final_ids() -> list[int]:
    rows = final_appeals_of(
        phone_bidx=blind_index("phone", PHONE), id_bidx=blind_index("id_number", ID_NUMBER)
    )
    return sorted(rows.values_list("pk", flat=True))


def test_final_appeals_by_phone_or_id_number_are_the_persons_final_ones(person) -> None:
    assert _final_ids() == person["final"]


def test_final_appeals_equal_the_join_form(person) -> None:
    assert _final_ids() == _reference_final()


def test_same_person_without_any_blind_index_is_nobody(person) -> None:
    assert not Petitioner.objects.same_person(phone_bidx="", id_bidx="").exists()


def test_final_appeals_do_not_scan_the_appeals_without_statistics(person) -> None:
    """As in a freshly loaded database (no ``ANALYZE`` yet): the plan starts from the
    blind indexes, not from a scan of ``appeals_appeal``."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL plans a 2,000-row table by cost")
    rows = final_appeals_of(
        phone_bidx=blind_index("phone", PHONE), id_bidx=blind_index("id_number", ID_NUMBER)
    )
    assert "SCAN appeals_appeal" not in rows.explain()


def test_person_history_finds_the_other_appeals_by_phone_or_id_number(person, world) -> None:
    third = Appeal.objects.get(pk=person["mine"][2])
    history = merge.person_history(actor=world.dispatcher, appeal=third)
    assert sorted(history.values_list("pk", flat=True)) == [
        pk for pk in person["mine"] if pk != third.pk
    ]
