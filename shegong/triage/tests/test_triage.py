from __future__ import annotations

import csv
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from conftest import PASSWORD
from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.textmining.taxonomy import Taxonomy
from shegong.triage import panel, services
from shegong.triage.models import Hotspot, RoutingRule, TriageResult

LABELS = {"交通运输", "劳动和社会保障", "卫生计生", "商贸旅游", "城乡建设", "教育文体", "环境保护"}
WAGES = {
    "title": "农民工工资被拖欠",
    "body": (
        "我们在北一社区工地干了半年，施工单位拖欠农民工工资三个月，一直不发，请劳动部门帮忙追讨。"
    ),
}


def _appeal(make_appeal: Any, **kw: Any) -> Appeal:
    appeal, _code = make_appeal(**kw)
    return appeal


def test_triage_new_appeal(world: Any, make_appeal: Any) -> None:
    appeal = _appeal(make_appeal, **WAGES)
    result = services.triage_appeal(appeal.pk)
    assert result.category_l1 in LABELS
    assert 0 <= result.confidence <= 1
    assert result.suggestions, "the street office is always a fallback"
    first = result.suggestions[0]
    assert first["unit_id"] == world.street_unit_n.pk
    assert first["reasons"]
    assert AuditEvent.objects.filter(action="appeal_triaged", target_id=str(appeal.pk)).exists()
    # recompute is an update, not a second row
    services.triage_appeal(appeal.pk)
    assert TriageResult.objects.filter(appeal=appeal).count() == 1


def test_routing_rule_wins(world: Any, make_appeal: Any) -> None:
    appeal = _appeal(make_appeal, **WAGES)
    category = services.triage_appeal(appeal.pk).category_l1
    RoutingRule.objects.create(category_l1=category, region=world.district, unit=world.unit_b)
    RoutingRule.objects.create(category_l1=category, region=world.south, unit=world.unit_a)
    result = services.triage_appeal(appeal.pk)
    top = result.suggestions[0]
    assert top["unit_id"] == world.unit_b.pk
    assert "分拨规则" in top["reasons"][0]
    assert world.unit_a.pk not in {s["unit_id"] for s in result.suggestions}  # other street


def test_history_suggests_unit(world: Any, make_appeal: Any) -> None:
    old = _appeal(make_appeal, **WAGES)
    cat = services.triage_appeal(old.pk).category_l1
    Appeal.objects.filter(pk=old.pk).update(
        status=AppealStatus.CLOSED, closed_at=timezone.now(), lead_unit=world.unit_a
    )
    new = _appeal(make_appeal, title="工资拖欠", body="北一社区装修工程老板拖欠工人工资两个月。")
    result = services.triage_appeal(new.pk)
    assert result.category_l1 == cat
    units = {s["unit_id"]: s for s in result.suggestions}
    assert world.unit_a.pk in units
    reason = units[world.unit_a.pk]["reasons"][0]
    assert reason.startswith(f"相似的已办结诉求由{world.unit_a.name}主办")
    assert old.number in reason  # the similar appeal is named
    assert "共同关键词" in reason
    assert "工资" in reason


def test_history_is_not_a_category_count(world: Any, make_appeal: Any) -> None:
    """Routing follows similar closed appeals, not merely the category: two closed
    appeals of one category went to different units; each new appeal is routed to the
    unit of the appeal it resembles."""
    from shegong.triage.services import reset_caches

    wages = _appeal(make_appeal, **WAGES)
    dust = _appeal(
        make_appeal,
        title="工地扬尘",
        body="北一社区旁边的建筑工地每天尘土飞扬，没有覆盖防尘网，居民无法开窗。",
    )
    Appeal.objects.filter(pk=wages.pk).update(
        status=AppealStatus.CLOSED, closed_at=timezone.now(), lead_unit=world.unit_a
    )
    Appeal.objects.filter(pk=dust.pk).update(
        status=AppealStatus.CLOSED, closed_at=timezone.now(), lead_unit=world.unit_b
    )
    reset_caches()
    new = _appeal(
        make_appeal, title="工地扬尘严重", body="北一社区工地扬尘严重，防尘网没有覆盖，尘土飞扬。"
    )
    top = services.triage_appeal(new.pk).suggestions[0]
    assert top["unit_id"] == world.unit_b.pk


def test_routing_history_catches_up_and_is_capped(
    world: Any, make_appeal: Any, settings: Any
) -> None:
    from shegong.triage.services import get_routing_history, reset_caches

    reset_caches()
    settings.SHEGONG_TRIAGE_ROUTING_HISTORY = 4
    later = timezone.now()

    def close_one(i: int) -> None:
        a = _appeal(make_appeal, title=f"工资拖欠{i}", body=f"第{i}次反映：老板拖欠工人工资。")
        Appeal.objects.filter(pk=a.pk).update(
            status=AppealStatus.CLOSED,
            closed_at=later + timedelta(seconds=i),
            lead_unit=world.unit_a,
        )

    for i in range(6):
        close_one(i)
    assert len(get_routing_history()) == 4  # only the most recent `cap` at build time
    close_one(6)
    assert len(get_routing_history()) == 5  # caught up incrementally
    assert len(get_routing_history()) == 5  # nothing added twice
    close_one(7)
    assert len(get_routing_history()) == 6  # up to 1.25 × cap …
    close_one(8)
    get_routing_history()  # … beyond it, the next call rebuilds from the newest
    assert len(get_routing_history()) == 4


def test_near_duplicate_and_same_person(world: Any, make_appeal: Any) -> None:
    first = _appeal(make_appeal, **WAGES)
    services.triage_appeal(first.pk)
    copy = _appeal(
        make_appeal,
        title=WAGES["title"],
        body=WAGES["body"].replace("请劳动部门", "恳请有关部门尽快"),
        phone="13800000000",
    )
    result = services.triage_appeal(copy.pk)
    assert [d["appeal_id"] for d in result.duplicates] == [first.pk]
    assert result.duplicates[0]["number"] == first.number
    again = _appeal(make_appeal, title="噪音扰民", body="楼下餐馆夜间噪音很大影响休息。")
    assert first.pk in services.triage_appeal(again.pk).same_person  # same phone as first


def test_partial_for_dispatcher_not_handler(world: Any, make_appeal: Any, client_for: Any) -> None:
    appeal = _appeal(make_appeal, **WAGES)
    page = client_for(world.dispatcher).get(f"/appeals/{appeal.pk}/")
    html = page.content.decode()
    assert 'data-testid="triage-suggestions"' in html
    assert "采纳并派单" in html
    assert "北街道办事处" in html
    assert html.index("triage-suggestions") < html.index("dispatch-actions")
    services.accept_suggestion(
        actor=world.dispatcher, appeal_id=appeal.pk, unit_id=world.street_unit_n.pk
    )
    page = client_for(world.street_north).get(f"/appeals/{appeal.pk}/")
    assert page.status_code == 200
    assert "triage-suggestions" not in page.content.decode()


def test_duplicates_scoped_to_viewer(world: Any, make_appeal: Any) -> None:
    other = _appeal(make_appeal, region_id=world.south_one.pk, **WAGES)
    services.triage_appeal(other.pk)
    mine = _appeal(make_appeal, **WAGES)
    assert services.triage_appeal(mine.pk).duplicates
    # A dispatcher whose scope is the north street does not see the south duplicate.
    from shegong.accounts import services as accounts
    from shegong.core.roles import Role

    north_dispatcher = accounts.create_user(
        actor=world.root,
        username="dispatcher_north",
        full_name="北街道派单员",
        role=Role.DISPATCHER,
        password=PASSWORD,
        region_id=world.north.pk,
        phone="13700002222",
    )
    shown = panel.triage_for(north_dispatcher, mine)
    assert shown is not None
    assert shown["duplicates"] == []
    assert panel.triage_for(world.dispatcher, mine)["duplicates"]  # type: ignore[index]
    # Without appeals.dispatch there is no panel at all.
    assert panel.triage_for(world.street_north, mine) is None


def test_accept_dispatches(world: Any, make_appeal: Any, client_for: Any) -> None:
    appeal = _appeal(make_appeal, **WAGES)
    services.triage_appeal(appeal.pk)
    c = client_for(world.dispatcher)
    resp = c.post(f"/triage/{appeal.pk}/accept/", {"unit": world.street_unit_n.pk})
    assert resp.status_code == 302
    assert resp.url == f"/appeals/{appeal.pk}/"
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.lead_unit_id == world.street_unit_n.pk
    result = TriageResult.objects.get(appeal=appeal)
    assert result.accepted_unit_id == world.street_unit_n.pk
    assert result.accepted_by_id == world.dispatcher.pk
    assert result.accepted_at
    # the suggested category became the appeal's final category
    assert appeal.category_l1 == result.category_l1
    assert appeal.category_by_id == world.dispatcher.pk
    # a unit that was not suggested is refused
    other = _appeal(make_appeal, **WAGES)
    services.triage_appeal(other.pk)
    c.post(f"/triage/{other.pk}/accept/", {"unit": world.unit_b.pk})
    other.refresh_from_db()
    assert other.status == AppealStatus.REGISTERED
    # a handler whose unit holds no work order does not see the appeal: 404
    third = _appeal(make_appeal, **WAGES)
    resp = client_for(world.handler_unit_a).post(
        f"/triage/{third.pk}/accept/", {"unit": world.street_unit_n.pk}
    )
    assert resp.status_code == 404
    # the street sees it (it happens in 北一社区) but may not dispatch: 403
    resp = client_for(world.street_north).post(
        f"/triage/{third.pk}/accept/", {"unit": world.street_unit_n.pk}
    )
    assert resp.status_code == 403
    third.refresh_from_db()
    assert third.status == AppealStatus.REGISTERED


def test_periodic_job_idempotent(world: Any, make_appeal: Any) -> None:
    a = _appeal(make_appeal, **WAGES)
    b = _appeal(make_appeal, title="路灯不亮", body="北一社区路灯坏了两周，晚上出行不安全。")
    assert services.triage_pending() == 2
    first = dict(TriageResult.objects.values_list("appeal_id", "computed_at"))
    assert services.triage_pending() == 0
    assert dict(TriageResult.objects.values_list("appeal_id", "computed_at")) == first
    assert set(first) == {a.pk, b.pk}


def test_periodic_task_runs(world: Any, make_appeal: Any) -> None:
    from shegong.triage.tasks import triage_appeal_task, triage_pending_task

    a = _appeal(make_appeal, **WAGES)
    triage_pending_task.enqueue()
    assert TriageResult.objects.filter(appeal=a).exists()
    triage_appeal_task.enqueue(a.pk)
    assert TriageResult.objects.filter(appeal=a).count() == 1


def test_hotspots(world: Any, make_appeal: Any, client_for: Any) -> None:
    now = timezone.now()
    for i in range(4):
        _appeal(make_appeal, now=now - timedelta(hours=i + 1), **WAGES)
    services.triage_pending(now=now)
    assert services.compute_hotspots(now=now) >= 1
    hot = Hotspot.objects.get(rank=1)
    assert hot.region == world.north
    assert hot.count == 4
    assert hot.label in LABELS
    from shegong.core.models import Notification

    assert Notification.objects.filter(user=world.dispatcher, url="/triage/hotspots/").exists()
    assert "北街道" in client_for(world.dispatcher).get("/triage/hotspots/").content.decode()
    south = client_for(world.street_south).get("/triage/hotspots/")
    assert south.status_code == 403  # hotspots are for dispatchers (appeals.dispatch)
    assert client_for(world.handler_unit_a).get("/triage/hotspots/").status_code == 403


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.mark.django_db
def test_commands(tmp_path: Path) -> None:
    src = _csv(
        tmp_path / "in.csv",
        [
            {"id": "1", "title": WAGES["title"], "body": WAGES["body"]},
            {"id": "2", "title": WAGES["title"], "body": WAGES["body"] + "谢谢"},
            {"id": "3", "title": "路灯不亮", "body": "小区路灯坏了两周，晚上出行不安全。"},
        ],
    )
    out = tmp_path / "out.csv"
    call_command("classify", "--input", str(src), "--output", str(out), stderr=StringIO())
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 3
    assert rows[0]["category_l1"] in LABELS
    pairs = tmp_path / "pairs.csv"
    call_command("near_duplicates", "--input", str(src), "--output", str(pairs), stderr=StringIO())
    assert "1" in pairs.read_text(encoding="utf-8-sig")
    hot_in = _csv(
        tmp_path / "hot.csv",
        [
            {"id": str(i), "body": WAGES["body"], "created_at": f"2026-05-0{1 + i % 3} 10:00"}
            for i in range(6)
        ],
    )
    hot_out = tmp_path / "hot-out.csv"
    call_command(
        "hotspots",
        "--input",
        str(hot_in),
        "--output",
        str(hot_out),
        "--topic",
        "category",
        stderr=StringIO(),
    )
    assert hot_out.exists()
    stdout = StringIO()
    call_command("triage", "train", "--output", str(tmp_path / "m"), stdout=stdout)
    assert "未训练" in stdout.getvalue()


def test_routing_rule_admin(world: Any, client_for: Any) -> None:
    url = "/admin/triage/routingrule/"
    admin_page = client_for(world.dept_admin).get(url)
    dispatcher_page = client_for(world.dispatcher).get(url)
    assert admin_page.status_code == 200
    assert dispatcher_page.status_code != 200


def test_page_survives_triage_failure(
    world: Any, make_appeal: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shegong.textmining import ModelLoadError

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ModelLoadError("model missing")

    monkeypatch.setattr(services, "get_model", broken)
    appeal = _appeal(make_appeal, **WAGES)
    page = client_for(world.dispatcher).get(f"/appeals/{appeal.pk}/")
    assert page.status_code == 200
    assert "triage-suggestions" not in page.content.decode()


def test_dispatcher_category_is_the_training_label(
    world: Any, make_appeal: Any, client_for: Any, tmp_path: Path
) -> None:
    from shegong.appeals.services import workflow as wf
    from shegong.triage.management.commands.triage import export_training_csv

    appeal = _appeal(make_appeal, **WAGES)
    c = client_for(world.dispatcher)
    page = c.get(f"/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="category-select"' in page
    resp = c.post(
        f"/appeals/{appeal.pk}/act/dispatch/",
        {"version": appeal.version, "lead_unit": world.unit_a.pk, "category": "劳动和社会保障|"},
    )
    assert resp.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.category_l1, appeal.category_l2) == ("劳动和社会保障", "")
    # a class outside the taxonomy is refused with a Chinese message, nothing changes
    with pytest.raises(DomainError, match="不在分类目录"):
        wf.set_category(actor=world.dispatcher, appeal_id=appeal.pk, category_l1="外星人")
    # corrected later; audited
    l2 = Taxonomy.default().level2("城乡建设")[0]
    wf.set_category(
        actor=world.dispatcher, appeal_id=appeal.pk, category_l1="城乡建设", category_l2=l2
    )
    assert AuditEvent.objects.filter(action="appeal_category_set").exists()
    # a handler may not set categories
    with pytest.raises(PermissionDenied):
        wf.set_category(actor=world.handler_unit_a, appeal_id=appeal.pk, category_l1="城乡建设")
    Appeal.objects.filter(pk=appeal.pk).update(status=AppealStatus.CLOSED)
    unlabelled = _appeal(make_appeal, title="路灯不亮", body="北一社区路灯坏了两周。")
    Appeal.objects.filter(pk=unlabelled.pk).update(status=AppealStatus.CLOSED)
    out = tmp_path / "train.csv"
    assert export_training_csv(out) == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows == [{"title": WAGES["title"], "body": WAGES["body"], "category_l1": "城乡建设"}]


def test_routing_accuracy_counts_top1_against_final_unit(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    from shegong.triage.services import routing_accuracy

    hit = _appeal(make_appeal, **WAGES)
    miss = _appeal(make_appeal, **WAGES)
    for appeal, final in ((hit, world.unit_a), (miss, world.unit_b)):
        TriageResult.objects.update_or_create(
            appeal=appeal,
            defaults={
                "suggestions": [
                    {"unit_id": world.unit_a.pk, "unit_name": "甲", "score": 0.9, "reasons": []},
                    {"unit_id": world.unit_b.pk, "unit_name": "乙", "score": 0.5, "reasons": []},
                ],
                "computed_at": timezone.now(),
            },
        )
        Appeal.objects.filter(pk=appeal.pk).update(
            status=AppealStatus.CLOSED, closed_at=timezone.now(), lead_unit=final
        )
    figures = routing_accuracy(world.dispatcher)
    assert (figures["appeals"], figures["top1"], figures["top3"]) == (2, 0.5, 1.0)
    assert routing_accuracy(world.handler_unit_b)["appeals"] == 0  # out of scope: not counted
    stdout = StringIO()
    call_command("triage", "evaluate-routing", stdout=stdout)
    assert '"top1": 0.5' in stdout.getvalue()
    page = client_for(world.dispatcher).get("/triage/hotspots/").content.decode()
    assert "首位建议命中率" in page


@pytest.mark.django_db(transaction=True)
def test_triage_runs_when_intake_commits(world: Any, settings: Any) -> None:
    from shegong.appeals.choices import AppealKind, Channel
    from shegong.appeals.services.intake import IntakeData, submit_appeal

    settings.SHEGONG_TRIAGE_ON_INTAKE = True  # tasks run inline in tests
    appeal, _code = submit_appeal(
        actor=None,
        data=IntakeData(
            kind=AppealKind.HL_COMPLAINT,
            channel=Channel.PORTAL,
            region_id=world.north_one.pk,
            **WAGES,
        ),
    )
    assert TriageResult.objects.filter(appeal=appeal).exists()


def test_triage_api_scoped_and_accepts(world: Any, make_appeal: Any, client_for: Any) -> None:
    north = _appeal(make_appeal, **WAGES)
    services.triage_appeal(north.pk)
    dispatcher = client_for(world.dispatcher)
    data = dispatcher.get(f"/api/appeals/{north.pk}/triage").json()
    assert data["category_l1"]
    assert data["suggestions"]
    assert all(s["reasons"] for s in data["suggestions"])
    # roles without appeals.dispatch: 403; out of scope: 404
    assert (
        client_for(world.handler_unit_a).get(f"/api/appeals/{north.pk}/triage").status_code == 403
    )
    assert client_for(world.street_south).get(f"/api/appeals/{north.pk}/triage").status_code == 403
    denied = client_for(world.handler_unit_a).post(
        f"/api/appeals/{north.pk}/triage/accept",
        {"unit_id": data["suggestions"][0]["unit_id"]},
        content_type="application/json",
    )
    assert denied.status_code == 403
    north.refresh_from_db()
    assert north.status == AppealStatus.REGISTERED  # nothing changed
    unit = data["suggestions"][0]["unit_id"]
    ok = dispatcher.post(
        f"/api/appeals/{north.pk}/triage/accept",
        {"unit_id": unit},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["lead_unit_id"] == unit
    detail = dispatcher.get(f"/api/appeals/{north.pk}").json()
    assert detail["category_l1"] == data["category_l1"]
    accuracy = dispatcher.get("/api/triage/routing-accuracy").json()
    assert accuracy["appeals"] == 0  # nothing closed yet
    schema = dispatcher.get("/api/openapi.json").json()
    assert "/api/appeals/{appeal_id}/triage" in schema["paths"]


def test_a_retrained_model_directory_is_used(settings: Any, tmp_path: Path) -> None:
    from shegong.textmining.classify import ModelLoadError

    settings.SHEGONG_TRIAGE_MODEL_DIR = str(tmp_path / "missing")
    services.reset_caches()
    services._model = None
    with pytest.raises(ModelLoadError):
        services.get_model()
    services._model = None


def test_category_api_refuses_other_roles_and_scopes(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    from shegong.appeals.services import workflow as wf

    appeal = _appeal(make_appeal, **WAGES)
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    body = {"category_l1": "城乡建设"}
    url = f"/api/appeals/{appeal.pk}/category"
    # the handling unit sees the appeal but may not categorise it
    assert client_for(world.handler_unit_a).post(url, body, "application/json").status_code == 403
    # another unit does not even see it
    assert client_for(world.handler_unit_b).post(url, body, "application/json").status_code == 404
    appeal.refresh_from_db()
    assert appeal.category_l1 == ""
    bad = client_for(world.dispatcher).post(url, {"category_l1": "外星人"}, "application/json")
    assert bad.status_code == 422  # the API's status for a refused domain rule
    assert "不在分类目录" in bad.json()["detail"]
    ok = client_for(world.dispatcher).post(url, body, "application/json")
    assert ok.status_code == 200
    assert ok.json()["category_l1"] == "城乡建设"


def test_workbench_queue_shows_suggestions_and_accepts_in_one_click(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    first = _appeal(make_appeal, **WAGES)
    services.triage_appeal(first.pk)
    copy = _appeal(make_appeal, **WAGES)  # a near-duplicate of the first, same person
    result = services.triage_appeal(copy.pk)
    c = client_for(world.dispatcher)
    page = c.get("/appeals/?queue=to_accept").content.decode()
    assert 'data-testid="queue-triage"' in page
    assert "疑似重复" in page
    assert "重复来诉" in page
    top = result.suggestions[0]
    assert top["unit_name"] in page
    # the handler's workbench has no triage column
    assert "queue-triage" not in client_for(world.handler_unit_a).get("/appeals/").content.decode()
    back = "/appeals/?queue=to_accept"
    resp = c.post(f"/triage/{copy.pk}/accept/?next={back}", {"unit": top["unit_id"]})
    assert resp.status_code == 302
    assert resp.url == back
    copy.refresh_from_db()
    assert copy.lead_unit_id == top["unit_id"]
    # an outside "next" is ignored
    resp = c.post(f"/triage/{first.pk}/accept/?next=https://evil.example/", {"unit": 0})
    assert resp.url == f"/appeals/{first.pk}/"


def test_accepted_queue_offers_the_suggestion_inside_the_bulk_form(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    from shegong.appeals.services import workflow as wf

    appeal = _appeal(make_appeal, **WAGES)
    wf.accept_appeal(actor=world.dispatcher, appeal_id=appeal.pk)
    services.triage_appeal(appeal.pk)
    page = client_for(world.dispatcher).get("/appeals/?queue=to_dispatch").content.decode()
    assert f'formaction="/triage/{appeal.pk}/accept/?next=' in page


def test_category_practice_suggests_the_usual_unit(world: Any, make_appeal: Any) -> None:
    """Dissimilar texts of one category: the unit dispatchers usually give that category in
    the district is suggested, with the counts as the reason."""
    from shegong.triage.services import MIN_CATEGORY_CASES

    new = _appeal(make_appeal, **WAGES)
    category = services.triage_appeal(new.pk).category_l1
    for i in range(MIN_CATEGORY_CASES):
        old = _appeal(make_appeal, title=f"事项{i}", body=f"第{i}件：一件与众不同的事情{i}。")
        Appeal.objects.filter(pk=old.pk).update(
            status=AppealStatus.CLOSED,
            closed_at=timezone.now(),
            lead_unit=world.unit_b,
            category_l1=category,
        )
    services.reset_caches()
    units = {s["unit_id"]: s for s in services.triage_appeal(new.pk).suggestions}
    assert world.unit_b.pk in units
    reason = units[world.unit_b.pk]["reasons"][0]
    assert f"同类（{category}）诉求 {MIN_CATEGORY_CASES} 件中有 {MIN_CATEGORY_CASES} 件" in reason


def test_category_going_to_street_offices_suggests_the_local_one(
    world: Any, make_appeal: Any
) -> None:
    """Closed appeals of a category went to *their* street offices: a new one in another
    street is suggested its own street office, with the category counts as the reason."""
    from shegong.triage.services import MIN_CATEGORY_CASES

    new = _appeal(make_appeal, **WAGES)  # happens in north_one (street north)
    category = services.triage_appeal(new.pk).category_l1
    for i in range(MIN_CATEGORY_CASES):
        old = _appeal(
            make_appeal,
            title=f"事项{i}",
            body=f"第{i}件：一件与众不同的事情{i}。",
            region_id=world.south_one.pk,
        )
        Appeal.objects.filter(pk=old.pk).update(
            status=AppealStatus.CLOSED,
            closed_at=timezone.now(),
            lead_unit=world.street_unit_s,
            category_l1=category,
        )
    services.reset_caches()
    units = {s["unit_id"]: s for s in services.triage_appeal(new.pk).suggestions}
    assert world.street_unit_s.pk not in units  # not the other street's office
    reasons = units[world.street_unit_n.pk]["reasons"]
    assert any("由属地街道办事处主办" in r for r in reasons)
