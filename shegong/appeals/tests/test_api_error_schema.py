"""POST /api/appeals documents its 422: both a refused intake (``errors`` by field) and a
body that did not validate (``detail`` a list of field errors) fit it (issue 16 item 6:
schemathesis found the second violating the documented schema)."""

from __future__ import annotations

import json

import pytest

from conftest import World
from shegong.appeals.api import ErrorsOut

pytestmark = pytest.mark.django_db


def test_an_invalid_body_fits_the_documented_422(world: World, client_for) -> None:
    response = client_for(world.dept_admin).post(
        "/api/appeals", data=json.dumps({"title": "路灯"}), content_type="application/json"
    )
    assert ErrorsOut.model_validate(response.json()).errors == {}


def test_the_invalid_body_answer_is_a_422(world: World, client_for) -> None:
    response = client_for(world.dept_admin).post(
        "/api/appeals", data=json.dumps({"title": "路灯"}), content_type="application/json"
    )
    assert response.status_code == 422
