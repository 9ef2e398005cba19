"""The all-appeals list and the API list count up to a cap, not the whole table (issue 13):
"10,000+ 件" (a small cap here), the exact count on demand, page links without a total."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from shegong.appeals.models import Appeal
from shegong.core.pagination import (
    CappedPage,
    capped_count,
    format_count,
    page_links,
    paginate_capped,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(world, make_appeal) -> list[Appeal]:
    return [make_appeal(title=f"路灯不亮{i}")[0] for i in range(5)]


def count_text(html: str) -> str:
    match = re.search(r'data-testid="list-count">([^<]*)', html)
    assert match is not None, html[-2000:]
    return match.group(1).strip()


# --- the page --------------------------------------------------------------------------------


def test_over_the_cap_the_page_shows_cap_plus(world, client_for, five, settings) -> None:
    settings.SHEGONG_LIST_COUNT_CAP = 3
    html = client_for(world.dispatcher).get("/appeals/search/").content.decode()
    assert count_text(html) == "共 3+ 件"


def test_over_the_cap_the_page_offers_the_exact_count(world, client_for, five, settings) -> None:
    settings.SHEGONG_LIST_COUNT_CAP = 3
    html = client_for(world.dispatcher).get("/appeals/search/?status=registered").content.decode()
    assert 'href="?status=registered&amp;count=exact" data-testid="exact-count">精确计数' in html


def test_the_exact_count_on_demand(world, client_for, five, settings) -> None:
    settings.SHEGONG_LIST_COUNT_CAP = 3
    html = client_for(world.dispatcher).get("/appeals/search/?count=exact").content.decode()
    assert count_text(html) == "共 5 件"


def test_under_the_cap_the_count_is_exact_without_a_link(world, client_for, five, settings) -> None:
    settings.SHEGONG_LIST_COUNT_CAP = 10
    html = client_for(world.dispatcher).get("/appeals/search/").content.decode()
    assert (count_text(html), "精确计数" in html) == ("共 5 件", False)


def test_the_htmx_table_carries_the_capped_pager(world, client_for, five, settings) -> None:
    settings.SHEGONG_LIST_COUNT_CAP = 3
    html = (
        client_for(world.dispatcher).get("/appeals/search/", HTTP_HX_REQUEST="true").content
    ).decode()
    assert count_text(html) == "共 3+ 件"


def test_the_page_never_counts_every_row(world, client_for, five, settings) -> None:
    settings.SHEGONG_LIST_COUNT_CAP = 3
    client = client_for(world.dispatcher)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/appeals/search/")
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(" in q["sql"].upper() and "appeals_appeal" in q["sql"]
    ]
    assert counts, "the list counts its rows"
    assert all("LIMIT 4" in sql for sql in counts), counts


# --- the paginator ---------------------------------------------------------------------------


def page_of(query: str, per_page: int = 2, cap: int = 3) -> CappedPage[Appeal]:
    request = RequestFactory().get("/x/" + query)
    return paginate_capped(request, Appeal.objects.order_by("pk"), per_page, cap=cap)


def test_capped_count_stops_at_the_cap(five) -> None:
    assert capped_count(Appeal.objects.all(), 3) == (3, True)


def test_capped_count_under_the_cap_is_exact(five) -> None:
    assert capped_count(Appeal.objects.all(), 5) == (5, False)


def test_a_page_past_the_cap_is_reached_by_next(five) -> None:
    page = page_of("?page=3")  # the cap covers two pages; the third exists all the same
    assert ([a.pk for a in page], page.has_next) == ([five[4].pk], False)


def test_over_the_cap_a_next_page_is_known_without_the_total(five) -> None:
    page = page_of("?page=2")
    assert (page.has_next, page.over, page.count_display) == (True, True, "3+")


def test_a_page_past_the_known_end_shows_the_last_page(five) -> None:
    page = page_of("?page=9&count=exact")
    assert page.number == 3


def test_a_page_that_is_not_a_number_is_the_first(five) -> None:
    assert page_of("?page=abc").number == 1


def test_page_links_elide_far_pages() -> None:
    assert page_links(10, 334) == [1, None, 8, 9, 10, 11, 12, None, 334]


def test_format_count_groups_thousands() -> None:
    assert format_count(10_000, True) == "10,000+"


# --- the API ---------------------------------------------------------------------------------


def test_api_count_stops_at_the_cap(world, client_for, five, settings) -> None:
    settings.SHEGONG_LIST_COUNT_CAP = 3
    body = client_for(world.dispatcher).get("/api/appeals?limit=2").json()
    assert (body["count"], body["count_exact"], body["has_more"], len(body["items"])) == (
        3,
        False,
        True,
        2,
    )


def test_api_exact_count_on_demand(world, client_for, five, settings) -> None:
    settings.SHEGONG_LIST_COUNT_CAP = 3
    body = client_for(world.dispatcher).get("/api/appeals?exact_count=true&offset=4").json()
    assert (body["count"], body["count_exact"], body["has_more"]) == (5, True, False)


def test_api_pagination_is_documented(world, client_for) -> None:
    schema = client_for(world.dispatcher).get("/api/openapi.json").json()
    operation = schema["paths"]["/api/appeals"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"limit", "offset", "exact_count", "q", "number"} <= names


def test_a_page_keeps_the_list_order(five) -> None:
    request = RequestFactory().get("/x/")
    page = paginate_capped(request, Appeal.objects.order_by("-pk"), 2, cap=3)
    assert [a.pk for a in page] == [five[4].pk, five[3].pk]


def test_a_page_number_past_any_list_over_the_cap_is_not_an_error(
    world, client_for, five, settings
) -> None:
    settings.SHEGONG_LIST_COUNT_CAP = 2
    response = client_for(world.dispatcher).get("/appeals/search/?page=" + "9" * 31)
    assert response.status_code == 200
