from __future__ import annotations

import csv
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from shegong.appeals.choices import AppealStatus
from shegong.appeals.models import Appeal
from shegong.core.models import AuditEvent
from shegong.triage import services
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
    assert "主办办结" in units[world.unit_a.pk]["reasons"][0]


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
    panel = services.triage_for(world.street_north, mine)
    assert panel is None or panel["duplicates"] == []
    assert services.triage_for(world.dispatcher, mine)["duplicates"]  # type: ignore[index]


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
    # a unit that was not suggested is refused
    other = _appeal(make_appeal, **WAGES)
    services.triage_appeal(other.pk)
    c.post(f"/triage/{other.pk}/accept/", {"unit": world.unit_b.pk})
    other.refresh_from_db()
    assert other.status == AppealStatus.REGISTERED
    # a handler cannot accept
    third = _appeal(make_appeal, **WAGES)
    resp = client_for(world.handler_unit_a).post(
        f"/triage/{third.pk}/accept/", {"unit": world.street_unit_n.pk}
    )
    assert resp.status_code in (403, 404)


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
    assert south.status_code == 403 or "北街道" not in south.content.decode()
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
