from __future__ import annotations

from datetime import date

import pytest
import time_machine

from shegong.dues.models import DuesPayment
from shegong.dues.services import assessments

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 3, 15), tick=False):
        yield


def test_api_round_trip_assess_pay_reverse_status(party, client_for):
    c = client_for(party.world.secretary)
    made = c.post(
        "/api/dues/assessments",
        {"member_id": party.member.pk, "year": 2026, "category": "salaried", "base": "3000.00"},
        content_type="application/json",
    ).json()
    paid = c.post(
        "/api/dues/payments",
        {"member_id": party.member.pk, "months": ["2026-01", "2026-02"], "method": "online"},
        content_type="application/json",
    ).json()
    c.post(
        "/api/dues/reversals",
        {"payment_id": paid[1]["id"], "reason": "误登"},
        content_type="application/json",
    )
    status = c.get(f"/api/dues/status?member_id={party.member.pk}&through=2026-03").json()
    assert (made["monthly_amount"], len(paid), status[0]["months_in_arrears"]) == (
        "15.00",
        2,
        ["2026-02", "2026-03"],
    )


def test_api_paying_a_paid_month_is_a_chinese_error(party, client_for):
    assessments.set_assessment(
        actor=party.world.secretary, member_id=party.member.pk, year=2026, category="student"
    )
    c = client_for(party.world.secretary)
    body = {"member_id": party.member.pk, "months": ["2026-01"], "method": "cash"}
    c.post("/api/dues/payments", body, content_type="application/json")
    response = c.post("/api/dues/payments", body, content_type="application/json")
    assert (response.status_code >= 400, "已缴清" in str(response.json())) == (True, True)


def test_api_leader_cannot_record_a_payment(party, client_for):
    assessments.set_assessment(
        actor=party.world.secretary, member_id=party.member.pk, year=2026, category="student"
    )
    response = client_for(party.world.leader).post(
        "/api/dues/payments",
        {"member_id": party.member.pk, "months": ["2026-01"], "method": "cash"},
        content_type="application/json",
    )
    assert (response.status_code, DuesPayment.objects.count()) == (403, 0)


def test_branch_page_shows_the_lapse_banner(party, client_for):
    from shegong.dues.services import payments
    from shegong.lib.partyrules.months import Month

    for year in (2025, 2026):
        assessments.set_assessment(
            actor=party.world.secretary, member_id=party.member.pk, year=year, category="student"
        )
    payments.record_payment(
        actor=party.world.secretary,
        member_id=party.member.pk,
        months=[Month(2025, m) for m in range(1, 9)],
        method="cash",
    )
    # September 2025 – February 2026 unpaid: six complete months (March is not over).
    page = client_for(party.world.secretary).get(f"/dues/orgs/{party.branch.pk}/?year=2026")
    assert 'data-testid="branch-lapse"' in page.content.decode()


def test_status_from_a_queryset_is_three_queries(party, django_assert_num_queries):
    from shegong.dues.services.status import dues_status
    from shegong.lib.partyrules.months import Month
    from shegong.members.models import Member

    ids = Member.objects.filter(organization=party.branch).values("pk")
    with django_assert_num_queries(3):
        reports = dues_status(ids, Month(2026, 3))
    assert list(reports) == [party.member.pk]


def test_status_defaults_to_the_last_complete_month(party, client_for):
    assessments.set_assessment(
        actor=party.world.secretary, member_id=party.member.pk, year=2026, category="student"
    )
    status = client_for(party.world.secretary).get(f"/api/dues/status?member_id={party.member.pk}")
    assert (status.json()[0]["through"], status.json()[0]["months_in_arrears"]) == (
        "2026-02",
        ["2026-01", "2026-02"],
    )


def test_status_through_a_far_month_is_clamped_to_this_month(party, client_for):
    url = f"/api/dues/status?member_id={party.member.pk}&through=2027-12"
    status = client_for(party.world.secretary).get(url)
    assert status.json()[0]["through"] == "2026-03"


def test_status_through_a_far_year_is_a_chinese_error(party, client_for):
    url = f"/api/dues/status?member_id={party.member.pk}&through=9999-12"
    response = client_for(party.world.secretary).get(url)
    assert (response.status_code, "年度应在" in response.json()["detail"]) == (422, True)


def test_status_with_a_huge_member_id_is_422(party, client_for):
    response = client_for(party.world.secretary).get(
        "/api/dues/status?member_id=99999999999999999999"
    )
    assert response.status_code == 422


def test_api_payment_for_a_far_year_is_refused_in_chinese(party, client_for):
    response = client_for(party.world.secretary).post(
        "/api/dues/payments",
        {"member_id": party.member.pk, "months": ["99999-01"], "method": "cash"},
        content_type="application/json",
    )
    assert (response.status_code, "年度应在" in response.json()["detail"]) == (422, True)
