"""三率: the per-unit counters always equal a direct query over the raw records."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.db.models import Count, Q

from shegong.appeals.choices import WorkOrderRole
from shegong.appeals.models import AssessmentFact, Revisit, UnitMonthStat, WorkOrder
from shegong.appeals.services import assessment
from shegong.appeals.services import revisit as rs
from shegong.appeals.services import workflow as wf
from shegong.core.exceptions import DomainError

from .conftest import at

pytestmark = pytest.mark.django_db


def build(world, make_appeal, rng: random.Random, n: int = 40) -> None:
    units = [
        (world.unit_a, world.handler_unit_a),
        (world.unit_b, world.handler_unit_b),
        (world.street_unit_n, world.street_north),
    ]
    for i in range(n):
        start = at(2026, 3, 1, 9) + timedelta(days=rng.randint(0, 50), hours=rng.randint(0, 8))
        appeal, _ = make_appeal(now=start, title=f"诉求{i}")
        unit, handler = rng.choice(units)
        wf.dispatch_appeal(
            actor=world.dispatcher,
            appeal_id=appeal.pk,
            lead_unit_id=unit.pk,
            now=start + timedelta(hours=1),
        )
        order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
        wf.sign_order(actor=handler, order_id=order.pk, now=start + timedelta(hours=2))
        if rng.random() < 0.15:
            continue  # still in progress
        wf.reply_order(
            actor=handler,
            order_id=order.pk,
            text="已办理",
            now=start + timedelta(days=rng.choice([1, 3, 6, 9, 12])),
        )
        if rng.random() < 0.8:
            rs.record_revisit(
                actor=world.dispatcher,
                appeal_id=appeal.pk,
                contacted=rng.random() < 0.85,
                resolved=rng.random() < 0.7,
                satisfaction=rng.choice(["satisfied", "basic", "dissatisfied"]),
                method="phone",
                now=start + timedelta(days=13),
            )


def direct(unit_id: int, month: date) -> dict[str, int]:
    """Straight from work orders and revisits — no facts, no counters."""
    end = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    from datetime import datetime

    lo = datetime(month.year, month.month, 1, tzinfo=tz)
    hi = datetime(end.year, end.month, 1, tzinfo=tz)
    orders = WorkOrder.objects.filter(
        role=WorkOrderRole.LEAD, unit_id=unit_id, replied_at__gte=lo, replied_at__lt=hi
    )
    replied = orders.count()
    on_time = sum(1 for o in orders if o.replied_at <= o.due_at)
    visits = Revisit.objects.filter(work_order__in=orders)
    agg = visits.aggregate(
        n=Count("pk"),
        contacted=Count("pk", filter=Q(contacted=True)),
        resolved=Count("pk", filter=Q(resolved=True)),
        satisfied=Count("pk", filter=Q(satisfaction="satisfied")),
        basic=Count("pk", filter=Q(satisfaction="basic")),
        dissatisfied=Count("pk", filter=Q(satisfaction="dissatisfied")),
    )
    return {
        "replied": replied,
        "on_time": on_time,
        "revisited": agg["n"],
        "contacted": agg["contacted"],
        "resolved": agg["resolved"],
        "satisfied": agg["satisfied"],
        "basic": agg["basic"],
        "dissatisfied": agg["dissatisfied"],
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_counters_equal_the_raw_records_on_random_data(world, make_appeal, seed) -> None:
    build(world, make_appeal, random.Random(seed))
    assert UnitMonthStat.objects.exists()
    for stat in UnitMonthStat.objects.all():
        counted = {k: getattr(stat, k) for k in assessment.COUNTERS}
        assert counted == direct(stat.unit_id, stat.month), (stat.unit_id, stat.month)
        raw, adjusted = assessment.figures_from_facts(
            AssessmentFact.objects.filter(unit_id=stat.unit_id, month=stat.month)
        )
        assert raw.counts == counted
        assert adjusted.counts == counted  # nothing exempt yet


def test_score_appeal_changes_adjusted_but_not_raw(world, make_appeal) -> None:
    build(world, make_appeal, random.Random(7), n=30)
    fact = AssessmentFact.objects.filter(
        unit=world.unit_a, revisited=True, satisfaction="dissatisfied"
    ).first()
    assert fact is not None
    month = fact.month
    before = {r.unit_id: r for r in assessment.monthly_ranking(month=month)}[world.unit_a.pk]
    item = assessment.file_score_appeal(
        actor=world.handler_unit_a,
        fact_id=fact.pk,
        reason_kind="unreasonable",
        text="诉求人要求超出政策范围",
    )
    with pytest.raises(DomainError):
        assessment.file_score_appeal(
            actor=world.handler_unit_b, fact_id=fact.pk, reason_kind="other", text="别的单位来申诉"
        )
    assessment.decide_score_appeal(
        actor=world.dept_admin, score_appeal_id=item.pk, accept=True, note="经核实诉求不合理"
    )
    after = {r.unit_id: r for r in assessment.monthly_ranking(month=month)}[world.unit_a.pk]
    assert after.raw.counts == before.raw.counts
    assert after.adjusted.counts["dissatisfied"] == before.adjusted.counts["dissatisfied"] - 1
    assert after.adjusted.counts["replied"] == before.adjusted.counts["replied"] - 1
    raw, adjusted = assessment.figures_from_facts(
        AssessmentFact.objects.filter(unit=world.unit_a, month=month)
    )
    assert raw.counts == after.raw.counts
    assert adjusted.counts == after.adjusted.counts


def test_ranking_marks_and_formula(world, make_appeal) -> None:
    build(world, make_appeal, random.Random(3), n=45)
    cfg = assessment.config()
    cfg.min_revisits = 1
    cfg.red_share = 0.34
    cfg.yellow_share = 0.34
    cfg.save()
    month = AssessmentFact.objects.order_by("month").values_list("month", flat=True).first()
    rows = assessment.monthly_ranking(month=month, cfg=cfg)
    ranked = [r for r in rows if r.rank]
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    composites = [r.adjusted.composite for r in ranked]
    assert composites == sorted(composites, reverse=True)
    assert len(ranked) >= 3  # the seeded history ranks enough units for both marks
    assert ranked[-1].mark == "red"
    assert ranked[-2].mark == "yellow"
    row = ranked[0]
    c = row.adjusted.counts
    expected = (
        0.1 * c["contacted"] + 0.5 * c["resolved"] + 0.4 * (c["satisfied"] + 0.9 * c["basic"])
    ) / c["revisited"]
    assert abs(row.adjusted.composite - expected) < 1e-9


def test_street_and_community_rollups_equal_direct_queries(world, make_appeal, client_for) -> None:
    from shegong.core.tree import subtree_q

    build(world, make_appeal, random.Random(11), n=25)
    month = AssessmentFact.objects.order_by("month").values_list("month", flat=True).first()
    facts = AssessmentFact.objects.filter(month=month)
    for depth, region in ((2, world.north), (3, world.north_one)):
        rolled = assessment.region_rollup(facts=facts, depth=depth)
        raw, adjusted = assessment.figures_from_facts(
            facts.filter(subtree_q(region.path, "region_path"))
        )
        assert rolled[region.path][0].counts == raw.counts
        assert rolled[region.path][1].counts == adjusted.counts
    page = client_for(world.dispatcher).get(f"/appeals/ranking/?month={month:%Y-%m}&by=street")
    assert "北街道" in page.content.decode()
