"""Triage never runs in a request: an appeal without a result shows "分拣中…", one task is
queued, and the panel endpoint swaps in the result once the worker has stored it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NoReturn

import pytest
from django.test import Client
from django_tasks.backends.dummy import DummyBackend
from pytest_django.fixtures import Settings

from conftest import PASSWORD, World
from shegong.appeals.models import Appeal
from shegong.triage import panel, services
from shegong.triage.models import TriageResult

WAGES = {
    "title": "农民工工资被拖欠",
    "body": "北一社区工地施工单位拖欠农民工工资三个月，请劳动部门帮忙追讨。",
}
ClientFor = Callable[..., Client]
MakeAppeal = Callable[..., tuple[Appeal, str]]
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queue(settings: Settings) -> Iterator[DummyBackend]:
    """Tasks are recorded, never run (the web side of a real worker)."""
    from django.core.cache import cache
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    settings.TASKS = DUMMY
    cache.clear()
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    assert isinstance(backend, DummyBackend)
    backend.clear()
    yield backend
    cache.clear()


def _queued(backend: DummyBackend, appeal_id: int) -> int:
    return sum(
        1
        for r in backend.results
        if r.task.name == "triage_appeals_task" and list(r.args[0]) == [appeal_id]
    )


@pytest.fixture
def untriaged(world: World, make_appeal: MakeAppeal, queue: DummyBackend) -> Appeal:
    appeal, _code = make_appeal(**WAGES)
    queue.clear()  # the intake's own task
    return appeal


@pytest.fixture
def no_classifier(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records every classification (a failure raised here would be caught and logged by
    ``triage_many``); the test fails at teardown if there was one."""
    calls: list[str] = []

    def recording(name: str) -> Callable[..., NoReturn]:
        def called(*args: object, **kwargs: object) -> NoReturn:
            calls.append(name)
            raise RuntimeError(f"{name} called in a request")

        return called

    monkeypatch.setattr(services, "get_model", recording("get_model"))
    monkeypatch.setattr(services, "triage_appeal", recording("triage_appeal"))
    yield calls
    assert calls == [], "classified in a request"


@pytest.mark.usefixtures("no_classifier")
def test_untriaged_appeal_page_is_served(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    page = client_for(world.dispatcher).get(f"/appeals/{untriaged.pk}/")
    assert page.status_code == 200


@pytest.mark.usefixtures("no_classifier")
def test_untriaged_appeal_page_shows_pending(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    page = client_for(world.dispatcher).get(f"/appeals/{untriaged.pk}/").content.decode()
    assert ('data-testid="triage-pending"' in page, "分拣中…" in page) == (True, True)


@pytest.mark.usefixtures("no_classifier")
def test_untriaged_appeal_page_stores_nothing(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    client_for(world.dispatcher).get(f"/appeals/{untriaged.pk}/")
    assert not TriageResult.objects.filter(appeal=untriaged).exists()


@pytest.mark.usefixtures("no_classifier")
def test_pending_panel_polls_the_endpoint(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    page = client_for(world.dispatcher).get(f"/appeals/{untriaged.pk}/").content.decode()
    assert f'hx-get="/triage/{untriaged.pk}/panel/?n=1"' in page


@pytest.mark.usefixtures("no_classifier")
def test_pending_panel_has_a_refresh_link_without_js(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    page = client_for(world.dispatcher).get(f"/appeals/{untriaged.pk}/").content.decode()
    assert f'<a href="/appeals/{untriaged.pk}/" data-action="triage-refresh">刷新</a>' in page


@pytest.mark.usefixtures("no_classifier")
def test_the_task_is_queued_once(
    world: World, untriaged: Appeal, client_for: ClientFor, queue: DummyBackend
) -> None:
    c = client_for(world.dispatcher)
    c.get(f"/appeals/{untriaged.pk}/")
    c.get(f"/appeals/{untriaged.pk}/")
    c.get(f"/triage/{untriaged.pk}/panel/?n=1")
    c.get("/appeals/?queue=to_accept")
    assert _queued(queue, untriaged.pk) == 1


@pytest.mark.usefixtures("no_classifier")
def test_workbench_cell_queues_the_task(
    world: World, untriaged: Appeal, client_for: ClientFor, queue: DummyBackend
) -> None:
    client_for(world.dispatcher).get("/appeals/?queue=to_accept")
    assert _queued(queue, untriaged.pk) == 1


def test_a_failed_enqueue_is_tried_again(
    untriaged: Appeal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shegong.triage.tasks import triage_appeals_task

    def down(*args: object, **kwargs: object) -> NoReturn:
        raise ConnectionError("queue down")

    monkeypatch.setattr(type(triage_appeals_task), "enqueue", down)
    assert panel.ensure_queued(untriaged.pk) is False
    monkeypatch.undo()
    assert panel.ensure_queued(untriaged.pk) is True


def test_endpoint_is_pending_before_the_result(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    resp = client_for(world.dispatcher).get(f"/triage/{untriaged.pk}/panel/?n=1")
    assert f'hx-get="/triage/{untriaged.pk}/panel/?n=2"' in resp.content.decode()


def test_endpoint_returns_the_panel_once_the_result_exists(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    services.triage_appeal(untriaged.pk)  # the worker
    resp = client_for(world.dispatcher).get(f"/triage/{untriaged.pk}/panel/?n=3")
    html = resp.content.decode()
    assert ('data-testid="triage-suggestions"' in html, "triage-pending" in html) == (True, False)


def test_endpoint_stops_polling_after_its_tries(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    url = f"/triage/{untriaged.pk}/panel/?n={panel.POLL_TRIES}"
    html = client_for(world.dispatcher).get(url).content.decode()
    assert ("hx-get" in html, "请稍后再看" in html) == (False, True)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("dispatcher", 200),
        ("handler_unit_a", 404),  # not dispatched to them: out of scope
        ("street_south", 404),
        ("street_north", 403),  # in scope, no appeals.dispatch
        ("leader", 403),
    ],
)
def test_endpoint_is_scoped_like_the_appeal_page(
    world: World, untriaged: Appeal, client_for: ClientFor, persona: str, status: int
) -> None:
    user = world.users[persona] if persona in world.users else getattr(world, persona)
    assert client_for(user).get(f"/triage/{untriaged.pk}/panel/").status_code == status


def test_endpoint_is_404_for_a_dispatcher_of_another_street(
    world: World, make_appeal: MakeAppeal, queue: DummyBackend, client_for: ClientFor
) -> None:
    from shegong.accounts import services as accounts
    from shegong.core.roles import Role

    south, _code = make_appeal(region_id=world.south_one.pk, **WAGES)
    north_dispatcher = accounts.create_user(
        actor=world.root,
        username="dispatcher_north",
        full_name="北街道派单员",
        role=Role.DISPATCHER,
        password=PASSWORD,
        region_id=world.north.pk,
        phone="13700002222",
    )
    assert client_for(north_dispatcher).get(f"/triage/{south.pk}/panel/").status_code == 404


def test_endpoint_sends_anonymous_visitors_to_login(untriaged: Appeal, client: Client) -> None:
    assert client.get(f"/triage/{untriaged.pk}/panel/").status_code == 302


def test_api_says_pending_with_202(world: World, untriaged: Appeal, client_for: ClientFor) -> None:
    resp = client_for(world.dispatcher).get(f"/api/appeals/{untriaged.pk}/triage")
    assert (resp.status_code, resp.json()["status"]) == (202, "pending")


def test_workbench_queues_one_task_for_its_untriaged_rows(
    world: World,
    make_appeal: MakeAppeal,
    untriaged: Appeal,
    client_for: ClientFor,
    queue: DummyBackend,
) -> None:
    second, _code = make_appeal(title="楼道堆放杂物", body="三号楼楼道堆满杂物，存在消防隐患。")
    queue.clear()
    client_for(world.dispatcher).get("/appeals/?queue=to_accept")
    tasks = [sorted(r.args[0]) for r in queue.results if r.task.name == "triage_appeals_task"]
    assert tasks == [sorted([untriaged.pk, second.pk])]


# -- the cache down (M3) ---------------------------------------------------------------------


@pytest.fixture
def cache_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    def down(*args: object, **kwargs: object) -> NoReturn:
        raise ConnectionError("redis down")

    for name in ("add", "get", "set", "delete", "delete_many"):
        monkeypatch.setattr(cache, name, down)


@pytest.mark.usefixtures("cache_down")
def test_the_appeal_page_is_served_with_the_cache_down(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    assert client_for(world.dispatcher).get(f"/appeals/{untriaged.pk}/").status_code == 200


@pytest.mark.usefixtures("cache_down")
def test_the_workbench_is_served_with_the_cache_down(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    assert client_for(world.dispatcher).get("/appeals/?queue=to_accept").status_code == 200


@pytest.mark.usefixtures("cache_down")
def test_the_page_says_pending_with_the_cache_down(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    page = client_for(world.dispatcher).get(f"/appeals/{untriaged.pk}/").content.decode()
    assert 'data-testid="triage-pending"' in page


# -- a triage that keeps failing (S3) --------------------------------------------------------


@pytest.fixture
def failing_triage(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The worker's triage of any appeal fails (logged by ``triage_many``)."""
    tried: list[int] = []

    def broken(appeal: Appeal, *args: object, **kwargs: object) -> NoReturn:
        tried.append(appeal.pk)
        raise ValueError("model broken")

    monkeypatch.setattr(services, "_triage_one", broken)
    return tried


def _worker_fails(appeal: Appeal) -> None:
    services.triage_many([appeal.pk])


@pytest.mark.usefixtures("failing_triage")
def test_a_failed_triage_says_dispatch_by_hand(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    _worker_fails(untriaged)
    html = client_for(world.dispatcher).get(f"/triage/{untriaged.pk}/panel/?n=1").content.decode()
    assert "智能分拣暂不可用，请人工分拨" in html


@pytest.mark.usefixtures("failing_triage")
def test_a_failed_triage_stops_polling(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    _worker_fails(untriaged)
    html = client_for(world.dispatcher).get(f"/appeals/{untriaged.pk}/").content.decode()
    assert "hx-get" not in html.split('data-testid="triage-pending"', 1)[1].split("</div>", 1)[0]


@pytest.mark.usefixtures("failing_triage")
def test_a_failed_triage_is_not_queued_again_from_the_page(
    world: World, untriaged: Appeal, client_for: ClientFor, queue: DummyBackend
) -> None:
    _worker_fails(untriaged)
    client_for(world.dispatcher).get(f"/triage/{untriaged.pk}/panel/?n=1")
    assert _queued(queue, untriaged.pk) == 0


@pytest.mark.usefixtures("failing_triage")
def test_a_failed_triage_says_dispatch_by_hand_in_the_queue(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    _worker_fails(untriaged)
    html = client_for(world.dispatcher).get("/appeals/?queue=to_accept").content.decode()
    assert 'data-triage="failed"' in html


@pytest.mark.usefixtures("failing_triage")
def test_a_failed_triage_is_not_queued_again_from_the_queue(
    world: World, untriaged: Appeal, client_for: ClientFor, queue: DummyBackend
) -> None:
    _worker_fails(untriaged)
    client_for(world.dispatcher).get("/appeals/?queue=to_accept")
    assert _queued(queue, untriaged.pk) == 0


def test_a_failed_triage_runs_once_with_the_immediate_backend(
    world: World,
    untriaged: Appeal,
    client_for: ClientFor,
    settings: Settings,
    failing_triage: list[int],
) -> None:
    from django.core.cache import cache

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    cache.clear()
    c = client_for(world.dispatcher)
    for n in (1, 2, 3):
        c.get(f"/triage/{untriaged.pk}/panel/?n={n}")
    assert failing_triage == [untriaged.pk]


@pytest.mark.usefixtures("failing_triage")
def test_the_api_says_a_failed_triage_in_chinese(
    world: World, untriaged: Appeal, client_for: ClientFor
) -> None:
    _worker_fails(untriaged)
    resp = client_for(world.dispatcher).get(f"/api/appeals/{untriaged.pk}/triage")
    assert (resp.status_code, resp.json()["detail"]) == (422, "智能分拣暂不可用，请人工分拨")
