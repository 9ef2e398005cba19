"""The roster import (dry run writes nothing; bad rows named), the parameters page, the
figures export, and the pages a person reaches."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import time_machine

from shegong.core.tabular import read_table, xlsx_bytes
from shegong.talent.models import PostLadder, TalentPolicy
from shegong.talent.sample import id_number
from shegong.talent.services import credentials, imports
from shegong.talent.services.people import ladder_of
from shegong.talent.services.policy import update_policy

from .conftest import TalentKit, at


def _rows(*rows: list[str]) -> list[tuple[int, dict[str, str]]]:
    data = xlsx_bytes(imports.IMPORT_COLUMNS, rows)
    return read_table(io.BytesIO(data), "名册.xlsx", columns=imports.IMPORT_SPEC).rows


GOOD = [
    "社区工作者",
    "钱社工",
    id_number(701),
    "13900000701",
    "U-SN",
    "339901001001",
    "社区副职",
    "2018-03-01",
    "硕士",
    "",
]
BAD = ["社区工作者", "孙社工", "110101199003071235", "", "U-SN", "339901001001", "", "", "", ""]


def test_dry_run_writes_nothing(kit: TalentKit) -> None:
    report = imports.import_people(actor=kit.world.dept_admin, rows=_rows(GOOD), commit=False)
    from shegong.talent.models import Person

    assert (report.ok, report.created, Person.objects.count()) == (True, 1, 3)


def test_a_bad_row_stops_the_commit(kit: TalentKit) -> None:
    from shegong.talent.models import Person

    report = imports.import_people(actor=kit.world.dept_admin, rows=_rows(GOOD, BAD), commit=True)
    assert ([e.row for e in report.errors], Person.objects.count()) == ([3], 3)


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_commit_creates_with_the_ladder(kit: TalentKit) -> None:
    from shegong.talent.models import Person

    imports.import_people(actor=kit.world.dept_admin, rows=_rows(GOOD), commit=True)
    person = Person.objects.get(post="社区副职")
    view = ladder_of(person)
    assert view is not None
    # 8 full years + 硕士 5 = 13 counted: 4 + 13 // 3 = 8; the next step at 15 counted (10 years)
    assert (view.step.level, view.step.next_level_on) == (8, date(2028, 3, 1))


@time_machine.travel(at(2026, 6, 10), tick=False)
def test_a_local_ladder_as_data(kit: TalentKit) -> None:
    update_policy(
        actor=kit.world.dept_admin,
        data={
            **{
                k: str(getattr(TalentPolicy.current(), k))
                for k in [
                    "hours_assistant",
                    "hours_intermediate",
                    "degree_hours",
                    "validity_years",
                    "first_registration_months",
                    "renewal_window_months",
                    "warn_days",
                    "excellent_quota_percent",
                    "failing_years",
                    "staffing_per_10k",
                ]
            },
            "grades": "优秀、称职、基本称职、不称职",
            "ladder_posts": "社区正职：9-24\n社区副职：6-21\n其他社区工作者：1-16",
            "years_per_step": "2",
        },
    )
    view = ladder_of(kit.worker)  # 其他社区工作者 since 2019-07-01, 学士 (3 years)
    assert (PostLadder.current().years_per_step, view and view.step.level) == (2, 5)


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_person_page_shows_the_red_status(kit: TalentKit, client_for) -> None:
    c = credentials.add_credential(
        actor=kit.world.dept_admin,
        person_id=kit.worker.pk,
        level="assistant",
        number="P-1",
        passed_on=date(2023, 6, 1),
        registered_on=date(2024, 1, 15),
    )
    page = client_for(kit.world.street_north).get(f"/talent/people/{kit.worker.pk}/")
    assert f'data-testid="renewal-{c.pk}" data-state="red"' in page.content.decode()


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_figures_export_is_xlsx(kit: TalentKit, client_for) -> None:
    response = client_for(kit.world.dept_admin).get("/talent/figures/?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    # header, then the 学时 total row: no credential in the kit, so 0 of 0
    assert (rows[0][0], [r[:5] for r in rows if r[0] == "学时完成率"]) == (
        "指标",
        [("学时完成率", "合计", None, 0, 0)],
    )


@time_machine.travel(at(2026, 10, 20), tick=False)
def test_a_form_error_keeps_the_input(kit: TalentKit, client_for) -> None:
    response = client_for(kit.world.dept_admin).post(
        "/talent/new/",
        {
            "category": "social_worker",
            "name": "周社工",
            "id_number": "123",
            "unit": kit.world.street_unit_n.pk,
            "region": kit.world.north_one.pk,
        },
    )
    body = response.content.decode()
    assert ("身份证号或手机号码有误" in body, 'value="周社工"' in body) == (True, True)
