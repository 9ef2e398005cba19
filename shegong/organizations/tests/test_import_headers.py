"""The 两新组织 import says what it ignores (issue #12 item 7). The field test's header
正式党员人数 passed the dry run as "未变化 1 个" and the counts were never written."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shegong.organizations.models import Entity
from shegong.organizations.services import imports
from shegong.organizations.testing import credit_code

pytestmark = pytest.mark.django_db
URL = "/organizations/entities/import/"
CONFIRM = 'data-testid="confirm-import"'
HEAD = "统一社会信用代码,名称,类型,所在区划代码"


def _post(client: Any, text: str) -> Any:
    return client.post(URL, {"file": SimpleUploadedFile("名录.csv", text.encode())})


@pytest.mark.parametrize("with_org", [True, False])
def test_the_downloaded_template_passes_its_own_dry_run(
    world: Any, client_for: Any, make_org: Any, with_org: bool
) -> None:
    if with_org:
        make_org(code="ORG-N1", region=world.north_one)
    client = client_for(world.street_north)
    template = client.get("/organizations/entities/import/template/")
    response = client.post(URL, {"file": SimpleUploadedFile("模板.xlsx", template.content)})
    report = response.context["report"]
    assert (report.total, report.errors, report.samples) == (1, [], [2])
    assert CONFIRM in response.content.decode()
    assert response.context["warnings"] == ["第 2 行是示例行，不会导入"]


def test_confirming_the_template_unchanged_creates_no_organization(
    world: Any, client_for: Any
) -> None:
    """Review finding N1: the sample row is never written."""
    client = client_for(world.street_north)
    template = client.get("/organizations/entities/import/template/")
    response = client.post(URL, {"file": SimpleUploadedFile("模板.xlsx", template.content)})
    client.post(URL, {"token": response.context["token"], "confirm": "1"})
    assert Entity.objects.count() == 0


def test_a_header_people_write_for_a_column_is_read(world: Any, client_for: Any) -> None:
    client = client_for(world.street_north)
    code = credit_code(1)
    response = _post(client, f"{HEAD},正式党员人数,预备党员人数\n{code},甲,企业,339901001001,7,2\n")
    client.post(URL, {"token": response.context["token"], "confirm": "1"})
    entity = Entity.objects.get(credit_code=code)
    assert (entity.formal_members, entity.probationary_members) == (7, 2)


def test_an_unknown_column_is_shown_on_the_dry_run_page(world: Any, client_for: Any) -> None:
    client = client_for(world.street_north)
    response = _post(client, f"{HEAD},党员总数\n{credit_code(1)},甲,企业,339901001001,7\n")
    body = response.content.decode()
    assert 'data-testid="import-warnings"' in body
    assert "第 E 列“党员总数”不是本导入使用的列，该列的内容不会导入" in body


def test_a_missing_required_column_is_an_error(world: Any, client_for: Any) -> None:
    response = _post(
        client_for(world.street_north),
        f"统一社会信用代码,名称,所在区划代码\n{credit_code(1)},甲,339901001001\n",
    )
    assert response.status_code == 422
    assert "缺少必填列：类型" in response.content.decode()


def test_a_header_only_file_offers_nothing_to_confirm(world: Any, client_for: Any) -> None:
    response = _post(client_for(world.street_north), f"{HEAD}\n")
    body = response.content.decode()
    assert "文件中没有数据行" in body
    assert CONFIRM not in body


def test_a_two_row_merged_header_keeps_every_column(world: Any, client_for: Any) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "名称", "类型", "所在区划代码", "党员数", None])
    ws.append([None, None, None, None, "正式", "预备"])
    ws.append([credit_code(1), "甲", "企业", "339901001001", 9, 3])
    for column in "ABCD":
        ws.merge_cells(f"{column}1:{column}2")
    ws.merge_cells("E1:F1")
    out = io.BytesIO()
    wb.save(out)
    client = client_for(world.street_north)
    response = client.post(URL, {"file": SimpleUploadedFile("名录.xlsx", out.getvalue())})
    assert response.context["report"].errors == []
    client.post(URL, {"token": response.context["token"], "confirm": "1"})
    entity = Entity.objects.get(credit_code=credit_code(1))
    assert (entity.formal_members, entity.probationary_members) == (9, 3)


def test_every_bad_cell_of_a_row_is_listed(world: Any) -> None:
    row = {
        "统一社会信用代码": credit_code(1),
        "名称": "甲",
        "类型": "企业",
        "所在区划代码": "339901009009",
        "从业人员数": "-4",
        "覆盖方式": "单独建",
        "覆盖党组织编码": "ORG-NONE",
        "正式党员数": "-1",
        "预备党员数": "二",
    }
    report = imports.import_entities(actor=world.street_north, rows=[(2, row)], commit=False)
    assert sorted((e.column, e.message) for e in report.errors) == sorted(
        [
            ("从业人员数", "从业人员数不能为负数（填写的是“-4”）"),
            ("正式党员数", "正式党员数不能为负数（填写的是“-1”）"),
            ("预备党员数", "预备党员数应为整数（填写的是“二”）"),
            ("所在区划代码", "区划代码 339901009009 不存在或不在您的管辖范围内"),
            ("覆盖党组织编码", "党组织 ORG-NONE 不存在或不在您的管辖范围内"),
        ]
    )


def test_the_template_sample_names_an_organization_in_scope(
    world: Any, client_for: Any, make_org: Any
) -> None:
    from shegong.core.tabular import read_table

    make_org(code="ORG-N1", region=world.north_one)
    template = client_for(world.street_north).get("/organizations/entities/import/template/")
    table = read_table(io.BytesIO(template.content), "t.xlsx", columns=imports.IMPORT_SPEC)
    sample = table.rows[0][1]
    assert (sample["覆盖方式"], sample["覆盖党组织编码"]) == ("单独建", "ORG-N1")


def test_the_csv_template_passes_its_own_dry_run(world: Any, client_for: Any) -> None:
    client = client_for(world.street_north)
    template = client.get("/organizations/entities/import/template/?format=csv")
    response = client.post(URL, {"file": SimpleUploadedFile("模板.csv", template.content)})
    assert response.context["report"].errors == []
    assert CONFIRM in response.content.decode()
