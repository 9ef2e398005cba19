from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shegong.regions.models import Region

pytestmark = pytest.mark.django_db


def test_browse_starts_at_the_top_of_the_jurisdiction(world, client_for) -> None:
    page = client_for(world.street_north).get("/regions/").content.decode()
    assert "北街道" in page
    assert "南街道" not in page
    page = client_for(world.dept_admin).get("/regions/").content.decode()
    assert "示范市" in page


def test_odd_query_parameters_do_not_break_the_list(world, client_for) -> None:
    client = client_for(world.dept_admin)
    for query in ("parent=abc", "level=9", "within=-1", "page=x", "q=%00"):
        assert client.get(f"/regions/?{query}").status_code == 200, query


def test_htmx_filter_returns_the_partial(world, client_for) -> None:
    response = client_for(world.dept_admin).get("/regions/?q=北一", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "北一社区" in body


def test_import_page_dry_run_then_confirm(world, client_for) -> None:
    client = client_for(world.dept_admin)
    bad = "区划代码,名称,层级,上级区划代码\n339902005,错街道,街道,339901\n".encode()
    response = client.post("/regions/import/", {"file": SimpleUploadedFile("r.csv", bad)})
    body = response.content.decode()
    assert "区划代码与上级区划代码不一致" in body
    assert 'data-testid="confirm-import"' not in body
    good = "区划代码,名称,层级,上级区划代码\n339901005,新街道,街道,339901\n".encode()
    response = client.post("/regions/import/", {"file": SimpleUploadedFile("r.csv", good)})
    body = response.content.decode()
    assert "将新建 1 个" in body
    token = response.context["token"]
    assert not Region.objects.filter(code="339901005").exists()
    # Another user cannot commit this upload.
    other = client_for(world.root)
    stolen = other.post("/regions/import/", {"token": token, "confirm": "1"})
    assert "导入文件已失效" in stolen.content.decode()
    response = client.post("/regions/import/", {"token": token, "confirm": "1"})
    assert response.status_code == 302
    assert Region.objects.filter(code="339901005").exists()


def test_unreadable_upload_gets_a_clear_error(world, client_for) -> None:
    client = client_for(world.dept_admin)
    response = client.post("/regions/import/", {"file": SimpleUploadedFile("r.xlsx", b"not excel")})
    assert response.status_code == 422
    assert "无法读取表格文件" in response.content.decode()
    response = client.post("/regions/import/", {"file": SimpleUploadedFile("r.pdf", b"%PDF")})
    assert "文件格式不支持" in response.content.decode()


def test_api_create_and_patch_go_through_services(world, client_for) -> None:
    client = client_for(world.dept_admin)
    response = client.post(
        "/api/regions",
        {"code": "339901006", "name": "API街道", "level": 3, "parent_id": world.district.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    bad = client.post(
        "/api/regions",
        {"code": "12", "name": "x", "level": 3, "parent_id": world.district.pk},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "9位" in bad.json()["detail"]
    pk = response.json()["id"]
    assert (
        client.patch(
            f"/api/regions/{pk}", {"population": 12345}, content_type="application/json"
        ).json()["population"]
        == 12345
    )
    denied = client_for(world.leader).patch(
        f"/api/regions/{pk}", {"population": 1}, content_type="application/json"
    )
    assert denied.status_code == 403
    assert Region.objects.get(pk=pk).population == 12345
