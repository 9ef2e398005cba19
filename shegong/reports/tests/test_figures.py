"""Every figure of the monthly report equals the appeals app's own function (or the
documented direct query) for the same month and region; the coverage report equals
``coverage_for``."""

from __future__ import annotations

import pytest
import time_machine
from django.db.models import F, Q

from shegong.appeals.choices import WorkOrderRole, WorkOrderStatus
from shegong.appeals.models import Appeal, AssessmentFact, WorkOrder
from shegong.appeals.services import assessment
from shegong.core.tree import subtree_q
from shegong.reports import monthly, quarterly
from shegong.reports.periods import month_period, quarter_period
from shegong.reports.tables import pct

from .conftest import at

pytestmark = pytest.mark.django_db
MARCH = month_period(2026, 3)
NOW = at(2026, 5, 3, 10)


def _rows_by_name(table):
    return {row["name"]: row for row in table.rows}


@time_machine.travel(NOW, tick=False)
def test_unit_rates_equal_the_ranking_of_the_city(history) -> None:
    table = monthly.units_table(history.city, MARCH.start)
    ranking = assessment.monthly_ranking(month=MARCH.start)
    assert len(ranking) >= 3
    expected = [
        (
            r.unit_name,
            pct(r.adjusted.response),
            pct(r.adjusted.resolution),
            pct(r.adjusted.satisfaction),
            pct(r.adjusted.composite),
        )
        for r in ranking
    ]
    got = [
        (r["name"], r["response"], r["resolution"], r["satisfaction"], r["composite"])
        for r in table.rows
    ]
    assert got == expected


@time_machine.travel(NOW, tick=False)
def test_a_district_ranks_only_its_own_units(history) -> None:
    table = monthly.units_table(history.district, MARCH.start)
    assert {r["name"] for r in table.rows} <= {"北街道办事处", "南街道办事处"}


@time_machine.travel(NOW, tick=False)
def test_district_unit_rates_equal_the_ranking_of_its_units(history) -> None:
    ids = [history.street_unit_n.pk, history.street_unit_s.pk]
    ranking = assessment.monthly_ranking(month=MARCH.start, unit_ids=ids)
    assert ranking
    table = monthly.units_table(history.district, MARCH.start)
    assert [(r["name"], r["satisfaction"]) for r in table.rows] == [
        (r.unit_name, pct(r.adjusted.satisfaction)) for r in ranking
    ]


@time_machine.travel(NOW, tick=False)
def test_street_rates_equal_the_region_rollup(history) -> None:
    facts = AssessmentFact.objects.filter(month=MARCH.start).filter(
        subtree_q(history.district.path, "region_path")
    )
    rollup = assessment.region_rollup(facts=facts, depth=2)
    assert rollup
    table = _rows_by_name(monthly.regions_table(history.district, MARCH.start))
    expected = {
        name: pct(rollup[path][1].resolution)
        for path, name in ((history.north.path, "北街道"), (history.south.path, "南街道"))
        if path in rollup
    }
    assert expected
    assert {name: table[name]["resolution"] for name in expected} == expected


@time_machine.travel(NOW, tick=False)
def test_the_city_report_rolls_up_by_district(history) -> None:
    facts = AssessmentFact.objects.filter(month=MARCH.start)
    rollup = assessment.region_rollup(facts=facts, depth=1)
    table = _rows_by_name(monthly.regions_table(history.city, MARCH.start))
    assert table["东城区"]["replied"] == rollup[history.district.path][1].counts["replied"]


@time_machine.travel(NOW, tick=False)
def test_category_counts_equal_a_direct_count(history) -> None:
    table, _total = monthly.categories_table(history.city, MARCH)
    start, end = monthly.bounds(MARCH)
    direct = Appeal.objects.filter(
        registered_at__gte=start, registered_at__lt=end, category_l1="城乡建设"
    ).count()
    assert _rows_by_name(table)["城乡建设"]["count"] == direct


@time_machine.travel(NOW, tick=False)
def test_the_total_is_every_appeal_registered_in_the_month(history) -> None:
    _table, total = monthly.categories_table(history.district, MARCH)
    start, end = monthly.bounds(MARCH)
    assert (
        total
        == Appeal.objects.filter(
            registered_at__gte=start,
            registered_at__lt=end,
            region__path__startswith=history.district.path,
        ).count()
    )


@time_machine.travel(NOW, tick=False)
def test_place_counts_equal_a_direct_count(history) -> None:
    _c, total = monthly.categories_table(history.city, MARCH)
    table = monthly.places_table(history.city, MARCH, total)
    start, end = monthly.bounds(MARCH)
    direct = Appeal.objects.filter(
        registered_at__gte=start, registered_at__lt=end, region=history.north_one
    ).count()
    assert _rows_by_name(table)[history.north_one.full_name]["count"] == direct


@time_machine.travel(NOW, tick=False)
def test_overdue_list_is_the_orders_due_in_the_month_not_replied_by_then(history) -> None:
    start, end = monthly.bounds(MARCH)
    direct = (
        WorkOrder.objects.filter(role=WorkOrderRole.LEAD, due_at__gte=start, due_at__lt=end)
        .exclude(status__in=[WorkOrderStatus.CANCELLED, WorkOrderStatus.RETURNED])
        .filter(Q(replied_at__isnull=True) | Q(replied_at__gt=F("due_at")))
    )
    numbers = sorted(o.appeal.number for o in direct)
    assert numbers
    table = monthly.overdue_table(history.city, MARCH)
    assert sorted(r["number"] for r in table.rows) == numbers


@time_machine.travel(NOW, tick=False)
def test_overdue_titles_are_masked(history) -> None:
    table = monthly.overdue_table(history.city, MARCH)
    assert table.rows
    assert not any("13912345678" in str(r["title"]) for r in table.rows)


def _direct_count(period, category, street_path):
    start, end = monthly.bounds(period)
    return Appeal.objects.filter(
        registered_at__gte=start,
        registered_at__lt=end,
        category_l1=category,
        region__path__startswith=street_path,
    ).count()


@time_machine.travel(NOW, tick=False)
def test_hotspot_counts_equal_direct_counts_this_month(history) -> None:
    from shegong.regions.models import Region

    april = month_period(2026, 4)
    table = monthly.hotspots_table(history.city, april)
    assert table.rows
    paths = dict(Region.objects.values_list("full_name", "path"))
    assert [r["count"] for r in table.rows] == [
        _direct_count(april, r["category"], paths[r["place"]]) for r in table.rows
    ]


@time_machine.travel(NOW, tick=False)
def test_hotspot_previous_counts_equal_direct_counts_last_month(history) -> None:
    from shegong.regions.models import Region

    april = month_period(2026, 4)
    table = monthly.hotspots_table(history.city, april)
    assert table.rows
    paths = dict(Region.objects.values_list("full_name", "path"))
    assert [r["previous"] for r in table.rows] == [
        _direct_count(MARCH, r["category"], paths[r["place"]]) for r in table.rows
    ]


@time_machine.travel(NOW, tick=False)
def test_hotspots_are_rises_of_at_least_the_minimum(history) -> None:
    table = monthly.hotspots_table(history.city, month_period(2026, 4))
    assert table.rows
    assert all(
        r["count"] >= monthly.HOTSPOT_MIN and r["rise"] == r["count"] - r["previous"] > 0
        for r in table.rows
    )


@time_machine.travel(NOW, tick=False)
def test_score_appeal_outcomes_are_counted(history) -> None:
    fact = AssessmentFact.objects.filter(month=MARCH.start, unit=history.unit_a).first()
    assert fact is not None
    item = assessment.file_score_appeal(
        actor=history.handler_unit_a,
        fact_id=fact.pk,
        reason_kind="unreasonable",
        text="诉求超出政策范围",
    )
    assessment.decide_score_appeal(
        actor=history.dept_admin, score_appeal_id=item.pk, accept=True, note="属实"
    )
    # filed "now" (May): counted in the May report, not March's
    table = monthly.score_appeals_table(history.city, month_period(2026, 5))
    assert _rows_by_name_reason(table)["诉求不合理"] == {
        "filed": 1,
        "accepted": 1,
        "rejected": 0,
        "pending": 0,
    }


def _rows_by_name_reason(table):
    return {
        r["reason"]: {k: r[k] for k in ("filed", "accepted", "rejected", "pending")}
        for r in table.rows
    }


def _entities(world) -> None:
    from shegong.organizations.services import entities
    from shegong.organizations.testing import credit_code

    places = [world.north_one, world.south_one, world.north]
    for i in range(9):
        entity = entities.create_entity(
            actor=world.root,
            credit_code=credit_code(i + 1),
            name=f"企业{i}",
            kind="enterprise" if i % 2 else "social_org",
            region_id=places[i % 3].pk,
            industry="C" if i % 3 else "F",
        )
        if i % 4 == 0:
            entities.assign_instructor(actor=world.root, entity_id=entity.pk, name="指导员")


@time_machine.travel(at(2026, 10, 1, 10), tick=False)
def test_coverage_by_region_equals_coverage_for(history) -> None:
    world = history
    from shegong.organizations.services.coverage import coverage_for

    _entities(world)
    content = quarterly.build(world.city, quarter_period(2026, 3), generated=at(2026, 10, 1, 10))
    expected = coverage_for(quarterly.region_reader(), None)
    assert content.table("regions").rows == [
        {"name": r.name, **quarterly._cells(f)} for r, f in expected.by_region
    ]


@time_machine.travel(at(2026, 10, 1, 10), tick=False)
def test_coverage_by_industry_of_a_district_equals_coverage_for(history) -> None:
    world = history
    from shegong.organizations.services.coverage import coverage_for

    _entities(world)
    content = quarterly.build(
        world.district, quarter_period(2026, 3), generated=at(2026, 10, 1, 10)
    )
    expected = coverage_for(quarterly.region_reader(), world.district)
    assert expected.overall.total == 9
    assert content.table("industries").rows == [
        {"name": label, **quarterly._cells(f)} for _, label, f in expected.by_industry
    ]
