"""One evaluation per person per year: cycles of one year may not overlap in region; a
failing streak counts consecutive years only."""

from __future__ import annotations

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.talent import rules
from shegong.talent.services import decisions, evaluation

from .conftest import TalentKit, at


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_cycle_below_an_open_cycle_of_the_year_is_refused(kit: TalentKit) -> None:
    evaluation.open_cycle(actor=kit.world.dept_admin, year=2026, region_id=kit.world.north.pk)
    with pytest.raises(DomainError, match="重叠"):
        evaluation.open_cycle(
            actor=kit.world.dept_admin, year=2026, region_id=kit.world.north_one.pk
        )


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_cycle_above_an_open_cycle_of_the_year_is_refused(kit: TalentKit) -> None:
    evaluation.open_cycle(actor=kit.world.dept_admin, year=2026, region_id=kit.world.north_one.pk)
    with pytest.raises(DomainError, match="重叠"):
        evaluation.open_cycle(actor=kit.world.dept_admin, year=2026, region_id=kit.world.north.pk)


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_sibling_region_may_open_its_own_cycle(kit: TalentKit) -> None:
    evaluation.open_cycle(actor=kit.world.dept_admin, year=2026, region_id=kit.world.north.pk)
    cycle = evaluation.open_cycle(
        actor=kit.world.dept_admin, year=2026, region_id=kit.world.south.pk
    )
    assert cycle.evaluations.count() == 1


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_another_year_of_the_same_region_may_open(kit: TalentKit) -> None:
    evaluation.open_cycle(actor=kit.world.dept_admin, year=2026, region_id=kit.world.north.pk)
    cycle = evaluation.open_cycle(
        actor=kit.world.dept_admin, year=2025, region_id=kit.world.north_one.pk
    )
    assert cycle.evaluations.count() == 2


def test_failing_streak_needs_consecutive_years() -> None:
    assert rules.failing_streak([(2025, "不称职"), (2022, "不称职")], "不称职") == 1


def test_failing_streak_counts_consecutive_years() -> None:
    graded = [(2025, "不称职"), (2024, "不称职"), (2023, "称职"), (2022, "不称职")]
    assert rules.failing_streak(graded, "不称职") == 2


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_failing_years_with_a_gap_do_not_suggest_dismissal(kit: TalentKit) -> None:
    for year in (2022, 2025):
        cycle = evaluation.open_cycle(
            actor=kit.world.dept_admin, year=year, region_id=kit.world.north.pk
        )
        row = cycle.evaluations.get(person=kit.worker)
        evaluation.grade(
            actor=kit.world.street_north, evaluation_id=row.pk, grade="不称职", comment="评定"
        )
    assert [s.kind for s in decisions.suggestions(kit.worker)] == ["demotion"]
