"""``bulk_create_members`` writes what ``create_member`` writes one row at a time: the same
member rows (derived fields included), the same 递交入党申请书 steps, the same audit events,
and the audit chain still verifies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import transaction

from shegong.core.audit import verify_chain
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.core.pii import plain
from shegong.members.models import DevelopmentEvent, Member
from shegong.members.services.bulk import bulk_create_members
from shegong.members.services.people import MemberInput, create_member

from .conftest import id_number

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def _rows(party) -> list[MemberInput]:
    return [
        MemberInput(
            name="张一",
            id_number=id_number(1),
            organization_id=party.branch.pk,
            stage="full",
            admitted_on=date(2010, 7, 1),
            confirmed_on=date(2011, 7, 1),
            phone="13800001111",
        ),
        MemberInput(
            name="李二",
            id_number=id_number(2, date(1995, 3, 4)),
            organization_id=party.branch.pk,
            stage="probationary",
            admitted_on=date(2026, 1, 10),
            is_floating=True,
            floating_destination="上海市浦东新区",
            floating_since=date(2025, 11, 1),
        ),
        MemberInput(
            name="王三",
            id_number=id_number(3, date(2000, 5, 6)),
            organization_id=party.south.pk,
            stage="applicant",
            applied_on=date(2026, 5, 20),
        ),
        MemberInput(
            name="赵四",
            id_number=id_number(5),
            organization_id=party.south.pk,
            stage="full",
            admitted_on=date(2001, 7, 1),
            confirmed_on=date(2002, 7, 1),
            joined_branch_on=date(2015, 3, 1),
            employer_name="示范市某公司",
        ),
    ]


def _state(since: int) -> dict[str, object]:
    """Everything the path wrote, with ids replaced by their order (ids differ between
    the two runs on PostgreSQL, where a rolled-back sequence is not given back)."""
    members = list(Member.objects.order_by("pk"))
    order = {m.pk: i for i, m in enumerate(members)}
    rows = []
    for m in Member.objects.order_by("pk").values():
        row = {k: v for k, v in m.items() if k not in {"id", "name", "id_number", "phone"}}
        rows.append(row)
    names = [(plain(m.name), plain(m.id_number), plain(m.phone)) for m in members]
    events = [
        {**e, "id": None, "member_id": order[e["member_id"]]}
        for e in DevelopmentEvent.objects.order_by("pk").values()
    ]
    audit = []
    for a in (
        AuditEvent.objects.filter(seq__gt=since)
        .order_by("seq")
        .values(
            "action",
            "actor_id",
            "target_type",
            "target_id",
            "target_repr",
            "region_path",
            "changes",
        )
    ):
        changes = dict(a["changes"])
        changes["id"] = [None, order[changes["id"][1]]]
        audit.append({**a, "target_id": order[int(a["target_id"])], "changes": changes})
    return {"members": rows, "names": names, "events": events, "audit": audit}


@time_machine.travel(NOW, tick=False)
def test_bulk_writes_what_one_by_one_writes(world, party) -> None:
    since = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    with transaction.atomic():
        for data in _rows(party):
            create_member(actor=world.root, data=data)
        one_by_one = _state(since)
        transaction.set_rollback(True)
    bulk_create_members(actor=world.root, rows=_rows(party), batch_size=3)
    assert _state(since) == one_by_one


@time_machine.travel(NOW, tick=False)
def test_the_applicant_has_a_stored_next_deadline(world, party) -> None:
    ids = bulk_create_members(actor=world.root, rows=_rows(party))
    assert Member.objects.get(pk=ids[2]).next_due_code != ""


@time_machine.travel(NOW, tick=False)
def test_the_audit_chain_verifies_after_a_bulk_import(world, party) -> None:
    bulk_create_members(actor=world.root, rows=_rows(party), batch_size=3)
    assert verify_chain(save=False).ok


@time_machine.travel(NOW, tick=False)
def test_a_duplicate_in_the_batch_names_its_row(world, party) -> None:
    rows = _rows(party)
    rows[3].id_number = rows[0].id_number
    with pytest.raises(DomainError, match=r"第 4 条.*与第 1 条重复"):
        bulk_create_members(actor=world.root, rows=rows)


@time_machine.travel(NOW, tick=False)
def test_a_refused_batch_writes_nothing(world, party) -> None:
    rows = _rows(party)
    rows[3].id_number = rows[0].id_number
    with pytest.raises(DomainError):
        bulk_create_members(actor=world.root, rows=rows)
    assert not Member.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_an_id_number_already_on_a_roll_is_refused(world, party) -> None:
    create_member(actor=world.root, data=_rows(party)[1])
    with pytest.raises(DomainError, match="第 2 条：该身份证号已有党员档案"):
        bulk_create_members(actor=world.root, rows=_rows(party))


@time_machine.travel(NOW, tick=False)
def test_a_branch_outside_the_scope_is_refused(world, party) -> None:
    with pytest.raises(DomainError, match="第 3 条：党组织不存在"):
        bulk_create_members(actor=world.secretary, rows=_rows(party))
