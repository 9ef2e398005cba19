"""POST /api/members/{id}/development documents its 422: a step the rules refuse and a body
that did not validate (``detail`` a list of field errors) both fit it (issue 16 item 6:
schemathesis found the second violating the documented schema)."""

from __future__ import annotations

import json

import pytest

from conftest import World
from shegong.members.api import RefusedOut

pytestmark = pytest.mark.django_db


def _post_invalid(world: World, client_for):
    return client_for(world.dept_admin).post(
        "/api/members/1/development",
        data=json.dumps({"kind": "申请入党", "on": "2026-06-01", "training_hours": 1.25}),
        content_type="application/json",
    )


def test_an_invalid_body_fits_the_documented_422(world: World, client_for) -> None:
    body = RefusedOut.model_validate(_post_invalid(world, client_for).json())
    assert body.violations == []


def test_the_field_error_is_chinese(world: World, client_for) -> None:
    detail = _post_invalid(world, client_for).json()["detail"]
    assert [error["msg"] for error in detail] == ["最多 1 位小数"]
