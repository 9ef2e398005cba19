"""Entity import: broken files, every bad row reported, all-or-nothing, incremental."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from shegong.core.models import AuditEvent
from shegong.core.tabular import TableError, read_table
from shegong.organizations.choices import CoverageMode
from shegong.organizations.models import Entity, Finding, Instructor
from shegong.organizations.services.imports import (
    IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    export_rows,
    import_entities,
)
from shegong.organizations.testing import credit_code

pytestmark = pytest.mark.django_db
HEADER = ",".join(IMPORT_COLUMNS)


def _csv(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode(encoding)


def _rows(data: bytes, name: str = "两新.csv"):
    return read_table(io.BytesIO(data), name, required=REQUIRED_COLUMNS).rows


def _line(code: str, name: str = "某公司", region: str = "339901001001", **kw: str) -> str:
    values = dict.fromkeys(IMPORT_COLUMNS, "")
    values.update({"统一社会信用代码": code, "名称": name, "类型": "企业", "所在区划代码": region})
    values.update(dict(kw.items()))
    return ",".join(values[c] for c in IMPORT_COLUMNS)


def test_dry_run_reports_every_bad_row_and_writes_nothing(world) -> None:
    good = credit_code(1)
    bad_check = credit_code(2)[:-1] + ("0" if credit_code(2)[-1] != "0" else "1")
    lines = [
        _line(good, 从业人员数="120", 行业门类="I"),
        _line(bad_check),  # row 3: bad check character
        _line("12345"),  # row 4: too short
        _line(good),  # row 5: duplicate of row 2
        _line(credit_code(3), region="339999999999"),  # row 6: unknown region
        _line(credit_code(4), 类型="个体户"),  # row 7: unknown kind
        _line(credit_code(5), 行业门类="Z"),  # row 8: unknown industry
        _line(credit_code(6), 从业人员数="很多"),  # row 9
        _line(credit_code(7), 覆盖方式="单独建", 覆盖党组织编码="NOPE"),  # row 10
        _line(credit_code(8), region="339901"),  # row 11: a district is too coarse
        _line(credit_code(9), name=""),  # row 12: empty name
    ]
    report = import_entities(actor=world.dept_admin, rows=_rows(_csv(lines)), commit=True)
    assert not report.ok
    assert not report.committed
    by_row = {e.row: e for e in report.errors}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "校验位错误" in by_row[3].message
    assert "长度应为18位" in by_row[4].message
    assert "与第 2 行重复" in by_row[5].message
    assert "339999999999 不存在" in by_row[6].message
    assert by_row[7].column == "类型"
    assert by_row[8].column == "行业门类"
    assert by_row[9].column == "从业人员数"
    assert "NOPE" in by_row[10].message
    assert "不能是区县" in by_row[11].message
    assert "合并单元格" in by_row[12].message
    assert Entity.objects.count() == 0
    assert not AuditEvent.objects.filter(action="entities_imported").exists()


def test_wrong_columns_are_refused_with_the_missing_names() -> None:
    data = "代码,企业名称\n91339900000000001X,甲\n".encode()
    with pytest.raises(TableError) as exc:
        read_table(io.BytesIO(data), "x.csv", required=REQUIRED_COLUMNS)
    assert "统一社会信用代码" in exc.value.message
    assert "所在区划代码" in exc.value.message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_gbk_and_utf8_files_read_the_same(world, encoding) -> None:
    data = _csv([_line(credit_code(11), name="示范市甲乙丙有限公司", 地址="人民路1号")], encoding)
    report = import_entities(actor=world.dept_admin, rows=_rows(data), commit=True)
    assert report.committed, report.errors
    assert Entity.objects.get().name == "示范市甲乙丙有限公司"


def test_xlsx_with_merged_title_and_merged_data_cells(world) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["示范市两新组织名录（2026年11月）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(IMPORT_COLUMNS))
    ws.append(IMPORT_COLUMNS)
    for i in range(3):
        row = ["" for _ in IMPORT_COLUMNS]
        row[0] = credit_code(20 + i)
        row[1] = f"公司{i}"
        row[2] = "企业"
        row[6] = "339901001001"
        ws.append(row)
    # 类型 merged down over the three data rows: only the first keeps its value.
    ws.merge_cells(start_row=3, start_column=3, end_row=5, end_column=3)
    out = io.BytesIO()
    wb.save(out)
    report = import_entities(
        actor=world.dept_admin, rows=_rows(out.getvalue(), "名录.xlsx"), commit=False
    )
    assert [(e.row, e.column) for e in report.errors] == [(4, "类型"), (5, "类型")]
    assert all("合并单元格" in e.message for e in report.errors)


def test_ten_thousand_rows_commit_and_incremental_reimport(
    world, django_capture_on_commit_callbacks
) -> None:
    regions = ["339901001001", "339901001002", "339901002001"]
    lines = [
        _line(credit_code(100 + i), name=f"企业{i}", region=regions[i % 3], 从业人员数=str(i % 400))
        for i in range(10_500)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        report = import_entities(actor=world.dept_admin, rows=_rows(_csv(lines)), commit=True)
    assert report.committed
    assert report.created == 10_500
    assert Entity.objects.count() == 10_500
    assert Entity.objects.filter(street=world.south).count() == 3500
    assert Entity.objects.get(credit_code=credit_code(100 + 399)).size_band == "large"
    # The rules ran after commit (tasks are immediate in tests): size gaps opened.
    assert Finding.objects.filter(rule="uncovered_large").exists()
    # Re-import: one renamed, one moved, the rest unchanged; no duplicates.
    lines[0] = _line(credit_code(100), name="企业0（更名）", region=regions[0], 从业人员数="0")
    lines[1] = _line(credit_code(101), name="企业1", region=regions[2], 从业人员数="1")
    again = import_entities(actor=world.dept_admin, rows=_rows(_csv(lines)), commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 2, 10_498)
    assert Entity.objects.count() == 10_500
    assert Entity.objects.get(credit_code=credit_code(100)).name == "企业0（更名）"
    moved = Entity.objects.get(credit_code=credit_code(101))
    assert moved.street_id == world.south.pk
    assert moved.region_path.endswith("339901002001/")


def test_blank_optional_cells_keep_coverage_and_columns_set_it(world, make_org) -> None:
    org = make_org(code="ORG-1")
    code = credit_code(500)
    first = _line(
        code, 覆盖方式="单独建", 覆盖党组织编码="ORG-1", 正式党员数="4", 党建指导员="孙指导"
    )
    import_entities(actor=world.dept_admin, rows=_rows(_csv([first])), commit=True)
    entity = Entity.objects.get()
    assert (entity.coverage_mode, entity.organization_id, entity.formal_members) == (
        CoverageMode.SINGLE,
        org.pk,
        4,
    )
    assert entity.has_instructor
    assert Instructor.objects.get().name == "孙指导"
    # A market-register refresh without coverage columns leaves coverage alone.
    data = (
        "统一社会信用代码,名称,类型,所在区划代码,从业人员数\n"
        + f"{code},新名称,企业,339901001001,88\n"
    ).encode()
    report = import_entities(actor=world.dept_admin, rows=_rows(data), commit=True)
    assert report.updated == 1
    entity.refresh_from_db()
    assert entity.name == "新名称"
    assert entity.employees == 88
    assert entity.size_band == "medium"
    assert entity.coverage_mode == CoverageMode.SINGLE
    assert entity.formal_members == 4
    assert Instructor.objects.count() == 1


def test_coverage_columns_are_checked(world, make_org) -> None:
    make_org(code="J-1", kind="joint_branch")
    lines = [
        _line(credit_code(600), 覆盖方式="单独建", 覆盖党组织编码="J-1"),
        _line(credit_code(601), 覆盖党组织编码="J-1"),
        _line(credit_code(602), 覆盖方式="联合建"),
        _line(credit_code(603), 覆盖方式="随便建"),
    ]
    report = import_entities(actor=world.dept_admin, rows=_rows(_csv(lines)), commit=False)
    assert [e.row for e in report.errors] == [2, 3, 4, 5]


def test_import_is_scoped_to_the_actors_jurisdiction(world) -> None:
    lines = [_line(credit_code(700), region="339901002001")]  # a south community
    report = import_entities(actor=world.street_north, rows=_rows(_csv(lines)), commit=True)
    assert not report.committed
    assert "不在您的管辖范围内" in report.errors[0].message
    # An entity already registered in the south cannot be taken over from the north.
    import_entities(actor=world.root, rows=_rows(_csv(lines)), commit=True)
    steal = [_line(credit_code(700), region="339901001001")]
    report = import_entities(actor=world.street_north, rows=_rows(_csv(steal)), commit=True)
    assert "管辖范围以外" in report.errors[0].message
    assert Entity.objects.get().street_id == world.south.pk


def test_roles_without_import_capability_are_refused(world) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_entities(actor=world.leader, rows=[], commit=True)


def test_export_round_trips_through_the_import(world, make_org) -> None:
    make_org(code="ORG-9", kind="joint_branch")
    lines = [
        _line(credit_code(800), 覆盖方式="联合建", 覆盖党组织编码="ORG-9", 正式党员数="2"),
        _line(credit_code(801), 类型="行业协会商会", 业务主管单位="市工商联", 行业门类="L"),
    ]
    import_entities(actor=world.root, rows=_rows(_csv(lines)), commit=True)
    exported = list(export_rows(Entity.objects.all()))
    rows = [
        (i + 2, dict(zip(IMPORT_COLUMNS, map(str, r), strict=True))) for i, r in enumerate(exported)
    ]
    report = import_entities(actor=world.root, rows=rows, commit=False)
    assert report.ok, report.errors
    assert report.unchanged == 2


def test_reimport_as_not_established_drops_the_organization(world, make_org) -> None:
    org = make_org(code="ORG-X")
    code = credit_code(900)
    first = _line(code, 覆盖方式="单独建", 覆盖党组织编码="ORG-X", 正式党员数="3")
    import_entities(actor=world.dept_admin, rows=_rows(_csv([first])), commit=True)
    assert Entity.objects.get().organization_id == org.pk
    again = _line(code, 覆盖方式="未建立")
    report = import_entities(actor=world.dept_admin, rows=_rows(_csv([again])), commit=True)
    assert report.committed, report.errors
    assert report.updated == 1
    entity = Entity.objects.get()
    assert entity.coverage_mode == CoverageMode.NONE
    assert entity.organization_id is None
    assert not org.covered_entities.exists()


def test_download_of_all_errors_holds_every_bad_row(world, client_for) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    lines = [_line(f"BAD{i:05d}", name=f"坏{i}") for i in range(1200)]
    lines.insert(0, _line(credit_code(950)))  # one good row (row 2)
    upload = SimpleUploadedFile("两新.csv", _csv(lines), content_type="text/csv")
    client = client_for(world.street_north)
    page = client.post("/organizations/entities/import/", {"file": upload})
    assert page.status_code == 200
    token = page.context["token"]
    assert len(page.context["errors"]) == 1000
    assert "下载全部错误（XLSX）" in page.content.decode()
    response = client.get(f"/organizations/entities/import/errors/?token={token}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    values = [r for r in sheet.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    assert len(values) == 1200
    assert {r[0] for r in values} == set(range(3, 1203))
    assert values[-1][1] == "统一社会信用代码"
    assert values[-1][2] == "BAD01199"
    assert "统一社会信用代码" in values[-1][3]
    assert not Entity.objects.exists()
    assert AuditEvent.objects.filter(action="entities_import_errors_downloaded").count() == 1
    # The staged file is the uploader's own: another clerk's token is unknown (404), a role
    # without the import capability is refused (403).
    other = client_for(world.street_south)
    assert other.get(f"/organizations/entities/import/errors/?token={token}").status_code == 404
    leader = client_for(world.leader)
    assert leader.get(f"/organizations/entities/import/errors/?token={token}").status_code == 403


def test_export_writes_instructor_names_and_a_bare_yes_is_no_name(world) -> None:
    from shegong.organizations.services import entities as entity_services

    named, flagged = credit_code(960), credit_code(961)
    lines = [_line(named, 党建指导员="周指导、吴联络"), _line(flagged, 党建指导员="是")]
    report = import_entities(actor=world.root, rows=_rows(_csv(lines)), commit=True)
    assert report.committed, report.errors
    assert sorted(Instructor.objects.values_list("name", flat=True)) == ["吴联络", "周指导"]
    assert not Entity.objects.get(credit_code=flagged).has_instructor
    first = Instructor.objects.get(name="周指导")
    entity_services.end_instructor(actor=world.root, instructor_id=first.pk)
    exported = {r[0]: r for r in export_rows(Entity.objects.all())}
    column = IMPORT_COLUMNS.index("党建指导员")
    assert exported[named][column] == "吴联络"  # the current one, by name; never 是
    assert exported[flagged][column] == ""
    # Round trip: the export re-imports unchanged and creates no instructor.
    rows = [
        (i + 2, dict(zip(IMPORT_COLUMNS, map(str, r), strict=True)))
        for i, r in enumerate(exported.values())
    ]
    report = import_entities(actor=world.root, rows=rows, commit=True)
    assert report.ok, report.errors
    assert report.unchanged == 2
    assert Instructor.objects.count() == 2
    assert not Instructor.objects.filter(name__in=["是", "否"]).exists()
