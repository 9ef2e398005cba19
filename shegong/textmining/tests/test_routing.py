"""Routing suggestions from admin rules and dispatcher history, and their evaluation."""

from __future__ import annotations

from pathlib import Path

from shegong.textmining.routing import (
    HistoryRecord,
    Router,
    RoutingHistory,
    RoutingRule,
    evaluate_routing,
)
from shegong.textmining.tests.samples import SAMPLES

UNIT = {
    "城乡建设": "市住建局",
    "劳动和社会保障": "市人社局",
    "教育文体": "市教育局",
    "环境保护": "市生态环境局",
    "交通运输": "市交通局",
    "卫生计生": "市卫健委",
    "商贸旅游": "市市场监管局",
}


def _history() -> RoutingHistory:
    hist = RoutingHistory()
    rows = []
    for n in range(3):
        for key, title, body, cat in SAMPLES:
            rows.append(
                HistoryRecord(f"h{n}-{key}", f"{title}\n{body}", UNIT[cat], cat, "339901001")
            )
    hist.add_many(rows)
    return hist


def test_rule_suggestion_with_region_prefix_wins() -> None:
    rules = [
        RoutingRule("R1", "市住建局", category="城乡建设"),
        RoutingRule("R2", "东城区住建局", category="城乡建设", region_prefix="339901"),
        RoutingRule("R3", "市教育局", category="教育文体"),
    ]
    out = Router(rules).suggest("工地夜间施工噪音", category_l1="城乡建设", region_code="339901002")
    assert [s.unit for s in out] == ["东城区住建局", "市住建局"]
    assert out[0].reasons[0].kind == "rule"
    assert out[0].reasons[0].rule_id == "R2"
    assert "规则 R2" in out[0].reasons[0].message
    other = Router(rules).suggest("工地噪音", category_l1="城乡建设", region_code="339902001")
    assert [s.unit for s in other] == ["市住建局"]


def test_history_votes_with_similar_ids_and_words() -> None:
    router = Router(history=_history())
    out = router.suggest(
        "建筑公司拖欠我们农民工的工资已经好几个月了，请劳动监察帮忙",
        region_code="339901001",
    )
    assert out
    assert out[0].unit == "市人社局"
    reason = out[0].reasons[0]
    assert reason.kind == "history"
    assert reason.appeal_ids
    assert all(a.endswith("s2") for a in reason.appeal_ids)
    assert any("工资" in w or "农民工" in w for w in reason.words)
    assert len(out) <= 3
    assert all(0 < s.score <= 1 for s in out)


def test_rules_and_history_combine() -> None:
    rules = [RoutingRule("R9", "市教育局", category="教育文体")]
    out = Router(rules, _history()).suggest(
        "学校周末组织有偿补课，每人收费八百元", category_l1="教育文体"
    )
    assert out[0].unit == "市教育局"
    assert {r.kind for r in out[0].reasons} == {"rule", "history"}


def test_history_save_load(tmp_path: Path) -> None:
    hist = _history()
    hist.save(tmp_path / "h")
    again = RoutingHistory.load(tmp_path / "h")
    q = "河道里被倒了很多生活垃圾，水都发臭了"
    assert [s.appeal_id for s in again.similar(q)] == [s.appeal_id for s in hist.similar(q)]


def test_evaluate_routing_top1() -> None:
    records = []
    for n in range(4):
        for key, title, body, cat in SAMPLES:
            records.append(HistoryRecord(f"{n}-{key}", f"{title}。{body[n * 5 :]}", UNIT[cat], cat))
    ev = evaluate_routing(records, holdout=0.25)
    assert ev.test == 7
    assert ev.train == 21
    assert ev.top1 == 1.0
    assert ev.top3 == 1.0


def test_excluded_appeal_does_not_vote_for_itself() -> None:
    hist = RoutingHistory()
    text = "小区门口的下水道堵塞，污水漫到路面，气味很大"
    hist.add_many(
        [
            HistoryRecord("self", text, "甲单位", "城乡建设", "339901001"),
            HistoryRecord("other", "学校门口早晚高峰拥堵，希望增派交警", "乙单位", "交通运输"),
        ]
    )
    assert hist.similar(text)[0].appeal_id == "self"
    assert "self" not in {s.appeal_id for s in hist.similar(text, exclude=["self"])}
    units = [s.unit for s in Router(history=hist).suggest(text, exclude=["self"])]
    assert "甲单位" not in units
