"""述职评议 and the member link belong to the superior body; bounded years, ids and lists; 404
for ids out of scope in request bodies; whose hours an attendance change touched."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from shegong.core.models import AuditEvent
from shegong.organizations.services import orgs
from shegong.study.models import SecretaryProfile, SecretaryReview, StudyRecord
from shegong.study.services import plans, progress, secretaries

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(at(2026, 6, 10), tick=False):
        yield


def _review(actor, post):
    return secretaries.record_review(
        actor=actor, committee_member_id=post.pk, year=2025, grade="good", evaluator="北街道党工委"
    )


def _put(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


# --- 2. the branch's own secretary is not its superior ----------------------------------------


def test_the_branchs_own_secretary_cannot_record_their_review(kit):
    with pytest.raises(PermissionDenied):
        _review(kit.world.secretary, kit.north_secretary)


def test_the_branchs_own_secretary_cannot_link_their_post(kit):
    with pytest.raises(PermissionDenied):
        secretaries.link_member(
            actor=kit.world.secretary,
            committee_member_id=kit.north_secretary.pk,
            member_id=kit.north_members[0].pk,
        )


def test_the_branchs_own_secretary_is_refused_a_review_by_url(kit, client_for):
    r = client_for(kit.world.secretary).post(
        f"/study/secretaries/{kit.north_secretary.pk}/reviews/",
        {"year": "2025", "grade": "good", "evaluator": "北", "reviewed_on": "2026-01-15"},
    )
    assert (r.status_code, SecretaryReview.objects.count()) == (403, 0)


def test_the_branchs_own_secretary_is_refused_a_review_by_api(kit, client_for):
    r = client_for(kit.world.secretary).post(
        f"/api/study/secretaries/{kit.north_secretary.pk}/reviews",
        json.dumps({"year": 2025, "grade": "good", "evaluator": "北"}),
        content_type="application/json",
    )
    assert (r.status_code, SecretaryReview.objects.count()) == (403, 0)


def test_the_refusal_is_in_chinese(kit, client_for):
    r = _put(
        client_for(kit.world.secretary),
        f"/api/study/secretaries/{kit.north_secretary.pk}/member",
        {"member_id": kit.north_members[0].pk},
    )
    assert r.json()["detail"] == "关联书记的党员档案须由上级党组织办理：您不是该党组织的上级"


def test_the_branchs_own_secretary_is_refused_the_link_by_api(kit, client_for):
    _put(
        client_for(kit.world.secretary),
        f"/api/study/secretaries/{kit.north_secretary.pk}/member",
        {"member_id": kit.north_members[0].pk},
    )
    assert not SecretaryProfile.objects.exists()


def test_the_profile_page_offers_the_secretary_no_review_form(kit, client_for):
    body = client_for(kit.world.secretary).get(f"/study/secretaries/{kit.north_secretary.pk}/")
    assert 'data-testid="review-form"' not in body.content.decode()


def test_street_staff_administering_the_branch_itself_are_not_its_superior(kit):
    orgs.set_org_administrator(
        actor=kit.world.root, org_id=kit.north.pk, user_id=kit.world.street_north.pk
    )
    with pytest.raises(PermissionDenied):
        _review(kit.world.street_north, kit.north_secretary)


def test_an_administrator_of_a_higher_organization_records_the_review(kit):
    parent = orgs.create_organization(
        actor=kit.world.root,
        code="S-P",
        name="北一党总支",
        kind="general_branch",
        region_id=kit.world.north_one.pk,
    )
    child = orgs.create_organization(
        actor=kit.world.root,
        code="S-C",
        name="北一第二支部",
        kind="branch",
        region_id=kit.world.north_one.pk,
        parent_id=parent.pk,
    )
    post = orgs.add_committee_member(
        actor=kit.world.root,
        org_id=child.pk,
        name="二支书记",
        post="secretary",
        started_on=date(2024, 1, 1),
    )
    orgs.set_org_administrator(
        actor=kit.world.root, org_id=parent.pk, user_id=kit.world.secretary.pk
    )
    assert _review(kit.world.secretary, post).grade == "good"


def test_a_post_out_of_scope_is_not_found_for_the_review_api(kit, client_for):
    r = client_for(kit.south_admin).post(
        f"/api/study/secretaries/{kit.north_secretary.pk}/reviews",
        json.dumps({"year": 2025, "grade": "good", "evaluator": "南"}),
        content_type="application/json",
    )
    assert r.status_code == 404


# --- 7. years -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/study/me/progress?year=99999",
        "/api/study/records?year=99999",
        "/api/study/plans?year=0",
    ],
)
def test_a_year_out_of_range_is_refused(kit, client_for, url):
    assert client_for(kit.world.dept_admin).get(url).status_code == 422


def test_a_branch_progress_year_out_of_range_is_refused(kit, client_for):
    r = client_for(kit.world.dept_admin).get(f"/api/study/branches/{kit.north.pk}/progress?year=0")
    assert r.json()["detail"] == "年度应在2000到2100之间"


# --- 10. the gaps lists are paged ----------------------------------------------------------------


def test_the_gaps_api_answers_at_most_limit_rows(kit, client_for):
    r = client_for(kit.world.dept_admin).get("/api/study/gaps?limit=1")
    assert len(r.json()["undertrained"]) == 1


def test_the_gaps_api_says_more_rows_follow(kit, client_for):
    r = client_for(kit.world.dept_admin).get("/api/study/gaps?limit=1")
    assert r.json()["undertrained_more"] is True


def test_the_gaps_api_refuses_a_huge_offset(kit, client_for):
    r = client_for(kit.world.dept_admin).get("/api/study/gaps?offset=99999999999999999999")
    assert r.status_code == 422


def test_the_gaps_page_pages_the_undertrained_list(kit, client_for):
    r = client_for(kit.world.dept_admin).get("/study/gaps/")
    assert r.context["gap_page"].count == 2


def test_a_secretary_on_track_is_not_among_the_gap_posts(kit):
    secretaries.link_member(
        actor=kit.world.dept_admin,
        committee_member_id=kit.south_secretary.pk,
        member_id=kit.south_members[0].pk,
    )
    for on, hours in ((date(2025, 11, 1), 60), (date(2026, 5, 1), 40)):
        plans.add_record(
            actor=kit.world.dept_admin,
            member_id=kit.south_members[0].pk,
            kind="training",
            title="书记培训",
            studied_on=on,
            hours=Decimal(hours),
        )
    ids = set(secretaries.gap_posts(kit.world.dept_admin).values_list("pk", flat=True))
    assert ids == {kit.north_secretary.pk}


# --- 11. progress starts from the actor's scope -------------------------------------------------


def test_branch_progress_leaves_out_members_outside_the_actors_scope(kit):
    assert progress.branch_member_progress(kit.south_admin, kit.north, 2026) == []


def test_branch_rows_count_only_members_in_the_actors_scope(kit):
    (row,) = progress.branch_rows(kit.south_admin, [kit.north], 2026)
    assert row.members == 0


# --- 12. ids out of scope in request bodies: 404 ------------------------------------------------


def test_a_plan_for_another_branch_is_not_found(kit, client_for):
    r = client_for(kit.south_admin).post(
        "/api/study/plans",
        json.dumps({"organization_id": kit.north.pk, "year": 2026, "title": "计划"}),
        content_type="application/json",
    )
    assert r.status_code == 404


def test_a_record_for_another_branchs_member_is_not_found(kit, client_for):
    body = {
        "member_id": kit.north_members[0].pk,
        "kind": "training",
        "title": "培训",
        "studied_on": "2026-06-01",
        "hours": "2",
    }
    r = client_for(kit.south_admin).post(
        "/api/study/records", json.dumps(body), content_type="application/json"
    )
    assert (r.status_code, StudyRecord.objects.count()) == (404, 0)


# --- 13 and 14. attendance ----------------------------------------------------------------------


@pytest.fixture
def session(kit):
    return plans.create_session(
        actor=kit.world.dept_admin,
        org_id=kit.north.pk,
        kind="lecture",
        topic="书记讲党课",
        held_on=date(2026, 6, 1),
        hours=Decimal(2),
    )


def _attend(kit, session, members):
    plans.record_attendance(
        actor=kit.world.dept_admin, session_id=session.pk, member_ids=[m.pk for m in members]
    )
    return AuditEvent.objects.filter(action="study_attendance_recorded").latest("pk").changes


def test_the_attendance_audit_names_the_members_added(kit, session):
    changes = _attend(kit, session, kit.north_members[:2])
    assert changes["added_members"] == sorted(m.pk for m in kit.north_members[:2])


def test_the_attendance_audit_names_the_members_removed_with_their_hours(kit, session):
    _attend(kit, session, kit.north_members[:2])
    changes = _attend(kit, session, kit.north_members[:1])
    assert changes["removed_members"] == [{"member": kit.north_members[1].pk, "hours": "2.0"}]


@pytest.mark.parametrize("value", [2**70, 2**63, 0])
def test_an_attendance_member_id_out_of_range_is_refused(kit, client_for, session, value):
    r = _put(
        client_for(kit.world.dept_admin),
        f"/api/study/sessions/{session.pk}/attendance",
        {"member_ids": [value]},
    )
    assert r.status_code == 422


@pytest.mark.parametrize("value", [2**70, 2**63, 0])
def test_an_attendance_user_id_out_of_range_is_refused(kit, client_for, value):
    department = plans.create_session(
        actor=kit.world.dept_admin,
        org_id=None,
        kind="lecture",
        topic="部机关党课",
        held_on=date(2026, 6, 1),
        hours=Decimal(2),
    )
    r = _put(
        client_for(kit.world.dept_admin),
        f"/api/study/sessions/{department.pk}/attendance",
        {"user_ids": [value]},
    )
    assert r.status_code == 422
