"""The helpers in core every app uses: capability checks and the rate-limit counter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from shegong.core import ratelimit
from shegong.core.permissions import (
    DENIED,
    capability_required,
    has_capability,
    need_capability,
    require_capability,
)
from shegong.core.roles import Cap

pytestmark = pytest.mark.django_db


# --- require_capability (services) ---------------------------------------------------------


def test_require_capability_passes_a_holder(world) -> None:
    assert require_capability(world.dispatcher, Cap.APPEALS_DISPATCH, "不能派单") is None


def test_require_capability_refuses_with_the_given_chinese_message(world) -> None:
    with pytest.raises(PermissionDenied) as refused:
        require_capability(world.leader, Cap.APPEALS_DISPATCH, "只有信访部门可以派单")
    assert str(refused.value) == "只有信访部门可以派单"


def test_require_capability_has_a_chinese_default_message(world) -> None:
    with pytest.raises(PermissionDenied) as refused:
        require_capability(world.leader, Cap.APPEALS_DISPATCH)
    assert str(refused.value) == DENIED


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_require_capability_refuses_no_actor_and_anonymous(actor) -> None:
    with pytest.raises(PermissionDenied):
        require_capability(actor, Cap.REGIONS_VIEW, "请先登录")


def test_require_capability_refuses_an_inactive_user(world) -> None:
    world.dispatcher.is_active = False
    world.dispatcher.__dict__.pop("capabilities", None)
    with pytest.raises(PermissionDenied):
        require_capability(world.dispatcher, Cap.APPEALS_DISPATCH, "账号已停用")


def test_has_capability_is_false_for_anonymous() -> None:
    assert has_capability(AnonymousUser(), Cap.REGIONS_VIEW) is False


# --- views: need_capability and @capability_required ----------------------------------------


def _request(user) -> HttpRequest:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return request


@capability_required(Cap.AUDIT_VIEW)
def _audit_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("审计日志")


def test_capability_required_sends_anonymous_visitors_to_the_login_page() -> None:
    response = _audit_page(_request(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/somewhere/")


def test_capability_required_lets_a_holder_in(world) -> None:
    assert _audit_page(_request(world.auditor)).status_code == 200


def test_capability_required_refuses_without_a_message_so_the_403_page_explains(world) -> None:
    with pytest.raises(PermissionDenied) as refused:
        _audit_page(_request(world.dispatcher))
    assert refused.value.args == ()


def test_need_capability_refuses_like_the_decorator(world) -> None:
    with pytest.raises(PermissionDenied) as refused:
        need_capability(_request(world.dispatcher), Cap.AUDIT_VIEW)
    assert refused.value.args == ()


def test_a_view_check_shows_the_general_403_page(world, client_for) -> None:
    response = client_for(world.dispatcher).get("/audit/")
    assert response.status_code == 403
    assert "您的角色没有使用此功能的权限" in response.content.decode()


# --- ratelimit --------------------------------------------------------------------------------


@pytest.fixture
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_ratelimit_counts_hits_in_a_window(clean_cache) -> None:
    assert [ratelimit.hit("t:one", 60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.count("t:one") == 3


def test_ratelimit_is_over_at_the_limit(clean_cache) -> None:
    for _ in range(2):
        ratelimit.hit("t:two", 60)
    assert ratelimit.over("t:two", 3) is False
    ratelimit.hit("t:two", 60)
    assert ratelimit.over("t:two", 3) is True


def test_ratelimit_window_starts_at_the_first_hit_and_ends(clean_cache) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        ratelimit.hit("t:three", 60)
        clock.move_to(start + timedelta(seconds=50))
        ratelimit.hit("t:three", 60)  # does not extend the window
        clock.move_to(start + timedelta(seconds=61))
        assert ratelimit.count("t:three") == 0


def test_ratelimit_keys_are_independent(clean_cache) -> None:
    ratelimit.hit("t:a", 60)
    assert ratelimit.count("t:b") == 0
