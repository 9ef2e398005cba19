"""Permission-matrix rows, URL samples and sample objects of this app's routes (read by
``shegong/core/tests/route_matrix_table.py`` and ``routes.py``; see the latter's notes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import models

from shegong.core.tests.route_matrix_rows import Row, staff

if TYPE_CHECKING:
    from conftest import World

# Personas without 党费 capabilities (DUES_VIEW: the department, street staff, branch
# secretaries, leaders; DUES_MANAGE: not the leaders; DUES_APPROVE: the managers).
_NO_VIEW = "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south=403"
_MANAGERS = "dept_admin street_north community_north secretary=ok"
_ALL_MANAGERS = "dept_admin street_north street_south community_north secretary=ok"
# The sample member is in 北一社区 (339901001001): 南街道 staff do not see it.
_VIEW_OBJECT = staff("ok", _NO_VIEW, "street_south=404")
_POST_OBJECT = staff(405, post=staff(403, _MANAGERS, "street_south=404"))

PAGES: dict[str, Row] = {
    "dues:home": staff("ok", _NO_VIEW),
    "dues:hardships": staff("ok", _NO_VIEW),
    "dues:org": _VIEW_OBJECT,
    # The export also needs Cap.EXPORT, which branch secretaries do not hold.
    "dues:org-export": staff("ok", _NO_VIEW, "street_south=404", "secretary=403"),
    "dues:member": _VIEW_OBJECT,
    "dues:pay": staff(403, _MANAGERS, "street_south=404"),
    "dues:assess": _POST_OBJECT,
    "dues:copy-forward": _POST_OBJECT,
    "dues:reverse": _POST_OBJECT,
    "dues:hardship-propose": _POST_OBJECT,
    "dues:hardship-decide": _POST_OBJECT,
    "dues:import": staff(403, _ALL_MANAGERS),
    "dues:import-template": staff(403, _ALL_MANAGERS),
    "dues:import-errors": staff(
        403, "dept_admin street_north street_south community_north secretary=404"
    ),
}
API: dict[str, Row] = {
    "GET /api/dues/assessments": staff("ok", _NO_VIEW),
    "GET /api/dues/payments": staff("ok", _NO_VIEW),
    "GET /api/dues/status": staff("ok", _NO_VIEW),
    "POST /api/dues/assessments": staff(403, _ALL_MANAGERS),
    "POST /api/dues/payments": staff(403, _ALL_MANAGERS),
    "POST /api/dues/reversals": staff(403, _ALL_MANAGERS),
}


def _pk(objects: dict[str, object], key: str) -> int:
    value = objects[key]
    assert isinstance(value, models.Model)
    return int(value.pk)


# URL name → the route's arguments, from the world and the sample objects.
SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {
    "dues:org": lambda w, o: {"pk": _pk(o, "org")},
    "dues:org-export": lambda w, o: {"pk": _pk(o, "org")},
    "dues:copy-forward": lambda w, o: {"pk": _pk(o, "org")},
    "dues:member": lambda w, o: {"pk": _pk(o, "dues_member")},
    "dues:pay": lambda w, o: {"pk": _pk(o, "dues_member")},
    "dues:assess": lambda w, o: {"pk": _pk(o, "dues_member")},
    "dues:reverse": lambda w, o: {"pk": _pk(o, "dues_payment")},
    "dues:hardship-propose": lambda w, o: {"pk": _pk(o, "dues_assessment")},
    "dues:hardship-decide": lambda w, o: {"pk": _pk(o, "dues_hardship")},
}


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    """This app's sample objects (built through its services): a member of the sample
    branch (北一社区党支部) with this year's base, January paid and a hardship proposal."""
    from django.utils import timezone

    from shegong.dues import testing
    from shegong.dues.services import assessments, hardship, payments
    from shegong.lib.partyrules.months import Month
    from shegong.organizations.models import PartyOrganization

    org = objects["org"]
    assert isinstance(org, PartyOrganization)
    actor = world.dept_admin
    member = testing.member(org, name="党费样本", number=977)
    today = timezone.localdate()
    assessment = assessments.set_assessment(
        actor=actor, member_id=member.pk, year=today.year, category="salaried", base="4000"
    )
    (payment,) = payments.record_payment(
        actor=actor,
        member_id=member.pk,
        months=[Month(today.year, 1)],
        method="cash",
        paid_on=max(date(today.year, 1, 1), today - timedelta(days=1)),
    )
    proposal = hardship.propose_hardship(
        actor=actor, assessment_id=assessment.pk, amount="10", reason="矩阵样本"
    )
    return {
        "dues_member": member,
        "dues_assessment": assessment,
        "dues_payment": payment,
        "dues_hardship": proposal,
    }
