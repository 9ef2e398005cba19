from __future__ import annotations

import io

import pytest

from shegong.core.tabular import read_table
from shegong.regions import services
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db


def rows(*items: tuple[str, str, str, str]) -> list[tuple[int, dict[str, str]]]:
    return [
        (i + 2, {"区划代码": c, "名称": n, "层级": lv, "上级区划代码": p})
        for i, (c, n, lv, p) in enumerate(items)
    ]


def test_dry_run_reports_every_bad_row_and_writes_nothing(world) -> None:
    before = Region.objects.count()
    report = services.import_regions(
        actor=world.dept_admin,
        rows=rows(
            ("339901003", "东街道", "街道", "339901"),  # fine
            ("339902004", "错街道", "街道", "339901"),  # code does not match parent
            ("339901003", "重复", "街道", "339901"),  # duplicate in file
            ("339901003001", "新社区", "社区", "339901003"),  # parent earlier in file: fine
            ("339901009001", "孤儿", "社区", "339901009"),  # unknown parent
            ("", "无代码", "社区", "339901003"),
            ("339901003002", "层级错", "小区", "339901003"),
        ),
        commit=True,
    )
    assert not report.ok
    assert not report.committed
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "上级区划代码"),
        (4, "区划代码"),
        (6, "上级区划代码"),
        (7, "区划代码"),
        (8, "层级"),
    ]
    assert "与第 2 行重复" in report.errors[1].message
    assert Region.objects.count() == before


def test_commit_creates_and_updates_by_code_idempotently(world) -> None:
    data = rows(
        ("339901003", "东街道", "街道", "339901"),
        ("339901003001", "新社区", "社区", "339901003"),
        ("339901001001", "北一社区（更名）", "社区", "339901001"),
    )
    report = services.import_regions(actor=world.dept_admin, rows=data, commit=True)
    assert (report.ok, report.created, report.updated) == (True, 2, 1)
    new = Region.objects.get(code="339901003001")
    assert new.parent.code == "339901003"
    assert new.path == f"{world.district.path}339901003/339901003001/"
    assert Region.objects.get(code="339901001001").name == "北一社区（更名）"
    again = services.import_regions(actor=world.dept_admin, rows=data, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_import_cannot_reach_outside_scope_or_reparent(world) -> None:
    admin = world.dept_admin
    admin.region = world.district_b
    admin.save()
    admin = type(admin).objects.get(pk=admin.pk)
    report = services.import_regions(
        actor=admin, rows=rows(("339901001009", "越权社区", "社区", "339901001")), commit=True
    )
    assert not report.ok
    assert "不在您的管辖范围" in report.errors[0].message
    moved = services.import_regions(
        actor=world.dept_admin,
        rows=rows(("339901001001", "北一社区", "社区", "339901002")),
        commit=True,
    )
    assert not moved.ok


def test_gbk_csv_with_ten_thousand_rows(world) -> None:
    lines = ["区划代码,名称,层级,上级区划代码,常住人口"]
    lines.append("339901003,东街道,街道,339901,")
    for i in range(1, 101):
        c = f"339901003{i:03d}"
        lines.append(f"{c},社区{i},社区,339901003,{1000 + i}")
        for g in range(1, 101):
            lines.append(f"{c}-{g:02d},第{g}网格,网格,{c},")
    data = "\n".join(lines).encode("gbk")
    table = read_table(io.BytesIO(data), "regions.csv", required=services.REQUIRED_COLUMNS)
    assert len(table.rows) > 10_000
    report = services.import_regions(actor=world.dept_admin, rows=table.rows, commit=True)
    assert report.ok, report.errors[:3]
    assert report.created == len(table.rows)
    assert Region.objects.get(code="339901003050").population == 1050
    assert (
        Region.objects.visible_to(world.street_north).filter(code__startswith="339901003").count()
        == 0
    )


def test_export_round_trips_through_import(world, client_for) -> None:
    body = client_for(world.dept_admin).get("/regions/export/?format=xlsx").content
    table = read_table(io.BytesIO(body), "export.xlsx", required=services.REQUIRED_COLUMNS)
    report = services.import_regions(actor=world.dept_admin, rows=table.rows, commit=False)
    assert report.ok
    assert report.unchanged == Region.objects.count()


def test_a_huge_population_is_a_dry_run_error(world) -> None:
    """Review finding M4: not a pass in the dry run and a failing commit."""
    data = [
        (
            2,
            {
                "区划代码": "339901003",
                "名称": "东街道",
                "层级": "街道",
                "上级区划代码": "339901",
                "常住人口": "3000000000",
            },
        )
    ]
    report = services.import_regions(actor=world.dept_admin, rows=data, commit=False)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "常住人口", "常住人口不能超过100000000（填写的是“3000000000”）")
    ]
