"""Two transfers of the same member started at once: exactly one is opened.

The member row is locked first (``select_for_update``), so on PostgreSQL the second request
waits, then finds the member transferring and is refused with the Chinese message; the
partial unique index on open transfers is the backstop when a check is raced past.
SQLite serialises every write transaction (one writer at a time), so the threaded race is
PostgreSQL-only; the backstop and the sequential refusal are tested on both.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from shegong.members.choices import Standing
from shegong.members.models import Member
from shegong.transfers.choices import TransferKind
from shegong.transfers.exceptions import ALREADY_OPEN, TransferAlreadyOpen
from shegong.transfers.models import Transfer
from shegong.transfers.services import start_transfer, workflow

from .factories import Party, fresh

TODAY = date(2026, 6, 10)


def _start(party: Party, member_id: int, kind: str) -> Transfer:
    return start_transfer(
        actor=fresh(party.secretary_a),
        member_id=member_id,
        kind=kind,
        to_organization_id=party.branch_c.pk if kind == TransferKind.WITHIN else None,
        outside_organization="中共上海市某支部委员会" if kind == TransferKind.OUT else "",
        today=TODAY,
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_starts_open_exactly_one_transfer(party: Party) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite serialises every write transaction, no race to test")
    member = party.member()
    barrier = threading.Barrier(2)
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(kind: str) -> None:
        try:
            barrier.wait(timeout=10)
            result: object = _start(party, member.pk, kind)
        except Exception as exc:  # the loser's error is the outcome under test
            result = exc
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=run, args=(kind,))
        for kind in (TransferKind.WITHIN, TransferKind.OUT)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    won = [o for o in outcomes if isinstance(o, Transfer)]
    lost = [o for o in outcomes if isinstance(o, TransferAlreadyOpen)]
    assert (len(won), len(lost), [str(e) for e in lost]) == (1, 1, [ALREADY_OPEN])
    assert Transfer.objects.filter(member=member).count() == 1
    assert Member.objects.get(pk=member.pk).standing == Standing.TRANSFERRING


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_starts_leave_one_open_transfer(party: Party) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite serialises every write transaction, no race to test")
    member = party.member()
    barrier = threading.Barrier(4)
    errors: list[str] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            _start(party, member.pk, TransferKind.OUT)
        except TransferAlreadyOpen as exc:
            errors.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert (Transfer.objects.filter(member=member).count(), errors) == (1, [ALREADY_OPEN] * 3)


@pytest.mark.django_db
def test_the_index_backstops_a_raced_check(party: Party, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both checks passed (a stale member row, the open-transfer check skipped): the insert
    hits the partial unique index and the caller still gets the Chinese refusal."""
    member = party.member()
    _start(party, member.pk, TransferKind.WITHIN)
    stale = Member.objects.get(pk=member.pk)
    stale.standing = Standing.ACTIVE
    monkeypatch.setattr(workflow, "_lock_member", lambda member_id: stale)
    monkeypatch.setattr(workflow, "_check_no_open", lambda member: None)
    with pytest.raises(TransferAlreadyOpen, match=ALREADY_OPEN):
        _start(party, member.pk, TransferKind.OUT)
    assert Transfer.objects.filter(member=member).count() == 1


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_the_second_start_is_refused_in_turn(party: Party) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite behaviour (one writer at a time)")
    member = party.member()
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run(kind: str) -> None:
        try:
            barrier.wait(timeout=10)
            result: object = _start(party, member.pk, kind)
        except Exception as exc:  # a locked database or the refusal: both are outcomes
            result = exc
        finally:
            connections.close_all()
        outcomes.append(result)

    threads = [
        threading.Thread(target=run, args=(kind,))
        for kind in (TransferKind.WITHIN, TransferKind.OUT)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Transfer.objects.filter(member=member).count() == 1
