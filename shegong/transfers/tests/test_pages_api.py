"""Pages and API: scoped lists and details, forms that keep what was typed, actions."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from shegong.accounts.models import User
from shegong.members.choices import Standing
from shegong.members.models import Member
from shegong.transfers.choices import TransferAction, TransferKind, TransferStatus
from shegong.transfers.models import Transfer
from shegong.transfers.services import act_on_transfer, start_transfer

from .factories import Party, fresh, id_number

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("_pinned"),
]
TODAY = date(2026, 6, 10)


@pytest.fixture
def _pinned() -> object:
    with time_machine.travel(datetime(2026, 6, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _within(party: Party, to_branch: str = "branch_b") -> Transfer:
    return start_transfer(
        actor=fresh(party.secretary_a),
        member_id=party.member().pk,
        kind=TransferKind.WITHIN,
        to_organization_id=getattr(party, to_branch).pk,
        today=TODAY,
    )


def test_the_list_shows_a_transfer_to_its_sender(party: Party) -> None:
    transfer = _within(party)
    page = _client(party.secretary_a).get(reverse("transfers:list")).content.decode()
    assert transfer.number in page


def test_the_list_hides_it_from_another_branch(party: Party) -> None:
    transfer = _within(party)
    page = _client(party.secretary_c).get(reverse("transfers:list")).content.decode()
    assert transfer.number not in page


def test_the_in_filter_shows_what_the_branch_receives(party: Party) -> None:
    transfer = _within(party, "branch_c")
    page = _client(party.secretary_c).get(reverse("transfers:list") + "?direction=in")
    assert transfer.number in page.content.decode()


def test_the_out_filter_leaves_out_what_the_branch_receives(party: Party) -> None:
    transfer = _within(party, "branch_c")
    page = _client(party.secretary_c).get(reverse("transfers:list") + "?direction=out")
    assert transfer.number not in page.content.decode()


def test_the_open_filter_leaves_out_closed_transfers(party: Party) -> None:
    transfer = _within(party)
    act_on_transfer(
        actor=fresh(party.secretary_a),
        transfer_id=transfer.pk,
        action=TransferAction.CANCEL,
        note="不转了",
        today=TODAY,
    )
    page = _client(party.secretary_a).get(reverse("transfers:list") + "?open=1")
    assert transfer.number not in page.content.decode()


def test_detail_out_of_scope_is_404(party: Party) -> None:
    transfer = _within(party)
    response = _client(party.secretary_c).get(reverse("transfers:detail", args=[transfer.pk]))
    assert response.status_code == 404


def test_detail_shows_the_approval_button_to_the_superior_only(party: Party) -> None:
    transfer = _within(party)
    url = reverse("transfers:detail", args=[transfer.pk])
    shown = [
        'data-testid="act-approve_out"' in _client(user).get(url).content.decode()
        for user in (party.committee_north, party.secretary_a)
    ]
    assert shown == [True, False]


def test_acting_through_the_page_moves_the_transfer(party: Party) -> None:
    transfer = _within(party)
    _client(party.committee_north).post(
        reverse("transfers:act", args=[transfer.pk]), {"action": "approve_out"}
    )
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING_IN


def test_acting_out_of_scope_by_url_is_404_and_changes_nothing(party: Party) -> None:
    transfer = _within(party)
    response = _client(party.secretary_c).post(
        reverse("transfers:act", args=[transfer.pk]), {"action": "cancel", "note": "x"}
    )
    assert (response.status_code, Transfer.objects.get(pk=transfer.pk).status) == (
        404,
        TransferStatus.PENDING_OUT,
    )


def test_the_start_form_starts_a_transfer(party: Party) -> None:
    member = party.member()
    response = _client(party.secretary_a).post(
        reverse("transfers:start", args=[member.pk]),
        {"kind": "within", "to_organization": party.branch_c.pk, "dues_paid_through": "2026-05"},
    )
    transfer = Transfer.objects.get(member=member)
    assert (response.status_code, transfer.dues_paid_through) == (302, date(2026, 5, 1))


def test_the_start_form_keeps_what_was_typed_on_error(party: Party) -> None:
    member = party.member()
    response = _client(party.secretary_a).post(
        reverse("transfers:start", args=[member.pk]),
        {"kind": "out", "reason": "随子女定居", "outside_organization": ""},
    )
    page = response.content.decode()
    assert ("请填写转往的党组织名称" in page, "随子女定居" in page) == (True, True)


def test_the_start_form_of_a_member_out_of_scope_is_404(party: Party) -> None:
    member = party.member()
    response = _client(party.secretary_c).get(reverse("transfers:start", args=[member.pk]))
    assert response.status_code == 404


def test_the_inbound_form_registers_an_arrival(party: Party) -> None:
    response = _client(party.secretary_c).post(
        reverse("transfers:inbound-start"),
        {
            "to_organization": party.branch_c.pk,
            "name": "李外来",
            "id_number": id_number(700),
            "stage": "full",
            "admitted_on": "2010-07-01",
            "confirmed_on": "2011-07-01",
            "outside_organization": "中共杭州市某支部委员会",
        },
    )
    member = Member.objects.get(organization=party.branch_c, standing=Standing.TRANSFERRING)
    assert (response.status_code, member.transfers.count()) == (302, 1)


def test_the_inbound_form_offers_only_covered_branches(party: Party) -> None:
    page = _client(party.secretary_c).get(reverse("transfers:inbound-start")).content.decode()
    assert ("南一社区党支部" in page, "北一社区党支部" in page) == (True, False)


# --- API -------------------------------------------------------------------------------------


def test_api_list_is_scoped(party: Party) -> None:
    _within(party)
    items = _client(party.secretary_c).get("/api/transfers").json()["items"]
    assert items == []


def test_api_detail_out_of_scope_is_404(party: Party) -> None:
    transfer = _within(party)
    assert _client(party.secretary_c).get(f"/api/transfers/{transfer.pk}").status_code == 404


def test_api_detail_lists_the_actions_of_the_caller(party: Party) -> None:
    transfer = _within(party)
    body = _client(party.committee_north).get(f"/api/transfers/{transfer.pk}").json()
    assert body["actions"] == ["approve_out", "return", "cancel"]


def test_api_start_then_act(party: Party) -> None:
    member = party.member()
    client = _client(party.secretary_a)
    started = client.post(
        "/api/transfers",
        json.dumps({"member_id": member.pk, "kind": "out", "outside_organization": "外地党委"}),
        content_type="application/json",
    )
    pk = started.json()["id"]
    acted = _client(party.committee_north).post(
        f"/api/transfers/{pk}/act",
        json.dumps({"action": "approve_out"}),
        content_type="application/json",
    )
    assert (started.status_code, acted.json()["status"]) == (201, "pending_in")


def test_api_second_start_is_409_in_chinese(party: Party) -> None:
    member = party.member()
    client = _client(party.secretary_a)
    body = json.dumps({"member_id": member.pk, "kind": "out", "outside_organization": "外地"})
    client.post("/api/transfers", body, content_type="application/json")
    again = client.post("/api/transfers", body, content_type="application/json")
    assert (again.status_code, again.json()["detail"]) == (
        409,
        "该党员已有正在办理的组织关系转接，请先办结或撤销原转接",
    )


def test_api_start_out_of_scope_is_404(party: Party) -> None:
    member = party.member()
    response = _client(party.secretary_c).post(
        "/api/transfers",
        json.dumps({"member_id": member.pk, "kind": "out", "outside_organization": "外地"}),
        content_type="application/json",
    )
    assert (response.status_code, Transfer.objects.count()) == (404, 0)


def test_api_act_out_of_scope_is_404_and_changes_nothing(party: Party) -> None:
    transfer = _within(party)
    response = _client(party.secretary_c).post(
        f"/api/transfers/{transfer.pk}/act",
        json.dumps({"action": "cancel", "note": "x"}),
        content_type="application/json",
    )
    assert (response.status_code, Transfer.objects.get(pk=transfer.pk).status) == (
        404,
        TransferStatus.PENDING_OUT,
    )


def test_api_inbound(party: Party) -> None:
    response = _client(party.secretary_c).post(
        "/api/transfers/inbound",
        json.dumps(
            {
                "to_organization_id": party.branch_c.pk,
                "name": "王外来",
                "id_number": id_number(701),
                "admitted_on": "2010-07-01",
                "confirmed_on": "2011-07-01",
                "outside_organization": "外地党委",
            }
        ),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["kind"]) == (201, "in")


def test_api_suggestions_are_scoped(party: Party) -> None:
    party.member(is_floating=True, floating_since=date(2025, 1, 1))
    rows = [
        _client(user).get("/api/transfers/suggestions").json()["count"]
        for user in (party.secretary_a, party.secretary_c)
    ]
    assert rows == [1, 0]


def test_api_literals_follow_the_choices() -> None:
    from shegong.transfers import api

    assert (api.API_STATUSES, api.API_KINDS, len(api.API_ACTIONS)) == (
        ("pending_out", "pending_in", "returned", "completed", "cancelled"),
        ("within", "out", "in"),
        6,
    )


def test_api_list_refuses_an_unbounded_page(party: Party) -> None:
    response = _client(party.secretary_a).get("/api/transfers?limit=100000")
    assert response.status_code == 422


def test_api_list_survives_a_huge_offset(party: Party) -> None:
    response = _client(party.secretary_a).get(f"/api/transfers?offset={2**63}")
    assert response.status_code in (200, 422)


def test_a_leader_cannot_download_the_letter(party: Party) -> None:
    transfer = _within(party)
    act_on_transfer(
        actor=fresh(party.committee_north), transfer_id=transfer.pk, action="approve_out"
    )
    response = _client(party.world.leader).get(
        reverse("transfers:letter", args=[transfer.pk, "pdf"])
    )
    assert response.status_code == 403
