"""Bounds the fuzzer found missing (issue 16 item 6): numbers past what the database stores,
pages past any list, deadlines past any calendar — each a 4xx in Chinese, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.http import HttpResponse
from django.test import Client

from conftest import World

pytestmark = pytest.mark.django_db

ClientFor = Callable[[object], Client]
HUGE = "99999999999999999999"  # past a signed 64-bit integer


def _messages(response: HttpResponse) -> list[str]:
    return [error["msg"] for error in json.loads(response.content)["detail"]]


def test_a_huge_offset_is_refused_on_a_plain_list(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).get(f"/api/users?offset={2**63 - 1}")
    assert response.status_code == 422


def test_a_huge_offset_is_refused_on_a_capped_list(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).get("/api/appeals?offset=2000000000")
    assert _messages(response) == ["应不大于 1000000000"]


def test_a_huge_limit_is_refused(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).get("/api/regions?limit=1001")
    assert _messages(response) == ["应不大于 1000"]


def test_the_last_offset_still_answers(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).get("/api/users?offset=1000000000")
    assert response.json()["items"] == []


def test_a_huge_id_in_the_query_is_refused(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).get(f"/api/study/sessions?organization_id={HUGE}")
    assert _messages(response) == ["应不大于 9223372036854775807"]


def test_a_huge_number_in_a_body_is_refused(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).post(
        "/api/regions",
        data='{"code": "339903", "name": "新区", "level": "区县", "parent_id": ' + HUGE + "}",
        content_type="application/json",
    )
    assert _messages(response) == [f"请求内容中有超出范围的数值（绝对值应不大于 {2**63 - 1}）"]


def test_nan_in_a_body_is_refused(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).post(
        "/api/regions", data='{"population": NaN}', content_type="application/json"
    )
    assert _messages(response) == ["请求内容中有无效的数值（不接受 NaN 或 Infinity）"]


def test_an_ordinary_body_still_passes_the_parser(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).patch(
        f"/api/regions/{world.north.pk}",
        data=json.dumps({"population": 12000}),
        content_type="application/json",
    )
    assert response.status_code == 200


def test_a_negative_deadline_is_refused(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).get(
        "/api/calendar/deadline?start=2026-06-01T09:00:00%2B08:00&value=-5&unit=hour"
    )
    assert _messages(response) == ["应不小于 0"]


def test_a_deadline_from_before_standard_time_is_refused(
    world: World, client_for: ClientFor
) -> None:
    response = client_for(world.dept_admin).get(
        "/api/calendar/deadline?start=1059-05-29T12:58:24%2B12:56&value=429"
    )
    assert response.json()["detail"] == "起算时间应在 1970 年至 2100 年之间"


def test_a_deadline_in_range_is_computed(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).get(
        "/api/calendar/deadline?start=2026-06-01T09:00:00%2B08:00&value=3&unit=natural_day"
    )
    assert response.json()["end_date"] == "2026-06-04"


def test_a_long_digit_search_term_is_text(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).get(f"/api/appeals?q={HUGE}")
    assert response.status_code == 200


def test_a_long_digit_user_search_is_text(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).get(f"/api/users?q={HUGE}")
    assert response.status_code == 200


def test_a_long_digit_text_filter_is_text(world: World, client_for: ClientFor) -> None:
    response = client_for(world.auditor).get(f"/api/audit-events?target_id={HUGE}")
    assert response.status_code == 200


def test_a_huge_id_for_an_unbounded_integer_filter_is_refused(
    world: World, client_for: ClientFor
) -> None:
    response = client_for(world.dept_admin).get(f"/api/volunteers?team={HUGE}")
    assert _messages(response) == ["应不大于 9223372036854775807"]


def test_a_huge_id_in_an_integer_list_filter_is_refused(
    world: World, client_for: ClientFor
) -> None:
    response = client_for(world.dept_admin).get(f"/api/dues/payments?member_id={HUGE}")
    assert _messages(response) == ["应不大于 9223372036854775807"]


def test_a_huge_id_in_a_path_parameter_route_is_refused(
    world: World, client_for: ClientFor
) -> None:
    response = client_for(world.dept_admin).get(f"/api/study/branches/1/progress?year={HUGE}")
    assert _messages(response) == ["应不大于 9223372036854775807"]


def test_an_unknown_region_level_is_refused(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).post(
        "/api/regions",
        data=json.dumps({"code": "9", "name": "新区", "level": -2154}),
        content_type="application/json",
    )
    assert _messages(response) == ["应不小于 1"]


def test_a_negative_population_is_refused(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).patch(
        f"/api/regions/{world.north.pk}",
        data=json.dumps({"population": -1}),
        content_type="application/json",
    )
    assert _messages(response) == ["应不小于 0"]


def test_a_null_unit_field_keeps_its_value(world: World, client_for: ClientFor) -> None:
    response = client_for(world.dept_admin).patch(
        f"/api/units/{world.unit_a.pk}",
        data=json.dumps({"short_name": None, "name": None}),
        content_type="application/json",
    )
    assert response.json()["name"] == world.unit_a.name
