"""Unit import: create/update by code, the 上级行政机关 column, dry run then commit."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from shegong.core.audit import AuditEvent
from shegong.units import services
from shegong.units.models import Unit

pytestmark = pytest.mark.django_db

HEADER = "单位编码,单位名称,类别,所属区划代码,上级单位编码,上级行政机关编码"


def _rows(text: str) -> list[tuple[int, dict[str, str]]]:
    lines = [line.split(",") for line in text.strip().splitlines()]
    header = lines[0]
    return [(i + 2, dict(zip(header, cells, strict=True))) for i, cells in enumerate(lines[1:])]


def test_the_superior_column_sets_the_superior_body(world) -> None:
    rows = _rows(f"{HEADER}\nG-CITY,市人民政府,其他,339900,,\nU-A,市住建局,职能部门,339900,,G-CITY")
    report = services.import_units(actor=world.root, rows=rows, commit=True)
    assert report.committed, report.errors
    assert Unit.objects.get(code="U-A").superior_body == Unit.objects.get(code="G-CITY")


def test_a_superior_later_in_the_file_is_found(world) -> None:
    rows = _rows(
        f"{HEADER}\nU-NEW,市人社局,职能部门,339900,,G-CITY\nG-CITY,市人民政府,其他,339900,,"
    )
    services.import_units(actor=world.root, rows=rows, commit=True)
    assert Unit.objects.get(code="U-NEW").superior_body.code == "G-CITY"


def test_an_unknown_superior_code_is_a_chinese_error_in_the_dry_run(world) -> None:
    rows = _rows(f"{HEADER}\nU-A,市住建局,职能部门,339900,,NOPE")
    report = services.import_units(actor=world.root, rows=rows, commit=False)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "上级行政机关编码", f"上级行政机关编码“NOPE”：{services.SUPERIOR_NOT_ALLOWED}")
    ]


def test_a_bad_file_writes_nothing(world) -> None:
    rows = _rows(f"{HEADER}\nG-CITY,市人民政府,其他,339900,,\nU-A,市住建局,职能部门,339900,,NOPE")
    report = services.import_units(actor=world.root, rows=rows, commit=True)
    assert not Unit.objects.filter(code="G-CITY").exists()
    assert not report.committed


def test_superiors_in_a_cycle_are_refused(world) -> None:
    rows = _rows(f"{HEADER}\nG-1,甲,其他,339900,,G-2\nG-2,乙,其他,339900,,G-1")
    report = services.import_units(actor=world.root, rows=rows, commit=False)
    assert {e.column for e in report.errors} == {"上级行政机关编码"}


def test_every_bad_cell_of_a_row_is_listed(world) -> None:
    rows = _rows(f"{HEADER}\n,,部门,,,")
    report = services.import_units(actor=world.root, rows=rows, commit=False)
    assert [e.column for e in report.errors] == ["单位编码", "单位名称", "类别", "所属区划代码"]


def test_a_file_without_the_superior_column_keeps_the_superior(world) -> None:
    city_gov = services.create_unit(
        actor=world.root, code="G-CITY", name="市人民政府", kind="other", region_id=world.city.pk
    )
    services.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    rows = _rows("单位编码,单位名称,类别,所属区划代码\nU-A,市住建局（改名）,职能部门,339900")
    report = services.import_units(actor=world.root, rows=rows, commit=True)
    assert report.committed, report.errors
    unit = Unit.objects.get(code="U-A")
    assert (unit.name, unit.superior_body) == ("市住建局（改名）", city_gov)


def test_units_outside_the_scope_are_refused(world) -> None:
    rows = _rows(f"{HEADER}\nU-B,市教育局,职能部门,339900,,")
    admin = world.dept_admin
    admin.region, admin.unit = world.district, None
    admin.save()
    admin = type(admin).objects.get(pk=admin.pk)
    report = services.import_units(actor=admin, rows=rows, commit=False)
    assert ("单位编码", "该单位不在您的管辖范围内") in {
        (e.column, e.message) for e in report.errors
    }


def test_the_import_is_audited(world) -> None:
    rows = _rows(f"{HEADER}\nG-CITY,市人民政府,其他,339900,,")
    services.import_units(actor=world.root, rows=rows, commit=True)
    assert AuditEvent.objects.filter(action="units_imported").count() == 1


def test_the_export_imports_again_unchanged(world) -> None:
    rows = list(services.export_rows(Unit.objects.order_by("code")))
    table = [
        (i + 2, dict(zip(services.EXPORT_COLUMNS, [str(c) for c in row], strict=True)))
        for i, row in enumerate(rows)
    ]
    report = services.import_units(actor=world.root, rows=table, commit=False)
    assert (report.ok, report.unchanged, report.updated) == (True, len(rows), 0)


def test_import_page_dry_run_then_confirm(world, client_for) -> None:
    client = client_for(world.dept_admin)
    data = f"{HEADER}\nG-CITY,市人民政府,其他,339900,,\nU-A,市住建局,职能部门,339900,,G-CITY\n"
    response = client.post("/units/import/", {"file": SimpleUploadedFile("u.csv", data.encode())})
    body = response.content.decode()
    assert "将新建 1 个，更新 1 个" in body
    token = response.context["token"]
    client.post("/units/import/", {"token": token, "confirm": "1"})
    assert Unit.objects.get(code="U-A").superior_body.code == "G-CITY"


def test_import_page_shows_an_unknown_superior_code(world, client_for) -> None:
    data = f"{HEADER}\nU-A,市住建局,职能部门,339900,,NOPE\n"
    response = client_for(world.dept_admin).post(
        "/units/import/", {"file": SimpleUploadedFile("u.csv", data.encode())}
    )
    assert "上级行政机关编码“NOPE”：上级行政机关不存在" in response.content.decode()


def _template_rows(client):
    template = client.get("/units/import/template/")
    sheet = load_workbook(io.BytesIO(template.content)).active
    header, sample = ([str(c.value or "") for c in row] for row in sheet.iter_rows(max_row=2))
    return [(2, dict(zip(header, sample, strict=True)))]


def test_the_templates_sample_row_passes(world, client_for) -> None:
    rows = _template_rows(client_for(world.dept_admin))
    report = services.import_units(actor=world.dept_admin, rows=rows, commit=False)
    assert (report.ok, report.samples) == (True, [2])


def test_the_templates_sample_row_is_never_written(world, client_for) -> None:
    """Review finding N1: confirming the template unchanged creates no fake unit."""
    before = Unit.objects.count()
    rows = _template_rows(client_for(world.dept_admin))
    services.import_units(actor=world.dept_admin, rows=rows, commit=True)
    assert Unit.objects.count() == before


def test_the_sample_row_without_its_mark_would_be_imported(world, client_for) -> None:
    rows = _template_rows(client_for(world.dept_admin))
    rows[0][1]["备注"] = ""
    report = services.import_units(actor=world.dept_admin, rows=rows, commit=False)
    assert (report.ok, report.created) == (True, 1)


def test_only_unit_managers_reach_the_import_page(world, client_for) -> None:
    assert client_for(world.handler_unit_a).get("/units/import/").status_code == 403


def test_a_row_with_a_bad_cell_still_has_its_codes_checked(world) -> None:
    """Review finding N3: every bad cell of a row at once, codes included."""
    rows = _rows(f"{HEADER}\nU-NEW,新单位,不知道,339999,NO-PARENT,NO-SUPERIOR")
    report = services.import_units(actor=world.root, rows=rows, commit=False)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "类别"),
        (2, "所属区划代码"),
        (2, "上级单位编码"),
        (2, "上级行政机关编码"),
    ]


def test_a_row_without_a_code_still_has_its_region_checked(world) -> None:
    rows = _rows(f"{HEADER}\n,新单位,职能部门,339999,,")
    report = services.import_units(actor=world.root, rows=rows, commit=False)
    assert [(e.row, e.column) for e in report.errors] == [(2, "单位编码"), (2, "所属区划代码")]


def test_a_bad_row_is_never_written(world) -> None:
    rows = _rows(f"{HEADER}\nU-NEW,新单位,不知道,339900,,")
    report = services.import_units(actor=world.root, rows=rows, commit=True)
    assert (report.committed, Unit.objects.filter(code="U-NEW").exists()) == (False, False)
