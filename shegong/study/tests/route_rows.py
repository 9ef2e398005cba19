"""Permission-matrix rows, URL samples and sample objects of this app's routes (read by
``shegong/core/tests/route_matrix_table.py`` and ``routes.py``; see the latter's notes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Model

from shegong.core.tests.route_matrix_rows import Row, staff

if TYPE_CHECKING:
    from conftest import World

# Personas without the study capability; the two who only read (Cap.STUDY_VIEW); the staff who
# manage study work (Cap.STUDY_MANAGE) — street_south outside the sample branch's region.
NO = "dispatcher handler_unit_a handler_unit_b auditor vm_north vm_south"
READERS = "district_leader leader"
MANAGERS = "dept_admin street_north street_south community_north secretary"
IN_SCOPE = "dept_admin street_north community_north secretary"


def _page() -> Row:
    """A page every study reader opens."""
    return staff("ok", f"{NO}=403")


def _scoped_page() -> Row:
    """A page about the sample branch (北一社区): street_south is outside it."""
    return staff("ok", f"{NO}=403", "street_south=404")


def _scoped_post(answer: str) -> Row:
    """A POST-only route on the sample branch: ``answer`` for managers in scope."""
    return staff(
        403, f"{MANAGERS}=405", post=staff(403, f"{IN_SCOPE}={answer}", "street_south=404")
    )


def _department_post() -> Row:
    return staff(403, f"{MANAGERS}=405", post=staff(403, "dept_admin=422"))


PAGES: dict[str, Row] = {
    "study:home": _page(),
    "study:mine": _page(),
    "study:secretaries": _page(),
    "study:gaps": _page(),
    "study:branch": _scoped_page(),
    "study:member": _scoped_page(),
    "study:session": _scoped_page(),
    "study:secretary": _scoped_page(),
    # an empty form: re-rendered with the errors (422), nothing saved
    "study:branch-plan": _scoped_post("422"),
    "study:branch-session": _scoped_post("422"),
    "study:secretary-review": _scoped_post("422"),
    # the sample record belongs to a session: refused with a message, back to the page
    "study:record-delete": _scoped_post("ok"),
    "study:session-attendance": _scoped_post("ok"),
    # the member link is the superior body's: the branch's own secretary is refused (403)
    "study:secretary-link": staff(
        403,
        f"{MANAGERS}=405",
        post=staff(403, "dept_admin street_north community_north=ok", "street_south=404"),
    ),
    # the department's own cadres: city-wide staff only
    "study:department": staff(403, "dept_admin leader=ok"),
    "study:cadre": staff(403, "dept_admin leader=ok"),
    "study:department-plan": _department_post(),
    "study:department-session": _department_post(),
}


def _api_list() -> Row:
    return staff("ok", f"{NO}=403")


def _api_detail() -> Row:
    """Detail of a sample row: outside the reader's scope (or without the capability) 404."""
    return staff("ok", f"{NO} street_south=404")


def _api_write(answer: str) -> Row:
    return staff(403, f"{IN_SCOPE}={answer}", f"{NO} street_south=404")


API: dict[str, Row] = {
    "GET /api/study/plans": _api_list(),
    "GET /api/study/sessions": _api_list(),
    "GET /api/study/records": _api_list(),
    "GET /api/study/me/progress": _api_list(),
    "GET /api/study/secretaries": _api_list(),
    "GET /api/study/gaps": _api_list(),
    "GET /api/study/branches/{org_id}/progress": staff("ok", f"{NO}=403", "street_south=404"),
    "GET /api/study/sessions/{session_id}": _api_detail(),
    "GET /api/study/secretaries/{committee_member_id}": _api_detail(),
    "GET /api/study/secretaries/{committee_member_id}/reviews": _api_detail(),
    # the schema's example body: a department plan/session (city-wide only) with a bad year,
    # a record for nobody — the permission check comes first
    "POST /api/study/plans": staff(403, "dept_admin=422"),
    "POST /api/study/sessions": staff(403, "dept_admin=422"),
    "POST /api/study/records": staff(403, f"{MANAGERS}=422"),
    "PUT /api/study/sessions/{session_id}/attendance": _api_write("ok"),
    "PUT /api/study/secretaries/{committee_member_id}/member": staff(
        403, "dept_admin street_north community_north=ok", f"{NO} street_south=404"
    ),
    "POST /api/study/secretaries/{committee_member_id}/reviews": _api_write("422"),
}


def _id(obj: object) -> int:
    assert isinstance(obj, Model)
    return int(obj.pk)


def _pk(key: str) -> Callable[[World, dict[str, object]], dict[str, object]]:
    def sample(world: World, objects: dict[str, object]) -> dict[str, object]:
        return {"pk": _id(objects[key])}

    return sample


# URL name → the route's arguments, from the world and the sample objects.
SAMPLES: dict[str, Callable[[World, dict[str, object]], dict[str, object]]] = {
    "study:branch": _pk("org"),
    "study:branch-plan": _pk("org"),
    "study:branch-session": _pk("org"),
    "study:member": _pk("study_member"),
    "study:record-delete": _pk("study_record"),
    "study:session": _pk("study_session"),
    "study:session-attendance": _pk("study_session"),
    "study:cadre": lambda w, o: {"pk": w.dept_admin.pk},
    "study:secretary": _pk("study_secretary"),
    "study:secretary-link": _pk("study_secretary"),
    "study:secretary-review": _pk("study_secretary"),
}

# API path parameter → its value (world, objects). The core matrix test has one fixed table of
# these (``test_route_matrix.PATH_PARAMS``); ``objects()`` adds this app's names to it until the
# core reads them from the party apps' modules itself.
PATH_PARAMS: dict[str, Callable[[World, dict[str, object]], object]] = {
    "session_id": lambda w, o: _id(o["study_session"]),
    "committee_member_id": lambda w, o: _id(o["study_secretary"]),
}


def objects(world: World, objects: dict[str, object]) -> dict[str, object]:
    """This app's sample objects (built through its services): in the sample branch
    (``org``, 北一社区党支部) a member, its secretary, a session with attendance."""
    from django.utils import timezone

    from shegong.organizations.models import PartyOrganization
    from shegong.organizations.services import orgs
    from shegong.study.services import plans
    from shegong.study.testing import make_member

    org = objects["org"]
    assert isinstance(org, PartyOrganization)
    org_id = org.pk
    member = make_member(org, name="李学习")
    secretary = orgs.add_committee_member(
        actor=world.root,
        org_id=org_id,
        name="王书记",
        post="secretary",
        started_on=timezone.localdate() - timedelta(days=400),
    )
    day = timezone.localdate() - timedelta(days=3)
    session = plans.create_session(
        actor=world.root,
        org_id=org_id,
        kind="topic",
        topic="专题学习",
        held_on=day,
        hours=Decimal(2),
    )
    plans.record_attendance(actor=world.root, session_id=session.pk, member_ids=[member.pk])
    kept = plans.create_session(
        actor=world.root,
        org_id=org_id,
        kind="seminar",
        topic="研讨交流",
        held_on=day,
        hours=Decimal(1),
    )
    plans.record_attendance(actor=world.root, session_id=kept.pk, member_ids=[member.pk])
    record = kept.records.get()
    return {
        "study_member": member,
        "study_secretary": secretary,
        "study_session": session,
        "study_record": record,
    }
