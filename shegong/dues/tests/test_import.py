from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from shegong.core.pii import plain
from shegong.dues import testing
from shegong.dues.models import DuesAssessment
from shegong.dues.services.imports import import_assessments

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 1, 10), tick=False):
        yield


def _row(n, **cells):
    base = {"身份证号": "", "年度": "2026", "党员类别": "在职党员", "计算基数": "3000.01"}
    return (n, {**base, **cells})


def test_dry_run_writes_nothing(party):
    rows = [_row(2, 身份证号=testing.id_number(901))]
    member_id = testing.member(party.branch, name="甲", number=901).pk
    report = import_assessments(actor=party.world.secretary, rows=rows, commit=False)
    assert (
        report.ok,
        report.created,
        DuesAssessment.objects.filter(member_id=member_id).count(),
    ) == (
        True,
        1,
        0,
    )


def test_commit_computes_the_amount(party):
    member = testing.member(party.branch, name="甲", number=901)
    rows = [_row(2, 身份证号=testing.id_number(901))]
    import_assessments(actor=party.world.secretary, rows=rows, commit=True)
    assert DuesAssessment.objects.get(member=member).monthly_amount == Decimal("30.00")


def test_one_bad_row_writes_nothing_and_names_every_bad_cell(party):
    testing.member(party.branch, name="甲", number=901)
    rows = [
        _row(2, 身份证号=testing.id_number(901)),
        _row(3, 身份证号=testing.id_number(902), 党员类别="在职", 计算基数=""),
        _row(4, 身份证号=testing.id_number(903), 党员类别="外星人"),
    ]
    report = import_assessments(actor=party.world.secretary, rows=rows, commit=True)
    assert (
        [(e.row, e.column) for e in report.errors],
        DuesAssessment.objects.count(),
    ) == ([(3, "计算基数"), (4, "党员类别")], 0)


def test_member_of_another_branch_is_not_found(party):
    rows = [_row(2, 身份证号=plain(party.far_member.id_number))]
    report = import_assessments(actor=party.world.secretary, rows=rows, commit=False)
    assert [e.message for e in report.errors] == ["找不到该身份证号的党员，或不在您的管辖范围内"]


def test_reimport_changes_nothing(party):
    testing.member(party.branch, name="甲", number=901)
    rows = [_row(2, 身份证号=testing.id_number(901))]
    import_assessments(actor=party.world.secretary, rows=rows, commit=True)
    report = import_assessments(actor=party.world.secretary, rows=rows, commit=True)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)


def test_import_page_dry_run_then_confirm(party, client_for):
    import io

    from openpyxl import Workbook

    member = testing.member(party.branch, name="甲", number=901)
    wb = Workbook()
    ws = wb.active
    ws.append(["身份证号", "姓名", "年度", "党员类别", "计算基数"])
    ws.append([testing.id_number(901), "甲", "2026", "离退休", "5000"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "bases.xlsx"
    c = client_for(party.world.secretary)
    page = c.post("/dues/import/", {"file": buf})
    token = page.context["token"]
    c.post("/dues/import/", {"token": token, "confirm": "1"})
    assert DuesAssessment.objects.get(member=member).monthly_amount == Decimal("25.00")


def test_two_years_of_one_member_are_both_imported(party):
    member = testing.member(party.branch, name="甲", number=901)
    rows = [
        _row(2, 身份证号=testing.id_number(901), 年度="2025"),
        _row(3, 身份证号=testing.id_number(901), 年度="2026"),
    ]
    import_assessments(actor=party.world.secretary, rows=rows, commit=True)
    assert sorted(DuesAssessment.objects.filter(member=member).values_list("year", flat=True)) == [
        2025,
        2026,
    ]


@pytest.mark.parametrize("year", ["1e400", "inf", "2026.5", "-2026"])
def test_a_year_that_is_not_digits_is_a_cell_error(party, year):
    testing.member(party.branch, name="甲", number=901)
    rows = [_row(2, 身份证号=testing.id_number(901), 年度=year)]
    report = import_assessments(actor=party.world.secretary, rows=rows, commit=False)
    assert [(e.row, e.column) for e in report.errors] == [(2, "年度")]


def test_a_refusal_while_committing_shows_the_file_error(party, client_for, monkeypatch):
    import io

    from openpyxl import Workbook

    from shegong.core.exceptions import DomainError
    from shegong.dues.services import imports

    testing.member(party.branch, name="甲", number=901)
    wb = Workbook()
    ws = wb.active
    ws.append(["身份证号", "姓名", "年度", "党员类别", "计算基数"])
    ws.append([testing.id_number(901), "甲", "2026", "离退休", "5000"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "bases.xlsx"
    c = client_for(party.world.secretary)
    token = c.post("/dues/import/", {"file": buf}).context["token"]

    def refuse(**kwargs):
        raise DomainError("该党员已调出本支部")

    monkeypatch.setattr(imports, "_write", refuse)
    page = c.post("/dues/import/", {"token": token, "confirm": "1"})
    assert (page.status_code, "该党员已调出本支部" in page.content.decode()) == (422, True)
