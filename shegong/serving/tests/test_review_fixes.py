"""Review fixes: bad input answers in Chinese, not a server error."""

from __future__ import annotations

import json

import pytest

from shegong.serving.models import ServiceOrder

from .conftest import at

pytestmark = pytest.mark.django_db


def test_api_order_with_a_time_without_zone_is_read_as_beijing_time(world, client_for) -> None:
    response = client_for(world.street_north).post(
        "/api/serving/orders",
        data=json.dumps(
            {
                "title": "陪同就医",
                "community_id": world.north_one.pk,
                "address": "1号楼",
                "starts_at": "2026-03-03T09:00:00",
                "ends_at": "2026-03-03T11:00:00",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    order = ServiceOrder.objects.get(pk=response.json()["id"])
    assert order.starts_at == at(2026, 3, 3, 9)


POLICY = {
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


def test_policy_with_a_huge_number_is_refused_in_chinese_and_kept(world, client_for) -> None:
    # 99999 overflows PostgreSQL's smallint (a 500 there); SQLite stored it silently.
    response = client_for(world.dept_admin).post(
        "/serving/policy/", {**POLICY, "weight_distance": "99999"}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "距离权重不能大于100" in body
    assert 'value="99999"' in body


def test_a_too_short_report_on_the_portal_keeps_the_text(world, kit, clock) -> None:
    from shegong.serving import services
    from shegong.serving.tests.test_orders import need
    from shegong.serving.tests.test_views import volunteer_client

    order = services.create_need(actor=world.street_north, data=need(world, minors=False))
    volunteer = kit.volunteer(phone="13977770001")
    services.claim_order(volunteer_id=volunteer.pk, order_id=order.pk)
    token = services.checkin_token(order.pk)
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 9))
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 11))
    clock.move_to(at(2026, 3, 5, 11, 5))
    response = volunteer_client("13977770001").post(
        f"/serving/nearby/{order.pk}/", {"action": "report", "text": "已完成"}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "至少5个字" in body
    assert "已完成" in body
