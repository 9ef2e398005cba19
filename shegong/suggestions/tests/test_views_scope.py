"""Staff pages, export and API: scope (out of scope is 404), capabilities (403), HTMX."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shegong.appeals.choices import AppealKind
from shegong.core.models import AuditEvent
from shegong.suggestions.choices import Outcome
from shegong.suggestions.models import SuggestionEvaluation
from shegong.suggestions.services import evaluation as ev

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(world, b):
    """A suggestion in 北街道 handled by the north street office, one in 南街道 by the south."""
    north = b.dispatch(b.suggestion(title="北街道的建议：增设休息座椅"), world.street_unit_n)
    south = b.dispatch(
        b.suggestion(title="南街道的建议：修缮篮球场", region_id=world.south_one.pk),
        world.street_unit_s,
    )
    for appeal in (north, south):
        ev.start_evaluation(actor=world.dispatcher, appeal_id=appeal.pk)
    return north, south


@pytest.mark.parametrize(
    ("persona", "url", "expected"),
    [
        ("dept_admin", "/suggestions/", 200),
        ("dispatcher", "/suggestions/", 200),
        ("handler_unit_a", "/suggestions/", 200),
        ("street_north", "/suggestions/", 200),
        ("leader", "/suggestions/", 200),
        ("auditor", "/suggestions/", 403),
        ("secretary", "/suggestions/", 403),
        ("dispatcher", "/suggestions/themes/", 200),
        ("street_north", "/suggestions/themes/", 200),
        ("dispatcher", "/suggestions/themes/new/", 200),
        ("street_north", "/suggestions/themes/new/", 403),
        ("leader", "/suggestions/themes/new/", 403),
        ("dispatcher", "/suggestions/publication/", 200),
        ("dept_admin", "/suggestions/publication/", 200),
        ("street_north", "/suggestions/publication/", 403),
        ("handler_unit_a", "/suggestions/publication/", 403),
        ("leader", "/suggestions/export/", 200),
        ("handler_unit_a", "/suggestions/export/", 403),
        ("auditor", "/api/suggestions", 403),
        ("street_north", "/api/suggestions", 200),
        ("street_north", "/api/suggestion-themes", 200),
    ],
)
def test_page_access(world, client_for, persona, url, expected) -> None:
    assert client_for(world.users[persona]).get(url).status_code == expected


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get("/suggestions/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get("/api/suggestions").status_code == 401


def test_street_sees_only_its_region(world, client_for, pair) -> None:
    north, south = pair
    client = client_for(world.street_north)
    listing = client.get("/suggestions/").content.decode()
    assert north.number in listing
    assert south.number not in listing
    assert client.get(f"/suggestions/{north.pk}/").status_code == 200
    assert client.get(f"/suggestions/{south.pk}/").status_code == 404
    assert client.get(f"/api/suggestions/{south.pk}").status_code == 404
    api = client.get("/api/suggestions").json()
    assert [item["number"] for item in api["items"]] == [north.number]
    export = client.get("/suggestions/export/?format=csv").content.decode("utf-8-sig")
    assert north.number in export
    assert south.number not in export
    # The other street sees the mirror image.
    other = client_for(world.street_south).get("/suggestions/").content.decode()
    assert south.number in other
    assert north.number not in other


def test_out_of_scope_writes_are_404_and_change_nothing(world, client_for, pair) -> None:
    north, _south = pair
    events = AuditEvent.objects.count()
    client = client_for(world.street_south)
    response = client.post(
        f"/suggestions/{north.pk}/act/evaluate/",
        {"outcome": "adopted", "reasons": "越权评估试试看", "conversion_target": "work"},
    )
    assert response.status_code == 404
    api = client.post(
        f"/api/suggestions/{north.pk}/evaluation",
        {"outcome": "adopted", "reasons": "越权评估试试看", "conversion_target": "work"},
        content_type="application/json",
    )
    assert api.status_code == 404
    assert SuggestionEvaluation.objects.get(appeal=north).outcome == Outcome.PENDING
    assert AuditEvent.objects.count() == events


def test_missing_capability_is_403_and_changes_nothing(world, client_for, pair) -> None:
    north, _ = pair
    events = AuditEvent.objects.count()
    api = client_for(world.leader).post(
        f"/api/suggestions/{north.pk}/rewards",
        {"kind": "letter"},
        content_type="application/json",
    )
    assert api.status_code == 403
    page = client_for(world.leader).post(
        f"/suggestions/{north.pk}/act/evaluate/",
        {"outcome": "not_adopted", "reasons": "领导不能直接评估"},
        follow=True,
    )
    assert "不能进行采纳评估" in page.content.decode()
    assert SuggestionEvaluation.objects.get(appeal=north).outcome == Outcome.PENDING
    assert AuditEvent.objects.count() == events


def test_non_suggestion_appeals_are_not_found_here(world, b, client_for) -> None:
    hotline = b.appeal(
        kind=AppealKind.HL_COMPLAINT, title="路灯不亮", body="北一社区路灯坏了两周。"
    )
    client = client_for(world.dispatcher)
    assert client.get(f"/suggestions/{hotline.pk}/").status_code == 404
    assert client.get(f"/api/suggestions/{hotline.pk}").status_code == 404


def test_evaluate_through_the_page_with_htmx(world, client_for, pair) -> None:
    north, _ = pair
    client = client_for(world.street_north)
    url = f"/suggestions/{north.pk}/act/evaluate/"
    bad = client.post(url, {"outcome": "adopted", "reasons": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "<html" not in body
    assert 'id="evaluation-panel"' in body
    assert "请填写评估理由" in body
    good = client.post(
        url,
        {
            "outcome": "adopted",
            "reasons": "设置休息座椅成本低、见效快，予以采纳",
            "conversion_target": "benefit",
        },
        HTTP_HX_REQUEST="true",
    )
    body = good.content.decode()
    assert "评估结论已保存" in body
    assert 'data-testid="milestone-form"' in body
    assert SuggestionEvaluation.objects.get(appeal=north).outcome == Outcome.ADOPTED
    partial = client.get("/suggestions/?state=decided", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert north.number in partial


def test_api_evaluation_flow(world, client_for, pair) -> None:
    north, _ = pair
    client = client_for(world.street_north)
    missing = client.post(
        f"/api/suggestions/{north.pk}/evaluation",
        {"outcome": "not_adopted", "reasons": ""},
        content_type="application/json",
    )
    assert missing.status_code == 422
    done = client.post(
        f"/api/suggestions/{north.pk}/evaluation",
        {"outcome": "partly", "reasons": "部分可行，先在北一社区试点", "conversion_target": "work"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    data = done.json()
    assert data["evaluation"]["outcome"] == "partly"
    assert data["evaluation"]["overdue"] is False
    milestone = client.post(
        f"/api/suggestions/{north.pk}/milestones",
        {"title": "试点安装座椅", "due_date": "2030-01-31"},
        content_type="application/json",
    )
    assert milestone.status_code == 201
    listed = client.get("/api/suggestions?outcome=partly").json()["items"]
    assert [i["number"] for i in listed] == [north.number]
    detail = client.get(f"/api/suggestions/{north.pk}").json()
    assert detail["milestones"][0]["title"] == "试点安装座椅"
    reward = client_for(world.dispatcher).post(
        f"/api/suggestions/{north.pk}/rewards",
        {"kind": "bonus", "amount": "300", "note": "季度优秀建议"},
        content_type="application/json",
    )
    assert reward.status_code == 201
    assert reward.json()["amount"] in ("300.00", 300.0, "300")


def test_export_is_audited_and_contains_the_evaluation(world, client_for, pair) -> None:
    north, _south = pair
    ev.evaluate_suggestion(
        actor=world.street_north,
        appeal_id=north.pk,
        outcome=Outcome.NOT_ADOPTED,
        reasons="场地属于消防通道，不宜设置",
    )
    response = client_for(world.dispatcher).get("/suggestions/export/?outcome=not_adopted")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "登记编号"
    assert len(rows) == 2
    assert rows[1][0] == north.number
    assert rows[1][7] == "不采纳"
    assert "消防通道" in rows[1][9]
    event = AuditEvent.objects.filter(action="data_exported").latest("seq")
    assert event.target_type == "suggestions.suggestion"
    assert event.changes["rows"] == 1
    assert event.changes["filters"] == {"outcome": "not_adopted"}


def test_detail_page_shows_the_panel_for_each_role(world, client_for, pair) -> None:
    north, _ = pair
    dispatcher = client_for(world.dispatcher).get(f"/suggestions/{north.pk}/").content.decode()
    assert 'data-testid="evaluate-form"' in dispatcher
    assert 'data-testid="link-theme-form"' not in (dispatcher)
    leader = client_for(world.leader).get(f"/suggestions/{north.pk}/").content.decode()
    assert 'data-testid="evaluate-form"' not in leader
    assert "北街道的建议" in leader


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_api_query_counts_do_not_grow_with_rows(world, b, client_for) -> None:
    client = client_for(world.dispatcher)

    def add(n: int) -> None:
        for i in range(n):
            appeal = b.dispatch(b.suggestion(title=f"第{i}条建议：改善社区环境"), world.unit_a)
            ev.start_evaluation(actor=world.dispatcher, appeal_id=appeal.pk)

    add(2)
    few = (_queries(client, "/suggestions/"), _queries(client, "/api/suggestions"))
    add(5)
    many = (_queries(client, "/suggestions/"), _queries(client, "/api/suggestions"))
    assert few == many
