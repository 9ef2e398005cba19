"""The volunteer, hours and training imports say what they ignore (issue #12 item 7)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from shegong.volunteers import services
from shegong.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db
CONFIRM = 'data-testid="confirm-import"'
# Service and training dates in these files must not be after "today".
PINNED = time_machine.travel("2026-03-16 10:00 +0800", tick=False)


@pytest.mark.parametrize("kind", ["volunteers", "hours", "trainings"])
def test_the_downloaded_template_passes_its_own_dry_run(
    kit: Any, client_for: Any, kind: str
) -> None:
    kit.volunteer()
    client = client_for(kit.vm_north)
    template = client.get(f"/volunteers/import/{kind}/template/")
    response = client.post(
        f"/volunteers/import/{kind}/", {"file": SimpleUploadedFile("模板.xlsx", template.content)}
    )
    report = response.context["report"]
    assert (report.total, report.errors, report.samples) == (1, [], [2])
    assert CONFIRM in response.content.decode()
    assert response.context["warnings"] == ["第 2 行是示例行，不会导入"]


def _confirm_template(client: Any, kind: str) -> None:
    template = client.get(f"/volunteers/import/{kind}/template/")
    response = client.post(
        f"/volunteers/import/{kind}/", {"file": SimpleUploadedFile("模板.xlsx", template.content)}
    )
    client.post(f"/volunteers/import/{kind}/", {"token": response.context["token"], "confirm": "1"})


def test_confirming_the_volunteer_template_registers_nobody(kit: Any, client_for: Any) -> None:
    """Review finding N1: the sample row is never written."""
    _confirm_template(client_for(kit.vm_north), "volunteers")
    assert Volunteer.objects.count() == 0


def test_confirming_the_hours_template_writes_no_ledger_entry(kit: Any, client_for: Any) -> None:
    from shegong.volunteers.models import HoursEntry

    kit.volunteer()
    _confirm_template(client_for(kit.vm_north), "hours")
    assert HoursEntry.objects.count() == 0


def test_confirming_the_training_template_writes_no_record(kit: Any, client_for: Any) -> None:
    from shegong.volunteers.models import TrainingRecord

    kit.volunteer()
    _confirm_template(client_for(kit.vm_north), "trainings")
    assert TrainingRecord.objects.count() == 0


def test_the_volunteer_template_looks_nothing_up_in_the_register(kit: Any, client_for: Any) -> None:
    """Review finding N2: fixed sample values, no blind-index lookup per candidate."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(kit.vm_north)
    with CaptureQueriesContext(connection) as queries:
        client.get("/volunteers/import/volunteers/template/")
    table = Volunteer._meta.db_table
    assert [q["sql"] for q in queries.captured_queries if table in q["sql"]] == []


@PINNED
def test_an_unknown_column_is_shown_on_the_dry_run_page(kit: Any, client_for: Any) -> None:
    volunteer = kit.volunteer()
    text = (
        "志愿者编号,服务日期,活动名称,服务时长,服务地点区域代码,服务小时数\n"
        f"{volunteer.number},2026-01-05,敬老院探访,2,339901001001,2\n"
    )
    response = client_for(kit.vm_north).post(
        "/volunteers/import/hours/", {"file": SimpleUploadedFile("h.csv", text.encode())}
    )
    body = response.content.decode()
    assert 'data-testid="import-warnings"' in body
    assert "第 F 列“服务小时数”不是本导入使用的列，该列的内容不会导入" in body


@pytest.mark.parametrize(
    ("kind", "header"),
    [
        ("volunteers", "姓名,身份证号,手机号码,居住区域代码"),
        ("hours", "志愿者编号,服务日期,活动名称,服务时长,服务地点区域代码"),
        ("trainings", "志愿者编号,培训名称,主要内容,学习时长,举办单位,培训日期"),
    ],
)
def test_a_header_only_file_offers_nothing_to_confirm(
    kit: Any, client_for: Any, kind: str, header: str
) -> None:
    response = client_for(kit.vm_north).post(
        f"/volunteers/import/{kind}/",
        {"file": SimpleUploadedFile("a.csv", (header + "\n").encode())},
    )
    body = response.content.decode()
    assert "文件中没有数据行" in body
    assert CONFIRM not in body


def test_a_missing_required_column_is_an_error(kit: Any, client_for: Any) -> None:
    text = "志愿者编号,培训名称,学习时长,举办单位,培训日期\nZY1,急救,2,红会,2026-01-05\n"
    response = client_for(kit.vm_north).post(
        "/volunteers/import/trainings/", {"file": SimpleUploadedFile("t.csv", text.encode())}
    )
    assert response.status_code == 422
    assert "缺少必填列：主要内容" in response.content.decode()


@PINNED
def test_negative_hours_say_so(kit: Any) -> None:
    volunteer = kit.volunteer()
    hours = services.import_hours(
        actor=kit.vm_north,
        rows=[
            (
                2,
                {
                    "志愿者编号": volunteer.number,
                    "服务日期": "2026-01-05",
                    "活动名称": "探访",
                    "服务时长": "-2",
                    "服务地点区域代码": "339901001001",
                },
            )
        ],
        commit=False,
    )
    assert [(e.column, e.message) for e in hours.errors] == [("服务时长", "服务时长不能为负数")]
    trainings = services.import_trainings(
        actor=kit.vm_north,
        rows=[
            (
                2,
                {
                    "志愿者编号": volunteer.number,
                    "培训名称": "急救",
                    "主要内容": "心肺复苏",
                    "学习时长": "-3",
                    "举办单位": "红十字会",
                    "培训日期": "2026-01-05",
                },
            )
        ],
        commit=False,
    )
    assert [(e.column, e.message) for e in trainings.errors] == [("学习时长", "学习时长不能为负数")]


@PINNED
def test_a_minor_without_consent_is_reported_under_the_file_column(kit: Any) -> None:
    from django.utils import timezone

    from .conftest import make_id, make_phone

    today = timezone.localdate()
    report = services.import_volunteers(
        actor=kit.vm_north,
        rows=[
            (
                2,
                {
                    "姓名": "小明",
                    "身份证号": make_id(today.replace(year=today.year - 15, day=1)),
                    "手机号码": make_phone(),
                    "居住区域代码": "339901001001",
                    "监护人姓名": "大明",
                    "监护人电话": "13600001111",
                    "监护人已同意": "否",
                },
            )
        ],
        commit=False,
    )
    assert [e.column for e in report.errors] == ["监护人已同意"]


def test_a_registered_id_is_reported_even_when_the_phone_is_bad(kit: Any) -> None:
    from .conftest import make_id

    id_number = make_id(date(1990, 5, 6))
    kit.volunteer(id_number=id_number)
    report = services.import_volunteers(
        actor=kit.vm_north,
        rows=[
            (
                2,
                {
                    "姓名": "甲",
                    "身份证号": id_number,
                    "手机号码": "12345",
                    "居住区域代码": "339901001001",
                },
            )
        ],
        commit=False,
    )
    assert [(e.column, e.message) for e in report.errors] == [
        ("手机号码", "请填写11位手机号码"),
        ("身份证号", "该身份证号已注册为志愿者"),
    ]
