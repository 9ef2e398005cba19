"""Permission matrix of the volunteer pages, API and exports: out-of-scope rows are 404,
missing capabilities 403, denied writes change nothing."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shegong.volunteers import services
from shegong.volunteers.models import (
    Activity,
    Certificate,
    HoursEntry,
    Signup,
    TrainingRecord,
    Volunteer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(kit: Any) -> dict[str, Any]:
    """A north-street volunteer with an activity, a confirmed sign-up, hours and a
    certificate — everything the south-street manager must not reach."""
    activity = kit.activity()
    slot = activity.slots.get()
    v = kit.volunteer()
    signup = services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    entry = services.record_hours(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        hours=Decimal("3"),
        service_date=timezone.localdate(),
        title="补录",
        organizer="北一社区",
        region_id=kit.world.north_one.pk,
    )
    cert = services.issue_certificate(volunteer_id=v.pk, actor=kit.vm_north)
    training = services.add_training(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        title="应急救护培训",
        content="心肺复苏",
        hours="4",
        organizer="市红十字会",
        held_on=timezone.localdate(),
    )
    return {
        "activity": activity,
        "training": training,
        "slot": slot,
        "volunteer": v,
        "signup": signup,
        "entry": entry,
        "cert": cert,
        "team": activity.team,
    }


def _c(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_in_scope_manager_sees_every_page(kit: Any, north: dict[str, Any]) -> None:
    c = _c(kit.vm_north)
    for url in [
        "/volunteers/",
        f"/volunteers/{north['volunteer'].pk}/",
        "/volunteers/teams/",
        f"/volunteers/teams/{north['team'].pk}/",
        "/volunteers/activities/",
        "/volunteers/activities/new/",
        f"/volunteers/activities/{north['activity'].pk}/",
        f"/volunteers/slots/{north['slot'].pk}/",
        f"/volunteers/slots/{north['slot'].pk}/qr/",
        "/volunteers/hours/",
        "/volunteers/certificates/",
        f"/volunteers/certificates/{north['cert'].pk}/",
        "/volunteers/honours/",
        "/volunteers/new/",
        "/volunteers/import/volunteers/",
        "/volunteers/import/hours/",
        "/volunteers/import/trainings/",
        f"/volunteers/{north['volunteer'].pk}/records/training/",
        f"/volunteers/{north['volunteer'].pk}/records/award/",
        f"/volunteers/{north['volunteer'].pk}/records/evaluation/",
    ]:
        response = c.get(url)
        assert response.status_code == 200, url
    assert north["volunteer"].number in c.get("/volunteers/").content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/volunteers/{volunteer}/",
        "/volunteers/teams/{team}/",
        "/volunteers/activities/{activity}/",
        "/volunteers/slots/{slot}/",
        "/volunteers/slots/{slot}/qr/",
        "/volunteers/certificates/{cert}/",
        "/volunteers/certificates/{cert}/pdf/",
        "/volunteers/{volunteer}/records/training/",
        "/volunteers/{volunteer}/records/evaluation/",
    ],
)
def test_out_of_scope_reads_are_404(kit: Any, north: dict[str, Any], path: str) -> None:
    url = path.format(**{k: v.pk for k, v in north.items()})
    assert _c(kit.vm_south).get(url).status_code == 404


def test_out_of_scope_lists_and_exports_are_empty(kit: Any, north: dict[str, Any]) -> None:
    c = _c(kit.vm_south)
    number = north["volunteer"].number
    assert number not in c.get("/volunteers/").content.decode()
    assert number not in c.get("/volunteers/hours/").content.decode()
    assert north["cert"].number not in c.get("/volunteers/certificates/").content.decode()
    for url in ("/volunteers/export/", "/volunteers/hours/export/"):
        response = c.get(url)
        assert response.status_code == 200
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert len(rows) == 1, url  # header only
    # in scope: the export has the row, personal data masked
    response = _c(kit.vm_north).get("/volunteers/export/")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == number
    assert "*" in rows[1][4]
    assert "*" in rows[1][5]


def test_out_of_scope_api_reads(kit: Any, north: dict[str, Any]) -> None:
    south, mine = _c(kit.vm_south), _c(kit.vm_north)
    vid = north["volunteer"].pk
    assert south.get(f"/api/volunteers/{vid}").status_code == 404
    body = mine.get(f"/api/volunteers/{vid}").json()
    assert body["total_hours"] == "3.00"
    assert "*" in body["phone_masked"]
    assert south.get("/api/volunteers").json()["count"] == 0
    assert south.get("/api/volunteer-hours").json()["count"] == 0
    assert south.get("/api/volunteer-activities").json()["count"] == 0
    assert mine.get("/api/volunteer-hours").json()["count"] == 1


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/volunteers/activities/{activity}/status/", {"to": "cancelled", "reason": "x"}),
        ("/volunteers/signups/{signup}/absent/", {}),
        ("/volunteers/signups/{signup}/cancel/", {}),
        ("/volunteers/certificates/{cert}/revoke/", {"reason": "x"}),
        ("/volunteers/{volunteer}/status/", {"status": "suspended"}),
        ("/volunteers/teams/{team}/members/", {"number": "X"}),
        ("/volunteers/{volunteer}/certify/", {}),
        (
            "/volunteers/{volunteer}/records/training/",
            {"title": "x", "content": "y", "hours": "1", "organizer": "z"},
        ),
        (
            "/volunteers/records/training/{training}/correct/",
            {"title": "改", "content": "y", "hours": "1", "organizer": "z", "reason": "x"},
        ),
        ("/volunteers/records/training/{training}/void/", {"reason": "x"}),
    ],
)
def test_out_of_scope_writes_change_nothing(
    kit: Any, north: dict[str, Any], path: str, data: dict[str, str]
) -> None:
    def state() -> tuple[Any, ...]:
        return (
            Activity.objects.get(pk=north["activity"].pk).status,
            Signup.objects.get(pk=north["signup"].pk).status,
            Certificate.objects.count(),
            Volunteer.objects.get(pk=north["volunteer"].pk).status,
            list(TrainingRecord.objects.values_list("pk", "status", "revision", "title")),
        )

    before = state()
    url = path.format(**{k: v.pk for k, v in north.items()})
    assert _c(kit.vm_south).post(url, data).status_code == 404
    assert before == state()
    assert Certificate.objects.get(pk=north["cert"].pk).status == "valid"


def test_out_of_scope_reversal_and_api_confirm(kit: Any, north: dict[str, Any]) -> None:
    admin_south = kit.world.street_south  # street staff: no correction capability → 403
    assert (
        _c(admin_south).post(f"/volunteers/entries/{north['entry'].pk}/reverse/", {"reason": "x"})
    ).status_code == 403
    response = _c(kit.vm_south).post(
        f"/api/volunteer-signups/{north['signup'].pk}/confirm",
        data={"note": ""},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert HoursEntry.objects.count() == 1


def test_roles_without_capability_get_403(kit: Any, north: dict[str, Any]) -> None:
    c = _c(kit.world.handler_unit_a)  # handlers have no volunteer capability
    vid = north["volunteer"].pk
    for url in (
        "/volunteers/",
        "/volunteers/hours/",
        "/volunteers/export/",
        "/api/volunteers",
        f"/volunteers/{vid}/records/training/",
        "/api/volunteer-trainings",
    ):
        assert c.get(url).status_code == 403, url
    training = north["training"].pk
    for url in (
        f"/volunteers/records/training/{training}/void/",
        f"/volunteers/records/training/{training}/correct/",
        f"/volunteers/{vid}/records/training/",
    ):
        assert c.post(url, {"reason": "x", "title": "改"}).status_code == 403, url
    leader = _c(kit.world.leader)  # sees, cannot act
    assert leader.get("/volunteers/").status_code == 200
    assert leader.get("/volunteers/activities/new/").status_code == 403
    assert leader.post(f"/volunteers/{north['volunteer'].pk}/certify/").status_code == 403
    assert leader.post(f"/volunteers/records/training/{training}/void/").status_code == 403
    assert TrainingRecord.objects.get(pk=training).status == "valid"
    assert _c(kit.vm_north).get("/volunteers/policy/").status_code == 403
    assert _c(kit.world.dept_admin).get("/volunteers/policy/").status_code == 200


def test_manager_flow_through_pages(kit: Any, north: dict[str, Any]) -> None:
    from freezegun import freeze_time

    signup, slot = north["signup"], north["slot"]
    response = _c(kit.vm_north).post(f"/volunteers/signups/{signup.pk}/check/", follow=True)
    assert "分钟内才能签到" in response.content.decode()  # three days early
    with freeze_time(slot.starts_at + timezone.timedelta(minutes=5)):
        c = _c(kit.vm_north)
        c.post(f"/volunteers/signups/{signup.pk}/check/")
    with freeze_time(slot.ends_at):
        c = _c(kit.vm_north)
        c.post(f"/volunteers/signups/{signup.pk}/check/")
        assert "2.75" in c.get(f"/volunteers/slots/{slot.pk}/").content.decode()
        response = c.post(f"/volunteers/slots/{slot.pk}/confirm-all/", follow=True)
    assert "已确认 1 人" in response.content.decode()
    north["volunteer"].refresh_from_db()
    assert north["volunteer"].total_hours == Decimal("5.75")


def test_public_verification_page_and_api(kit: Any, north: dict[str, Any]) -> None:
    cert = north["cert"]
    response = Client().get(f"/volunteer/verify/{cert.verify_code}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "真实有效" in body
    assert cert.name_masked in body
    assert cert.id_masked in body
    # nothing beyond the certificate: no phone, no full ID, no full name
    v = north["volunteer"]
    assert v.phone.reveal() not in body
    assert v.id_number.reveal() not in body
    assert v.name.reveal() not in body
    api = Client().get(f"/api/volunteer-certificates/verify/{cert.verify_code}").json()
    assert api["verdict"] == "genuine"
    assert "current_hours" not in api
    assert api["record_current"] is True
    assert Client().get("/volunteer/verify/unknown/").status_code == 404


def test_unmasking_is_scoped_and_audited(kit: Any, north: dict[str, Any]) -> None:
    from shegong.core.models import AuditEvent

    v = north["volunteer"]
    url = f"/pii/volunteers.Volunteer/{v.pk}/phone/"
    assert _c(kit.vm_south).post(url, {"reason": "核实"}).status_code == 404
    response = _c(kit.vm_north).post(url, {"reason": "联系志愿者确认活动"})
    assert response.status_code == 200
    assert v.phone.reveal() in response.content.decode()
    assert AuditEvent.objects.filter(action="pii_revealed", target_id=str(v.pk)).exists()


def test_htmx_list_gets_the_table_partial(kit: Any, north: dict[str, Any]) -> None:
    response = _c(kit.vm_north).get("/volunteers/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-testid="volunteer-table"' in body
    assert "<html" not in body
    assert north["volunteer"].number in body


def test_roster_filters_minors_by_how_the_guardian_consented(kit: Any) -> None:
    """Minors whose consent was only ticked (``declared``, before guardian SMS) can be found
    and asked to confirm; the filter stays inside the clerk's scope."""
    from shegong.volunteers.models import Volunteer

    staff_minor = kit.volunteer(age=16, name="甲同学")
    declared = kit.volunteer(age=15, name="乙同学")
    Volunteer.objects.filter(pk=declared.pk).update(guardian_consent_method="declared")
    c = Client()
    c.force_login(kit.vm_north)
    page = c.get("/volunteers/?guardian_consent=declared").content.decode()
    assert declared.number in page
    assert staff_minor.number not in page
    c.force_login(kit.vm_south)
    assert declared.number not in c.get("/volunteers/?guardian_consent=declared").content.decode()


def test_the_export_link_follows_the_filters_changed_on_the_page(kit: Any) -> None:
    c = Client()
    c.force_login(kit.vm_north)
    fragment = c.get(
        "/volunteers/?guardian_consent=declared", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'id="volunteer-export"' in fragment
    assert "guardian_consent=declared" in fragment.split('id="volunteer-export"')[1].split(">")[0]
    assert 'hx-swap-oob="true"' in fragment
    page = c.get("/volunteers/?guardian_consent=declared").content.decode()
    assert page.count('id="volunteer-export"') == 1
