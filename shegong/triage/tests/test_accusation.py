"""Triage never proposes the accused (信访工作条例 第三十条), and classifies accusations of
misconduct by officials where a dispatcher sends them, with the reason (issue #12 item 4)."""

from __future__ import annotations

from typing import Any

import pytest

from shegong.appeals.choices import AppealKind, AppealStatus
from shegong.appeals.models import Appeal
from shegong.textmining.taxonomy import Taxonomy
from shegong.textmining.triage import official_misconduct
from shegong.triage import services
from shegong.triage.models import RoutingRule, TriageResult
from shegong.units import services as units

pytestmark = pytest.mark.django_db

BRIBES = {
    "title": "检举市住建局工作人员受贿",
    "body": "市住建局某科室人员在审批中收受开发商好处费，以权谋私，有转账记录。",
}
NEGLECT = {
    "title": "反映市住建局对违法建设不管不问",
    "body": "北一社区3号楼旁违法搭建已有半年，多次反映后市住建局一直没有处理。",
}


def _accusation(world: Any, make_appeal: Any, text: dict[str, str], *accused: Any) -> Appeal:
    appeal, _ = make_appeal(
        kind=AppealKind.XF_ACCUSATION,
        accused_unit_ids=[u.pk for u in accused or (world.unit_a,)],
        **text,
    )
    return appeal


def _rules_for_every_category(unit: Any) -> None:
    for l1 in Taxonomy.default().level1:
        RoutingRule.objects.create(category_l1=l1, unit=unit, priority=100)


def _ids(result: TriageResult) -> set[int]:
    return {s["unit_id"] for s in result.suggestions}


def test_the_accused_unit_is_never_suggested(world: Any, make_appeal: Any) -> None:
    _rules_for_every_category(world.unit_a)
    appeal = _accusation(world, make_appeal, NEGLECT)
    assert world.unit_a.pk not in _ids(services.triage_appeal(appeal.pk))


def test_a_unit_below_the_accused_is_never_suggested(world: Any, make_appeal: Any) -> None:
    office = units.create_unit(
        actor=world.root,
        code="U-A-1",
        name="市住建局执法科",
        kind="functional",
        region_id=world.city.pk,
        parent_id=world.unit_a.pk,
    )
    _rules_for_every_category(office)
    appeal = _accusation(world, make_appeal, NEGLECT)
    assert office.pk not in _ids(services.triage_appeal(appeal.pk))


def test_the_same_rules_still_route_an_ordinary_complaint(world: Any, make_appeal: Any) -> None:
    _rules_for_every_category(world.unit_a)
    appeal, _ = make_appeal(**NEGLECT)
    assert world.unit_a.pk in _ids(services.triage_appeal(appeal.pk))


def test_misconduct_by_officials_is_classified_discipline(world: Any, make_appeal: Any) -> None:
    appeal = _accusation(world, make_appeal, BRIBES)
    result = services.triage_appeal(appeal.pk)
    assert (result.category_l1, result.category_l2) == ("纪检监察", "贪污贿赂")


def test_the_discipline_classification_gives_its_reason(world: Any, make_appeal: Any) -> None:
    appeal = _accusation(world, make_appeal, BRIBES)
    reason = services.triage_appeal(appeal.pk).category_reason
    assert "“收受”" in reason
    assert "第二十二条第二款" in reason


def test_an_accusation_without_misconduct_words_keeps_the_models_category(
    world: Any, make_appeal: Any
) -> None:
    appeal = _accusation(world, make_appeal, NEGLECT)
    assert services.triage_appeal(appeal.pk).category_reason == ""


def test_an_ordinary_complaint_with_such_words_is_not_reclassified(
    world: Any, make_appeal: Any
) -> None:
    appeal, _ = make_appeal(**BRIBES)
    assert services.triage_appeal(appeal.pk).category_reason == ""


def test_a_discipline_rule_sends_the_accusation_to_the_discipline_body(
    world: Any, make_appeal: Any
) -> None:
    discipline = units.create_unit(
        actor=world.root, code="U-JW", name="市纪委监委", kind="other", region_id=world.city.pk
    )
    RoutingRule.objects.create(category_l1="纪检监察", unit=discipline)
    appeal = _accusation(world, make_appeal, BRIBES)
    assert services.triage_appeal(appeal.pk).suggestions[0]["unit_id"] == discipline.pk


def test_the_accused_superior_body_is_suggested_with_the_reason(
    world: Any, make_appeal: Any
) -> None:
    city_gov = units.create_unit(
        actor=world.root, code="G-CITY", name="市人民政府", kind="other", region_id=world.city.pk
    )
    units.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    appeal = _accusation(world, make_appeal, BRIBES)
    row = next(
        s for s in services.triage_appeal(appeal.pk).suggestions if s["unit_id"] == city_gov.pk
    )
    assert "被检举控告单位“市住建局”的上级行政机关" in row["reasons"][0]


def _stale_result_proposing_the_accused(world: Any, make_appeal: Any) -> Appeal:
    """A result stored before this rule: it proposes the accused first."""
    appeal = _accusation(world, make_appeal, BRIBES)
    services.triage_appeal(appeal.pk)
    accused = {"unit_id": world.unit_a.pk, "unit_name": "市住建局", "score": 0.9, "reasons": ["旧"]}
    result = TriageResult.objects.get(appeal=appeal)
    TriageResult.objects.filter(pk=result.pk).update(suggestions=[accused, *result.suggestions])
    return appeal


def test_the_appeal_page_offers_no_one_click_accept_for_the_accused(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    appeal = _stale_result_proposing_the_accused(world, make_appeal)
    page = client_for(world.dispatcher).get(f"/appeals/{appeal.pk}/").content.decode()
    assert f'name="unit" value="{world.unit_a.pk}"' not in page


def test_the_queue_offers_no_one_click_accept_for_the_accused(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    appeal = _stale_result_proposing_the_accused(world, make_appeal)
    page = client_for(world.dispatcher).get("/appeals/?queue=to_accept").content.decode()
    assert f'name="unit" value="{world.unit_a.pk}"' not in page
    assert appeal.number in page


def test_accepting_the_accused_is_refused_with_the_reason(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    appeal = _stale_result_proposing_the_accused(world, make_appeal)
    response = client_for(world.dispatcher).post(
        f"/triage/{appeal.pk}/accept/", {"unit": world.unit_a.pk}, follow=True
    )
    assert "不能采纳为承办单位" in response.content.decode()


def test_accepting_the_accused_dispatches_nothing(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    appeal = _stale_result_proposing_the_accused(world, make_appeal)
    client_for(world.dispatcher).post(f"/triage/{appeal.pk}/accept/", {"unit": world.unit_a.pk})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REGISTERED


def test_the_api_gives_the_reason_and_hides_the_accused(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    appeal = _stale_result_proposing_the_accused(world, make_appeal)
    data = client_for(world.dispatcher).get(f"/api/appeals/{appeal.pk}/triage").json()
    assert (
        world.unit_a.pk in {s["unit_id"] for s in data["suggestions"]},
        data["category_reason"],
    ) == (
        False,
        TriageResult.objects.get(appeal=appeal).category_reason,
    )


def test_the_page_shows_the_classification_reason(
    world: Any, make_appeal: Any, client_for: Any
) -> None:
    appeal = _accusation(world, make_appeal, BRIBES)
    services.triage_appeal(appeal.pk)
    page = client_for(world.dispatcher).get(f"/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="triage-category-reason"' in page


# --- the pure rule --------------------------------------------------------------------------


def test_misconduct_words_are_found_in_traditional_script_too() -> None:
    match = official_misconduct("舉報", "局長貪汙公款")
    assert (match.category_l2 if match else None) == "贪污贿赂"


def test_a_nested_word_counts_once() -> None:
    match = official_misconduct("", "他充当保护伞")
    assert (match.words if match else None) == ("充当保护伞",)


def test_no_misconduct_words_no_match() -> None:
    assert official_misconduct("噪音扰民", "楼下商铺夜间施工噪音很大") is None
