"""XLSX imports: dry run reports every bad row, commit is all-or-nothing; hours imports go
through the ledger (totals equal the ledger sum)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from shegong.core.tabular import xlsx_bytes
from shegong.volunteers import services
from shegong.volunteers.models import HoursEntry, Volunteer
from shegong.volunteers.services.transfer import HOURS_COLUMNS, VOLUNTEER_COLUMNS

from .conftest import make_id, make_phone

pytestmark = pytest.mark.django_db


def _rows(columns: list[str], values: list[list[str]]) -> list[tuple[int, dict[str, str]]]:
    return [(i + 2, dict(zip(columns, row, strict=False))) for i, row in enumerate(values)]


def _adult() -> str:
    return make_id(timezone.localdate().replace(year=timezone.localdate().year - 35))


def test_volunteer_import_dry_run_reports_every_bad_row(kit: Any) -> None:
    dup = _adult()
    phone = make_phone()
    rows = _rows(
        VOLUNTEER_COLUMNS,
        [
            ["甲", dup, phone, "339901001001", "急救", "社区服务"],
            ["乙", dup, make_phone(), "339901001001"],  # duplicate ID in file
            ["丙", "123", make_phone(), "339901001001"],  # bad ID
            ["丁", _adult(), "12345", "339901002001"],  # bad phone + out of scope region
            ["", _adult(), make_phone(), "339901001001", "", "不存在的类别"],
        ],
    )
    report = services.import_volunteers(actor=kit.vm_north, rows=rows, commit=True)
    assert not report.committed
    assert Volunteer.objects.count() == 0
    bad_rows = {e.row for e in report.errors}
    assert bad_rows == {3, 4, 5, 6}
    columns = {(e.row, e.column) for e in report.errors}
    assert (5, "居住区域代码") in columns
    assert (5, "手机号码") in columns
    assert (6, "姓名") in columns
    assert (6, "服务类别") in columns


def test_volunteer_import_commit_and_db_duplicates(kit: Any) -> None:
    rows = _rows(
        VOLUNTEER_COLUMNS,
        [
            ["甲", _adult(), make_phone(), "339901001001", "急救，摄影", "社区服务、关爱老人"],
            ["乙", _adult(), make_phone(), "339901001002"],
        ],
    )
    dry = services.import_volunteers(actor=kit.vm_north, rows=rows, commit=False)
    assert dry.ok
    assert dry.created == 2
    assert Volunteer.objects.count() == 0
    report = services.import_volunteers(actor=kit.vm_north, rows=rows, commit=True)
    assert report.committed
    assert Volunteer.objects.count() == 2
    first = Volunteer.objects.get(source="import", region__code="339901001001")
    assert set(first.skills.values_list("name", flat=True)) == {"摄影", "急救"}
    assert first.service_categories == ["community", "elderly"]
    again = services.import_volunteers(actor=kit.vm_north, rows=rows, commit=True)
    assert not again.committed
    assert {e.message for e in again.errors} >= {"该身份证号已注册为志愿者"}


def test_hours_import_goes_through_the_ledger(kit: Any) -> None:
    a, b = kit.volunteer(), kit.volunteer()
    day = (timezone.localdate() - timezone.timedelta(days=3)).isoformat()
    good = [
        [a.number, day, "敬老院探访", "陪伴", "3", "339901001001", "北一社区", "补录", ""],
        [a.number, day, "双报到服务", "", "2.5", "339901001001", "北一社区", "双报到", "P-1"],
        [b.number, day, "敬老院探访", "陪伴", "4", "339901001001", "北一社区", "", ""],
    ]
    bad = [
        *good,
        ["ZY00", day, "x", "", "3", "339901001001", "", "", ""],
        [a.number, "2099-01-01", "x", "", "30", "339901002001", "", "其他", ""],
    ]
    report = services.import_hours(actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, bad), commit=True)
    assert not report.committed
    assert HoursEntry.objects.count() == 0
    assert {e.row for e in report.errors} == {5, 6}
    assert {e.column for e in report.errors if e.row == 6} == {
        "服务日期",
        "服务时长",
        "服务地点区域代码",
        "类型",
    }
    report = services.import_hours(actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, good), commit=True)
    assert report.committed
    for v in (a, b):
        v.refresh_from_db()
        ledger = HoursEntry.objects.filter(volunteer=v).aggregate(s=Sum("hours"))["s"]
        assert v.total_hours == ledger
        assert services.verify_volunteer(v).ok
    assert a.total_hours == Decimal("5.50")
    assert HoursEntry.objects.get(source_ref="P-1").kind == "dual_report"


def test_import_page_dry_run_then_commit(kit: Any) -> None:
    c = Client()
    c.force_login(kit.vm_north)
    data = xlsx_bytes(
        VOLUNTEER_COLUMNS, [["甲", _adult(), make_phone(), "339901001001", "", "", "", "", ""]]
    )
    upload = SimpleUploadedFile("v.xlsx", data)
    response = c.post("/volunteers/import/volunteers/", {"file": upload})
    body = response.content.decode()
    assert response.status_code == 200
    assert "确认导入" in body
    token = body.split('name="token" value="')[1].split('"')[0]
    assert Volunteer.objects.count() == 0
    response = c.post("/volunteers/import/volunteers/", {"token": token, "confirm": "1"})
    assert response.status_code == 302
    assert Volunteer.objects.count() == 1
    assert c.get("/volunteers/import/volunteers/template/").status_code == 200


def test_training_import_dry_run_then_atomic_commit(kit: Any) -> None:
    """培训记录 (记录办法 第八条) from a file: every bad row reported, nothing written
    unless all rows are good; an out-of-scope volunteer reads like an unknown number."""
    from shegong.core.models import AuditEvent
    from shegong.volunteers.models import TrainingRecord
    from shegong.volunteers.services.transfer import TRAINING_COLUMNS

    a = kit.volunteer()
    south = kit.volunteer(region=kit.world.south_one, actor=kit.vm_south)
    day = (timezone.localdate() - timezone.timedelta(days=2)).isoformat()
    good = [
        [a.number, "应急救护培训", "心肺复苏", "4", "市红十字会", day],
        [a.number, "垃圾分类培训", "分类标准", "1.5", "区城管局", day.replace("-", "/")],
    ]
    bad = [
        *good,
        [south.number, "x", "y", "1", "z", day],
        [a.number, "", "", "0", "", "2099-01-01"],
    ]
    report = services.import_trainings(
        actor=kit.vm_north, rows=_rows(TRAINING_COLUMNS, bad), commit=True
    )
    assert not report.committed
    assert TrainingRecord.objects.count() == 0
    assert {e.row for e in report.errors} == {4, 5}
    assert report.errors[0].message == f"志愿者编号 {south.number} 不存在或不在您的管辖范围"
    assert {e.column for e in report.errors if e.row == 5} == {
        "培训名称",
        "主要内容",
        "学习时长",
        "举办单位",
        "培训日期",
    }
    rows = _rows(TRAINING_COLUMNS, good)
    dry = services.import_trainings(actor=kit.vm_north, rows=rows, commit=False)
    assert dry.ok
    assert dry.created == 2
    assert TrainingRecord.objects.count() == 0
    report = services.import_trainings(actor=kit.vm_north, rows=rows, commit=True)
    assert report.committed
    assert TrainingRecord.objects.filter(volunteer=a, status="valid").count() == 2
    assert TrainingRecord.objects.get(title="垃圾分类培训").hours == Decimal("1.50")
    event = AuditEvent.objects.get(action="volunteer_trainings_imported")
    assert event.changes["created"] == 2
    # a role without volunteers.manage cannot import
    with pytest.raises(PermissionDenied):
        services.import_trainings(actor=kit.world.leader, rows=rows, commit=True)
    assert TrainingRecord.objects.count() == 2


def test_training_import_page(kit: Any) -> None:
    from shegong.volunteers.models import TrainingRecord
    from shegong.volunteers.services.transfer import TRAINING_COLUMNS

    a = kit.volunteer()
    c = Client()
    c.force_login(kit.vm_north)
    data = xlsx_bytes(
        TRAINING_COLUMNS,
        [
            [
                a.number,
                "应急救护培训",
                "心肺复苏",
                "4",
                "市红十字会",
                timezone.localdate().isoformat(),
            ]
        ],
    )
    response = c.post("/volunteers/import/trainings/", {"file": SimpleUploadedFile("t.xlsx", data)})
    body = response.content.decode()
    assert "确认导入" in body
    token = body.split('name="token" value="')[1].split('"')[0]
    response = c.post("/volunteers/import/trainings/", {"token": token, "confirm": "1"})
    assert response.status_code == 302
    assert TrainingRecord.objects.get().volunteer_id == a.pk
    assert c.get("/volunteers/import/trainings/template/").status_code == 200


def _hours_row(number: str, day: str, title: str, hours: str) -> list[str]:
    return [number, day, title, "", hours, "339901001001", "北一社区", "补录", ""]


def test_hours_import_sums_the_daily_cap_across_rows_and_the_ledger(kit: Any) -> None:
    """每日上限 applies to a volunteer's whole day: rows of the file plus what is recorded."""
    a, b = kit.volunteer(), kit.volunteer()
    day = (timezone.localdate() - timezone.timedelta(days=4)).isoformat()
    first = [_hours_row(a.number, day, "上午巡河", "8")]
    assert services.import_hours(
        actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, first), commit=True
    ).committed
    rows = [
        _hours_row(b.number, day, "上午巡河", "7"),
        _hours_row(b.number, day, "下午巡河", "5"),  # 12 h: exactly the cap, fine
        _hours_row(a.number, day, "下午巡河", "3"),  # 8 recorded + 3 = 11, fine
        _hours_row(a.number, day, "晚间巡河", "2"),  # 13 > 12
        _hours_row(b.number, day, "夜间巡河", "0.5"),  # 12.5 > 12
    ]
    report = services.import_hours(actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, rows), commit=True)
    assert not report.committed
    assert {(e.row, e.column) for e in report.errors} == {(5, "服务时长"), (6, "服务时长")}
    message = next(e.message for e in report.errors if e.row == 5)
    assert "当日累计13小时" in message
    assert "已记录8小时" in message
    assert "每日12小时上限" in message
    assert HoursEntry.objects.filter(volunteer=b).count() == 0


def test_hours_import_refuses_rows_already_in_the_ledger_or_repeated(kit: Any) -> None:
    """Importing the same 补录 file twice, or a row twice, must not double the hours."""
    a = kit.volunteer()
    day = (timezone.localdate() - timezone.timedelta(days=6)).isoformat()
    rows = [_hours_row(a.number, day, "敬老院探访", "2"), _hours_row(a.number, day, "义诊", "2")]
    assert services.import_hours(
        actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, rows), commit=True
    ).committed
    again = services.import_hours(actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, rows), commit=True)
    assert not again.committed
    assert {e.row for e in again.errors} == {2, 3}
    assert all("已记录" in e.message for e in again.errors)
    twice = [_hours_row(a.number, day, "理发", "1"), _hours_row(a.number, day, "理发", "1")]
    report = services.import_hours(
        actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, twice), commit=False
    )
    assert [(e.row, "第2行" in e.message) for e in report.errors] == [(3, True)]
    # A reversed entry no longer blocks its correct re-import.
    entry = HoursEntry.objects.get(volunteer=a, title="义诊")
    services.reverse_entry(actor=kit.world.root, entry_id=entry.pk, reason="时长有误")
    redo = [_hours_row(a.number, day, "义诊", "2")]
    assert services.import_hours(
        actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, redo), commit=True
    ).committed
    a.refresh_from_db()
    assert a.total_hours == Decimal("4.00")


def test_a_reversed_entry_frees_its_hours_under_the_daily_cap(kit: Any) -> None:
    """Reversals count negative: 10 h recorded then reversed leaves the whole day free."""
    a = kit.volunteer()
    day = (timezone.localdate() - timezone.timedelta(days=5)).isoformat()
    first = [_hours_row(a.number, day, "防汛值守", "10")]
    assert services.import_hours(
        actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, first), commit=True
    ).committed
    more = [_hours_row(a.number, day, "夜间值守", "4")]
    refused = services.import_hours(
        actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, more), commit=False
    )
    assert [e.column for e in refused.errors] == ["服务时长"]
    entry = HoursEntry.objects.get(volunteer=a, title="防汛值守")
    services.reverse_entry(actor=kit.world.root, entry_id=entry.pk, reason="实际为4小时")
    assert services.import_hours(
        actor=kit.vm_north, rows=_rows(HOURS_COLUMNS, more), commit=True
    ).committed


def test_training_import_refuses_duplicates_and_audits_each_record(kit: Any) -> None:
    """The same training (volunteer, name, date) twice in the file or already recorded is a
    row error (记录办法 第三条: 真实、准确); each imported record has its own audit event
    next to the summary event, and records the importing unit."""
    from shegong.core.models import AuditEvent
    from shegong.volunteers.models import TrainingRecord
    from shegong.volunteers.services.transfer import TRAINING_COLUMNS

    a = kit.volunteer()
    day = timezone.localdate() - timezone.timedelta(days=2)
    services.add_training(
        actor=kit.vm_north,
        volunteer_id=a.pk,
        title="应急救护培训",
        content="心肺复苏",
        hours="4",
        organizer="市红十字会",
        held_on=day,
    )
    iso = day.isoformat()
    rows = _rows(
        TRAINING_COLUMNS,
        [
            [a.number, "应急救护培训", "心肺复苏", "4", "市红十字会", iso],  # already recorded
            [a.number, "垃圾分类培训", "分类标准", "1.5", "区城管局", iso],
            [a.number, "垃圾分类培训", "分类标准（重复）", "1.5", "区城管局", iso],  # row 3
        ],
    )
    report = services.import_trainings(actor=kit.vm_north, rows=rows, commit=True)
    assert not report.committed
    assert [(e.row, e.column) for e in report.errors] == [(2, "培训名称"), (4, "培训名称")]
    assert "已记录" in report.errors[0].message
    assert "第3行" in report.errors[1].message
    assert TrainingRecord.objects.count() == 1
    # a voided record does not block the import
    services.void_record(
        actor=kit.vm_north,
        kind="training",
        record_id=TrainingRecord.objects.get().pk,
        reason="误录",
    )
    report = services.import_trainings(actor=kit.vm_north, rows=rows[:2], commit=True)
    assert report.committed, report.errors
    imported = TrainingRecord.objects.filter(status="valid").order_by("pk")
    assert imported.count() == 2
    assert {r.recorder_unit_id for r in imported} == {kit.world.street_unit_n.pk}
    events = AuditEvent.objects.filter(action="volunteer_training_recorded").exclude(
        target_id=str(TrainingRecord.objects.filter(status="voided").get().pk)
    )
    assert sorted(e.target_id for e in events) == sorted(str(r.pk) for r in imported)
    assert {e.region_path for e in events} == {kit.world.north_one.path}
    assert all(e.changes["volunteer"] == a.pk for e in events)
    assert AuditEvent.objects.get(action="volunteer_trainings_imported").changes["created"] == 2
