"""Ids read from a request (query string or form) that are not ids answer like an unknown id:
"²" passes ``str.isdigit`` but not ``int``, and 20 digits pass ``int`` but not the database
(SQLite: OverflowError; PostgreSQL: out of range) — both used to be a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

NOT_IDS = ["²", "99999999999999999999"]

STAFF_PAGES = [
    ("dept_admin", "regions:list", "parent"),
    ("dept_admin", "organizations:orgs", "parent"),
    ("dept_admin", "organizations:findings", "street"),
    ("dept_admin", "organizations:entities", "street"),
    ("dept_admin", "organizations:coverage", "region"),
]


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize(("user", "route", "param"), STAFF_PAGES)
def test_a_staff_filter_ignores_what_is_not_an_id(
    world, client_for, user: str, route: str, param: str, value: str
) -> None:
    response = client_for(world.users[user]).get(reverse(route), {param: value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize(
    ("route", "param"), [("portal:regions", "parent"), ("volunteer_portal:communities", "street")]
)
def test_a_public_cascader_answers_no_options(
    client, world, route: str, param: str, value: str
) -> None:
    response = client.get(reverse(route), {param: value})
    assert response.status_code == 200
