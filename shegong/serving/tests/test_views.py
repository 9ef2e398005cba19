"""The pages end to end through the test client: staff pages scoped, the portal flow
(a resident's wish, a volunteer's claim and QR check-in, the resident's SMS confirmation)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from shegong.core.notify import ConsoleSmsSender
from shegong.serving import services
from shegong.serving.choices import OrderStatus
from shegong.serving.models import ServiceOrder
from shegong.volunteers.models import HoursEntry

from .conftest import at
from .test_orders import need

pytestmark = pytest.mark.django_db


def code_for(phone: str) -> str:
    for sent_to, text in reversed(ConsoleSmsSender.outbox):
        if sent_to == phone:
            match = re.search(r"验证码是(\d{6})", text)
            assert match
            return match.group(1)
    raise AssertionError("no code sent")


def volunteer_client(phone: str) -> Client:
    cache.clear()
    c = Client()
    c.post("/volunteer/sms-code/", {"phone": phone})
    c.post("/volunteer/login/", {"phone": phone, "sms_code": code_for(phone)})
    return c


def test_staff_pages_render(world, client_for, signed_appeal) -> None:
    order = services.create_need(actor=world.street_north, data=need(world))
    c = client_for(world.street_north)
    for url in (
        "/serving/",
        "/serving/orders/new/",
        f"/serving/orders/{order.pk}/",
        "/serving/reports/",
        "/serving/reports/new/?kind=member",
        "/serving/reports/new/?kind=organization",
        "/serving/reports/back/",
        "/serving/figures/",
        f"/serving/convert/{signed_appeal.pk}/",
    ):
        assert c.get(url).status_code == 200, url


def test_an_order_out_of_scope_is_404(world, client_for) -> None:
    order = services.create_need(actor=world.street_north, data=need(world))
    assert client_for(world.street_south).get(f"/serving/orders/{order.pk}/").status_code == 404


def test_a_bad_need_form_keeps_the_input(world, client_for) -> None:
    response = client_for(world.street_north).post(
        "/serving/orders/new/", {"kind": "wish", "title": "帮忙修理水龙头", "address": ""}
    )
    body = response.content.decode()
    assert (response.status_code, "帮忙修理水龙头" in body, "请填写服务地点" in body) == (
        422,
        True,
        True,
    )


def test_appeal_page_links_to_conversion(world, client_for, signed_appeal) -> None:
    body = client_for(world.dispatcher).get(f"/appeals/{signed_appeal.pk}/").content.decode()
    assert f"/serving/convert/{signed_appeal.pk}/" in body


def test_resident_wish_volunteer_serves_resident_confirms(world, kit, clock) -> None:
    clock.move_to(at(2026, 3, 5, 8, 30))
    resident = Client()
    cache.clear()
    resident.post("/serving/sms-code/", {"phone": "13955556666"})
    response = resident.post(
        "/serving/wish/",
        {
            "community": world.north_one.pk,
            "title": "家里灯泡坏了想请人换一下",
            "address": "北一社区7号楼2单元",
            "starts_at": "2026-03-05T09:00",
            "ends_at": "2026-03-05T11:00",
            "resident_name": "王阿姨",
            "phone": "13955556666",
            "sms_code": code_for("13955556666"),
        },
    )
    assert response.status_code == 302
    order = ServiceOrder.objects.get()
    volunteer = kit.volunteer(phone="13977778888")
    c = volunteer_client("13977778888")
    assert order.title in c.get("/serving/nearby/").content.decode()
    c.post(f"/serving/nearby/{order.pk}/", {"action": "claim"})
    token = services.checkin_token(order.pk)
    clock.move_to(at(2026, 3, 5, 9, 0))
    c = volunteer_client("13977778888")  # the portal's 30-minute idle timeout
    c.post(f"/serving/checkin/{token}/")
    clock.move_to(at(2026, 3, 5, 10, 30))
    c = volunteer_client("13977778888")
    c.post(f"/serving/checkin/{token}/")
    c.post(f"/serving/nearby/{order.pk}/", {"action": "report", "text": "已更换灯泡并检查线路"})
    cache.clear()
    resident.post("/serving/sms-code/", {"phone": "13955556666"})
    resident.post(
        f"/serving/confirm/{order.number}/",
        {"phone": "13955556666", "sms_code": code_for("13955556666")},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert HoursEntry.objects.get(volunteer=volunteer).hours == 1.5


def test_checkin_page_refuses_someone_who_did_not_claim(world, kit) -> None:
    order = services.create_need(actor=world.street_north, data=need(world))
    kit.volunteer(phone="13977770000")
    c = volunteer_client("13977770000")
    body = c.get(f"/serving/checkin/{services.checkin_token(order.pk)}/").content.decode()
    assert "您没有认领这项服务" in body


def test_portal_pages_need_the_volunteer_sign_in(world) -> None:
    assert Client().get("/serving/nearby/").status_code == 302


def test_policy_page_saves_through_the_service(world, client_for) -> None:
    c = client_for(world.dept_admin)
    data = {
        "member_hours_per_year": "20",
        "member_services_per_year": "4",
        "unit_services_per_year": "2",
        "vulnerable_adult_only": "on",
        "max_no_shows_vulnerable": "2",
        "weight_distance": "40",
        "weight_skills": "30",
        "weight_reliability": "20",
        "weight_workload": "10",
        "max_open_claims": "3",
    }
    assert c.post("/serving/policy/", data).status_code == 302
    assert services.get_policy().member_hours_per_year == 20


def test_figures_export_is_an_xlsx(world, client_for) -> None:
    services.create_need(actor=world.street_north, data=need(world))
    response = client_for(world.street_north).get("/serving/figures/?export=1")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )


def test_the_public_confirm_page_does_not_show_what_the_service_is(world) -> None:
    # Anyone holding a number reaches this page: the title could say where a vulnerable
    # resident lives, so only the number, the community and the status are shown.
    order = services.create_need(actor=world.street_north, data=need(world))
    cache.clear()
    body = Client().get(f"/serving/confirm/{order.number}/").content.decode()
    assert order.title not in body


def test_guessing_service_numbers_on_the_confirm_page_is_stopped(world) -> None:
    order = services.create_need(actor=world.street_north, data=need(world))
    cache.clear()
    guesser = Client()
    for n in range(10):
        guesser.get(f"/serving/confirm/FW20260101{n:06d}/")
    assert guesser.get(f"/serving/confirm/{order.number}/").status_code == 429
