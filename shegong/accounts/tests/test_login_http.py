"""The login throttle and the second factor over real HTTP, with the CSRF cookie and token
a browser sends (the Django test client skips CSRF checks; this talks to the live server)."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, World
from shegong.accounts.views import LOGIN_FAILED

pytestmark = pytest.mark.django_db(transaction=True)


class Browser:
    """A cookie-keeping HTTP client that follows redirects, as a browser session would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Referer": self.base + path}
        request = urllib.request.Request(self.base + path, data=data, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.geturl(), exc.read().decode()

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        """GET the page, take its CSRF token, POST the form (as a person filling it in)."""
        _, _, page = self.open(path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match is not None, "the page has no CSRF token"
        return self.open(path, {"csrfmiddlewaretoken": match.group(1), **fields})


def test_the_throttle_holds_over_http_with_csrf(world: World, live_server: LiveServer) -> None:
    browser = Browser(live_server.url)
    answers = set()
    for _ in range(settings.SHEGONG_LOGIN_MAX_FAILURES):
        status, _, page = browser.post_form(
            "/accounts/login/", {"username": "leader", "password": "wrong"}
        )
        answers.add((status, LOGIN_FAILED in page))
    status, _, page = browser.post_form(
        "/accounts/login/", {"username": "leader", "password": PASSWORD}
    )
    answers.add((status, LOGIN_FAILED in page))
    assert answers == {(401, True)}


def test_a_post_without_the_csrf_token_is_refused(world: World, live_server: LiveServer) -> None:
    browser = Browser(live_server.url)
    browser.open("/accounts/login/")
    status, _, _ = browser.open("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert status == 403


def test_password_then_enrolment_then_home_over_http(world: World, live_server: LiveServer) -> None:
    browser = Browser(live_server.url)
    _, url, _ = browser.post_form(
        "/accounts/login/", {"username": "dispatcher", "password": PASSWORD}
    )
    assert urllib.parse.urlparse(url).path == "/accounts/second-factor/"
    device = TOTPDevice.objects.get(user=world.dispatcher, confirmed=False)
    code = str(totp(device.bin_key, device.step, device.t0, device.digits)).zfill(device.digits)
    status, _, page = browser.post_form("/accounts/second-factor/", {"code": code})
    assert "恢复码" in page
    status, url, _ = browser.open("/")
    assert (status, urllib.parse.urlparse(url).path) == (200, "/")
