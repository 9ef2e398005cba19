"""The region import says what it ignores (issue #12 item 7): the template's own sample row
passes, unknown columns are shown with their letter, a header-only file offers nothing to
confirm, a two-row header is read, and every bad cell of a row is listed."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shegong.regions import services
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db
CONFIRM = 'data-testid="confirm-import"'


def test_the_downloaded_template_passes_its_own_dry_run(world, client_for) -> None:
    client = client_for(world.dept_admin)
    template = client.get("/regions/import/template/")
    upload = SimpleUploadedFile("模板.xlsx", template.content)
    response = client.post("/regions/import/", {"file": upload})
    report = response.context["report"]
    assert (report.total, report.errors) == (1, [])
    assert CONFIRM in response.content.decode()
    # The sample is a region as it stands: confirming it unchanged changes nothing.
    assert report.unchanged == 1


def test_an_unknown_column_is_shown_on_the_dry_run_page(world, client_for) -> None:
    data = "区划代码,名称,层级,上级区划代码,户籍人口\n339901005,新街道,街道,339901,100\n"
    response = client_for(world.dept_admin).post(
        "/regions/import/", {"file": SimpleUploadedFile("r.csv", data.encode())}
    )
    body = response.content.decode()
    assert 'data-testid="import-warnings"' in body
    assert "第 E 列“户籍人口”不是本导入使用的列，该列的内容不会导入" in body


def test_a_header_only_file_offers_nothing_to_confirm(world, client_for) -> None:
    data = "区划代码,名称,层级,上级区划代码\n".encode()
    response = client_for(world.dept_admin).post(
        "/regions/import/", {"file": SimpleUploadedFile("r.csv", data)}
    )
    body = response.content.decode()
    assert "文件中没有数据行" in body
    assert CONFIRM not in body


def test_a_two_row_header_is_read(world, client_for) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["区划代码", "名称", "层级", "上级区划代码", "人口情况"])
    ws.append([None, None, None, None, "常住人口"])
    ws.append(["339901005", "新街道", "街道", "339901", 3200])
    for column in "ABCD":
        ws.merge_cells(f"{column}1:{column}2")
    out = io.BytesIO()
    wb.save(out)
    client = client_for(world.dept_admin)
    response = client.post(
        "/regions/import/", {"file": SimpleUploadedFile("r.xlsx", out.getvalue())}
    )
    assert response.context["report"].errors == []
    client.post("/regions/import/", {"token": response.context["token"], "confirm": "1"})
    assert Region.objects.get(code="339901005").population == 3200


def test_every_bad_cell_of_a_row_is_listed(world) -> None:
    report = services.import_regions(
        actor=world.dept_admin,
        rows=[
            (2, {"区划代码": "339901005", "名称": "", "层级": "小区", "常住人口": "-5"}),
            (3, {"区划代码": "33990100", "名称": "新街道", "层级": "街道", "常住人口": "-1"}),
        ],
        commit=False,
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "层级"),
        (2, "名称"),
        (2, "常住人口"),
        (3, "区划代码"),
        (3, "常住人口"),
    ]
    assert report.errors[2].message == "常住人口不能为负数（填写的是“-5”）"


def test_a_row_with_a_bad_cell_still_has_its_parent_checked(world) -> None:
    report = services.import_regions(
        actor=world.dept_admin,
        rows=[
            (
                2,
                {
                    "区划代码": "339901005",
                    "名称": "新街道",
                    "层级": "街道",
                    "上级区划代码": "339901",
                    "常住人口": "x",
                },
            ),
            (
                3,
                {
                    "区划代码": "339901005001",
                    "名称": "新社区",
                    "层级": "社区",
                    "上级区划代码": "339901005",
                },
            ),
        ],
        commit=False,
    )
    # Row 3's parent is row 2, which is bad but still known: only row 2 is reported.
    assert [(e.row, e.column) for e in report.errors] == [(2, "常住人口")]
    assert report.created == 1
