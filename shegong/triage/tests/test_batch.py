"""The worker's batch path (issue 13 item 4): the appeals of one intake batch are triaged
together — one classification, one read each of rules, street offices, units, numbers and
the same person's appeals, one write — in a number of queries that does not grow with the
batch, and each appeal gets the result it gets when triaged alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import World
from shegong.appeals.choices import AppealKind, AppealStatus
from shegong.appeals.models import Appeal
from shegong.core.audit import verify_chain
from shegong.core.models import AuditEvent
from shegong.textmining.classify import CategoryModel, CategoryPrediction
from shegong.triage import services
from shegong.triage.models import RoutingRule, TriageResult

pytestmark = pytest.mark.django_db

MakeAppeal = Callable[..., tuple[Appeal, str]]

TEXTS = [
    ("农民工工资被拖欠", "北一社区工地施工单位拖欠农民工工资三个月，请劳动部门帮忙追讨。"),
    ("小区路灯不亮", "北一社区3号楼前路灯坏了两周，晚上出行不安全。"),
    ("工地扬尘", "北一社区旁边的建筑工地每天尘土飞扬，没有覆盖防尘网，居民无法开窗。"),
    ("楼道堆放杂物", "三号楼楼道堆满杂物，存在消防隐患。"),
    ("检举市住建局工作人员受贿", "市住建局某科室人员在审批中收受开发商好处费，以权谋私。"),
    ("噪音扰民", "北一社区夜间施工噪音很大，影响居民休息，希望有关部门查处。"),
    ("农民工工资被拖欠", "北一社区工地施工单位拖欠农民工工资三个月，请劳动部门帮忙追讨。"),
]
PHONES = ["13912345678", "13800000001", "13800000002"]


def _make(world: World, make_appeal: MakeAppeal, n: int) -> list[int]:
    """``n`` appeals: repeated texts (near-duplicates), three people (same-person links),
    every fourth a 检举控告 of 市住建局 (the accused rules)."""
    ids = []
    for i in range(n):
        title, body = TEXTS[i % len(TEXTS)]
        extra: dict[str, object] = {}
        if i % 4 == 0:
            extra = {"kind": AppealKind.XF_ACCUSATION, "accused_unit_ids": [world.unit_a.pk]}
        appeal, _code = make_appeal(title=title, body=body, phone=PHONES[i % 3], **extra)
        ids.append(appeal.pk)
    return ids


@pytest.fixture
def history(world: World, make_appeal: MakeAppeal) -> None:
    """Closed appeals (the routing history and the category counts) and a routing rule of
    every category the appeals above are classified in."""
    model = services.get_model()
    for pk in _make(world, make_appeal, 7):
        appeal = Appeal.objects.get(pk=pk)
        Appeal.objects.filter(pk=pk).update(
            status=AppealStatus.CLOSED,
            closed_at=timezone.now(),
            lead_unit=world.unit_b,
            category_l1=model.predict_one(appeal.title, appeal.body).category_l1,
        )
    for l1 in {model.predict_one(t, b).category_l1 for t, b in TEXTS}:
        RoutingRule.objects.create(category_l1=l1, region=world.district, unit=world.unit_b)
    TriageResult.objects.all().delete()
    services.reset_caches()


def _queries(ids: list[int], now: datetime) -> int:
    """Queries of ``triage_many`` for ``ids`` from a fresh worker's state."""
    services.reset_caches()
    with CaptureQueriesContext(connection) as ctx:
        services.triage_many(ids, now=now)
    return len(ctx.captured_queries)


@pytest.mark.usefixtures("history")
def test_the_queries_of_a_batch_do_not_grow_with_its_size(
    world: World, make_appeal: MakeAppeal
) -> None:
    ids = _make(world, make_appeal, 55)
    now = timezone.now()
    assert _queries(ids[5:], now) == _queries(ids[:5], now)


@pytest.mark.usefixtures("history")
def test_a_batch_of_fifty_is_triaged_in_a_handful_of_queries(
    world: World, make_appeal: MakeAppeal
) -> None:
    ids = _make(world, make_appeal, 50)
    assert _queries(ids, timezone.now()) <= 25


def _results(ids: list[int]) -> dict[int, dict[str, object]]:
    return {
        row["appeal_id"]: row
        for row in TriageResult.objects.filter(appeal_id__in=ids).values(
            "appeal_id", *services.RESULT_FIELDS
        )
    }


@pytest.mark.usefixtures("history")
def test_a_batch_gives_each_appeal_its_result_alone(world: World, make_appeal: MakeAppeal) -> None:
    ids = _make(world, make_appeal, 14)
    now = timezone.now()
    services.reset_caches()
    for pk in ids:
        services.triage_appeal(pk, now=now)
    alone = _results(ids)
    TriageResult.objects.all().delete()
    services.reset_caches()
    services.triage_many(ids, now=now)
    assert _results(ids) == alone


@pytest.mark.usefixtures("history")
def test_the_comparison_sees_what_a_batch_adds(world: World, make_appeal: MakeAppeal) -> None:
    """The batch's results are not trivially equal: they carry every kind of finding."""
    ids = _make(world, make_appeal, 14)
    services.triage_many(ids, now=timezone.now())
    rows = _results(ids).values()
    found = {
        "rules": any(
            "分拨规则" in r for row in rows for s in row["suggestions"] for r in s["reasons"]
        ),
        "history": any(
            "相似的已办结诉求" in r
            for row in rows
            for s in row["suggestions"]
            for r in s["reasons"]
        ),
        "duplicates": any(row["duplicates"] for row in rows),
        "same_person": any(row["same_person"] for row in rows),
        "accusation": any(row["category_reason"] for row in rows),
    }
    assert found == dict.fromkeys(found, True)


@pytest.mark.usefixtures("history")
def test_a_batch_records_one_event_per_appeal(world: World, make_appeal: MakeAppeal) -> None:
    ids = _make(world, make_appeal, 6)
    services.triage_many(ids, now=timezone.now())
    events = AuditEvent.objects.filter(action="appeal_triaged", target_id__in=map(str, ids))
    assert sorted(int(e.target_id) for e in events) == sorted(ids)


@pytest.mark.usefixtures("history")
def test_a_batch_keeps_the_audit_chain_whole(world: World, make_appeal: MakeAppeal) -> None:
    ids = _make(world, make_appeal, 6)
    services.triage_many(ids, now=timezone.now())
    assert verify_chain().ok


@pytest.mark.usefixtures("history")
def test_a_recomputed_batch_keeps_the_acceptance(world: World, make_appeal: MakeAppeal) -> None:
    ids = _make(world, make_appeal, 3)
    now = timezone.now()
    services.triage_many(ids, now=now)
    TriageResult.objects.filter(appeal_id=ids[1]).update(
        accepted_at=now, accepted_unit=world.unit_b
    )
    services.triage_pending(now=now + timedelta(minutes=5))  # nothing left to do
    services.triage_appeal(ids[1], now=now + timedelta(minutes=5))
    assert TriageResult.objects.get(appeal_id=ids[1]).accepted_unit_id == world.unit_b.pk


# -- failures ---------------------------------------------------------------------------


@pytest.fixture
def one_fails(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first appeal's own part of the triage fails; the list collects every appeal
    whose part ran."""
    ran: list[int] = []
    original = services._triage_one

    def flaky(appeal: Appeal, batch: services.Batch) -> services.TriageValues:
        ran.append(appeal.pk)
        if len(ran) == 1:
            raise ValueError("this appeal breaks")
        return original(appeal, batch)

    monkeypatch.setattr(services, "_triage_one", flaky)
    return ran


def test_one_failing_appeal_leaves_the_others_triaged(
    world: World, make_appeal: MakeAppeal, one_fails: list[int]
) -> None:
    ids = _make(world, make_appeal, 4)
    services.triage_many(ids)
    stored = set(TriageResult.objects.values_list("appeal_id", flat=True))
    assert stored == set(ids[1:])


def test_the_failing_appeal_is_marked_failed(
    world: World, make_appeal: MakeAppeal, one_fails: list[int]
) -> None:
    ids = _make(world, make_appeal, 4)
    services.triage_many(ids)
    marked = [pk for pk in ids if cache.get(services.FAILED_KEY.format(pk))]
    assert marked == [ids[0]]


class RefusingModel:
    """The model, except that it fails on any batch holding the text "无法分类"."""

    def __init__(self, model: CategoryModel) -> None:
        self.model = model

    def predict(self, items: Sequence[tuple[str | None, str | None]]) -> list[CategoryPrediction]:
        if any("无法分类" in (title or "") for title, _ in items):
            raise ValueError("the model refuses this text")
        return self.model.predict(items)


def test_a_failing_batch_is_tried_one_by_one(
    world: World, make_appeal: MakeAppeal, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _make(world, make_appeal, 3)
    bad, _code = make_appeal(title="无法分类", body="北一社区无法分类的一段文字，测试用。")
    refusing = RefusingModel(services.get_model())
    monkeypatch.setattr(services, "get_model", lambda: refusing)
    services.triage_many([*ids, bad.pk])
    stored = set(TriageResult.objects.values_list("appeal_id", flat=True))
    assert (stored, bool(cache.get(services.FAILED_KEY.format(bad.pk)))) == (set(ids), True)


# -- a few hundred texts ------------------------------------------------------------------


def _varied_texts(n: int) -> list[tuple[str, str]]:
    """``n`` texts made from the demo's built-in appeals (the tests do not read the shared
    data set): each as it is, its body cut to two thirds (a near-duplicate), joined with
    another one's body, and another one's text with a remark (cycling in that order)."""
    from shegong.demo.appeal_texts import FALLBACK_MESSAGES

    msgs = FALLBACK_MESSAGES
    out = []
    for i in range(n):
        title, body, _category = msgs[i % len(msgs)]
        other = msgs[(i * 7 + 3) % len(msgs)]
        variant = (i // len(msgs)) % 4
        if variant == 1:
            body = body[: len(body) * 2 // 3]
        elif variant == 2:
            body = f"{body}另外，{other[1]}"
        elif variant == 3:
            title, body = other[0], f"{other[1]}（第 {i} 次反映）"
        out.append((title, body))
    return out


@pytest.fixture
def many(world: World, make_appeal: MakeAppeal) -> list[int]:
    """240 appeals of varied texts from 12 people, ten more copies of one text from ten
    others (a group appeal), the first 60 closed by two units (the routing history), a
    rule for one category."""
    ids = []
    for i, (title, body) in enumerate(_varied_texts(240)):
        appeal, _code = make_appeal(title=title, body=body, phone=f"139000000{i % 12:02d}")
        ids.append(appeal.pk)
    title, body = _varied_texts(1)[0]
    for i in range(10):
        appeal, _code = make_appeal(title=title, body=body, phone=f"138000000{i:02d}")
        ids.append(appeal.pk)
    model = services.get_model()
    for n, appeal in enumerate(Appeal.objects.filter(pk__in=ids[:60]).order_by("pk")):
        Appeal.objects.filter(pk=appeal.pk).update(
            status=AppealStatus.CLOSED,
            closed_at=timezone.now(),
            lead_unit=world.unit_a if n % 3 else world.unit_b,
            category_l1=model.predict_one(appeal.title, appeal.body).category_l1,
        )
    RoutingRule.objects.create(category_l1="城乡建设", region=world.district, unit=world.unit_b)
    TriageResult.objects.all().delete()
    return ids


def test_batches_of_fifty_give_each_of_250_appeals_its_result_alone(many: list[int]) -> None:
    now = timezone.now()
    services.reset_caches()
    for pk in many:
        services.triage_appeal(pk, now=now)
    alone = _results(many)
    TriageResult.objects.all().delete()
    services.reset_caches()
    for start in range(0, len(many), 50):
        services.triage_many(many[start : start + 50], now=now)
    assert _results(many) == alone


def test_the_250_appeals_carry_every_kind_of_finding(many: list[int]) -> None:
    """The comparison above is not trivially equal: duplicates, a group appeal, the same
    person's appeals, the rule's and the history's reasons are all in it."""
    services.triage_many(many[:200], now=timezone.now())
    services.triage_many(many[200:], now=timezone.now())
    rows = _results(many).values()
    reasons = [r for row in rows for s in row["suggestions"] for r in s["reasons"]]
    found = {
        "rules": any("分拨规则" in r for r in reasons),
        "history": any("相似的已办结诉求" in r for r in reasons),
        "duplicates": any(row["duplicates"] for row in rows),
        "group": any(row["group_people"] for row in rows),
        "same_person": any(row["same_person"] for row in rows),
    }
    assert found == dict.fromkeys(found, True)
