"""建议转接: members away ≥ 6 months (D2 month arithmetic), at the edges, never automatic."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from shegong.transfers.choices import TransferKind
from shegong.transfers.models import Transfer
from shegong.transfers.services import away_suggestions, start_transfer
from shegong.transfers.services.suggestions import away_due_on

from .factories import Party, fresh

pytestmark = pytest.mark.django_db


def _ids(party: Party, today: date) -> list[int]:
    return [s.member.pk for s in away_suggestions(fresh(party.secretary_a), today=today)]


@pytest.mark.parametrize(
    ("since", "due"),
    [
        (date(2026, 1, 31), date(2026, 7, 31)),
        (date(2025, 8, 31), date(2026, 2, 28)),  # month end: the last day (D2)
        (date(2023, 8, 31), date(2024, 2, 29)),  # leap year
        (date(2025, 12, 15), date(2026, 6, 15)),  # across the year end
    ],
)
def test_the_due_day_follows_d2(since: date, due: date) -> None:
    assert away_due_on(since, 6) == due


def test_a_member_away_one_day_short_is_not_suggested(party: Party) -> None:
    party.member(is_floating=True, floating_since=date(2025, 12, 15))
    assert _ids(party, date(2026, 6, 14)) == []


def test_a_member_away_exactly_six_months_is_suggested(party: Party) -> None:
    member = party.member(is_floating=True, floating_since=date(2025, 12, 15))
    assert _ids(party, date(2026, 6, 15)) == [member.pk]


def test_month_end_edge_before(party: Party) -> None:
    party.member(is_floating=True, floating_since=date(2025, 8, 31))
    assert _ids(party, date(2026, 2, 27)) == []


def test_month_end_edge_on_the_day(party: Party) -> None:
    member = party.member(is_floating=True, floating_since=date(2025, 8, 31))
    assert _ids(party, date(2026, 2, 28)) == [member.pk]


def test_a_member_not_floating_is_not_suggested(party: Party) -> None:
    party.member(is_floating=False, floating_since=date(2025, 1, 1))
    assert _ids(party, date(2026, 6, 15)) == []


def test_a_member_with_an_open_transfer_is_not_suggested(party: Party) -> None:
    member = party.member(is_floating=True, floating_since=date(2025, 1, 1))
    start_transfer(
        actor=fresh(party.secretary_a),
        member_id=member.pk,
        kind=TransferKind.OUT,
        outside_organization="中共上海市某支部委员会",
        today=date(2026, 6, 1),
    )
    assert _ids(party, date(2026, 6, 15)) == []


def test_listing_suggestions_starts_nothing(party: Party) -> None:
    party.member(is_floating=True, floating_since=date(2025, 1, 1))
    away_suggestions(fresh(party.secretary_a), today=date(2026, 6, 15))
    assert Transfer.objects.count() == 0


def test_another_branch_does_not_see_the_suggestion(party: Party) -> None:
    party.member(is_floating=True, floating_since=date(2025, 1, 1))
    assert away_suggestions(fresh(party.secretary_c), today=date(2026, 6, 15)) == []


@time_machine.travel(datetime(2026, 6, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_the_page_lists_the_member_with_the_due_day(party: Party) -> None:
    party.member(is_floating=True, floating_since=date(2025, 12, 15))
    client = Client()
    client.force_login(party.secretary_a)
    page = client.get(reverse("transfers:suggestions")).content.decode()
    assert "2026-06-15" in page


@time_machine.travel(datetime(2026, 6, 14, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_the_page_is_empty_one_day_before(party: Party) -> None:
    party.member(is_floating=True, floating_since=date(2025, 12, 15))
    client = Client()
    client.force_login(party.secretary_a)
    page = client.get(reverse("transfers:suggestions")).content.decode()
    assert "暂无外出满6个月的流动党员" in page


@pytest.mark.parametrize(
    ("since", "today", "listed"),
    [
        (date(2025, 8, 31), date(2026, 2, 28), True),  # month end: due on the last day
        (date(2025, 8, 31), date(2026, 2, 27), False),
        (date(2025, 8, 28), date(2026, 2, 28), True),
        (date(2025, 12, 15), date(2026, 6, 15), True),
        (date(2025, 12, 16), date(2026, 6, 15), False),
    ],
)
def test_the_sql_bound_matches_the_due_day(
    party: Party, since: date, today: date, listed: bool
) -> None:
    member = party.member(is_floating=True, floating_since=since)
    assert (member.pk in _ids(party, today)) is listed


def test_the_suggestion_page_is_paginated(party: Party) -> None:
    for _ in range(51):
        party.member(is_floating=True, floating_since=date(2020, 1, 1))
    client = Client()
    client.force_login(party.secretary_a)
    response = client.get(reverse("transfers:suggestions"))
    assert len(response.context["rows"]) == 50


def test_the_suggestion_api_is_paginated(party: Party) -> None:
    for _ in range(3):
        party.member(is_floating=True, floating_since=date(2020, 1, 1))
    client = Client()
    client.force_login(party.secretary_a)
    body = client.get("/api/transfers/suggestions?limit=2").json()
    assert (len(body["items"]), body["has_more"]) == (2, True)
