"""Staff pages, HTMX partials, the API and the portal for training, award and evaluation
records: out-of-scope is 404 (page) and nothing (API), roles without the capability get
403 and change nothing, the volunteer sees only their own records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shegong.volunteers import services
from shegong.volunteers.models import AwardRecord, Certificate, EvaluationRecord, TrainingRecord

from .test_portal import _login

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock"),  # dated relative to now; see conftest
]


def _c(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def north(kit: Any) -> dict[str, Any]:
    v = kit.volunteer()
    services.record_hours(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        hours=Decimal("3"),
        service_date=timezone.localdate(),
        title="补录",
        organizer="北一社区",
        region_id=kit.world.north_one.pk,
    )
    training = services.add_training(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        title="应急救护培训",
        content="心肺复苏",
        hours="4",
        organizer="市红十字会",
        held_on=timezone.localdate() - timedelta(days=2),
    )
    award = services.add_award(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        title="优秀志愿者",
        awarded_on=timezone.localdate(),
        grantor="北街道办事处",
    )
    evaluation = services.add_evaluation(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        title="敬老院探访",
        service_date=timezone.localdate(),
        rating="excellent",
    )
    return {"volunteer": v, "training": training, "award": award, "evaluation": evaluation}


def test_detail_page_shows_the_three_panels(kit: Any, north: dict[str, Any]) -> None:
    page = _c(kit.vm_north).get(f"/volunteers/{north['volunteer'].pk}/").content.decode()
    for text in ("培训记录", "表彰奖励", "服务评价", "应急救护培训", "优秀志愿者", "敬老院探访"):
        assert text in page
    assert 'data-testid="rating-summary">优秀 1<' in page
    assert 'name="include_records"' in page
    assert 'data-testid="records-add-training"' in page


def test_view_only_role_sees_records_without_forms(kit: Any, north: dict[str, Any]) -> None:
    page = _c(kit.world.leader).get(f"/volunteers/{north['volunteer'].pk}/").content.decode()
    assert "应急救护培训" in page
    assert 'data-testid="records-add-training"' not in page
    assert "保存更正" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/volunteers/{volunteer}/records/training/",
        "/volunteers/{volunteer}/records/award/",
        "/volunteers/{volunteer}/records/evaluation/",
    ],
)
def test_clerk_of_another_street_gets_404(kit: Any, north: dict[str, Any], path: str) -> None:
    url = path.format(volunteer=north["volunteer"].pk)
    for user in (kit.vm_south, kit.world.street_south):
        c = _c(user)
        assert c.get(url).status_code == 404
        assert c.post(url, {"title": "x"}).status_code == 404


def test_out_of_scope_correct_and_void_are_404_and_change_nothing(
    kit: Any, north: dict[str, Any]
) -> None:
    c = _c(kit.world.street_south)
    for kind in ("training", "award", "evaluation"):
        pk = north[kind].pk
        data = {"reason": "x", "title": "改", "rating": "fail"}
        assert c.post(f"/volunteers/records/{kind}/{pk}/correct/", data).status_code == 404
        assert c.post(f"/volunteers/records/{kind}/{pk}/void/", {"reason": "x"}).status_code == 404
    assert c.post("/volunteers/records/nope/1/void/", {"reason": "x"}).status_code == 404
    assert c.get(f"/volunteers/records/training/{north['training'].pk}/void/").status_code == 405
    assert TrainingRecord.objects.get().revision == 1
    assert AwardRecord.objects.get().status == "valid"
    assert EvaluationRecord.objects.get().rating == "excellent"


def test_roles_without_the_capability_get_403_and_change_nothing(
    kit: Any, north: dict[str, Any]
) -> None:
    vid = north["volunteer"].pk
    for user in (kit.world.leader, kit.world.auditor):
        c = _c(user)
        assert c.get(f"/volunteers/{vid}/records/training/").status_code == 200
        response = c.post(
            f"/volunteers/{vid}/records/training/",
            {"title": "x", "content": "y", "hours": "1", "organizer": "z", "held_on": "2026-01-01"},
        )
        assert response.status_code == 403
        training = north["training"].pk
        response = c.post(f"/volunteers/records/training/{training}/void/", {"reason": "x"})
        assert response.status_code == 403
    # 部门管理员 cannot evaluate (no volunteers.activities)
    response = _c(kit.world.dept_admin).post(
        f"/volunteers/{vid}/records/evaluation/",
        {"title": "x", "service_date": "2026-01-01", "rating": "good"},
    )
    assert response.status_code == 403
    assert TrainingRecord.objects.count() == 1
    assert EvaluationRecord.objects.count() == 1
    assert TrainingRecord.objects.get().status == "valid"


def test_htmx_add_correct_void_return_the_panel(kit: Any, north: dict[str, Any]) -> None:
    c = _c(kit.vm_north)
    vid = north["volunteer"].pk
    hx = {"HTTP_HX_REQUEST": "true"}
    response = c.post(
        f"/volunteers/{vid}/records/training/",
        {
            "title": "垃圾分类指导员培训",
            "content": "分类标准",
            "hours": "2.5",
            "organizer": "区城管局",
            "held_on": timezone.localdate().isoformat(),
        },
        **hx,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<div id="records-training"')
    assert "垃圾分类指导员培训" in body
    assert "已记录" in body
    # a service error comes back in the panel, in Chinese
    response = c.post(
        f"/volunteers/{vid}/records/training/",
        {
            "title": "x",
            "content": "y",
            "hours": "-1",
            "organizer": "z",
            "held_on": timezone.localdate().isoformat(),
        },
        **hx,
    )
    assert "学习时长" in response.content.decode()
    assert TrainingRecord.objects.count() == 2
    pk = north["training"].pk
    response = c.post(
        f"/volunteers/records/training/{pk}/correct/",
        {
            "title": "应急救护培训",
            "content": "心肺复苏",
            "hours": "5",
            "organizer": "市红十字会",
            "held_on": north["training"].held_on.isoformat(),
            "reason": "志愿者申请更正时长",
        },
        **hx,
    )
    assert "已更正" in response.content.decode()
    assert TrainingRecord.objects.get(pk=pk).hours == Decimal("5.00")
    response = c.post(f"/volunteers/records/training/{pk}/void/", {"reason": "重复"}, **hx)
    body = response.content.decode()
    assert "已作废" in body
    assert "重复" in body
    assert TrainingRecord.objects.get(pk=pk).status == "voided"
    # without HTMX: back to the detail page
    response = c.post(f"/volunteers/records/award/{north['award'].pk}/void/", {"reason": "x"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/volunteers/{vid}/#records-award")


def test_evaluation_of_a_confirmed_signup_through_the_page(kit: Any) -> None:
    start = timezone.now() + timedelta(minutes=10)
    activity = kit.activity(start=start, hours=2)
    slot = activity.slots.get()
    v = kit.volunteer()
    signup = services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    services.manager_check(actor=kit.vm_north, signup_id=signup.pk, at=start, now=start)
    end = start + timedelta(hours=2)
    services.manager_check(actor=kit.vm_north, signup_id=signup.pk, at=end, now=end)
    services.confirm_hours(actor=kit.vm_north, signup_id=signup.pk)
    c = _c(kit.vm_north)
    panel = c.get(f"/volunteers/{v.pk}/records/evaluation/").content.decode()
    assert f'<option value="{signup.pk}">' in panel
    c.post(
        f"/volunteers/{v.pk}/records/evaluation/",
        {"signup": signup.pk, "rating": "good", "comment": "守时"},
        HTTP_HX_REQUEST="true",
    )
    row = EvaluationRecord.objects.get()
    assert row.signup_id == signup.pk
    assert row.activity_id == activity.pk
    panel = c.get(f"/volunteers/{v.pk}/records/evaluation/").content.decode()
    assert f'<option value="{signup.pk}">' not in panel  # evaluated once


def test_certificate_with_records_from_the_page(kit: Any, north: dict[str, Any]) -> None:
    c = _c(kit.vm_north)
    vid = north["volunteer"].pk
    c.post(f"/volunteers/{vid}/certify/", {"include_records": "1"})
    cert = Certificate.objects.get()
    assert cert.include_records
    assert {r["title"] for r in cert.records} == {"应急救护培训", "优秀志愿者"}
    detail = c.get(f"/volunteers/certificates/{cert.pk}/").content.decode()
    assert "培训：应急救护培训" in detail
    # the certificate keeps the level's stored value; pages show its label
    assert "表彰：优秀志愿者（北街道办事处，其他，第1版）" in detail
    public = Client().get(f"/volunteer/verify/{cert.verify_code}/").content.decode()
    assert "真实有效" in public
    assert "表彰：优秀志愿者" in public
    response = c.get(f"/volunteers/certificates/{cert.pk}/pdf/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_api_lists_are_scoped(kit: Any, north: dict[str, Any]) -> None:
    mine, south = _c(kit.vm_north), _c(kit.world.street_south)
    for path in ("/api/volunteer-trainings", "/api/volunteer-awards", "/api/volunteer-evaluations"):
        assert south.get(path).json()["count"] == 0, path
        body = mine.get(f"{path}?volunteer={north['volunteer'].pk}").json()
        assert body["count"] == 1, path
        item = body["items"][0]
        assert item["volunteer_number"] == north["volunteer"].number
        assert "name" not in item
        assert "id_number" not in item
    services.void_record(
        actor=kit.vm_north, kind="award", record_id=north["award"].pk, reason="误录"
    )
    assert mine.get("/api/volunteer-awards").json()["count"] == 0
    body = mine.get("/api/volunteer-awards?include_voided=true").json()
    assert body["items"][0]["status"] == "voided"
    assert body["items"][0]["void_reason"] == "误录"
    assert Client().get("/api/volunteer-trainings").status_code == 401


def test_portal_shows_only_the_volunteers_own_records(kit: Any, north: dict[str, Any]) -> None:
    other = kit.volunteer(name="李另一位")
    services.add_training(
        actor=kit.vm_north,
        volunteer_id=other.pk,
        title="别人的培训",
        content="x",
        hours="1",
        organizer="y",
        held_on=timezone.localdate(),
    )
    voided = services.add_award(
        actor=kit.vm_north,
        volunteer_id=north["volunteer"].pk,
        title="作废的表彰",
        awarded_on=timezone.localdate(),
        grantor="z",
    )
    services.void_record(actor=kit.vm_north, kind="award", record_id=voided.pk, reason="误录")
    c = Client()
    _login(c, north["volunteer"].phone.reveal())
    page = c.get("/volunteer/records/").content.decode()
    assert "应急救护培训" in page
    assert "优秀志愿者" in page
    assert "敬老院探访" in page
    assert "别人的培训" not in page
    assert "作废的表彰" not in page
    assert "保存更正" not in page  # read-only
    assert "/volunteers/records/" not in page
    assert 'name="reason"' not in page
    assert Client().get("/volunteer/records/").status_code == 302
    home = c.get("/volunteer/").content.decode()
    assert 'data-testid="my-records-link"' in home
    assert "（1 · 1 · 1）" in home  # the voided award is not counted
    # the volunteer issues a certificate with their records on the portal
    c.post("/volunteer/certificates/", {"include_records": "1"})
    cert = Certificate.objects.get(volunteer=north["volunteer"])
    assert [r["title"] for r in cert.records] == ["应急救护培训", "优秀志愿者"]
    assert services.verify_certificate(cert.verify_code).genuine


def test_training_has_no_lateness_flag_or_article_11_text(kit: Any) -> None:
    """第十一条 (10 working days) covers service and evaluation records, not training."""
    v = kit.volunteer()
    services.add_training(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        title="应急救护培训",
        content="心肺复苏",
        hours="4",
        organizer="市红十字会",
        held_on=timezone.localdate() - timedelta(days=90),
    )
    services.add_evaluation(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        title="敬老院探访",
        service_date=timezone.localdate() - timedelta(days=90),
        rating="good",
    )
    c = _c(kit.vm_north)
    training = c.get(f"/volunteers/{v.pk}/records/training/").content.decode()
    assert 'data-testid="record-late"' not in training
    assert "第十一条" not in training
    evaluation = c.get(f"/volunteers/{v.pk}/records/evaluation/").content.decode()
    assert 'data-testid="record-late"' in evaluation
    assert "第十一条" in evaluation


def test_detail_page_builds_the_team_list_once(kit: Any, north: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team = kit.team()
    services.add_member(actor=kit.vm_north, team_id=team.pk, volunteer_id=north["volunteer"].pk)
    with CaptureQueriesContext(connection) as queries:
        page = _c(kit.vm_north).get(f"/volunteers/{north['volunteer'].pk}/").content.decode()
    assert page.count(f'<option value="{team.pk}">{team.name}</option>') == 3
    team_lists = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().startswith('SELECT DISTINCT "volunteers_team"')
    ]
    assert len(team_lists) == 1, team_lists


def test_htmx_write_updates_the_tab_count_and_rating_summary(
    kit: Any, north: dict[str, Any]
) -> None:
    c = _c(kit.vm_north)
    vid = north["volunteer"].pk
    page = c.get(f"/volunteers/{vid}/").content.decode()
    assert 'id="records-count-evaluation"' in page
    response = c.post(
        f"/volunteers/{vid}/records/evaluation/",
        {"title": "社区义诊", "service_date": timezone.localdate().isoformat(), "rating": "good"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert body.startswith('<div id="records-evaluation"')
    assert 'id="records-count-evaluation" hx-swap-oob="true"' in body
    assert ">2</span>" in body.split('id="records-count-evaluation"')[1][:200]
    assert 'id="rating-summary" hx-swap-oob="true"' in body
    assert "优秀 1 · 良好 1" in body
    response = c.post(
        f"/volunteers/records/training/{north['training'].pk}/void/",
        {"reason": "重复"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert ">0</span>" in body.split('id="records-count-training"')[1][:200]
    assert 'id="rating-summary"' not in body


def test_a_refused_evaluation_comes_back_as_typed(kit: Any) -> None:
    """“其他服务” with a title but no date is refused; the form returns with 其他服务 still
    chosen (not the first open sign-up, which would record it against the wrong service),
    the rating and the title kept."""
    start = timezone.now() + timedelta(minutes=10)
    activity = kit.activity(start=start, hours=2)
    slot = activity.slots.get()
    v = kit.volunteer()
    signup = services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    services.manager_check(actor=kit.vm_north, signup_id=signup.pk, at=start, now=start)
    end = start + timedelta(hours=2)
    services.manager_check(actor=kit.vm_north, signup_id=signup.pk, at=end, now=end)
    services.confirm_hours(actor=kit.vm_north, signup_id=signup.pk)
    response = _c(kit.vm_north).post(
        f"/volunteers/{v.pk}/records/evaluation/",
        {"signup": "", "title": "社区义诊", "rating": "pass", "comment": "守时"},
        HTTP_HX_REQUEST="true",
    )
    panel = response.content.decode()
    assert not EvaluationRecord.objects.exists()
    assert f'<option value="{signup.pk}">' in panel  # offered, not selected
    assert '<option value="" selected>' in panel
    assert 'value="社区义诊"' in panel
    assert '<option value="pass" selected>' in panel
