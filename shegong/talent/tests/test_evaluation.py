"""Annual evaluation: the 优秀 quota per unit, the stages, appeal; decisions need approval."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from shegong.core.exceptions import DomainError
from shegong.talent.models import Cycle, Evaluation
from shegong.talent.sample import make_person
from shegong.talent.services import decisions, evaluation

from .conftest import TalentKit, at


def _cycle(kit: TalentKit, extra: int = 0) -> Cycle:
    for i in range(extra):
        make_person(
            kit.world.dept_admin,
            seq=100 + i,
            unit_id=kit.world.street_unit_n.pk,
            region_id=kit.world.north_one.pk,
        )
    return evaluation.open_cycle(
        actor=kit.world.dept_admin, year=2026, region_id=kit.world.north.pk
    )


def _row(cycle: Cycle, n: int) -> Evaluation:
    return cycle.evaluations.order_by("pk")[n]


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_cycle_covers_the_people_of_its_region(kit: TalentKit) -> None:
    assert _cycle(kit).evaluations.count() == 2


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_quota_allows_the_last_place(kit: TalentKit) -> None:
    cycle = _cycle(kit, extra=8)  # 10 in the unit: 20% → 2
    for n in range(2):
        evaluation.grade(
            actor=kit.world.street_north,
            evaluation_id=_row(cycle, n).pk,
            grade="优秀",
            comment="好",
        )
    assert cycle.evaluations.filter(grade="优秀").count() == 2


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_quota_refuses_one_more(kit: TalentKit) -> None:
    cycle = _cycle(kit, extra=8)
    for n in range(2):
        evaluation.grade(
            actor=kit.world.street_north,
            evaluation_id=_row(cycle, n).pk,
            grade="优秀",
            comment="好",
        )
    with pytest.raises(DomainError) as exc:
        evaluation.grade(
            actor=kit.world.street_north,
            evaluation_id=_row(cycle, 2).pk,
            grade="优秀",
            comment="好",
        )
    assert exc.value.code == "quota"


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_regrading_an_excellent_keeps_its_place(kit: TalentKit) -> None:
    cycle = _cycle(kit, extra=3)  # 5 → 1
    row = _row(cycle, 0)
    evaluation.grade(actor=kit.world.street_north, evaluation_id=row.pk, grade="优秀", comment="好")
    evaluation.grade(
        actor=kit.world.street_north, evaluation_id=row.pk, grade="优秀", comment="很好"
    )
    assert Evaluation.objects.get(pk=row.pk).comment == "很好"


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_grade_freezes_the_evidence(kit: TalentKit) -> None:
    cycle = _cycle(kit)
    row = cycle.evaluations.get(person=kit.worker)
    evaluation.grade(
        actor=kit.world.street_north, evaluation_id=row.pk, grade="称职", comment="按期完成"
    )
    assert "appeals_on_time" in Evaluation.objects.get(pk=row.pk).evidence


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_publicity_needs_every_grade(kit: TalentKit) -> None:
    cycle = _cycle(kit)
    evaluation.advance(actor=kit.world.dept_admin, cycle_id=cycle.pk)
    with pytest.raises(DomainError, match="未评定"):
        evaluation.advance(
            actor=kit.world.dept_admin, cycle_id=cycle.pk, publicity_until=date(2027, 1, 20)
        )


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_appeal_in_publicity_and_answer(kit: TalentKit) -> None:
    cycle = _cycle(kit)
    for row in cycle.evaluations.all():
        evaluation.grade(
            actor=kit.world.street_north, evaluation_id=row.pk, grade="基本称职", comment="一般"
        )
    evaluation.advance(actor=kit.world.dept_admin, cycle_id=cycle.pk)
    evaluation.advance(
        actor=kit.world.dept_admin, cycle_id=cycle.pk, publicity_until=date(2027, 1, 20)
    )
    mine = cycle.evaluations.get(person=kit.worker)
    evaluation.appeal_grade(actor=kit.sw_user, evaluation_id=mine.pk, text="全年无超期")
    evaluation.answer_appeal(
        actor=kit.world.street_north,
        evaluation_id=mine.pk,
        result="复核后改为称职",
        new_grade="称职",
    )
    assert Evaluation.objects.get(pk=mine.pk).grade == "称职"


def _graded_years(kit: TalentKit, grades: list[str]) -> None:
    for year, grade in zip((2024, 2025), grades, strict=True):
        cycle = evaluation.open_cycle(
            actor=kit.world.dept_admin, year=year, region_id=kit.world.north.pk
        )
        row = cycle.evaluations.get(person=kit.worker)
        evaluation.grade(
            actor=kit.world.street_north, evaluation_id=row.pk, grade=grade, comment="评定"
        )


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_two_failing_years_suggest_dismissal(kit: TalentKit) -> None:
    _graded_years(kit, ["不称职", "不称职"])
    assert [s.kind for s in decisions.suggestions(kit.worker)] == ["dismissal"]


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_one_failing_year_does_not_suggest_dismissal(kit: TalentKit) -> None:
    _graded_years(kit, ["不称职", "称职"])
    assert decisions.suggestions(kit.worker) == []


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_decision_waits_for_approval(kit: TalentKit) -> None:
    _graded_years(kit, ["不称职", "不称职"])
    d = decisions.propose(
        actor=kit.world.street_north,
        person_id=kit.worker.pk,
        kind="dismissal",
        title="解除聘用",
        basis="连续两年不称职",
    )
    assert (d.status, d.basis_facts["grades"]) == ("proposed", {"2025": "不称职", "2024": "不称职"})


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_street_staff_cannot_approve(kit: TalentKit) -> None:
    d = decisions.propose(
        actor=kit.world.street_north,
        person_id=kit.worker.pk,
        kind="award",
        title="表彰",
        basis="优秀",
    )
    with pytest.raises(PermissionDenied):
        decisions.decide(actor=kit.world.street_north, decision_id=d.pk, approve=True, note="同意")


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_department_approves(kit: TalentKit) -> None:
    d = decisions.propose(
        actor=kit.world.street_north,
        person_id=kit.worker.pk,
        kind="award",
        title="表彰",
        basis="优秀",
    )
    assert (
        decisions.decide(
            actor=kit.world.dept_admin, decision_id=d.pk, approve=True, note="同意"
        ).status
        == "approved"
    )


@time_machine.travel(at(2027, 1, 10), tick=False)
def test_answering_an_appeal_locks_the_cycle_before_the_quota(kit: TalentKit) -> None:
    """As ``grade`` does: two reviewers cannot both fill the last 优秀 place, one by grading
    and one by answering an appeal (the cycle row is the quota's lock, taken first)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cycle = _cycle(kit)
    for row in cycle.evaluations.all():
        evaluation.grade(
            actor=kit.world.street_north, evaluation_id=row.pk, grade="称职", comment="一般"
        )
    evaluation.advance(actor=kit.world.dept_admin, cycle_id=cycle.pk)
    evaluation.advance(
        actor=kit.world.dept_admin, cycle_id=cycle.pk, publicity_until=date(2027, 1, 20)
    )
    mine = cycle.evaluations.get(person=kit.worker)
    evaluation.appeal_grade(actor=kit.sw_user, evaluation_id=mine.pk, text="全年无超期")
    with CaptureQueriesContext(connection) as queries:
        evaluation.answer_appeal(
            actor=kit.world.street_north, evaluation_id=mine.pk, result="维持", new_grade=""
        )
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and ('FROM "talent_cycle"' in q["sql"] or 'FROM "talent_evaluation"' in q["sql"])
    ]
    locked = "FOR UPDATE" in reads[0] or connection.vendor == "sqlite"
    assert (reads[0].split(" FROM ")[1].split()[0], locked) == ('"talent_cycle"', True)
