"""Open311 GET requests (JSON): filters, limits, time zones, and what a request shows
while it is handled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from shegong.appeals.choices import AppealKind, AppealStatus
from shegong.appeals.models import Appeal, WorkOrder
from shegong.appeals.services import workflow as wf
from tests.open311_client import Open311Client

from .open311_helpers import API, iso, refused, submit

pytestmark = pytest.mark.django_db

api = API


# --- search ----------------------------------------------------------------------------------


def test_search_filters(api: Open311Client, world: Any, make_appeal: Any) -> None:
    now = timezone.now()
    complaint, _ = make_appeal(now=now - timedelta(days=3))
    consult, _ = make_appeal(kind=AppealKind.HL_CONSULT, now=now - timedelta(days=2))
    rejected, _ = make_appeal(kind=AppealKind.HL_HELP, now=now - timedelta(days=1))
    old, _ = make_appeal(now=now - timedelta(days=120))
    wf.reject_appeal(
        actor=world.dispatcher, appeal_id=rejected.pk, reason="属于民事纠纷，张三请自行协商"
    )

    def numbers(**filters: Any) -> list[str]:
        return [r["service_request_id"] for r in api.search(**filters)]

    # default: last 90 days, newest first
    assert numbers() == [rejected.number, consult.number, complaint.number]
    assert numbers(status="open") == [consult.number, complaint.number]
    assert numbers(status="closed") == [rejected.number]
    assert numbers(status="open,closed") == [rejected.number, consult.number, complaint.number]
    assert numbers(service_code="hl_consult") == [consult.number]
    assert numbers(service_code=["hl_consult", "hl_complaint"]) == [
        consult.number,
        complaint.number,
    ]
    assert numbers(start_date=now - timedelta(days=2, hours=1)) == [rejected.number, consult.number]
    assert numbers(end_date=now - timedelta(days=1, hours=1)) == [consult.number, complaint.number]
    assert numbers(start_date=now - timedelta(days=130), end_date=now - timedelta(days=100)) == [
        old.number
    ]
    day = timezone.localtime(now - timedelta(days=2)).date().isoformat()
    assert consult.number in numbers(start_date=day, end_date=day)
    # ids override every other filter, including the default date window
    assert sorted(numbers(service_request_id=[old.number, consult.number], status="closed")) == (
        sorted([old.number, consult.number])
    )
    closed = api.get(rejected.number)
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "不予受理，理由已告知诉求人"
    assert closed["expected_datetime"] is None


def test_search_refuses_bad_filters(api: Open311Client, world: Any) -> None:
    assert refused(api.search, status="pending").status == 400
    assert refused(api.search, start_date="yesterday").status == 400
    assert refused(api.search, start_date="2026-13-01T00:00:00+08:00").status == 400
    assert refused(api.search, start_date="2026-03-01", end_date="2026-02-01").status == 400
    error = refused(api.search, start_date="2026-01-01", end_date="2026-06-01")
    assert (error.status, error.description) == (400, "查询的时间范围不能超过90天")
    assert refused(api.search, service_code="pothole").status == 404


def test_search_returns_at_most_max_results(
    api: Open311Client, world: Any, make_appeal: Any, monkeypatch: Any
) -> None:
    from shegong.appeals import open311

    for _ in range(3):
        make_appeal()
    monkeypatch.setattr(open311, "MAX_RESULTS", 2)
    assert len(api.search()) == 2


def test_unencoded_plus_in_timezone_is_understood(api: Open311Client, world: Any) -> None:
    submit(api, world)
    start = timezone.localtime() - timedelta(hours=1)
    status, data = api.raw(
        "GET", "requests", params={"start_date": start.isoformat().replace("+", " ")}
    )
    assert status == 200
    assert len(data) == 1


# --- handling --------------------------------------------------------------------------------


def test_expected_datetime_and_agency_after_dispatch(api: Open311Client, world: Any) -> None:
    created = submit(api, world)
    number = created["service_request_id"]
    appeal = Appeal.objects.get(number=number)
    before = api.get(number)
    assert before["expected_datetime"] == iso(appeal.triage_due_at)

    dispatched_at = timezone.now() + timedelta(minutes=30)
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        assist_unit_ids=[world.unit_b.pk],
        now=dispatched_at,
    )
    orders = WorkOrder.objects.filter(appeal=appeal)
    earliest = min(o.due_at for o in orders if o.due_at)
    after = api.get(number)
    assert after["expected_datetime"] == iso(earliest)
    assert after["expected_datetime"] != before["expected_datetime"]
    assert after["agency_responsible"] == "市住建局"
    assert after["status_notes"] == "已交由市住建局办理"
    assert after["service_notice"] == f"当前状态：{AppealStatus.DISPATCHED.label}"
    # the last step of the timeline, even though the row's updated_at is not touched by it
    assert after["updated_datetime"] == iso(dispatched_at)
