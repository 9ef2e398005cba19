"""Issue #12 item 10: SMS that a real office can run — a real HTTP gateway adapter, settings
from the environment, delivery by a task after commit with retries, failures kept for
administrators."""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured

from shegong.core import notify
from shegong.core.models import SmsMessage, SmsStatus
from shegong.core.notify import ConsoleSmsSender, HttpSmsBackend, SmsGatewayError

SH = ZoneInfo("Asia/Shanghai")


class FlakyGateway:
    """A test gateway: refuses while ``failures`` > 0, then delivers to the outbox."""

    failures = 0
    calls = 0

    def send(self, phone: str, text: str) -> None:
        FlakyGateway.calls += 1
        if FlakyGateway.failures > 0:
            FlakyGateway.failures -= 1
            raise SmsGatewayError("gateway answered HTTP 503")
        ConsoleSmsSender().send(phone, text)


FLAKY = "shegong.core.tests.test_sms.FlakyGateway"


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    FlakyGateway.failures = 0
    FlakyGateway.calls = 0
    ConsoleSmsSender.outbox.clear()
    yield
    ConsoleSmsSender.outbox.clear()


# --- a real HTTP gateway on 127.0.0.1 ----------------------------------------------------


class _Gateway(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    answer: tuple[int, bytes] = (200, b'{"ok": true}')
    delay = 0.0  # seconds to wait after taking the message (a slow gateway)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        _Gateway.received.append(
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "type": self.headers.get("Content-Type"),
                "key": self.headers.get("Idempotency-Key"),
                "body": json.loads(self.rfile.read(length).decode("utf-8")),
            }
        )
        if _Gateway.delay:
            time.sleep(_Gateway.delay)
        status, body = _Gateway.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def gateway() -> Iterator[str]:
    _Gateway.received = []
    _Gateway.answer = (200, b'{"ok": true}')
    _Gateway.delay = 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sms/send"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_http_backend_posts_json_with_sign_and_token(gateway: str) -> None:
    HttpSmsBackend(url=gateway, token="s3cret").send("13912345678", "【示范市社工平台】您好")
    (got,) = _Gateway.received
    assert got["path"] == "/sms/send"
    assert got["auth"] == "Bearer s3cret"
    assert got["type"] == "application/json; charset=utf-8"
    assert got["body"] == {
        "phone": "13912345678",
        "sign": "示范市社工平台",
        "text": "您好",
        "message": "【示范市社工平台】您好",
    }


def test_http_backend_raises_on_http_error(gateway: str) -> None:
    _Gateway.answer = (500, b"oops")
    with pytest.raises(SmsGatewayError, match="HTTP 500"):
        HttpSmsBackend(url=gateway, token="").send("13912345678", "【签名】正文")


def test_http_backend_raises_when_the_gateway_refuses(gateway: str) -> None:
    _Gateway.answer = (200, '{"ok": false, "error": "签名未报备"}'.encode())
    with pytest.raises(SmsGatewayError, match="签名未报备"):
        HttpSmsBackend(url=gateway, token="").send("13912345678", "【签名】正文")


def test_http_backend_raises_when_unreachable() -> None:
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    port = server.server_port
    server.server_close()  # nothing listens there now
    with pytest.raises(SmsGatewayError, match="短信网关无法连接"):
        HttpSmsBackend(url=f"http://127.0.0.1:{port}/", token="").send("13912345678", "x")


def test_backend_by_name_and_sign_from_settings(settings: Any, gateway: str) -> None:
    settings.SHEGONG_SMS_BACKEND = "http"
    settings.SHEGONG_SMS_HTTP_URL = gateway
    settings.SHEGONG_SMS_HTTP_TOKEN = "t"
    settings.SHEGONG_SMS_SIGN = "示范市委社会工作部"
    notify.deliver("13912345678", "【社工平台】您的诉求已受理。")
    (got,) = _Gateway.received
    assert got["body"]["sign"] == "示范市委社会工作部"
    assert got["body"]["message"] == "【示范市委社会工作部】您的诉求已受理。"


# --- settings from the environment --------------------------------------------------------


@pytest.fixture
def reload_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    module = importlib.import_module("shegong.conf.settings")

    def load(**env: str) -> Any:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(module)

    yield load
    monkeypatch.undo()
    importlib.reload(module)


def test_every_sms_setting_comes_from_the_environment(reload_settings: Any) -> None:
    conf = reload_settings(
        SHEGONG_SMS_BACKEND="http",
        SHEGONG_SMS_HTTP_URL="https://sms.example.gov.cn/send",
        SHEGONG_SMS_HTTP_TOKEN="tok",
        SHEGONG_SMS_SIGN="示范市社工部",
        SHEGONG_SMS_COOLDOWN_SECONDS="30",
        SHEGONG_SMS_DAILY_PER_PHONE="6",
        SHEGONG_SMS_DAILY_PER_ADDRESS="0",
        SHEGONG_SMS_CODE_TTL_SECONDS="300",
        SHEGONG_SMS_MAX_CHECKS="3",
        SHEGONG_SMS_MAX_ATTEMPTS="2",
    )
    assert (conf.SHEGONG_SMS_BACKEND, conf.SHEGONG_SMS_HTTP_URL) == (
        "http",
        "https://sms.example.gov.cn/send",
    )
    assert (conf.SHEGONG_SMS_HTTP_TOKEN, conf.SHEGONG_SMS_SIGN) == ("tok", "示范市社工部")
    assert conf.SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS == 30
    assert conf.SHEGONG_PORTAL_SMS_DAILY_PER_PHONE == 6
    assert conf.SHEGONG_PORTAL_SMS_DAILY_PER_IP == 0
    assert conf.SHEGONG_PORTAL_SMS_CODE_TTL_SECONDS == 300
    assert conf.SHEGONG_PORTAL_SMS_MAX_ATTEMPTS == 3
    assert conf.SHEGONG_SMS_MAX_ATTEMPTS == 2


def test_http_backend_without_url_fails_loudly(reload_settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="SHEGONG_SMS_HTTP_URL"):
        reload_settings(SHEGONG_SMS_BACKEND="http", SHEGONG_SMS_HTTP_URL="")


def test_a_negative_cap_fails_loudly(reload_settings: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="SHEGONG_SMS_DAILY_PER_PHONE"):
        reload_settings(SHEGONG_SMS_DAILY_PER_PHONE="-1")


# --- delivery by a task after commit ------------------------------------------------------


@pytest.mark.django_db
def test_queued_sms_is_sent_after_commit_only(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = notify.queue_sms("13912345678", "【社工平台】您好", purpose="测试")
        assert message is not None
        assert ConsoleSmsSender.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert ConsoleSmsSender.outbox == [("13912345678", "【社工平台】您好")]
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


@pytest.mark.django_db
def test_gateway_error_is_retried_then_kept_as_failed(settings: Any, caplog: Any) -> None:
    settings.SHEGONG_SMS_BACKEND = FLAKY
    settings.SHEGONG_SMS_MAX_ATTEMPTS = 3
    FlakyGateway.failures = 5
    start = datetime(2027, 1, 4, 9, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        message = notify.queue_sms("13912345678", "【社工平台】您好", purpose="诉求办理进度")
        assert message is not None
        assert notify.deliver_message(message.pk) == SmsStatus.QUEUED
    message.refresh_from_db()
    assert (message.attempts, message.next_try_at) == (1, start + timedelta(minutes=1))
    assert "HTTP 503" in message.last_error
    # Not due yet: the resend job leaves it alone.
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert notify.resend_due() == 0
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert notify.resend_due() == 1  # the immediate test queue runs it at once
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.QUEUED, 2)
    with time_machine.travel(start + timedelta(minutes=7), tick=False):
        notify.resend_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.FAILED, 3)
    assert "failed after 3 attempts" in caplog.text
    assert "139****5678" in caplog.text
    assert "13912345678" not in caplog.text


@pytest.mark.django_db
def test_a_retry_that_succeeds_is_sent_once(settings: Any) -> None:
    settings.SHEGONG_SMS_BACKEND = FLAKY
    FlakyGateway.failures = 1
    message = notify.queue_sms("13912345678", "【社工平台】您好")
    assert message is not None
    notify.deliver_message(message.pk)
    message.refresh_from_db()
    with time_machine.travel(message.next_try_at, tick=False):
        notify.resend_due()
    assert notify.deliver_message(message.pk) == "skipped"  # a duplicate task does nothing
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert FlakyGateway.calls == 2
    assert len(ConsoleSmsSender.outbox) == 1


@pytest.mark.django_db
def test_message_is_encrypted_at_rest() -> None:
    from django.db import connection

    message = notify.queue_sms("13912345678", "【社工平台】您的诉求已受理")
    assert message is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, text FROM core_smsmessage WHERE id = %s", [message.pk])
        phone, text = cursor.fetchone()
    assert "13912345678" not in phone
    assert "受理" not in text
    assert SmsMessage.objects.get(pk=message.pk).phone == "13912345678"


@pytest.mark.django_db
def test_failed_messages_are_listed_for_administrators(
    world: Any, client_for: Any, settings: Any
) -> None:
    settings.SHEGONG_SMS_BACKEND = FLAKY
    settings.SHEGONG_SMS_MAX_ATTEMPTS = 1
    FlakyGateway.failures = 1
    message = notify.queue_sms("13912345678", "【社工平台】您的诉求已受理", purpose="诉求办理进度")
    assert message is not None
    notify.deliver_message(message.pk)
    url = "/admin/core/smsmessage/?status__exact=failed"
    page = client_for(world.dept_admin).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "诉求办理进度" in html
    assert "139****5678" in html
    assert "gateway answered HTTP 503" in html
    assert "13912345678" not in html
    assert "您的诉求已受理" not in html
    assert client_for(world.dispatcher).get(url).status_code == 302


# --- review finding M3/N4/N5: no double sends, Chinese errors, no silent log backend ------


def _queued_over_http(settings: Any, gateway: str) -> SmsMessage:
    settings.SHEGONG_SMS_BACKEND = "http"
    settings.SHEGONG_SMS_HTTP_URL = gateway
    settings.SHEGONG_SMS_HTTP_TIMEOUT = 1
    settings.SHEGONG_SMS_MAX_ATTEMPTS = 3
    message = notify.queue_sms("13912345678", "【社工平台】您的诉求已受理", purpose="诉求办理进度")
    assert message is not None
    return message


@pytest.mark.django_db
def test_the_request_carries_the_messages_idempotency_key(settings: Any, gateway: str) -> None:
    message = _queued_over_http(settings, gateway)
    notify.deliver_message(message.pk)
    (got,) = _Gateway.received
    assert (got["body"]["id"], got["key"]) == (
        notify.idempotency_key(message),
        notify.idempotency_key(message),
    )


@pytest.mark.django_db
def test_the_key_is_different_for_each_message(settings: Any, gateway: str) -> None:
    first = _queued_over_http(settings, gateway)
    second = _queued_over_http(settings, gateway)
    assert notify.idempotency_key(first) != notify.idempotency_key(second)


@pytest.mark.django_db
def test_a_timeout_after_sending_is_outcome_unknown(settings: Any, gateway: str) -> None:
    _Gateway.delay = 2.5  # longer than SHEGONG_SMS_HTTP_TIMEOUT
    message = _queued_over_http(settings, gateway)
    assert notify.deliver_message(message.pk) == SmsStatus.UNKNOWN


@pytest.mark.django_db
def test_an_unknown_outcome_is_not_sent_again(settings: Any, gateway: str) -> None:
    _Gateway.delay = 2.5
    message = _queued_over_http(settings, gateway)
    notify.deliver_message(message.pk)
    _Gateway.delay = 0.0
    message.refresh_from_db()
    with time_machine.travel(timezone_now() + timedelta(hours=2), tick=False):
        notify.resend_due()
    assert notify.deliver_message(message.pk) == "skipped"
    assert len(_Gateway.received) == 1


@pytest.mark.django_db
def test_a_5xx_answer_is_outcome_unknown_with_a_chinese_reason(settings: Any, gateway: str) -> None:
    _Gateway.answer = (500, b"oops")
    message = _queued_over_http(settings, gateway)
    notify.deliver_message(message.pk)
    message.refresh_from_db()
    assert (message.status, message.last_error) == (
        SmsStatus.UNKNOWN,
        "短信网关返回 HTTP 500，无法确认短信是否已发出",
    )


@pytest.mark.django_db
def test_an_explicit_refusal_is_retried(settings: Any, gateway: str) -> None:
    _Gateway.answer = (503, b"busy")
    message = _queued_over_http(settings, gateway)
    assert notify.deliver_message(message.pk) == SmsStatus.QUEUED


@pytest.mark.django_db
def test_a_refused_connection_is_retried(settings: Any) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    port = server.server_port
    server.server_close()  # nothing listens there now
    message = _queued_over_http(settings, f"http://127.0.0.1:{port}/")
    assert notify.deliver_message(message.pk) == SmsStatus.QUEUED


@pytest.mark.django_db
def test_a_refusal_reason_is_chinese_in_the_record(settings: Any, gateway: str) -> None:
    _Gateway.answer = (200, '{"ok": false, "error": "签名未报备"}'.encode())
    message = _queued_over_http(settings, gateway)
    notify.deliver_message(message.pk)
    message.refresh_from_db()
    assert message.last_error == "短信网关拒绝发送：签名未报备"


@pytest.mark.django_db
def test_a_row_abandoned_while_sending_is_not_requeued(settings: Any) -> None:
    settings.SHEGONG_SMS_BACKEND = FLAKY
    start = datetime(2027, 1, 4, 9, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        message = notify.queue_sms("13912345678", "【社工平台】您好")
        assert message is not None
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.SENDING, attempts=1, next_try_at=start
        )
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        notify.resend_due()
    message.refresh_from_db()
    assert (message.status, FlakyGateway.calls) == (SmsStatus.UNKNOWN, 0)


@pytest.mark.django_db
def test_unknown_outcomes_are_listed_for_administrators(
    world: Any, client_for: Any, settings: Any, gateway: str
) -> None:
    _Gateway.answer = (502, b"bad gateway")
    message = _queued_over_http(settings, gateway)
    notify.deliver_message(message.pk)
    html = client_for(world.dept_admin).get("/admin/core/smsmessage/?status__exact=unknown")
    assert "结果未知" in html.content.decode()


@pytest.mark.django_db
def test_an_administrator_resends_an_unknown_message_from_the_list(
    world: Any,
    client_for: Any,
    settings: Any,
    gateway: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _Gateway.answer = (502, b"bad gateway")
    message = _queued_over_http(settings, gateway)
    notify.deliver_message(message.pk)
    _Gateway.answer = (200, b'{"ok": true}')
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.dept_admin).post(
            "/admin/core/smsmessage/",
            {"action": "resend_unknown", "_selected_action": [str(message.pk)]},
        )
    message.refresh_from_db()
    assert (message.status, [r["key"] for r in _Gateway.received]) == (
        SmsStatus.SENT,
        [notify.idempotency_key(message)] * 2,
    )


@pytest.mark.django_db
def test_only_unknown_messages_are_resent(world: Any, settings: Any) -> None:
    settings.SHEGONG_SMS_BACKEND = FLAKY
    message = notify.queue_sms("13912345678", "【社工平台】您好")
    assert message is not None
    notify.deliver_message(message.pk)  # sent
    assert notify.resend_unknown(actor=world.dept_admin, message_ids=[message.pk]) == 0


@pytest.mark.django_db
def test_a_failed_verification_code_is_recorded_with_a_chinese_reason(settings: Any) -> None:
    from django.core.cache import cache

    from shegong.core import sms_verification

    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    port = server.server_port
    server.server_close()  # nothing listens there now
    settings.SHEGONG_SMS_BACKEND = "http"
    settings.SHEGONG_SMS_HTTP_URL = f"http://127.0.0.1:{port}/"
    cache.clear()
    with pytest.raises(sms_verification.SmsCodeError):
        sms_verification.send_code("13912345678", "127.0.0.1")
    assert SmsMessage.objects.get().last_error.startswith("短信网关无法连接")


def test_the_log_backend_masks_codes(caplog: Any) -> None:
    with caplog.at_level("INFO", logger="shegong.notify"):
        ConsoleSmsSender().send("13912345678", "【社工平台】您的验证码是482913，10分钟内有效")
    assert "482913" not in caplog.text


def test_production_refuses_the_default_log_backend(
    reload_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHEGONG_SMS_BACKEND", raising=False)
    monkeypatch.delenv("SHEGONG_SMS_SENDER", raising=False)
    with pytest.raises(ImproperlyConfigured, match="必须设置短信网关 SHEGONG_SMS_BACKEND"):
        reload_settings(SHEGONG_PRODUCTION="true", SECRET_KEY="x" * 50)


def test_production_accepts_an_explicit_log_backend(reload_settings: Any) -> None:
    conf = reload_settings(
        SHEGONG_PRODUCTION="true", SECRET_KEY="x" * 50, SHEGONG_SMS_BACKEND="log"
    )
    assert conf.SHEGONG_SMS_BACKEND == "log"


def timezone_now() -> datetime:
    from django.utils import timezone

    return timezone.now()
