"""The unit import says what it ignores (issue #12 item 7), like every import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db
CONFIRM = 'data-testid="confirm-import"'
HEAD = "单位编码,单位名称,类别,所属区划代码"


def test_the_downloaded_template_passes_its_own_dry_run(world, client_for) -> None:
    client = client_for(world.dept_admin)
    template = client.get("/units/import/template/")
    response = client.post(
        "/units/import/", {"file": SimpleUploadedFile("模板.xlsx", template.content)}
    )
    report = response.context["report"]
    assert (report.total, report.errors) == (1, [])
    assert CONFIRM in response.content.decode()
    assert response.context["warnings"] == ["第 2 行是示例行，不会导入"]


def test_an_unknown_column_is_shown_on_the_dry_run_page(world, client_for) -> None:
    data = f"{HEAD},上级行政机关\nU-NEW,新单位,职能部门,339900,U-A\n".encode()
    response = client_for(world.dept_admin).post(
        "/units/import/", {"file": SimpleUploadedFile("u.csv", data)}
    )
    body = response.content.decode()
    assert 'data-testid="import-warnings"' in body
    assert "第 E 列“上级行政机关”不是本导入使用的列，该列的内容不会导入" in body


def test_a_header_only_file_offers_nothing_to_confirm(world, client_for) -> None:
    response = client_for(world.dept_admin).post(
        "/units/import/", {"file": SimpleUploadedFile("u.csv", f"{HEAD}\n".encode())}
    )
    body = response.content.decode()
    assert "文件中没有数据行" in body
    assert CONFIRM not in body
