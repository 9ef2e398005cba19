"""QR sign-in: the signed token's expiry and misuse, the phone + SMS page, no roll leak."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from shegong.core.exceptions import DomainError
from shegong.core.notify import ConsoleSmsSender
from shegong.orglife import services

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 10:00 +0800"
DAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()
    ConsoleSmsSender.outbox.clear()


def _code(phone: str) -> str:
    texts = [text for to, text in ConsoleSmsSender.outbox if to == phone]
    match = re.search(r"验证码是(\d{6})", texts[-1])
    assert match is not None
    return match.group(1)


def _sign_in(client, token: str, phone: str):
    client.post(reverse("orglife:signin-sms", args=[token]), {"phone": phone})
    return client.post(
        reverse("orglife:signin", args=[token]), {"phone": phone, "sms_code": _code(phone)}
    )


@time_machine.travel(NOW, tick=False)
def test_member_signs_in_by_phone(branch, client):
    member = branch.member(phone="13911112222")
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    client.get(reverse("orglife:signin", args=[token]))
    response = _sign_in(client, token, "13911112222")
    assert response.status_code == 200
    assert meeting.attendance.get(member=member).method == "qr"


@time_machine.travel(NOW, tick=False)
def test_expired_token_refused_in_chinese(branch, client):
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    with time_machine.travel("2026-03-10 10:04 +0800", tick=False):
        response = client.get(reverse("orglife:signin", args=[token]))
    assert response.status_code == 410
    assert "签到二维码已过期" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_forged_token_refused(branch, client):
    meeting = branch.meeting(held_on=DAY)
    token = services.signin_token(meeting.pk)[:-2] + "xx"
    response = client.get(reverse("orglife:signin", args=[token]))
    assert "签到二维码无效" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_token_of_another_day_refused(branch):
    meeting = branch.meeting(held_on=date(2026, 3, 11))
    with pytest.raises(DomainError, match="只能在会议当天扫码签到"):
        services.meeting_of_token(services.signin_token(meeting.pk))


@time_machine.travel(NOW, tick=False)
def test_volunteer_checkin_token_is_not_a_signin_token(branch):
    from shegong.volunteers.services.checkin import checkin_token

    meeting = branch.meeting(held_on=DAY)
    with pytest.raises(DomainError, match="签到二维码无效"):
        services.read_token(checkin_token(meeting.pk))


@time_machine.travel(NOW, tick=False)
def test_session_that_opened_a_current_code_may_finish_after_expiry(branch, client):
    member = branch.member(phone="13911113333")
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    client.get(reverse("orglife:signin", args=[token]))
    with time_machine.travel("2026-03-10 10:05 +0800", tick=False):
        response = _sign_in(client, token, "13911113333")
    assert response.status_code == 200
    assert meeting.attendance.filter(member=member, status="present").exists()


@time_machine.travel(NOW, tick=False)
def test_code_is_sent_to_a_number_off_the_roll_too(branch, client):
    # The scanner learns nothing about the roll before proving the phone.
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    response = client.post(reverse("orglife:signin-sms", args=[token]), {"phone": "13911119999"})
    assert "验证码已发送" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_number_off_the_roll_refused_after_proof(branch, client):
    branch.member(phone="13911114444", org=branch.other)
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    client.get(reverse("orglife:signin", args=[token]))
    response = _sign_in(client, token, "13911114444")
    assert "不在本支部党员名册中" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_wrong_code_does_not_sign_in(branch, client):
    member = branch.member(phone="13911115555")
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    client.post(reverse("orglife:signin-sms", args=[token]), {"phone": "13911115555"})
    client.post(
        reverse("orglife:signin", args=[token]), {"phone": "13911115555", "sms_code": "000000"}
    )
    assert not meeting.attendance.filter(member=member).exists()


@time_machine.travel(NOW, tick=False)
def test_forged_codes_are_rate_limited_per_address(branch, client):
    meeting = branch.meeting(held_on=DAY)
    forged = services.signin_token(meeting.pk)[:-2] + "xx"
    url = reverse("orglife:signin", args=[forged])
    for _ in range(10):
        client.post(url, {"phone": "13911116666", "sms_code": "000000"})
    response = client.post(url, {"phone": "13911116666", "sms_code": "000000"})
    assert response.status_code == 429


@time_machine.travel(NOW, tick=False)
def test_wrong_sms_codes_do_not_lock_out_the_venue(branch, client):
    # Everyone in the room shares one address: ten wrong codes there must not stop the
    # eleventh member, who types the right one.
    member = branch.member(phone="13911117777")
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    url = reverse("orglife:signin", args=[token])
    client.get(url)
    for _ in range(10):
        client.post(url, {"phone": "13911116666", "sms_code": "000000"})
    _sign_in(client, token, "13911117777")
    assert meeting.attendance.filter(member=member, status="present").exists()


@time_machine.travel(NOW, tick=False)
def test_sms_codes_per_meeting_are_capped(branch, client):
    branch.member()  # a roll of one: three codes
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    url = reverse("orglife:signin-sms", args=[token])
    for n in range(3):
        client.post(url, {"phone": f"1391112000{n}"})
    response = client.post(url, {"phone": "13911120009"})
    assert "本次会议发送的验证码已达上限" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_second_tap_says_already_signed_in(branch, client_for):
    from shegong.accounts.models import User
    from shegong.members.models import Member

    member = branch.member()
    user = User.objects.create_user("party_member_2", password="x-Passw0rd!")
    Member.objects.filter(pk=member.pk).update(user=user)
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    c = client_for(user)
    c.get(reverse("orglife:signin", args=[token]))
    c.post(reverse("orglife:signin", args=[token]), {"by_account": "1"})
    response = c.post(reverse("orglife:signin", args=[token]), {"by_account": "1"})
    assert "您已签到" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_linked_account_signs_in_with_one_button(branch, client_for):
    from shegong.accounts.models import User
    from shegong.members.models import Member

    member = branch.member()
    user = User.objects.create_user("party_member_1", password="x-Passw0rd!")
    Member.objects.filter(pk=member.pk).update(user=user)
    meeting = branch.meeting(held_on=DAY)
    _, token = services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)
    c = client_for(user)
    c.get(reverse("orglife:signin", args=[token]))
    c.post(reverse("orglife:signin", args=[token]), {"by_account": "1"})
    assert meeting.attendance.get(member=member).status == "present"


@time_machine.travel(NOW, tick=False)
def test_cancelled_meeting_shows_no_qr(branch):
    meeting = branch.meeting(held_on=DAY)
    services.cancel_meeting(actor=branch.world.secretary, meeting_id=meeting.pk, reason="改期")
    with pytest.raises(DomainError, match="会议已取消"):
        services.qr_token(actor=branch.world.secretary, meeting_id=meeting.pk)


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_scan_racing_another_writer_of_the_row_is_not_a_500(branch):
    # PostgreSQL only (SQLite has one writer): another writer (the secretary marking the
    # sheet: it locks the meeting, as every writer does) inserts the member's row and commits
    # while the scan waits; the scan then finds the row, no IntegrityError.
    import threading

    from django.db import connection, connections, transaction

    from shegong.orglife.models import Attendance, Meeting

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers")
    member = branch.member(phone="13911118888")
    meeting = branch.meeting(held_on=DAY)
    inserted, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def other_writer() -> None:
        try:
            with transaction.atomic():
                Meeting.objects.select_for_update().get(pk=meeting.pk)
                Attendance.objects.create(
                    meeting_id=meeting.pk, member_id=member.pk, status="present", method="manual"
                )
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    def scanner() -> None:
        try:
            outcome.append(services.sign_in_by_phone(meeting_id=meeting.pk, phone="13911118888"))
        except Exception as exc:  # the outcome under test
            outcome.append(exc)
        finally:
            connections.close_all()

    writer = threading.Thread(target=other_writer)
    writer.start()
    inserted.wait(10)
    scan = threading.Thread(target=scanner)
    scan.start()
    scan.join(1)  # blocked on the uncommitted row
    release.set()
    writer.join(10)
    scan.join(10)
    assert isinstance(outcome[0], Attendance)
