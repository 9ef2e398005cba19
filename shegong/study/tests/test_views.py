"""Pages and API: what a secretary sees and does, and what another branch's secretary cannot."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from shegong.study.models import SecretaryReview, StudyRecord, StudySession
from shegong.study.services import plans

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(at(2026, 6, 10), tick=False):
        yield


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


def test_the_secretary_records_a_session_from_the_branch_page(kit, client_for):
    c = client_for(kit.world.secretary)
    r = c.post(
        f"/study/branches/{kit.north.pk}/sessions/",
        {"kind": "topic", "topic": "学习新思想", "held_on": "2026-06-05", "hours": "2"},
    )
    assert (r.status_code, StudySession.objects.filter(topic="学习新思想").count()) == (302, 1)


def test_a_bad_session_form_is_shown_again_with_its_values(kit, client_for):
    c = client_for(kit.world.secretary)
    r = c.post(
        f"/study/branches/{kit.north.pk}/sessions/",
        {"kind": "topic", "topic": "学习新思想", "held_on": "2026-06-05", "hours": "abc"},
    )
    assert (r.status_code, "学习新思想" in r.content.decode()) == (422, True)


def test_the_secretary_records_attendance_by_checkboxes(kit, client_for, session):
    c = client_for(kit.world.secretary)
    ids = [str(m.pk) for m in kit.north_members]
    c.post(f"/study/sessions/{session.pk}/attendance/", {"person": ids})
    assert session.records.count() == 3


def test_another_branchs_secretary_gets_404_for_the_session_page(kit, client_for, session):
    assert client_for(kit.south_admin).get(f"/study/sessions/{session.pk}/").status_code == 404


def test_another_branchs_secretary_cannot_record_attendance_by_url(kit, client_for, session):
    c = client_for(kit.south_admin)
    r = c.post(f"/study/sessions/{session.pk}/attendance/", {"person": [kit.north_members[0].pk]})
    assert (r.status_code, StudyRecord.objects.count()) == (404, 0)


def test_another_branchs_secretary_cannot_record_attendance_by_api(kit, client_for, session):
    c = client_for(kit.south_admin)
    r = c.put(
        f"/api/study/sessions/{session.pk}/attendance",
        json.dumps({"member_ids": [kit.north_members[0].pk]}),
        content_type="application/json",
    )
    assert (r.status_code, StudyRecord.objects.count()) == (404, 0)


def test_another_branchs_secretary_gets_404_for_the_branch_page(kit, client_for):
    assert client_for(kit.south_admin).get(f"/study/branches/{kit.north.pk}/").status_code == 404


def test_another_branchs_secretary_gets_404_for_the_branch_progress_api(kit, client_for):
    r = client_for(kit.south_admin).get(f"/api/study/branches/{kit.north.pk}/progress")
    assert r.status_code == 404


def test_another_branchs_secretary_gets_404_for_the_secretary_profile(kit, client_for):
    r = client_for(kit.south_admin).get(f"/study/secretaries/{kit.north_secretary.pk}/")
    assert r.status_code == 404


def test_another_branchs_secretary_gets_404_for_the_secretary_api(kit, client_for):
    r = client_for(kit.south_admin).get(f"/api/study/secretaries/{kit.north_secretary.pk}")
    assert r.status_code == 404


def test_another_branchs_secretary_cannot_enter_a_review_by_url(kit, client_for):
    c = client_for(kit.south_admin)
    r = c.post(
        f"/study/secretaries/{kit.north_secretary.pk}/reviews/",
        {"year": "2025", "grade": "poor", "evaluator": "南", "reviewed_on": "2026-06-01"},
    )
    assert (r.status_code, SecretaryReview.objects.count()) == (404, 0)


def test_another_branchs_secretary_cannot_enter_a_review_by_api(kit, client_for):
    c = client_for(kit.south_admin)
    r = c.post(
        f"/api/study/secretaries/{kit.north_secretary.pk}/reviews",
        json.dumps({"year": 2025, "grade": "poor", "evaluator": "南"}),
        content_type="application/json",
    )
    assert (r.status_code, SecretaryReview.objects.count()) == (404, 0)


def test_the_secretary_list_api_leaves_out_other_branches(kit, client_for):
    r = client_for(kit.south_admin).get("/api/study/secretaries")
    assert [row["id"] for row in r.json()] == [kit.south_secretary.pk]


def test_the_street_enters_a_review_on_the_profile_page(kit, client_for):
    c = client_for(kit.world.street_north)
    c.post(
        f"/study/secretaries/{kit.north_secretary.pk}/reviews/",
        {"year": "2025", "grade": "good", "evaluator": "北街道党工委", "reviewed_on": "2026-01-15"},
    )
    assert SecretaryReview.objects.get().grade == "good"


def test_the_gaps_page_names_the_branch_without_a_secretary(kit, client_for):
    from shegong.organizations.services import orgs

    orgs.end_committee_member(
        actor=kit.world.root, member_id=kit.north_secretary.pk, ended_on=date(2026, 5, 1)
    )
    body = client_for(kit.world.dept_admin).get("/study/gaps/").content.decode()
    assert "北一社区党支部" in body


def test_the_gaps_api_lists_the_unlinked_secretary(kit, client_for):
    r = client_for(kit.world.dept_admin).get("/api/study/gaps")
    assert kit.north_secretary.pk in [row["id"] for row in r.json()["undertrained"]]


def test_a_district_leader_cannot_open_the_department_page(kit, client_for):
    assert client_for(kit.world.district_leader).get("/study/department/").status_code == 403


def test_a_cadre_records_their_own_learning(kit, client_for):
    c = client_for(kit.world.dept_admin)
    c.post(
        "/study/mine/",
        {"kind": "online", "title": "学习强国", "studied_on": "2026-06-01", "hours": "1.5"},
    )
    assert StudyRecord.objects.get(user=kit.world.dept_admin).hours == Decimal("1.5")


def test_the_home_page_lists_the_visible_branches(kit, client_for):
    body = client_for(kit.world.secretary).get("/study/").content.decode()
    assert ("北一社区党支部" in body, "南一社区党支部" in body) == (True, False)
