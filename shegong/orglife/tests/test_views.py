"""Pages and API: a secretary works their branch; another branch's secretary cannot see or
change it by URL or API; the photo is served only through the scoped view."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from shegong.orglife import services

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 10:00 +0800"
DAY = date(2026, 3, 10)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@time_machine.travel(NOW, tick=False)
def test_secretary_plans_a_theme_day_through_the_page(branch, client_for):
    c = client_for(branch.world.secretary)
    response = c.post(
        reverse("orglife:meeting-new"),
        {
            "org": branch.org.pk,
            "kind": "theme_day",
            "title": "三月主题党日",
            "held_on": "2026-03-10",
        },
    )
    assert response.status_code == 302
    assert branch.org.meetings.get().title == "三月主题党日"


@time_machine.travel(NOW, tick=False)
def test_bad_input_keeps_what_was_typed(branch, client_for):
    c = client_for(branch.world.secretary)
    response = c.post(
        reverse("orglife:meeting-new"),
        {"org": branch.org.pk, "kind": "theme_day", "title": "三月主题党日", "held_on": "三月"},
    )
    assert "三月主题党日" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_detail_shows_quorum_in_chinese(branch, client_for):
    members = [branch.member() for _ in range(3)]
    meeting = branch.meeting("assembly", DAY)
    services.mark_attendance(
        actor=branch.world.secretary,
        meeting_id=meeting.pk,
        member_id=members[0].pk,
        status="present",
    )
    services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)
    page = client_for(branch.world.secretary).get(reverse("orglife:meeting", args=[meeting.pk]))
    assert "有表决权党员应到3人、实到1人，未超过半数，不能表决" in page.content.decode()


@time_machine.travel(NOW, tick=False)
def test_list_filters_by_quarter(branch, client_for):
    branch.meeting(held_on=DAY, title="一季度党日")
    branch.meeting(held_on=date(2026, 4, 10), title="二季度党日")
    page = client_for(branch.world.secretary).get(
        reverse("orglife:meetings"), {"year": 2026, "quarter": 1}
    )
    assert "二季度党日" not in page.content.decode()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("name", ["orglife:meeting", "orglife:meeting-edit", "orglife:meeting-qr"])
def test_other_secretary_gets_404_pages(branch, client_for, name):
    meeting = branch.meeting(held_on=DAY)
    response = client_for(branch.other_secretary).get(reverse(name, args=[meeting.pk]))
    assert response.status_code == 404


@time_machine.travel(NOW, tick=False)
def test_other_secretary_cannot_hold_by_url(branch, client_for):
    meeting = branch.meeting(held_on=DAY)
    client_for(branch.other_secretary).post(reverse("orglife:meeting-hold", args=[meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == "planned"


@time_machine.travel(NOW, tick=False)
def test_other_secretary_cannot_open_member_history(branch, client_for):
    member = branch.member()
    response = client_for(branch.other_secretary).get(reverse("orglife:member", args=[member.pk]))
    assert response.status_code == 404


@time_machine.travel(NOW, tick=False)
def test_photo_served_to_scope_only(branch, client_for):
    meeting = branch.meeting(held_on=DAY)
    photo = services.add_photo(
        actor=branch.world.secretary, meeting_id=meeting.pk, upload=io.BytesIO(PNG), name="a.png"
    )
    url = reverse("orglife:photo", args=[meeting.pk, photo.token])
    assert client_for(branch.other_secretary).get(url).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_photo_served_with_its_sniffed_type(branch, client_for):
    meeting = branch.meeting(held_on=DAY)
    photo = services.add_photo(
        actor=branch.world.secretary, meeting_id=meeting.pk, upload=io.BytesIO(PNG), name="a.png"
    )
    response = client_for(branch.world.secretary).get(
        reverse("orglife:photo", args=[meeting.pk, photo.token])
    )
    assert response["Content-Type"] == "image/png"


@time_machine.travel(NOW, tick=False)
def test_photo_upload_rejects_a_script(branch, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    meeting = branch.meeting(held_on=DAY)
    client_for(branch.world.secretary).post(
        reverse("orglife:photo-add", args=[meeting.pk]),
        {"photos": SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>", "image/jpeg")},
    )
    assert not meeting.photos.exists()


@time_machine.travel(NOW, tick=False)
def test_api_lists_only_scope(branch, client_for):
    branch.meeting(held_on=DAY)
    response = client_for(branch.other_secretary).get("/api/orglife/meetings")
    assert response.json()["count"] == 0


@time_machine.travel(NOW, tick=False)
def test_api_detail_of_other_branch_is_404(branch, client_for):
    meeting = branch.meeting(held_on=DAY)
    response = client_for(branch.other_secretary).get(f"/api/orglife/meetings/{meeting.pk}")
    assert response.status_code == 404


@time_machine.travel(NOW, tick=False)
def test_api_attendance_mark_of_other_branch_refused(branch, client_for):
    member = branch.member()
    meeting = branch.meeting(held_on=DAY)
    response = client_for(branch.other_secretary).post(
        f"/api/orglife/meetings/{meeting.pk}/attendance",
        json.dumps({"member_id": member.pk, "status": "present"}),
        content_type="application/json",
    )
    assert response.status_code == 404


@time_machine.travel(NOW, tick=False)
def test_api_detail_carries_quorum(branch, client_for):
    meeting = branch.meeting("assembly", DAY)
    response = client_for(branch.world.secretary).get(f"/api/orglife/meetings/{meeting.pk}")
    assert response.json()["quorum"]["explanation"].startswith("本支部没有有表决权的正式党员")


@time_machine.travel(NOW, tick=False)
def test_api_creates_and_holds(branch, client_for):
    c = client_for(branch.world.secretary)
    created = c.post(
        "/api/orglife/meetings",
        json.dumps(
            {
                "organization_id": branch.org.pk,
                "kind": "lecture",
                "title": "党课",
                "held_on": "2026-03-10",
            }
        ),
        content_type="application/json",
    ).json()
    held = c.post(f"/api/orglife/meetings/{created['id']}/hold").json()
    assert held["status"] == "held"


@time_machine.travel(NOW, tick=False)
def test_api_signin_with_unlinked_account_refused_in_chinese(branch, client_for):
    meeting = branch.meeting(held_on=DAY)
    response = client_for(branch.world.secretary).post(
        "/api/orglife/signin",
        json.dumps({"token": services.signin_token(meeting.pk)}),
        content_type="application/json",
    )
    assert response.json()["detail"] == "您的账号没有关联本支部的党员名册，不能签到"


@time_machine.travel(NOW, tick=False)
def test_secretary_edits_the_plan(branch, client_for):
    meeting = branch.meeting(held_on=DAY)
    client_for(branch.world.secretary).post(
        reverse("orglife:meeting-edit", args=[meeting.pk]),
        {"title": "改期后的主题党日", "held_on": "2026-03-12", "place": "社区广场"},
    )
    meeting.refresh_from_db()
    assert (meeting.title, meeting.held_on) == ("改期后的主题党日", date(2026, 3, 12))


@time_machine.travel(NOW, tick=False)
def test_api_refuses_committee_count_above_99(branch, client_for):
    response = client_for(branch.world.secretary).post(
        "/api/orglife/meetings",
        json.dumps(
            {
                "organization_id": branch.org.pk,
                "kind": "committee",
                "title": "支委会",
                "held_on": "2026-03-10",
                "committee_size": 100,
                "committee_present": 3,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
