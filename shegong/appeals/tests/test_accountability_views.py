from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shegong.appeals.choices import AppealStatus, WorkOrderRole
from shegong.appeals.models import AssessmentFact, ScoreAppeal
from shegong.appeals.services import workflow as wf

pytestmark = pytest.mark.django_db


@pytest.fixture
def replied(world, make_appeal):
    now = timezone.now() - timedelta(days=2)
    appeal, code = make_appeal(now=now)
    wf.dispatch_appeal(
        actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk, now=now
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=now)
    wf.reply_order(actor=world.handler_unit_a, order_id=order.pk, text="已修复路灯。", now=now)
    appeal.refresh_from_db()
    return appeal, code


def test_portal_rating_dissatisfied_redoes_and_shows_in_ranking(
    world, client, client_for, replied
) -> None:
    appeal, code = replied
    client.post("/portal/track/", {"action": "lookup", "number": appeal.number, "code": code})
    page = client.get("/portal/track/").content.decode()
    assert 'data-testid="track-rating"' in page
    client.post(
        "/portal/track/",
        {
            "action": "rate",
            "contacted": "yes",
            "resolved": "no",
            "satisfaction": "dissatisfied",
            "comment": "还是不亮",
        },
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.round) == (AppealStatus.DISPATCHED, 2)
    assert 'data-testid="track-rating"' not in client.get("/portal/track/").content.decode()
    queue = client_for(world.handler_unit_a).get("/appeals/?queue=to_sign").content.decode()
    assert appeal.number in queue
    ranking = client_for(world.dispatcher).get("/appeals/ranking/").content.decode()
    assert "市住建局" in ranking
    assert "0.0%" in ranking  # 满意率 with one 不满意 valid revisit


def test_ranking_is_scoped_and_drill_down_lists_the_appeals(world, client_for, replied) -> None:
    appeal, _ = replied
    from shegong.appeals.services import revisit as rs

    rs.record_revisit(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        contacted=True,
        resolved=False,
        satisfaction="dissatisfied",
        method="phone",
    )
    other = client_for(world.handler_unit_b).get("/appeals/ranking/").content.decode()
    assert "市住建局" not in other  # another unit sees only its own figures
    fact = AssessmentFact.objects.get(appeal=appeal, round=1)
    month = fact.month.strftime("%Y-%m")
    drill = client_for(world.handler_unit_a).get(
        f"/appeals/ranking/drill/?unit={world.unit_a.pk}&month={month}&measure=dissatisfied"
    )
    assert appeal.number in drill.content.decode()
    assert (
        client_for(world.handler_unit_b)
        .get(f"/appeals/ranking/drill/?unit={world.unit_a.pk}&month={month}")
        .status_code
        == 404
    )
    # The unit contests; the reviewer accepts; adjusted changes, raw does not.
    client_for(world.handler_unit_a).post(
        f"/appeals/ranking/contest/{fact.pk}/",
        {"reason_kind": "unreasonable", "text": "要求超出政策范围"},
    )
    item = ScoreAppeal.objects.get(fact=fact)
    client_for(world.dept_admin).post("/appeals/score-appeals/", {"item": item.pk, "accept": "1"})
    fact.refresh_from_db()
    assert fact.exempt
    xlsx = client_for(world.dispatcher).get(f"/appeals/ranking/?month={month}&format=csv")
    assert "市住建局" in xlsx.content.decode("utf-8-sig")


def test_supervision_pages(world, client_for, replied) -> None:
    appeal, _ = replied
    from shegong.appeals.services import revisit as rs

    rs.record_revisit(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        contacted=True,
        resolved=False,
        satisfaction="dissatisfied",
        method="phone",
    )
    deadline = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(world.leader).post(
        f"/appeals/{appeal.pk}/act/supervise/",
        {
            "title": "路灯整治",
            "instruction": "请一周内解决",
            "deadline": deadline,
            "report_every_days": "3",
        },
    )
    assert response.status_code == 302
    listing = client_for(world.handler_unit_a).get("/appeals/supervisions/").content.decode()
    assert "路灯整治" in listing
    sup_url = response["Location"]
    client_for(world.handler_unit_a).post(sup_url, {"text": "已更换灯具"})
    assert "已更换灯具" in client_for(world.leader).get(sup_url).content.decode()
    assert client_for(world.handler_unit_b).get(sup_url).status_code == 404


def test_an_incomplete_rating_keeps_the_appeal_and_shows_what_is_missing(
    world, client, replied
) -> None:
    appeal, code = replied
    client.post("/portal/track/", {"action": "lookup", "number": appeal.number, "code": code})
    response = client.post("/portal/track/", {"action": "rate", "contacted": "yes"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="track-rating"' in page  # still the tracked appeal, not the lookup
    assert appeal.number in page
    assert "这个字段是必填项" in page
