"""Permission-matrix rows, URL samples and sample objects of this app's routes (read by
``shegong/core/tests/route_matrix_table.py`` and ``routes.py``; see the latter's notes).

The sample transfer runs from 北一社区党支部 (region 北一社区) to 北二社区党支部 (北街道),
both under 北街道党工委, approved so its 介绍信 exists: the north personas see it, the south
ones get 404; roles without the party capabilities get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from shegong.core.tests.route_matrix_rows import Row, staff

if TYPE_CHECKING:
    from conftest import World

# Who holds the party capabilities (core.roles _PARTY_GRANTS): dept_admin, street staff and
# secretaries manage; leaders only view; the rest have neither.
_NO_PARTY = "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
_VIEW_ONLY = "district_leader leader=403"
_SOUTH = "street_south=404"

PAGES: dict[str, Row] = {
    "transfers:list": staff("ok", _NO_PARTY),
    "transfers:suggestions": staff("ok", _NO_PARTY),
    "transfers:inbound-start": staff(
        "ok", _NO_PARTY, _VIEW_ONLY, post=staff("ok", _NO_PARTY, _VIEW_ONLY)
    ),
    "transfers:start": staff("ok", _NO_PARTY, _VIEW_ONLY, _SOUTH),
    "transfers:detail": staff("ok", _NO_PARTY, _SOUTH),
    "transfers:act": staff(405, post=staff("ok", _NO_PARTY, _VIEW_ONLY, _SOUTH)),
    "transfers:letter": staff("ok", _NO_PARTY, _VIEW_ONLY, _SOUTH),
}
API: dict[str, Row] = {
    "GET /api/transfers": staff("ok", _NO_PARTY),
    "GET /api/transfers/suggestions": staff("ok", _NO_PARTY),
    "GET /api/transfers/{transfer_id}": staff("ok", _NO_PARTY, _SOUTH),
    "POST /api/transfers": staff("ok", _NO_PARTY, _VIEW_ONLY),
    "POST /api/transfers/inbound": staff("ok", _NO_PARTY, _VIEW_ONLY),
    "POST /api/transfers/{transfer_id}/act": staff("ok", _NO_PARTY, _VIEW_ONLY, _SOUTH),
}
# URL name → the route's arguments, from the world and the sample objects.
SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {
    "transfers:start": lambda w, o: {"member_id": _pk(o, "transfer_member")},
    "transfers:detail": lambda w, o: {"pk": _pk(o, "transfer")},
    "transfers:act": lambda w, o: {"pk": _pk(o, "transfer")},
    "transfers:letter": lambda w, o: {"pk": _pk(o, "transfer"), "fmt": "pdf"},
}
# API path parameter → its value (merged by test_route_matrix.py).
PATH_PARAMS: dict[str, Callable[[World, dict[str, object]], object]] = {
    "transfer_id": lambda w, o: _pk(o, "transfer"),
}


def _pk(objects: dict[str, object], key: str) -> int:
    pk = getattr(objects[key], "pk", None)
    assert isinstance(pk, int)
    return pk


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    """This app's sample objects (built through its services)."""
    from shegong.members.models import Member
    from shegong.organizations.services import orgs
    from shegong.transfers.choices import TransferAction, TransferKind
    from shegong.transfers.services import act_on_transfer, start_transfer
    from shegong.transfers.tests.factories import id_number

    root = world.root
    committee = orgs.create_organization(
        actor=root,
        code="TR-M-N",
        name="中共北街道工作委员会（转接样例）",
        kind="committee",
        region_id=world.north.pk,
    )
    sending = orgs.create_organization(
        actor=root,
        code="TR-M-A",
        name="北一社区党支部（转接样例）",
        kind="branch",
        region_id=world.north_one.pk,
        parent_id=committee.pk,
    )
    receiving = orgs.create_organization(
        actor=root,
        code="TR-M-B",
        name="北二社区党支部（转接样例）",
        kind="branch",
        region_id=world.north.pk,
        parent_id=committee.pk,
    )
    # Members are made by the members app; the matrix needs two of them here.
    people = [
        Member.objects.create(
            organization=sending,
            name=name,
            gender="F",
            birth_date=date(1985, 3, 1),
            id_number=id_number(seq, "19850301"),
            stage="full",
            joined_branch_on=date(2015, 7, 1),
            is_floating=seq == 802,
            floating_since=date(2025, 1, 1) if seq == 802 else None,
        )
        for seq, name in ((801, "转接样例甲"), (802, "转接样例乙"))
    ]
    transfer = start_transfer(
        actor=root,
        member_id=people[0].pk,
        kind=TransferKind.WITHIN,
        to_organization_id=receiving.pk,
        reason="居住地变更",
        dues_paid_through=date(2026, 5, 1),
    )
    transfer = act_on_transfer(
        actor=root, transfer_id=transfer.pk, action=TransferAction.APPROVE_OUT
    )
    return {"transfer": transfer, "transfer_member": people[1]}
