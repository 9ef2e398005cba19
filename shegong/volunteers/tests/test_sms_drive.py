"""Issue #12 item 10 on the volunteer portal: a registration drive on one Wi-Fi, caps per phone
and purpose, a gateway failure told to the citizen, and a gateway error after a committed
action never turning it into a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from shegong.core import sms_verification as sms
from shegong.core.models import SmsMessage, SmsStatus
from shegong.core.notify import ConsoleSmsSender
from shegong.core.tests.test_sms import FLAKY, FlakyGateway, _Gateway
from shegong.core.tests.test_sms import gateway as gateway  # the fixture
from shegong.volunteers import services

from .conftest import make_phone
from .test_portal import _code, _login

pytestmark = pytest.mark.django_db

WIFI = {"REMOTE_ADDR": "10.20.30.40"}


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    cache.clear()
    ConsoleSmsSender.outbox.clear()
    FlakyGateway.failures = 0
    yield
    cache.clear()


def test_two_hundred_people_on_one_wifi_each_get_a_code(kit: Any) -> None:
    phones = [make_phone() for _ in range(200)]
    refused = []
    for phone in phones:
        page = Client(**WIFI).post("/volunteer/sms-code/", {"phone": phone}).content.decode()
        if "验证码已发送" not in page:
            refused.append(phone)
    assert refused == []
    assert {to for to, _ in ConsoleSmsSender.outbox} == set(phones)


def test_address_cap_is_a_setting_and_zero_means_none(kit: Any, settings: Any) -> None:
    settings.SHEGONG_PORTAL_SMS_DAILY_PER_IP = 0
    for _ in range(30):
        Client(**WIFI).post("/volunteer/sms-code/", {"phone": make_phone()})
    assert len(ConsoleSmsSender.outbox) == 30


def test_caps_are_per_phone_and_purpose(kit: Any) -> None:
    """A young volunteer's parent signs in with their own phone and, a moment later, gets
    the consent code for the child: two purposes, two codes, both valid."""
    phone = make_phone()
    c = Client()
    first = c.post("/volunteer/sms-code/", {"phone": phone}).content.decode()
    second = c.post("/volunteer/guardian-sms-code/", {"guardian_phone": phone}).content.decode()
    assert "验证码已发送" in first
    assert "已发送至监护人手机" in second
    texts = [t for to, t in ConsoleSmsSender.outbox if to == phone]
    sign_in = re.search(r"验证码是(\d{6})", texts[0])
    consent = re.search(r"验证码(\d{6})", texts[1])
    assert sign_in is not None
    assert consent is not None
    assert sms.check_code(phone, sign_in.group(1)) == sms.CheckResult.OK
    assert sms.check_code(phone, consent.group(1), scope="guardian_consent") == sms.CheckResult.OK
    # Within one purpose the cooldown still holds.
    again = c.post("/volunteer/sms-code/", {"phone": phone}).content.decode()
    assert "验证码发送太频繁" in again


def test_gateway_failure_on_a_code_is_told_and_kept_for_admins(kit: Any, settings: Any) -> None:
    settings.SHEGONG_SMS_BACKEND = FLAKY
    FlakyGateway.failures = 1
    phone = make_phone()
    c = Client()
    page = c.post("/volunteer/sms-code/", {"phone": phone})
    assert page.status_code == 200
    assert "验证码短信发送失败，请稍后再试" in page.content.decode()
    failed = SmsMessage.objects.get()
    assert failed.status == SmsStatus.FAILED
    assert failed.purpose == "验证码（手机验证）"
    assert "HTTP 503" in failed.last_error
    assert failed.text == "（验证码短信，内容不保存）"
    # Nothing reached the phone, so asking again at once is allowed and works.
    retry = c.post("/volunteer/sms-code/", {"phone": phone}).content.decode()
    assert "验证码已发送" in retry
    assert sms.check_code(phone, _code(phone)) == sms.CheckResult.OK


@pytest.mark.django_db(transaction=True)
def test_gateway_error_after_a_committed_action_is_not_a_500(kit: Any, settings: Any) -> None:
    """Real commits (no test transaction): the old number's notice goes out after the
    phone change commits; the gateway fails; the page answers normally, the change stays
    and the notice waits for its retry."""
    settings.SHEGONG_SMS_BACKEND = FLAKY
    old = make_phone()
    v = kit.volunteer(phone=old)
    c = Client()
    _login(c, old)
    new = make_phone()
    c.post("/volunteer/sms-code/", {"phone": new})
    code = _code(new)
    FlakyGateway.failures = 1
    done = c.post("/volunteer/me/phone/", {"phone": new, "sms_code": code})
    assert done.status_code == 302
    assert services.find_by_phone(new).pk == v.pk  # type: ignore[union-attr]
    notice = SmsMessage.objects.get(purpose="手机号码更换提醒")
    assert notice.status == SmsStatus.QUEUED
    assert notice.attempts == 1
    assert "HTTP 503" in notice.last_error
    assert notice.phone == old


def test_code_goes_through_the_http_gateway_configured(
    kit: Any, settings: Any, gateway: str
) -> None:
    settings.SHEGONG_SMS_BACKEND = "http"
    settings.SHEGONG_SMS_HTTP_URL = gateway
    settings.SHEGONG_SMS_HTTP_TOKEN = "drive-token"
    settings.SHEGONG_SMS_SIGN = "示范市志愿服务"
    phone = make_phone()
    page = Client(**WIFI).post("/volunteer/sms-code/", {"phone": phone}).content.decode()
    assert "验证码已发送" in page
    (got,) = _Gateway.received
    assert got["auth"] == "Bearer drive-token"
    assert got["body"]["phone"] == phone
    assert got["body"]["sign"] == "示范市志愿服务"
    code = re.search(r"验证码是(\d{6})", got["body"]["text"])
    assert code is not None
    assert sms.check_code(phone, code.group(1)) == sms.CheckResult.OK
