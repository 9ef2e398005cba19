"""Permission matrix: every persona against every page, API and export of the foundation.

Out-of-scope rows are 404 (never 403); missing capabilities are 403; denied writes change
nothing.
"""

from __future__ import annotations

import pytest

from shegong.core.models import AuditEvent
from shegong.regions.models import Region
from shegong.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "url", "expected"),
    [
        ("dept_admin", "/regions/", 200),
        ("dept_admin", "/units/", 200),
        ("dept_admin", "/accounts/users/", 200),
        ("dept_admin", "/audit/", 403),  # 三权分立: the administrator does not read the audit
        ("auditor", "/audit/", 200),
        ("auditor", "/units/", 403),
        ("auditor", "/regions/import/", 403),
        ("secretary", "/units/", 403),
        ("secretary", "/accounts/users/", 403),
        ("handler_unit_a", "/accounts/users/", 403),
        ("street_north", "/regions/import/", 403),
        ("street_north", "/regions/export/?format=csv", 200),
        ("leader", "/regions/", 200),
        ("leader", "/units/new/", 403),
    ],
)
def test_page_access(world, client_for, persona, url, expected) -> None:
    assert client_for(world.users[persona]).get(url).status_code == expected


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get("/regions/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get("/api/regions").status_code == 401


def test_out_of_scope_detail_is_404_by_url_and_api(world, client_for) -> None:
    south = Region.objects.get(code="339901002")
    north = client_for(world.street_north)
    assert north.get(f"/regions/{south.pk}/").status_code == 404
    assert north.get(f"/api/regions/{south.pk}").status_code == 404
    handler = client_for(world.handler_unit_a)
    assert handler.get(f"/units/{world.unit_b.pk}/").status_code == 404
    assert handler.get(f"/api/units/{world.unit_b.pk}").status_code == 404
    assert handler.get(f"/units/{world.unit_a.pk}/").status_code == 200


def test_out_of_scope_write_is_refused_and_changes_nothing(world, client_for) -> None:
    south = Region.objects.get(code="339901002")
    admin_of_district_b = world.users["dept_admin"]
    admin_of_district_b.region = world.district_b
    admin_of_district_b.save()
    client = client_for(admin_of_district_b)
    events = AuditEvent.objects.count()
    response = client.post(f"/regions/{south.pk}/edit/", {"name": "篡改", "is_active": "on"})
    assert response.status_code == 404
    api = client.patch(
        f"/api/regions/{south.pk}", {"name": "篡改"}, content_type="application/json"
    )
    assert api.status_code == 404
    south.refresh_from_db()
    assert south.name == "南街道"
    assert AuditEvent.objects.count() == events


def test_export_contains_only_the_scope(world, client_for) -> None:
    body = (
        client_for(world.street_north)
        .get("/regions/export/?format=csv")
        .content.decode("utf-8-sig")
    )
    assert "339901001001" in body
    assert "339901002" not in body
    assert "339902" not in body
    export = AuditEvent.objects.filter(action="data_exported").latest("seq")
    assert export.actor == world.street_north
    assert export.changes["rows"] == 4


def test_api_list_is_scoped(world, client_for) -> None:
    data = client_for(world.street_south).get("/api/regions").json()
    assert {item["code"] for item in data["items"]} == {"339901002", "339901002001"}
    units = client_for(world.handler_unit_b).get("/api/units").json()
    assert [item["code"] for item in units["items"]] == ["U-B"]


def test_unit_export_masks_unless_unmasked_is_allowed_and_audited(world, client_for) -> None:
    dispatcher = client_for(world.dispatcher)
    masked = dispatcher.get("/units/export/?format=csv").content.decode("utf-8-sig")
    assert "138****5678" in masked
    assert "13812345678" not in masked
    full = dispatcher.get("/units/export/?format=csv&unmasked=1").content.decode("utf-8-sig")
    assert "13812345678" in full
    last = AuditEvent.objects.filter(action="data_exported").latest("seq")
    assert last.changes["unmasked"] is True
    # A leader may export but may not see full personal data.
    leader = client_for(world.leader)
    assert leader.get("/units/export/?format=csv&unmasked=1").status_code == 403
    assert Unit.objects.count() == 5


# --- the audited reveal of an appeal's free text (issue #12) ----------------------------------


@pytest.fixture
def appeal_for_unit_b(world):
    from shegong.appeals.choices import AppealKind, Channel
    from shegong.appeals.services import workflow as wf
    from shegong.appeals.services.intake import IntakeData, submit_appeal

    appeal, _ = submit_appeal(
        actor=None,
        data=IntakeData(
            kind=AppealKind.HL_COMPLAINT,
            channel=Channel.PORTAL,
            title="路灯不亮",
            body="北一社区路灯坏了，请回电13912345678。",
            region_id=world.north_one.pk,
            name="张三",
            phone="13912345678",
        ),
    )
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_b.pk)
    return appeal


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("handler_unit_a", 404),  # not its appeal: out of scope
        ("leader", 403),  # sees the appeal, never the petitioner
        ("auditor", 404),  # no appeals.view: no appeal is in its scope
        ("handler_unit_b", 200),  # the handling unit of an ordinary appeal may reveal
    ],
)
def test_reveal_text_by_page_and_api(world, client_for, appeal_for_unit_b, persona, expected):
    client = client_for(world.users[persona])
    events = AuditEvent.objects.filter(action="pii_revealed").count()
    page = client.post(f"/appeals/{appeal_for_unit_b.pk}/text/body/", {"reason": "核实情况"})
    api = client.post(
        f"/api/appeals/{appeal_for_unit_b.pk}/reveal-text",
        {"field": "body", "reason": "核实情况"},
        content_type="application/json",
    )
    assert (page.status_code, api.status_code) == (expected, expected)
    revealed = AuditEvent.objects.filter(action="pii_revealed").count() - events
    assert revealed == (2 if expected == 200 else 0)
