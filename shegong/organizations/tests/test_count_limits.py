"""Review finding M4: a count too big for its column is a Chinese error in the dry run (not
a pass followed by a failing commit), and a policy threshold too big is a form error."""

from __future__ import annotations

import io

import pytest

from shegong.core.exceptions import DomainError
from shegong.core.tabular import read_table
from shegong.organizations.models import CoveragePolicy, Entity
from shegong.organizations.services import policy as policy_services
from shegong.organizations.services.imports import (
    IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    import_entities,
)
from shegong.organizations.testing import credit_code

pytestmark = pytest.mark.django_db


def _rows(**cells: str):
    values = dict.fromkeys(IMPORT_COLUMNS, "")
    values.update(
        {
            "统一社会信用代码": credit_code(1),
            "名称": "某公司",
            "类型": "企业",
            "所在区划代码": "339901001001",
        }
    )
    values.update(cells)
    data = ",".join(IMPORT_COLUMNS) + "\n" + ",".join(values[c] for c in IMPORT_COLUMNS) + "\n"
    return read_table(io.BytesIO(data.encode()), "两新.csv", required=REQUIRED_COLUMNS).rows


def test_a_huge_employee_count_is_a_dry_run_error(world) -> None:
    report = import_entities(
        actor=world.dept_admin, rows=_rows(从业人员数="3000000000"), commit=False
    )
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "从业人员数", "从业人员数不能超过10000000（填写的是“3000000000”）")
    ]


def test_a_huge_member_count_is_a_dry_run_error(world) -> None:
    report = import_entities(
        actor=world.dept_admin, rows=_rows(正式党员数="2147483648"), commit=False
    )
    assert [e.column for e in report.errors] == ["正式党员数"]


def test_a_huge_count_commits_nothing(world) -> None:
    report = import_entities(
        actor=world.dept_admin, rows=_rows(从业人员数="3000000000"), commit=True
    )
    assert (report.committed, Entity.objects.count()) == (False, 0)


def test_a_big_realistic_count_still_imports(world) -> None:
    report = import_entities(actor=world.dept_admin, rows=_rows(从业人员数="120000"), commit=True)
    assert Entity.objects.get(pk__isnull=False).employees == 120000, report.errors


def test_a_huge_policy_threshold_is_a_chinese_error(world) -> None:
    with pytest.raises(DomainError, match="应设基层党委的党员数不能超过10000"):
        policy_services.update_policy(actor=world.dept_admin, party_committee_threshold=70000)


def test_the_policy_form_reports_a_huge_threshold(world, client_for) -> None:
    data = {name: str(getattr(CoveragePolicy.current(), name)) for name in policy_services.FIELDS}
    data["party_committee_threshold"] = "70000"
    page = client_for(world.dept_admin).post("/organizations/policy/", data, follow=True)
    assert "应设基层党委的党员数不能超过10000" in page.content.decode()


def test_the_policy_form_refuses_superscript_digits(world, client_for) -> None:
    data = {name: str(getattr(CoveragePolicy.current(), name)) for name in policy_services.FIELDS}
    data["branch_soft_max"] = "5²"
    page = client_for(world.dept_admin).post("/organizations/policy/", data, follow=True)
    assert "党支部党员人数上限应为非负整数" in page.content.decode()


def test_the_api_refuses_a_count_the_column_cannot_hold(world, make_entity, client_for) -> None:
    import json

    entity = make_entity(name="甲公司", employees=12)
    response = client_for(world.dept_admin).patch(
        f"/api/organizations/entities/{entity.pk}",
        data=json.dumps({"employees": 3000000000}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["detail"]) == (
        422,
        "从业人员数不能超过2147483647",
    )
