"""Issue 19 should-fixes: a reversed period, the cancel reason, a minor's nearby list, the
open-claims limit under a lock."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

REVERSED = "start=2026-03-01&end=2026-02-01"


def test_api_figures_with_start_after_end_is_refused_in_chinese(world, client_for) -> None:
    response = client_for(world.street_north).get(f"/api/serving/figures?{REVERSED}")
    assert response.status_code == 422
    assert response.json()["detail"] == "开始日期不能晚于结束日期"


def test_figures_page_with_start_after_end_says_so_and_keeps_the_dates(world, client_for) -> None:
    response = client_for(world.street_north).get(f"/serving/figures/?{REVERSED}")
    body = response.content.decode()
    assert response.status_code == 422
    assert "开始日期不能晚于结束日期" in body
    assert 'value="2026-03-01"' in body
    assert 'value="2026-02-01"' in body


def test_figures_export_with_start_after_end_is_refused(world, client_for) -> None:
    response = client_for(world.street_north).get(f"/serving/figures/?{REVERSED}&export=1")
    assert response.status_code == 422
    assert "开始日期不能晚于结束日期" in response.content.decode()
