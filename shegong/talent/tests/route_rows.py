"""Permission-matrix rows of this app's routes (read by ``shegong/core/tests/routes.py``
and ``route_matrix_table.py``; see the former's notes).

Who sees talent (Cap.TALENT_VIEW): the department, street staff, leaders; who keeps records
(MANAGE), runs classes (TRAINING) and grades (EVALUATE): the department and street staff;
who approves decisions (DECIDE) and sets the parameters (POLICY): the department. The
sample person, class and cycle are in 北一社区 (北街道 office), outside 南街道
(street_south: 404). The 「我的」 pages need only a signed-in account: no persona is linked
to a person, so they see the explanation (and the API answers 422)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from shegong.core.tests.route_matrix_rows import Row, staff

if TYPE_CHECKING:
    from conftest import World

_NO_VIEW = "dispatcher handler_unit_a handler_unit_b auditor secretary vm_north vm_south=403"
_MANAGERS = "dept_admin street_north street_south community_north"
_VIEW = staff("ok", _NO_VIEW)
_VIEW_ONE = staff("ok", _NO_VIEW, "street_south=404")
_MANAGE_PAGE = staff(403, f"{_MANAGERS}=ok")
_MANAGE_ONE = staff(403, "dept_admin street_north community_north=ok", "street_south=404")
_POST_ONLY = staff(403, f"{_MANAGERS}=405", post=_MANAGE_ONE)
_DEPT_ONLY = staff(403, "dept_admin=ok")
_MINE = staff("ok")
_MINE_POST = staff(405, post=staff("ok"))

PAGES: dict[str, Row] = {
    "talent:people": _VIEW,
    "talent:person-new": _MANAGE_PAGE,
    "talent:import": _MANAGE_PAGE,
    "talent:import-template": _MANAGE_PAGE,
    "talent:person": _VIEW_ONE,
    "talent:person-edit": _MANAGE_ONE,
    "talent:credential-add": _POST_ONLY,
    "talent:credential-register": _POST_ONLY,
    "talent:hours-add": _POST_ONLY,
    "talent:posting-add": _POST_ONLY,
    "talent:posting-close": _POST_ONLY,
    "talent:decision-propose": _POST_ONLY,
    "talent:classes": _VIEW,
    "talent:class-new": _MANAGE_PAGE,
    "talent:class": _VIEW_ONE,
    "talent:class-enrol": _POST_ONLY,
    "talent:class-attend": _POST_ONLY,
    # the polled QR partial: GET only (POST 405 for whoever may run classes)
    "talent:class-qr": staff(
        403,
        "dept_admin street_north community_north=ok",
        "street_south=404",
        post=staff(403, f"{_MANAGERS}=405"),
    ),
    "talent:cycles": _VIEW,
    "talent:cycle": _VIEW_ONE,
    "talent:evaluation": _VIEW_ONE,
    "talent:decisions": _VIEW,
    "talent:decision-decide": staff(403, "dept_admin=405", post=_DEPT_ONLY),
    "talent:figures": _VIEW,
    "talent:policy": _DEPT_ONLY,
    "talent:me": _MINE,
    "talent:me-enrol": _MINE_POST,
    "talent:me-report": _MINE_POST,
    # a code that is not a current one: the page says so (200) to any signed-in account
    "talent:checkin": _MINE,
}
API: dict[str, Row] = {
    "GET /api/talent/people": _VIEW,
    "GET /api/talent/people/{person_id}": _VIEW_ONE,
    "GET /api/talent/classes": _VIEW,
    "GET /api/talent/classes/{class_id}/enrolments": _VIEW_ONE,
    "GET /api/talent/figures": _VIEW,
    # no persona's account is linked to a person: 422 with the Chinese reason
    "GET /api/talent/me": staff("422"),
    "POST /api/talent/me/classes/{class_id}/enrol": staff("422"),
    "POST /api/talent/me/checkin": staff("422"),
}


def _pk(key: str) -> Callable[[World, dict[str, object]], dict[str, object]]:
    return lambda w, o: {"pk": getattr(o[key], "pk", 0)}


SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {}
for _name in (
    "person",
    "person-edit",
    "credential-add",
    "hours-add",
    "posting-add",
    "decision-propose",
):
    SAMPLES[f"talent:{_name}"] = _pk("talent_person")
SAMPLES["talent:credential-register"] = lambda w, o: {
    "pk": getattr(o["talent_person"], "pk", 0),
    "cid": getattr(o["talent_credential"], "pk", 0),
}
SAMPLES["talent:posting-close"] = lambda w, o: {
    "pk": getattr(o["talent_person"], "pk", 0),
    "posting_id": getattr(o["talent_posting"], "pk", 0),
}
for _name in ("class", "class-enrol", "class-qr"):
    SAMPLES[f"talent:{_name}"] = _pk("talent_class")
SAMPLES["talent:class-attend"] = lambda w, o: {
    "pk": getattr(o["talent_class"], "pk", 0),
    "enrolment_id": getattr(o["talent_enrolment"], "pk", 0),
}
SAMPLES["talent:cycle"] = _pk("talent_cycle")
SAMPLES["talent:evaluation"] = _pk("talent_evaluation")
SAMPLES["talent:decision-decide"] = _pk("talent_decision")
SAMPLES["talent:me-enrol"] = _pk("talent_class")
SAMPLES["talent:me-report"] = _pk("talent_evaluation")
SAMPLES["talent:checkin"] = lambda w, o: {"token": "not-a-token"}

PATH_PARAMS: dict[str, Callable[[World, dict[str, object]], object]] = {
    "person_id": lambda w, o: getattr(o["talent_person"], "pk", 0),
    "class_id": lambda w, o: getattr(o["talent_class"], "pk", 0),
}


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    """A community worker in 北一社区 (北街道办事处) with a credential, a posting, a
    proposed decision, a class of 北一社区 with the worker enrolled, and a 2025 cycle of
    北一社区 with the worker's evaluation — built through the services."""
    from django.utils import timezone

    from shegong.talent.sample import make_person
    from shegong.talent.services import credentials, decisions, evaluation, training

    admin = world.dept_admin
    person = make_person(
        admin,
        seq=901,
        unit_id=world.street_unit_n.pk,
        region_id=world.north_one.pk,
        name="赵社工",
        post="其他社区工作者",
        started_on=date(2018, 9, 1),
    )
    today = timezone.localdate()
    credential = credentials.add_credential(
        actor=admin,
        person_id=person.pk,
        level="assistant",
        number="M-901",
        passed_on=today - timedelta(days=30),
    )
    posting = training.start_posting(
        actor=admin,
        person_id=person.pk,
        kind="rotation",
        host_unit_id=world.street_unit_n.pk,
        starts_on=today,
        ends_on=today + timedelta(days=90),
    )
    now = timezone.now()
    klass = training.create_class(
        actor=admin,
        title="社区工作者专题培训",
        kind="topic",
        unit_id=world.street_unit_n.pk,
        region_id=world.north_one.pk,
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=6),
        capacity=30,
        hours=6,
    )
    enrolment = training.enrol(actor=admin, class_id=klass.pk, person_id=person.pk)
    cycle = evaluation.open_cycle(actor=admin, year=today.year - 1, region_id=world.north_one.pk)
    decision = decisions.propose(
        actor=world.street_north,
        person_id=person.pk,
        kind="award",
        title="优秀社区工作者",
        basis="年度考核优秀",
    )
    return {
        "talent_person": person,
        "talent_credential": credential,
        "talent_posting": posting,
        "talent_class": klass,
        "talent_enrolment": enrolment,
        "talent_cycle": cycle,
        "talent_evaluation": cycle.evaluations.get(person=person),
        "talent_decision": decision,
    }
