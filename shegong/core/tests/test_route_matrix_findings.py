"""What the route matrix found, pinned one by one (the matrix sends no allowed writes, so
bad input from a persona with the right is checked here)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shegong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_admin_login_page_sends_nobody_to_the_platform_login(db: None) -> None:
    # The admin has no login of its own: the platform's (with its second factor) is the one door.
    response = Client().get("/admin/login/")
    assert response["Location"].startswith("/accounts/login/")


def test_an_empty_activity_status_is_a_chinese_error_not_a_500(world: Any, client_for: Any) -> None:
    from shegong.volunteers.tests.conftest import Kit

    kit = Kit(world)
    activity = kit.activity()
    client = client_for(kit.vm_north)
    response = client.post(f"/volunteers/activities/{activity.pk}/status/", {"to": ""})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "请选择要改成的活动状态" in page
    activity.refresh_from_db()
    assert activity.status == "published"


def test_recording_hours_without_the_right_is_403_whatever_the_input(
    world: Any, client_for: Any
) -> None:
    from shegong.volunteers.tests.conftest import Kit

    volunteer = Kit(world).volunteer()
    response = client_for(world.leader).post(f"/volunteers/{volunteer.pk}/hours/", {})
    assert response.status_code == 403


def test_removing_a_member_of_another_streets_team_is_404(world: Any, client_for: Any) -> None:
    from shegong.volunteers import services
    from shegong.volunteers.models import Membership
    from shegong.volunteers.tests.conftest import Kit

    kit = Kit(world)
    team = kit.team()
    member = services.add_member(
        actor=kit.vm_north, team_id=team.pk, volunteer_id=kit.volunteer().pk
    )
    events = AuditEvent.objects.count()
    response = client_for(kit.vm_south).post(f"/volunteers/members/{member.pk}/remove/")
    assert response.status_code == 404
    assert Membership.objects.get(pk=member.pk).left_at is None
    assert AuditEvent.objects.count() == events


def test_revoking_another_persons_token_is_404(world: Any, client_for: Any) -> None:
    from shegong.accounts.services import create_api_token

    token, _ = create_api_token(actor=world.street_north, name="对接")
    response = client_for(world.dispatcher).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_contesting_a_score_needs_the_handling_right(world: Any, client_for: Any) -> None:
    response = client_for(world.dispatcher).post("/appeals/ranking/contest/1/", {})
    assert response.status_code == 403


def test_contesting_a_score_never_redirects_off_the_site(world: Any, client_for: Any) -> None:
    response = client_for(world.handler_unit_a).post(
        "/appeals/ranking/contest/1/", {"next": "https://evil.example/phish"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/appeals/ranking/"


def test_who_may_not_see_units_may_not_export_them(world: Any, client_for: Any) -> None:
    response = client_for(world.auditor).get("/units/export/?format=csv")
    assert response.status_code == 403


def test_who_may_not_see_appeals_may_not_export_them(world: Any, client_for: Any) -> None:
    response = client_for(world.auditor).get("/appeals/export/?format=csv")
    assert response.status_code == 403
