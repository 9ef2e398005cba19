"""What the Open311 tests share: the client written from the spec, a valid submission and
the assertions' helpers. The fixture ``api`` is in each test module (``api = API``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from shegong.appeals.choices import AppealKind
from tests.open311_client import Open311Client, Open311Error

DESCRIPTION = "北一社区3号楼前路灯坏了两周，晚上出行不安全，老人孩子经常摔倒，请尽快修复。"
CODE = re.compile(r"查询码：([2-9A-HJ-NP-Z]{8})，请妥善保存")


def make_api() -> Open311Client:
    # CSRF checks on, as for a real browser-less client: the POST must not need a token.
    return Open311Client.for_django(Client(enforce_csrf_checks=True))


API = pytest.fixture(make_api, name="api")


def submit(api: Open311Client, world: World, **overrides: object) -> dict[str, Any]:
    fields: dict[str, object] = {
        "service_code": AppealKind.HL_COMPLAINT,
        "description": DESCRIPTION,
        "attribute": {"region_code": world.north_one.code},
    }
    fields.update(overrides)
    return api.create(**fields)


def iso(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def refused(call: Callable[..., object], *args: object, **kwargs: object) -> Open311Error:
    with pytest.raises(Open311Error) as info:
        call(*args, **kwargs)
    return info.value
