"""Permission-matrix rows, URL samples and sample objects of this app's routes (read by
``shegong/core/tests/route_matrix_table.py`` and ``routes.py``; see the latter's notes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shegong.core.tests.route_matrix_rows import Row, staff

if TYPE_CHECKING:
    from conftest import World

# MEMBERS_VIEW: the department, streets, communities, leaders and 党组织书记; the sample member
# is in 北一社区 (street_south: 404). MEMBERS_MANAGE/IMPORT: not the leaders. Export needs
# Cap.EXPORT, which 党组织书记 do not hold.
_VIEW_REFUSED = "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
_MANAGERS = "dept_admin street_north street_south community_north secretary=ok"
_MANAGE_SAMPLE = staff(
    403, "dept_admin street_north community_north secretary=ok", "street_south=404"
)

PAGES: dict[str, Row] = {
    "members:list": staff("ok", _VIEW_REFUSED),
    "members:pipeline": staff("ok", _VIEW_REFUSED),
    "members:export": staff(
        403, "dept_admin street_north street_south community_north district_leader leader=ok"
    ),
    "members:new": staff(403, _MANAGERS),
    "members:import": staff(403, _MANAGERS),
    "members:import-template": staff(403, _MANAGERS),
    # without a staged file's token there is nothing to read: 404 for those who may import
    "members:import-errors": staff(
        403, "dept_admin street_north street_south community_north secretary=404"
    ),
    "members:detail": staff("ok", _VIEW_REFUSED, "street_south=404"),
    "members:edit": _MANAGE_SAMPLE,
    "members:record-step": staff(
        405,
        "dispatcher handler_unit_a handler_unit_b district_leader leader auditor"
        " vm_north vm_south=403",
        post=_MANAGE_SAMPLE,
    ),
}
API: dict[str, Row] = {
    "GET /api/members": staff("ok", _VIEW_REFUSED),
    "GET /api/members/{member_id}": staff("ok", _VIEW_REFUSED, "street_south=404"),
    "GET /api/members/{member_id}/development": staff("ok", _VIEW_REFUSED, "street_south=404"),
    "POST /api/members": staff(403, _MANAGERS),
    "PUT /api/members/{member_id}": _MANAGE_SAMPLE,
    "POST /api/members/{member_id}/development": _MANAGE_SAMPLE,
}
# URL name → the route's arguments, from the world and the sample objects.
SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {
    "members:detail": lambda w, o: {"pk": _pk(o, "party_member")},
    "members:edit": lambda w, o: {"pk": _pk(o, "party_member")},
    "members:record-step": lambda w, o: {"pk": _pk(o, "party_member")},
}


# API path parameter → its sample value (read by test_route_matrix.PATH_PARAMS).
PATH_PARAMS: dict[str, Callable[[World, dict[str, object]], object]] = {
    "member_id": lambda w, o: _pk(o, "party_member"),
}


def _pk(objects: dict[str, object], key: str) -> int:
    pk = getattr(objects[key], "pk", None)
    assert isinstance(pk, int)
    return pk


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    """This app's sample objects (built through its services): a 正式党员 on the roll of the
    sample branch (北一社区党支部) and an applicant beside them."""
    from datetime import date

    from shegong.lib.validators import id_check_digit
    from shegong.members.services.people import MemberInput, create_member

    org_pk = _pk(objects, "org")

    def number(seq: int) -> str:
        body = f"33990119850101{seq:03d}"
        return body + id_check_digit(body)

    member = create_member(
        actor=world.root,
        data=MemberInput(
            name="王党员",
            id_number=number(11),
            organization_id=org_pk,
            admitted_on=date(2010, 7, 1),
            confirmed_on=date(2011, 7, 1),
        ),
    )
    applicant = create_member(
        actor=world.root,
        data=MemberInput(
            name="李申请",
            id_number=number(13),
            organization_id=org_pk,
            stage="applicant",
            applied_on=date(2026, 3, 1),
        ),
    )
    return {"party_member": member, "party_applicant": applicant}
