"""A refused action on a person's page, the 述职/复核 form and the approval form re-render
the page with the Chinese reason and what was typed (no redirect that drops it)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from shegong.talent.services import credentials, decisions, evaluation, training

from .conftest import ClientFor, TalentKit, at


def _post(kit: TalentKit, client_for: ClientFor, path: str, data: dict[str, object]) -> str:
    response = client_for(kit.world.dept_admin).post(f"/talent/people/{kit.worker.pk}/{path}", data)
    assert response.status_code == 200  # re-rendered, not redirected
    return response.content.decode()


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_credential_add_keeps_the_input(kit: TalentKit, client_for: ClientFor) -> None:
    body = _post(
        kit,
        client_for,
        "credentials/",
        {"level": "assistant", "number": "ZS-20260001", "passed_on": "2026-02-30", "title": "x"},
    )
    assert ("取得日期格式应为" in body, 'value="ZS-20260001"' in body) == (True, True)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_credential_register_keeps_the_date(kit: TalentKit, client_for: ClientFor) -> None:
    credential = credentials.add_credential(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        level="assistant",
        number="R-1",
        passed_on=date(2026, 3, 1),
    )
    body = _post(
        kit,
        client_for,
        f"credentials/{credential.pk}/register/",
        {"first": "1", "on": "2026-02-01"},
    )
    assert ("登记日期不能早于取得证书日期" in body, 'value="2026-02-01"' in body) == (True, True)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_hours_add_keeps_the_input(kit: TalentKit, client_for: ClientFor) -> None:
    body = _post(
        kit,
        client_for,
        "hours/",
        {
            "title": "社区治理专题讲座",
            "hours": "十二",
            "studied_on": "2026-05-01",
            "evidence": "结业证书",
        },
    )
    kept = ('value="社区治理专题讲座"' in body, 'value="十二"' in body, 'value="结业证书"' in body)
    assert ("学时应为数字" in body, kept) == (True, (True, True, True))


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_posting_add_keeps_the_input(kit: TalentKit, client_for: ClientFor) -> None:
    body = _post(
        kit,
        client_for,
        "postings/",
        {
            "kind": "secondment",
            "host_unit": kit.world.street_unit_n.pk,
            "starts_on": "2026-07-01",
            "ends_on": "2026-06-01",
        },
    )
    kept = ('value="2026-07-01"' in body, 'value="2026-06-01"' in body)
    assert ("结束日期应晚于开始日期" in body, kept) == (True, (True, True))


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_posting_close_keeps_the_assessment(kit: TalentKit, client_for: ClientFor) -> None:
    today = timezone.localdate()
    posting = training.start_posting(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        kind="rotation",
        host_unit_id=kit.world.street_unit_n.pk,
        starts_on=today,
        ends_on=today + timedelta(days=30),
    )
    body = _post(
        kit,
        client_for,
        f"postings/{posting.pk}/close/",
        {"assessment": "表现突出，群众认可", "on": "2026-06-01", "hours": "4"},
    )
    assert ("鉴定日期不能早于开始日期" in body, "表现突出，群众认可" in body) == (True, True)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_decision_propose_keeps_the_input(kit: TalentKit, client_for: ClientFor) -> None:
    body = _post(
        kit,
        client_for,
        "decisions/",
        {"kind": "promotion", "title": "晋升社区副职", "basis": "连续三年优秀", "post": ""},
    )
    kept = ('value="晋升社区副职"' in body, ">连续三年优秀</textarea>" in body)
    assert ("晋升请选择调整后的岗位" in body, kept) == (True, (True, True))


def _cycle_at(kit: TalentKit, stage: str) -> int:
    admin = kit.world.dept_admin
    cycle = evaluation.open_cycle(actor=admin, year=2025, region_id=kit.world.north_one.pk)
    if stage in ("review", "publicity"):
        evaluation.advance(actor=admin, cycle_id=cycle.pk)
    if stage == "publicity":
        for row in cycle.evaluations.all():
            evaluation.grade(actor=admin, evaluation_id=row.pk, grade="称职", comment="按期完成")
        evaluation.advance(actor=admin, cycle_id=cycle.pk, publicity_until=date(2026, 1, 20))
    return cycle.evaluations.get(person=kit.worker).pk


@pytest.mark.parametrize(
    ("stage", "appeal", "error", "where"),
    [
        # the 述职 form is gone: the text is shown read-only, marked as not saved
        ("publicity", "", "述职阶段已结束", 'data-testid="kept-text"'),
        # the appeal form is still on the page: the text goes back into it
        ("publicity", "1", "只能在公示期内申请复核", 'rows="2">本年度'),
    ],
)
def test_me_report_keeps_the_text(
    kit: TalentKit, client_for: ClientFor, stage: str, appeal: str, error: str, where: str
) -> None:
    with time_machine.travel(at(2026, 1, 10), tick=False):
        pk = _cycle_at(kit, stage)
    # the appeal is sent after the publicity closed; the 述职 after the stage moved on
    with time_machine.travel(at(2026, 1, 25), tick=False):
        response = client_for(kit.sw_user).post(
            f"/talent/me/evaluations/{pk}/",
            {"text": "本年度完成走访四百户，调解纠纷十二起", "appeal": appeal},
        )
    body = response.content.decode()
    assert (
        response.status_code,
        error in body,
        "本年度完成走访四百户，调解纠纷十二起" in body,
    ) == (
        200,
        True,
        True,
    )


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_me_report_keeps_the_text_in_the_open_form(kit: TalentKit, client_for: ClientFor) -> None:
    pk = _cycle_at(kit, "self")
    response = client_for(kit.sw_user).post(f"/talent/me/evaluations/{pk}/", {"text": "   "})
    body = response.content.decode()
    assert (response.status_code, "请填写述职内容" in body) == (200, True)


@time_machine.travel(at(2026, 1, 10), tick=False)
def test_decision_decide_keeps_the_note(kit: TalentKit, client_for: ClientFor) -> None:
    decision = decisions.propose(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        kind="award",
        title="表彰",
        basis="优秀",
    )
    response = client_for(kit.world.dept_admin).post(
        f"/talent/decisions/{decision.pk}/decide/", {"approve": "1", "note": "同意，报区委备案"}
    )
    body = response.content.decode()
    assert (
        response.status_code,
        "提出人不能审批自己提出的决定" in body,
        'value="同意，报区委备案"' in body,
    ) == (200, True, True)
