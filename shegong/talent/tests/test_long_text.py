"""Over-long text is refused with a Chinese error and the typed input kept — it used to
reach the database (PostgreSQL: ``value too long``, a 500); a grade or post name longer
than the column it is stored in is refused on the parameters page; a start of service in
the future is refused (its next step fell past the calendar: a 500 on the person's page)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.talent.models import Person, TalentPolicy
from shegong.talent.services import people
from shegong.talent.services.policy import NUMBER_FIELDS

from .conftest import ClientFor, TalentKit, at

LONG = "长" * 301


def _forms(kit: TalentKit) -> list[tuple[str, dict[str, object], str]]:
    w, p = kit.world, kit.worker.pk
    cls = {
        "kind": "course",
        "unit": w.street_unit_n.pk,
        "region": w.north.pk,
        "starts_at": "2026-11-01T09:00",
        "ends_at": "2026-11-01T12:00",
        "capacity": "5",
        "hours": "3",
    }
    hours = {"hours": "5", "studied_on": "2026-10-01"}
    return [
        (f"/talent/people/{p}/credentials/", {"level": "assistant", "number": LONG}, "证书编号"),
        (
            f"/talent/people/{p}/credentials/",
            {"level": "other", "number": "A-1", "passed_on": "2026-01-01", "title": LONG},
            "证书名称",
        ),
        (f"/talent/people/{p}/hours/", {**hours, "title": LONG, "evidence": "结业证"}, "学习内容"),
        (f"/talent/people/{p}/hours/", {**hours, "title": "讲座", "evidence": LONG}, "证明材料"),
        (
            f"/talent/people/{p}/hours/",
            {"degree": "1", "studied_on": "2026-06-30", "evidence": LONG},
            "证明材料",
        ),
        (
            f"/talent/people/{p}/decisions/",
            {"kind": "award", "title": LONG, "basis": "年度优秀"},
            "事项",
        ),
        ("/talent/classes/new/", {**cls, "title": LONG}, "培训班名称"),
        ("/talent/classes/new/", {**cls, "title": "督导培训", "place": LONG}, "地点"),
        ("/talent/cycles/", {"year": "2025", "region": w.north.pk, "name": LONG}, "考核名称"),
        (
            "/talent/new/",
            {
                "category": "social_worker",
                "name": "赵社工",
                "id_number": "11010519491231002X",
                "unit": w.street_unit_n.pk,
                "region": w.north_one.pk,
                "note": LONG,
            },
            "备注",
        ),
        (
            "/talent/new/",
            {
                "category": "social_worker",
                "name": LONG,
                "id_number": "11010519491231002X",
                "unit": w.street_unit_n.pk,
                "region": w.north_one.pk,
            },
            "姓名",
        ),
    ]


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_over_long_text_is_refused_in_chinese_with_the_input_kept(
    kit: TalentKit, client_for: ClientFor
) -> None:
    client = client_for(kit.world.dept_admin)
    client.raise_request_exception = False
    outcomes = []
    for url, data, label in _forms(kit):
        data.setdefault("passed_on", "2026-01-01")
        response = client.post(url, data)
        body = response.content.decode()
        outcomes.append(
            (url, label, response.status_code, f"{label}不能超过" in body, LONG in body)
        )
    assert outcomes == [(url, label, 200, True, True) for url, _, label in _forms(kit)]


def _policy_form(**changes: str) -> dict[str, str]:
    current = TalentPolicy.current()
    data = {name: str(getattr(current, name)) for name in NUMBER_FIELDS}
    data.update(
        grades="优秀、称职、基本称职、不称职",
        ladder_posts="社区正职：7-18\n社区副职：4-15\n其他社区工作者：1-12",
        years_per_step="3",
    )
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("grades", "优秀、" + "称" * 11 + "、不称职", "考核等次名称不能超过10个字"),
        ("ladder_posts", "社" * 31 + "：1-12", "岗位名称不能超过30个字"),
    ],
)
@time_machine.travel(at(2026, 10, 20), tick=False)
def test_policy_names_longer_than_their_column_are_refused(
    kit: TalentKit, client_for: ClientFor, field: str, value: str, error: str
) -> None:
    response = client_for(kit.world.dept_admin).post(
        "/talent/policy/", _policy_form(**{field: value})
    )
    body = response.content.decode()
    assert (response.status_code, error in body, value in body) == (200, True, True)


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_a_start_of_service_in_the_future_is_refused(kit: TalentKit) -> None:
    data = people.PersonInput(
        category="community_worker",
        name="",
        id_number="",
        unit_id=kit.world.street_unit_n.pk,
        region_id=kit.world.north_one.pk,
        post="其他社区工作者",
        started_on=date(9999, 12, 31),
    )
    with pytest.raises(DomainError, match="起始日期不能晚于今天"):
        people.update_person(actor=kit.world.dept_admin, person_id=kit.worker.pk, data=data)
    assert Person.objects.get(pk=kit.worker.pk).started_on == date(2019, 7, 1)
