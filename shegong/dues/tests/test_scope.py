"""Another branch's secretary cannot read or change dues by URL, API or export."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from shegong.dues.models import DuesAssessment, DuesPayment
from shegong.dues.services import assessments, payments
from shegong.lib.partyrules.months import Month

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(date(2026, 3, 15), tick=False):
        yield


@pytest.fixture
def far(party):
    """The far member (南一) assessed and paid, by street_south."""
    a = assessments.set_assessment(
        actor=party.world.street_south,
        member_id=party.far_member.pk,
        year=2026,
        category="student",
    )
    (p,) = payments.record_payment(
        actor=party.world.street_south,
        member_id=party.far_member.pk,
        months=[Month(2026, 1)],
        method="cash",
    )
    return a, p


def test_member_page_of_another_branch_is_404(party, far, client_for):
    c = client_for(party.world.secretary)
    assert c.get(f"/dues/members/{party.far_member.pk}/").status_code == 404


def test_org_page_of_another_branch_is_404(party, far, client_for):
    c = client_for(party.world.secretary)
    assert c.get(f"/dues/orgs/{party.other.pk}/").status_code == 404


def test_export_of_another_branch_is_404(party, far, client_for):
    # Exports need the export right (street staff hold it, branch secretaries do not).
    c = client_for(party.world.street_north)
    assert c.get(f"/dues/orgs/{party.other.pk}/export/").status_code == 404


def test_payment_by_url_for_another_branch_is_404_and_writes_nothing(party, far, client_for):
    c = client_for(party.world.secretary)
    response = c.post(
        f"/dues/members/{party.far_member.pk}/pay/", {"months": ["2026-02"], "method": "cash"}
    )
    assert (response.status_code, DuesPayment.objects.count()) == (404, 1)


def test_reversal_by_url_of_another_branch_is_404_and_writes_nothing(party, far, client_for):
    c = client_for(party.world.secretary)
    response = c.post(f"/dues/payments/{far[1].pk}/reverse/", {"reason": "x"})
    assert (response.status_code, DuesPayment.objects.count()) == (404, 1)


def test_api_lists_leave_out_another_branch(party, far, client_for):
    c = client_for(party.world.secretary)
    body = c.get("/api/dues/payments").json()
    assert body == []


def test_api_assessment_for_another_branch_is_404(party, far, client_for):
    c = client_for(party.world.secretary)
    response = c.post(
        "/api/dues/assessments",
        {"member_id": party.far_member.pk, "year": 2026, "category": "farmer"},
        content_type="application/json",
    )
    assert (response.status_code, DuesAssessment.objects.get().category) == (404, "student")


def test_api_payment_for_another_branch_is_404(party, far, client_for):
    c = client_for(party.world.secretary)
    response = c.post(
        "/api/dues/payments",
        {"member_id": party.far_member.pk, "months": ["2026-02"], "method": "cash"},
        content_type="application/json",
    )
    assert (response.status_code, DuesPayment.objects.count()) == (404, 1)


def test_api_reversal_of_another_branch_is_404(party, far, client_for):
    c = client_for(party.world.secretary)
    response = c.post(
        "/api/dues/reversals",
        {"payment_id": far[1].pk, "reason": "x"},
        content_type="application/json",
    )
    assert (response.status_code, DuesPayment.objects.count()) == (404, 1)


def test_api_status_leaves_out_another_branch(party, far, client_for):
    c = client_for(party.world.secretary)
    body = c.get(f"/api/dues/status?member_id={party.far_member.pk}").json()
    assert body == []


def test_export_of_own_branch_masks_names(party, client_for):
    import io

    from openpyxl import load_workbook

    c = client_for(party.world.street_north)
    response = c.get(f"/dues/orgs/{party.branch.pk}/export/?year=2026")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.cell(row=4, column=2).value == "李**"
