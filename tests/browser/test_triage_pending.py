"""Over real HTTP in Chromium: a dispatcher opens an appeal the worker has not triaged yet —
the page is served at once with 分拣中…, and the suggestions replace it by themselves (HTMX)
once the worker's result lands; nothing is classified in the page's request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import login

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def worker_elsewhere(settings: Any) -> Iterator[None]:
    """Tasks are recorded, not run: the web side of a real worker."""
    from django.core.cache import cache

    settings.TASKS = DUMMY
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("worker_elsewhere")
def test_the_suggestions_replace_the_pending_panel_when_the_worker_is_done(
    world: Any, live_server: Any, page: Any, screenshot_dir: Any
) -> None:
    from shegong.appeals.choices import AppealKind
    from shegong.appeals.services.intake import IntakeData, submit_appeal
    from shegong.triage import services

    appeal, _ = submit_appeal(
        actor=None,
        data=IntakeData(
            kind=AppealKind.HL_COMPLAINT,
            channel="portal",
            region_id=world.north_one.pk,
            title="小区路灯不亮",
            body="北一社区3号楼前的路灯坏了两周，晚上出行很不安全，请尽快维修。",
        ),
    )
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/appeals/{appeal.pk}/")
    pending = page.get_by_test_id("triage-pending")
    pending.wait_for()
    assert "分拣中" in pending.inner_text()
    page.screenshot(path=str(screenshot_dir / "triage-pending.png"), full_page=True)
    services.triage_appeal(appeal.pk)  # the worker's part
    page.get_by_test_id("triage-suggestions").wait_for(timeout=20_000)
    assert page.get_by_test_id("triage-pending").count() == 0
