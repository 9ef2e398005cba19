"""The extension points appeals declares (appeals/hooks.py) and who fills them.

appeals never imports triage or suggestions (the import-linter layers contract); these
tests pin that the installed apps register at start and that appeals behaves when a point
is empty or a listener fails."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from shegong.appeals import hooks
from shegong.appeals.choices import AppealKind
from shegong.appeals.models import Appeal


@pytest.fixture
def without_advisor() -> Iterator[None]:
    advisor = hooks.dispatch_advisor.get()
    hooks.dispatch_advisor.unregister()
    yield
    if advisor is not None:
        hooks.dispatch_advisor.register(advisor)


def test_triage_fills_the_dispatch_points_at_start() -> None:
    from shegong.triage.extensions import advisor, queue_triage

    assert hooks.dispatch_advisor.get() is advisor
    assert queue_triage in list(hooks.appeals_registered)


def test_suggestions_fills_the_portal_points_at_start() -> None:
    from shegong.suggestions.extensions import link_evaluation, portal

    assert hooks.portal_publication.get() is portal
    assert link_evaluation in list(hooks.appeal_page_links)


@pytest.mark.django_db
def test_listeners_hear_of_an_appeal_only_after_commit_and_a_failure_is_logged(
    make_appeal: Any, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    heard: list[tuple[int, ...]] = []

    def broken(event: hooks.AppealsRegistered) -> None:
        raise RuntimeError("queue down")

    def record(event: hooks.AppealsRegistered) -> None:
        heard.append(event.appeal_ids)

    hooks.appeals_registered.register(broken)
    hooks.appeals_registered.register(record)
    try:
        with caplog.at_level(logging.ERROR):
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                appeal, _code = make_appeal()
            assert heard == []  # nothing before commit
            for callback in callbacks:
                callback()
    finally:
        hooks.appeals_registered.unregister(broken)
        hooks.appeals_registered.unregister(record)
    assert heard == [(appeal.pk,)]  # the listener after the failing one still ran
    assert Appeal.objects.filter(pk=appeal.pk).exists()  # the registration stands
    assert "queue down" in caplog.text


@pytest.mark.django_db
def test_appeal_page_shows_the_advisor_panel(world: Any, make_appeal: Any, client_for: Any) -> None:
    appeal, _code = make_appeal()
    page = client_for(world.dispatcher).get(f"/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="triage-suggestions"' in page


@pytest.mark.django_db
@pytest.mark.usefixtures("without_advisor")
def test_appeal_page_without_an_advisor_has_no_triage_panel(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    appeal, _code = make_appeal()
    response = client_for(world.dispatcher).get(f"/appeals/{appeal.pk}/")
    assert response.status_code == 200
    assert 'data-testid="triage-suggestions"' not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("without_advisor")
def test_workbench_without_an_advisor_has_no_triage_column(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    make_appeal()
    response = client_for(world.dispatcher).get("/appeals/?queue=to_accept")
    assert response.status_code == 200
    assert 'data-testid="queue-triage"' not in response.content.decode()


@pytest.mark.django_db
def test_people_suggestion_page_links_to_its_evaluation(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    appeal, _code = make_appeal(kind=AppealKind.PEOPLE_SUGGESTION, title="建议增设公交站")
    page = client_for(world.dispatcher).get(f"/appeals/{appeal.pk}/").content.decode()
    assert f'href="{reverse("suggestions:detail", args=[appeal.pk])}"' in page
