"""The long free texts — 述职, 评定意见, 复核理由, 复核结果, a decision's 依据, 审批意见,
期满鉴定 — have a maximum (``services.common``: 5,000 for a narrative, 2,000 for a reason
or an opinion; they were bounded only by the request size cap): at the limit the text is
saved, one character more is refused by the service in Chinese, and the page re-renders
with the reason and the text typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.talent.models import Decision, Evaluation, Posting
from shegong.talent.services import decisions, evaluation, training
from shegong.talent.services.common import BASIS_MAX, OPINION_MAX, SELF_REPORT_MAX

from .conftest import ClientFor, TalentKit, at


def _evaluation(kit: TalentKit, stage: str) -> int:
    admin = kit.world.dept_admin
    cycle = evaluation.open_cycle(actor=admin, year=2025, region_id=kit.world.north_one.pk)
    if stage in ("publicity", "appealed"):
        evaluation.advance(actor=admin, cycle_id=cycle.pk)
        for row in cycle.evaluations.all():
            evaluation.grade(actor=admin, evaluation_id=row.pk, grade="称职", comment="按期完成")
        evaluation.advance(actor=admin, cycle_id=cycle.pk, publicity_until=date(2026, 1, 20))
    pk = cycle.evaluations.get(person=kit.worker).pk
    if stage == "appealed":
        evaluation.appeal_grade(actor=kit.sw_user, evaluation_id=pk, text="工作量统计有误")
    return pk


def _decision(kit: TalentKit) -> int:
    return decisions.propose(
        actor=kit.world.street_north,
        person_id=kit.worker.pk,
        kind="award",
        title="表彰",
        basis="年度考核优秀",
    ).pk


def _posting(kit: TalentKit) -> int:
    today = timezone.localdate()
    return training.start_posting(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        kind="rotation",
        host_unit_id=kit.world.street_unit_n.pk,
        starts_on=today - timedelta(days=30),
        ends_on=today,
    ).pk


@dataclass(frozen=True)
class Case:
    label: str
    limit: int
    setup: Callable[[TalentKit], int]
    # the service call writing ``text`` on the row ``pk``
    write: Callable[[TalentKit, int, str], object]
    # the stored text of the row ``pk``
    stored: Callable[[TalentKit, int], str]
    # who posts, where, and the form's fields (the text under the key "TEXT")
    who: Callable[[TalentKit], object]
    url: Callable[[TalentKit, int], str]
    form: dict[str, str]


def _report(kit: TalentKit, pk: int) -> str:
    return Evaluation.objects.get(pk=pk).self_report


CASES = {
    "self_report": Case(
        "述职内容",
        SELF_REPORT_MAX,
        lambda kit: _evaluation(kit, "self"),
        lambda kit, pk, text: evaluation.submit_self_report(
            actor=kit.sw_user, evaluation_id=pk, text=text
        ),
        _report,
        lambda kit: kit.sw_user,
        lambda kit, pk: f"/talent/me/evaluations/{pk}/",
        {"text": "TEXT"},
    ),
    "comment": Case(
        "评定意见",
        OPINION_MAX,
        lambda kit: _evaluation(kit, "self"),
        lambda kit, pk, text: evaluation.grade(
            actor=kit.world.dept_admin, evaluation_id=pk, grade="称职", comment=text
        ),
        lambda kit, pk: Evaluation.objects.get(pk=pk).comment,
        lambda kit: kit.world.dept_admin,
        lambda kit, pk: f"/talent/evaluations/{pk}/",
        {"grade": "称职", "comment": "TEXT"},
    ),
    "appeal_text": Case(
        "复核理由",
        OPINION_MAX,
        lambda kit: _evaluation(kit, "publicity"),
        lambda kit, pk, text: evaluation.appeal_grade(
            actor=kit.sw_user, evaluation_id=pk, text=text
        ),
        lambda kit, pk: Evaluation.objects.get(pk=pk).appeal_text,
        lambda kit: kit.sw_user,
        lambda kit, pk: f"/talent/me/evaluations/{pk}/",
        {"appeal": "1", "text": "TEXT"},
    ),
    "appeal_result": Case(
        "复核结果",
        OPINION_MAX,
        lambda kit: _evaluation(kit, "appealed"),
        lambda kit, pk, text: evaluation.answer_appeal(
            actor=kit.world.dept_admin, evaluation_id=pk, result=text
        ),
        lambda kit, pk: Evaluation.objects.get(pk=pk).appeal_result,
        lambda kit: kit.world.dept_admin,
        lambda kit, pk: f"/talent/evaluations/{pk}/",
        {"answer": "1", "result": "TEXT"},
    ),
    "basis": Case(
        "依据",
        BASIS_MAX,
        lambda kit: kit.worker.pk,
        lambda kit, pk, text: decisions.propose(
            actor=kit.world.dept_admin, person_id=pk, kind="award", title="表彰", basis=text
        ),
        lambda kit, pk: Decision.objects.filter(person_id=pk).get().basis,
        lambda kit: kit.world.dept_admin,
        lambda kit, pk: f"/talent/people/{pk}/decisions/",
        {"kind": "award", "title": "表彰", "basis": "TEXT"},
    ),
    "decision_note": Case(
        "审批意见",
        OPINION_MAX,
        _decision,
        lambda kit, pk, text: decisions.decide(
            actor=kit.world.dept_admin, decision_id=pk, approve=True, note=text
        ),
        lambda kit, pk: Decision.objects.get(pk=pk).decision_note,
        lambda kit: kit.world.dept_admin,
        lambda kit, pk: f"/talent/decisions/{pk}/decide/",
        {"approve": "1", "note": "TEXT"},
    ),
    "assessment": Case(
        "期满鉴定",
        OPINION_MAX,
        _posting,
        lambda kit, pk, text: training.close_posting(
            actor=kit.world.dept_admin, posting_id=pk, assessment=text, on=timezone.localdate()
        ),
        lambda kit, pk: Posting.objects.get(pk=pk).assessment,
        lambda kit: kit.world.dept_admin,
        lambda kit, pk: (
            f"/talent/people/{kit.worker.pk}/postings/{pk}/close/"  # the posting's person
        ),
        {"assessment": "TEXT", "on": "2026-01-10"},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
@time_machine.travel(at(2026, 1, 10), tick=False)
def test_the_service_saves_the_limit_and_refuses_one_more(kit: TalentKit, name: str) -> None:
    case = CASES[name]
    pk = case.setup(kit)
    with pytest.raises(DomainError) as refused:
        case.write(kit, pk, "述" * (case.limit + 1))
    case.write(kit, pk, "述" * case.limit)
    assert (refused.value.message, len(case.stored(kit, pk))) == (
        f"{case.label}不能超过{case.limit}个字（现为{case.limit + 1}个字）",
        case.limit,
    )


@pytest.mark.parametrize("name", list(CASES))
@time_machine.travel(at(2026, 1, 10), tick=False)
def test_the_page_refuses_one_more_and_keeps_the_text(
    kit: TalentKit, client_for: ClientFor, name: str
) -> None:
    case = CASES[name]
    pk = case.setup(kit)
    typed = "述" * case.limit + "尾"
    form = {k: typed if v == "TEXT" else v for k, v in case.form.items()}
    response = client_for(case.who(kit)).post(case.url(kit, pk), form)
    body = response.content.decode()
    refused = f"{case.label}不能超过{case.limit}个字" in body
    assert (response.status_code, refused, typed in body) == (200, True, True)


@pytest.mark.parametrize("name", list(CASES))
@time_machine.travel(at(2026, 1, 10), tick=False)
def test_a_line_break_counts_as_one_character(kit: TalentKit, name: str) -> None:
    """A browser counts a line break as one character against ``maxlength`` but submits it
    as CR LF: text of exactly the limit as the form counts it is saved (its line breaks
    as LF), not refused as over the limit."""
    case = CASES[name]
    pk = case.setup(kit)
    lines = case.limit // 100
    text = "\r\n".join(["述" * 99] * lines) + "述"  # the form counts 100 × lines = the limit
    case.write(kit, pk, text)
    assert case.stored(kit, pk) == text.replace("\r\n", "\n")
