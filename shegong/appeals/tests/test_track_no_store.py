"""The public tracking page shows a citizen's appeal: never kept by a browser or proxy cache."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import HttpResponse
from django.test import Client

from shegong.appeals.models import Appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracked(client: Client, make_appeal: Callable[[], tuple[Appeal, str]]) -> HttpResponse:
    appeal, code = make_appeal()
    client.post("/portal/track/", {"action": "lookup", "number": appeal.number, "code": code})
    response = client.get("/portal/track/")
    assert appeal.number in response.content.decode()
    return response


def test_the_tracking_page_of_an_appeal_is_not_stored(tracked: HttpResponse) -> None:
    assert "no-store" in tracked["Cache-Control"]


def test_the_tracking_page_says_no_cache_to_old_caches(tracked: HttpResponse) -> None:
    assert tracked["Pragma"] == "no-cache"


def test_the_tracking_page_has_the_strict_policy(tracked: HttpResponse) -> None:
    assert "'unsafe-inline'" not in tracked["Content-Security-Policy"]
