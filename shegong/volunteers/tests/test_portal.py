"""The volunteer portal: SMS sign-in (a session separate from staff auth), registration,
sign-up, check-in by token URL, hours and certificates."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from shegong.core.notify import ConsoleSmsSender
from shegong.volunteers import services
from shegong.volunteers.models import Volunteer

from .conftest import make_id, make_phone

pytestmark = pytest.mark.django_db


def _code(phone: str) -> str:
    for sent_to, text in reversed(ConsoleSmsSender.outbox):
        if sent_to == phone:
            match = re.search(r"验证码是(\d{6})", text)
            assert match
            assert "志愿服务" in text
            return match.group(1)
    raise AssertionError("no code sent")


def _login(client: Client, phone: str) -> Any:
    cache.clear()
    client.post("/volunteer/sms-code/", {"phone": phone})
    return client.post("/volunteer/login/", {"phone": phone, "sms_code": _code(phone)})


def test_register_on_portal_and_sign_in(kit: Any) -> None:
    cache.clear()
    c = Client()
    phone = make_phone()
    assert c.get("/volunteer/register/").status_code == 200
    c.post("/volunteer/sms-code/", {"phone": phone})
    birth = timezone.localdate().replace(year=timezone.localdate().year - 30)
    data = {
        "name": "赵志愿",
        "id_number": make_id(birth),
        "phone": phone,
        "sms_code": "000000",
        "region": kit.world.north_one.pk,
        "consent": "on",
    }
    response = c.post("/volunteer/register/", data)
    assert response.status_code == 422
    assert "验证码不正确" in response.content.decode()
    data["sms_code"] = _code(phone)
    response = c.post("/volunteer/register/", data)
    assert response.status_code == 302
    v = Volunteer.objects.get()
    assert v.source == "portal"
    assert v.phone_verified_at is not None
    home = c.get("/volunteer/").content.decode()
    assert v.number in home
    # the volunteer session is not a staff login
    assert c.get("/volunteers/").status_code == 302
    c.post("/volunteer/logout/")
    assert v.number not in c.get("/volunteer/").content.decode()
    response = _login(c, phone)
    assert response.status_code == 302
    assert v.number in c.get("/volunteer/").content.decode()


def test_unknown_phone_is_sent_to_registration(kit: Any) -> None:
    c = Client()
    response = _login(c, make_phone())
    assert response.status_code == 302
    assert "/volunteer/register/" in response["Location"]


def test_sign_up_check_in_by_url_and_certificate(kit: Any) -> None:
    activity = kit.activity(capacity=1)
    slot = activity.slots.get()
    v = kit.volunteer()
    other = kit.volunteer()
    c = Client()
    _login(c, v.phone.reveal())
    response = c.post(f"/volunteer/slots/{slot.pk}/signup/", follow=True)
    assert "报名成功" in response.content.decode()
    c2 = Client()
    _login(c2, other.phone.reveal())
    response = c2.post(f"/volunteer/slots/{slot.pk}/signup/", follow=True)
    assert "候补" in response.content.decode()
    with freeze_time(slot.starts_at):
        token = services.checkin_token(slot.pk)
        c = Client()
        _login(c, v.phone.reveal())
        assert "确认签到" in c.get(f"/volunteer/checkin/{token}/").content.decode()
        response = c.post(f"/volunteer/checkin/{token}/")
        assert "签到成功" in response.content.decode()
        replay = c.post(f"/volunteer/checkin/{token}/")
        assert replay.status_code == 409
        assert "扫过" in replay.content.decode()
        # the waitlisted volunteer cannot check in
        c2 = Client()
        _login(c2, other.phone.reveal())
        assert c2.get(f"/volunteer/checkin/{token}/").status_code == 403
    with freeze_time(slot.ends_at):
        token = services.checkin_token(slot.pk)
        c = Client()
        _login(c, v.phone.reveal())
        response = c.post(f"/volunteer/checkin/{token}/")
        assert "签退成功" in response.content.decode()
    with freeze_time(slot.ends_at + timedelta(hours=2)):
        expired = Client()
        _login(expired, v.phone.reveal())
        assert expired.get(f"/volunteer/checkin/{token}/").status_code == 410
    signup = v.signups.get()
    services.confirm_hours(actor=kit.vm_north, signup_id=signup.pk)
    c = Client()
    _login(c, v.phone.reveal())
    assert "3.00" in c.get("/volunteer/hours/").content.decode()
    c.post("/volunteer/certificates/")
    cert = v.certificates.get()
    pdf = c.get(f"/volunteer/certificates/{cert.number}.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    # someone else cannot download it
    c2 = Client()
    _login(c2, other.phone.reveal())
    assert c2.get(f"/volunteer/certificates/{cert.number}.pdf").status_code == 404


def test_checkin_needs_sign_in(kit: Any) -> None:
    activity = kit.activity()
    token = services.checkin_token(activity.slots.get().pk)
    response = Client().get(f"/volunteer/checkin/{token}/")
    assert response.status_code == 302
    assert "/volunteer/login/" in response["Location"]


def test_public_activity_list_and_honours(kit: Any) -> None:
    activity = kit.activity(title="河道清洁")
    v = kit.volunteer(publicity_consent=True)
    hidden = kit.volunteer()
    for who in (v, hidden):
        services.record_hours(
            actor=kit.vm_north,
            volunteer_id=who.pk,
            hours=Decimal("10"),
            service_date=timezone.localdate(),
            title="x",
            organizer="y",
            region_id=kit.world.north_one.pk,
        )
    services.update_policy(actor=kit.world.dept_admin, star_thresholds=[5])
    assert "河道清洁" in Client().get("/volunteer/activities/").content.decode()
    assert Client().get(f"/volunteer/activities/{activity.pk}/").status_code == 200
    body = Client().get("/volunteer/honours/").content.decode()
    assert body.count("一星") == 1
    assert v.name.reveal() not in body


def _minor_form(kit: Any, phone: str, guardian_phone: str, **extra: str) -> dict[str, Any]:
    today = timezone.localdate()
    birth = today.replace(year=today.year - 15) - timedelta(days=30)
    return {
        "name": "孙小志",
        "id_number": make_id(birth),
        "phone": phone,
        "region": kit.world.north_one.pk,
        "guardian_name": "孙家长",
        "guardian_phone": guardian_phone,
        "guardian_relation": "母亲",
        "guardian_consent": "on",  # a ticked box is not the guardian's consent any more
        "consent": "on",
        **extra,
    }


def test_a_minor_registers_only_with_the_guardians_code(kit: Any) -> None:
    """山东 第十条 / 上海 第十三条: the guardian consents; on the portal that is the code sent
    to the guardian's phone (with what it means), not a box the teenager ticks."""
    cache.clear()
    c = Client()
    phone, guardian = make_phone(), make_phone()
    c.post("/volunteer/sms-code/", {"phone": phone})
    data = _minor_form(kit, phone, guardian, sms_code=_code(phone))
    refused = c.post("/volunteer/register/", data)
    assert refused.status_code == 422
    assert "监护人通过短信验证码确认同意" in refused.content.decode()
    assert not Volunteer.objects.exists()

    sent = c.post("/volunteer/guardian-sms-code/", {"guardian_phone": guardian})
    assert "已发送至监护人手机" in sent.content.decode()
    to_guardian = [t for to, t in ConsoleSmsSender.outbox if to == guardian][-1]
    assert "填写您为监护人" in to_guardian
    code = re.search(r"验证码(\d{6})", to_guardian).group(1)  # type: ignore[union-attr]
    wrong = c.post("/volunteer/register/", {**data, "guardian_sms_code": "000000"})
    assert wrong.status_code == 422
    c.post("/volunteer/sms-code/", {"phone": phone})
    data["sms_code"] = _code(phone)
    done = c.post("/volunteer/register/", {**data, "guardian_sms_code": code})
    assert done.status_code == 302, done.content.decode()[:1500]
    minor = Volunteer.objects.get()
    assert minor.guardian_consent_method == "sms"
    assert minor.guardian_consent_at is not None


def test_a_minor_cannot_name_their_own_phone_as_the_guardians(kit: Any, settings: Any) -> None:
    settings.SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS = 0  # two codes to one phone in a row
    cache.clear()
    c = Client()
    phone = make_phone()
    c.post("/volunteer/guardian-sms-code/", {"guardian_phone": phone})
    texts = [t for to, t in ConsoleSmsSender.outbox if to == phone]
    code = re.search(r"验证码(\d{6})", texts[-1]).group(1)  # type: ignore[union-attr]
    data = _minor_form(kit, phone, phone, sms_code=code, guardian_sms_code=code)
    c.post("/volunteer/register/", data)  # the guardian check uses the code up first
    c.post("/volunteer/sms-code/", {"phone": phone})
    response = c.post("/volunteer/register/", {**data, "sms_code": _code(phone)})
    assert response.status_code == 422
    assert "监护人手机号码不能与本人相同" in response.content.decode()
    assert not Volunteer.objects.exists()


def test_staff_and_import_keep_how_the_guardian_consented(kit: Any) -> None:
    minor = kit.volunteer(age=16)
    assert minor.guardian_consent_method == "staff"


def test_a_plain_code_to_the_guardians_phone_is_not_consent(kit: Any) -> None:
    """A sign-in code (or one the appeals portal sent) reached the guardian without the
    consent text: it must not pass as the guardian's consent."""
    cache.clear()
    c = Client()
    phone, guardian = make_phone(), make_phone()
    c.post("/volunteer/sms-code/", {"phone": guardian})  # a plain code, no consent text
    plain = _code(guardian)
    c.post("/volunteer/sms-code/", {"phone": phone})
    data = _minor_form(kit, phone, guardian, sms_code=_code(phone), guardian_sms_code=plain)
    response = c.post("/volunteer/register/", data)
    assert response.status_code == 422
    assert not Volunteer.objects.exists()


def test_the_guardians_consent_is_for_one_child_only(kit: Any, settings: Any) -> None:
    """On a shared browser a second teenager naming the same guardian gets nothing from the
    first one's confirmed code (the form came back for another reason, the code is kept
    for *that* child only); signing out forgets it too."""
    settings.SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS = 0
    cache.clear()
    c = Client()
    first, second, guardian = make_phone(), make_phone(), make_phone()
    c.post("/volunteer/guardian-sms-code/", {"guardian_phone": guardian})
    code = re.search(  # type: ignore[union-attr]
        r"验证码(\d{6})", [t for to, t in ConsoleSmsSender.outbox if to == guardian][-1]
    ).group(1)
    one = _minor_form(kit, first, guardian, sms_code="000000", guardian_sms_code=code)
    assert c.post("/volunteer/register/", one).status_code == 422  # own code wrong
    c.post("/volunteer/sms-code/", {"phone": second})
    two = _minor_form(kit, second, guardian, sms_code=_code(second))
    refused = c.post("/volunteer/register/", two)
    assert refused.status_code == 422
    assert "监护人通过短信验证码确认同意" in refused.content.decode()
    c.post("/volunteer/sms-code/", {"phone": first})
    assert c.post("/volunteer/register/", {**one, "sms_code": _code(first)}).status_code == 302
    assert Volunteer.objects.count() == 1


def test_a_phone_gets_a_limited_number_of_codes_a_day(kit: Any, settings: Any) -> None:
    settings.SHEGONG_PORTAL_SMS_COOLDOWN_SECONDS = 0
    settings.SHEGONG_PORTAL_SMS_DAILY_PER_PHONE = 3
    cache.clear()
    guardian = make_phone()
    for n in range(4):  # four different addresses
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            "/volunteer/guardian-sms-code/", {"guardian_phone": guardian}
        )
    assert len([1 for to, _ in ConsoleSmsSender.outbox if to == guardian]) == 3


def test_refused_requests_do_not_use_up_someone_elses_phone(kit: Any, settings: Any) -> None:
    """An address over its own daily limit keeps asking for codes to one number: nothing is
    sent, and the number can still get its codes from anywhere else."""
    settings.SHEGONG_PORTAL_SMS_DAILY_PER_IP = 1
    settings.SHEGONG_PORTAL_SMS_DAILY_PER_PHONE = 3
    cache.clear()
    victim = make_phone()
    abuser = Client(REMOTE_ADDR="10.6.6.6")
    abuser.post("/volunteer/sms-code/", {"phone": make_phone()})  # its one code
    for _ in range(10):
        abuser.post("/volunteer/sms-code/", {"phone": victim})
    assert not [1 for to, _ in ConsoleSmsSender.outbox if to == victim]
    own = Client(REMOTE_ADDR="10.7.7.7").post("/volunteer/sms-code/", {"phone": victim})
    assert "验证码已发送" in own.content.decode()


def test_a_session_from_before_the_guardian_binding_is_not_an_error(kit: Any) -> None:
    c = Client()
    session = c.session
    session["volunteer_guardian_verified"] = "13900001111"  # the old shape: a bare phone
    session.save()
    phone = make_phone()
    cache.clear()
    c.post("/volunteer/sms-code/", {"phone": phone})
    data = _minor_form(kit, phone, "13900001111", sms_code=_code(phone))
    response = c.post("/volunteer/register/", data)
    assert response.status_code == 422
    assert "监护人通过短信验证码确认同意" in response.content.decode()
