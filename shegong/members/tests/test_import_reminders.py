"""Roster import (dry run, commit, duplicate ID numbers, every bad cell in Chinese) and the
daily reminder job (pinned clock, idempotent)."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from shegong.core.models import Notification
from shegong.members.models import Member
from shegong.members.services.reminders import remind_development_deadlines
from shegong.members.services.transfer import import_members

from .conftest import id_number

pytestmark = pytest.mark.django_db


def _row(**kw: str) -> dict[str, str]:
    row = {
        "姓名": "王五",
        "身份证号": id_number(41),
        "党组织编码": "N-B1",
        "人员类别": "正式党员",
        "入党日期": "2012-07-01",
        "转正日期": "2013-07-01",
    }
    row.update(kw)
    return row


def test_dry_run_writes_nothing(world, party) -> None:
    report = import_members(actor=world.secretary, rows=[(2, _row())], commit=False)
    assert (report.ok, report.created, Member.objects.count()) == (True, 1, 0)


def test_commit_creates_the_records(world, party) -> None:
    rows = [(2, _row()), (3, _row(身份证号=id_number(43), 人员类别="预备党员", 转正日期=""))]
    import_members(actor=world.secretary, rows=rows, commit=True)
    assert sorted(Member.objects.values_list("stage", flat=True)) == ["full", "probationary"]


def test_duplicate_id_in_the_file_is_a_clear_error(world, party) -> None:
    report = import_members(actor=world.secretary, rows=[(2, _row()), (3, _row())], commit=True)
    assert [(e.row, e.message) for e in report.errors] == [(3, "身份证号与第 2 行重复")]


def test_duplicate_id_on_file_is_a_clear_error(world, party, make_member) -> None:
    make_member(party.branch, id_number=id_number(41))
    report = import_members(actor=world.secretary, rows=[(2, _row())], commit=True)
    assert [e.message for e in report.errors] == ["该身份证号已有党员档案（同一人只能有一份档案）"]


def test_any_error_commits_nothing(world, party) -> None:
    rows = [(2, _row()), (3, _row(身份证号=id_number(43), 党组织编码="S-B1"))]
    import_members(actor=world.secretary, rows=rows, commit=True)
    assert Member.objects.count() == 0


def test_branch_out_of_scope_is_reported(world, party) -> None:
    report = import_members(
        actor=world.secretary, rows=[(2, _row(党组织编码="S-B1"))], commit=False
    )
    assert [e.column for e in report.errors] == ["党组织编码"]


def test_every_bad_cell_of_a_row_is_listed(world, party) -> None:
    row = _row(身份证号="123", 入党日期="去年", 人员类别="党员")
    report = import_members(actor=world.secretary, rows=[(2, row)], commit=False)
    assert {e.column for e in report.errors} == {"身份证号", "入党日期", "人员类别"}


def _xlsx(rows: list[dict[str, str]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    headers = list(rows[0])
    sheet.append(headers)
    for row in rows:
        sheet.append([row[h] for h in headers])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "名册.xlsx"
    return out


def test_import_page_dry_run_then_commit(world, party, client_for) -> None:
    client = client_for(world.secretary)
    page = client.post("/members/import/", {"file": _xlsx([_row()])})
    token = page.context["token"]
    client.post("/members/import/", {"token": token, "confirm": "1"})
    assert Member.objects.filter(organization=party.branch).count() == 1


def test_import_error_file_masks_the_id(world, party, client_for) -> None:
    client = client_for(world.secretary)
    bad = _row(身份证号=id_number(41)[:-1] + "0" if id_number(41)[-1] != "0" else "1")
    page = client.post("/members/import/", {"file": _xlsx([bad])})
    response = client.get(f"/members/import/errors/?token={page.context['token']}")
    assert (response.status_code, bad["身份证号"].encode() in response.content) == (200, False)


def test_import_template_downloads(world, party, client_for) -> None:
    response = client_for(world.secretary).get("/members/import/template/")
    assert response.status_code == 200


# --- reminders ------------------------------------------------------------------------------


@pytest.fixture
def applicant(world, party, make_member):
    with time_machine.travel("2026-03-02 10:00 +0800", tick=False):
        return make_member(party.branch, "applicant", applied_on=date(2026, 3, 1))


def _notices(world) -> int:
    return Notification.objects.filter(user=world.secretary, title__contains="发展党员").count()


def test_no_reminder_before_the_window(world, applicant) -> None:
    remind_development_deadlines(today=date(2026, 3, 10))  # talk due 2026-04-01: 22 days
    assert _notices(world) == 0


def test_reminder_inside_the_window(world, applicant) -> None:
    remind_development_deadlines(today=date(2026, 3, 18))  # 14 days left
    assert _notices(world) == 1


def test_reminder_is_sent_once(world, applicant) -> None:
    remind_development_deadlines(today=date(2026, 3, 18))
    remind_development_deadlines(today=date(2026, 3, 18))
    remind_development_deadlines(today=date(2026, 3, 25))
    assert _notices(world) == 1


def test_overdue_sends_one_more(world, applicant) -> None:
    remind_development_deadlines(today=date(2026, 3, 18))
    remind_development_deadlines(today=date(2026, 4, 2))
    remind_development_deadlines(today=date(2026, 4, 3))
    assert _notices(world) == 2


def test_reminder_goes_to_the_branch_administrators_only(world, applicant) -> None:
    remind_development_deadlines(today=date(2026, 3, 18))
    assert (
        Notification.objects.filter(title__contains="发展党员")
        .exclude(user=world.secretary)
        .count()
        == 0
    )


def test_periodic_job_is_registered() -> None:
    from shegong.core.periodic import REGISTRY, _load_jobs

    _load_jobs()
    assert "members.remind_development_deadlines" in REGISTRY


def test_reminders_read_the_policy_once(world, party, make_member) -> None:
    with time_machine.travel("2026-03-02 10:00 +0800", tick=False):
        for _ in range(5):
            make_member(party.branch, "applicant", applied_on=date(2026, 3, 1))
    with CaptureQueriesContext(connection) as seen:
        remind_development_deadlines(today=date(2026, 3, 18))
    policy_reads = [q for q in seen.captured_queries if "members_memberspolicy" in q["sql"]]
    assert len(policy_reads) == 1
