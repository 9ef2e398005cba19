"""Permission-matrix rows, URL samples and sample objects of this app's routes (read by
``shegong/core/tests/route_matrix_table.py`` and ``routes.py``; see the latter's notes).

Who: ``compliance.view`` = dept_admin, the street staff (street_north, street_south,
community_north), the secretary and the leaders; acting on findings and 重新检查 need
``orglife.manage`` (not the leaders); the policy needs ``compliance.policy`` (dept_admin).
The sample branch is 北一社区党支部 (北街道 / 北一社区): street_south sees nothing of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from shegong.core.tests.route_matrix_rows import Row, staff

if TYPE_CHECKING:
    from conftest import World

_NO_VIEW = "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"

PAGES: dict[str, Row] = {
    "compliance:home": staff("ok", _NO_VIEW),
    "compliance:table": staff("ok", _NO_VIEW),
    "compliance:branch": staff("ok", _NO_VIEW, "street_south=404"),
    "compliance:recheck": staff(
        405, _NO_VIEW, post=staff("ok", _NO_VIEW, "street_south=404", "district_leader leader=403")
    ),
    "compliance:findings": staff("ok", _NO_VIEW),
    "compliance:finding-handle": staff(
        405, _NO_VIEW, post=staff("ok", _NO_VIEW, "street_south=404", "district_leader leader=403")
    ),
    "compliance:policy": staff(403, "dept_admin=ok"),
}
API: dict[str, Row] = {
    "GET /api/compliance/findings": staff("ok", _NO_VIEW),
    "GET /api/compliance/branches/{org_id}/findings": staff("ok", _NO_VIEW, "street_south=404"),
    "GET /api/compliance/table": staff("ok", _NO_VIEW),
    "GET /api/compliance/branches/{org_id}": staff("ok", _NO_VIEW, "street_south=404"),
    "POST /api/compliance/branches/{org_id}/findings/handle": staff(
        "ok", _NO_VIEW, "street_south=404", "district_leader leader=403"
    ),
    "POST /api/compliance/branches/{org_id}/recheck": staff(
        "ok", _NO_VIEW, "street_south=404", "district_leader leader=403"
    ),
}
# URL name → the route's arguments, from the world and the sample objects.
SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {
    "compliance:branch": lambda w, o: {"pk": _pk(o["org"])},
    "compliance:recheck": lambda w, o: {"pk": _pk(o["org"])},
    "compliance:finding-handle": lambda w, o: {"pk": _pk(o["compliance_finding"])},
}


def _pk(obj: object) -> int:
    pk = getattr(obj, "pk", None)
    assert isinstance(pk, int)
    return pk


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    """A member of the sample branch with no 组织生活 since 2025 and an engine run: a lapse
    finding of 北一社区党支部."""
    from shegong.compliance import testing
    from shegong.compliance.models import ComplianceFinding
    from shegong.compliance.services.engine import run_compliance

    org_pk = _pk(objects["org"])
    testing.member(org_pk, joined=date(2025, 1, 1))
    run_compliance(org_ids=[org_pk])
    finding = ComplianceFinding.objects.filter(organization_id=org_pk).order_by("pk").first()
    return {"compliance_finding": finding}
