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


@pytest.fixture
def assessed(party):
    return assessments.set_assessment(
        actor=party.world.secretary,
        member_id=party.member.pk,
        year=2026,
        category="salaried",
        base="3000.00",
    )


def test_member_page_warns_of_arrears(party, assessed, client_for):
    page = client_for(party.world.secretary).get(f"/dues/members/{party.member.pk}/")
    # January and February: March is not over yet.
    assert "欠缴 2 个月，共 30.00 元" in page.content.decode()


def test_paying_through_the_form_clears_the_warning(party, assessed, client_for):
    c = client_for(party.world.secretary)
    c.post(
        f"/dues/members/{party.member.pk}/pay/",
        {"months": ["2026-01", "2026-02", "2026-03"], "method": "cash", "paid_on": "2026-03-15"},
    )
    page = c.get(f"/dues/members/{party.member.pk}/")
    assert 'data-testid="dues-clear"' in page.content.decode()


def test_a_bad_month_keeps_the_form_with_a_chinese_error(party, assessed, client_for):
    c = client_for(party.world.secretary)
    page = c.post(
        f"/dues/members/{party.member.pk}/pay/",
        {"months": ["2025-12"], "method": "cash", "note": "季度缴纳"},
    )
    body = page.content.decode()
    assert (page.status_code, "2025年度尚未核定党费基数" in body, "季度缴纳" in body) == (
        422,
        True,
        True,
    )


def test_overpay_asks_for_confirmation_and_writes_nothing(party, assessed, client_for):
    c = client_for(party.world.secretary)
    c.post(f"/dues/members/{party.member.pk}/pay/", {"months": ["2026-01"], "method": "cash"})
    page = c.post(
        f"/dues/members/{party.member.pk}/pay/",
        {"months": ["2026-01"], "method": "cash", "amount": "20"},
    )
    assert ("确认多交" in page.content.decode(), DuesPayment.objects.count()) == (True, 1)


def test_branch_page_lists_who_owes(party, assessed, client_for):
    page = client_for(party.world.secretary).get(f"/dues/orgs/{party.branch.pk}/?year=2026")
    assert "1 名党员欠缴党费" in page.content.decode()


def test_committee_page_sums_the_subtree(party, assessed, client_for):
    page = client_for(party.world.street_north).get(f"/dues/orgs/{party.committee.pk}/?year=2026")
    assert "全年应交 180.00 元" in page.content.decode()


def test_hardship_list_offers_decision_to_the_superior_only(party, assessed, client_for):
    from shegong.dues.services import hardship

    hardship.propose_hardship(
        actor=party.world.secretary, assessment_id=assessed.pk, amount="0", reason="失业"
    )
    own = client_for(party.world.secretary).get("/dues/hardships/").content.decode()
    above = client_for(party.committee_secretary).get("/dues/hardships/").content.decode()
    assert ('value="approve"' in own, 'value="approve"' in above) == (False, True)


def test_five_complete_unpaid_months_do_not_warn_of_lapse_on_the_first(party, assessed, client_for):
    with time_machine.travel(date(2026, 6, 1), tick=False):
        c = client_for(party.world.secretary)
        member = c.get(f"/dues/members/{party.member.pk}/").content.decode()
        branch = c.get(f"/dues/orgs/{party.branch.pk}/?year=2026").content.decode()
    assert (
        'data-testid="org-totals"' in branch,
        'data-testid="lapse-warning"' in member,
        'data-testid="branch-lapse"' in branch,
    ) == (True, False, False)


def test_six_complete_unpaid_months_warn_of_lapse(party, assessed, client_for):
    with time_machine.travel(date(2026, 7, 1), tick=False):
        page = client_for(party.world.secretary).get(f"/dues/members/{party.member.pk}/")
    assert 'data-testid="lapse-warning"' in page.content.decode()


def test_a_far_year_on_the_pay_form_is_a_chinese_error(party, assessed, client_for):
    page = client_for(party.world.secretary).post(
        f"/dues/members/{party.member.pk}/pay/", {"months": ["99999-01"], "method": "cash"}
    )
    assert (page.status_code, "年度应在" in page.content.decode()) == (422, True)


def test_export_needs_the_export_capability(party, assessed, client_for, monkeypatch):
    from shegong.core.roles import ROLE_CAPABILITIES, Cap, Role

    caps = ROLE_CAPABILITIES[Role.BRANCH_SECRETARY] - {Cap.EXPORT}
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.BRANCH_SECRETARY, caps)
    c = client_for(party.world.secretary)
    page = c.get(f"/dues/orgs/{party.branch.pk}/?year=2026").content.decode()
    export = c.get(f"/dues/orgs/{party.branch.pk}/export/?year=2026")
    assert ('data-testid="dues-export"' in page, export.status_code) == (False, 403)


def test_committee_page_totals_its_children(party, assessed, client_for):
    page = client_for(party.world.street_north).get(f"/dues/orgs/{party.committee.pk}/?year=2026")
    assert "<td>1</td><td>1</td><td>0</td><td>180.00</td><td>0</td>" in page.content.decode()


def test_committee_page_caps_its_child_table(party, assessed, client_for, monkeypatch):
    from shegong.dues import testing
    from shegong.dues.services import totals

    testing.organization(
        party.world.root,
        code="D-B3",
        name="北二社区党支部",
        kind="branch",
        region_id=party.world.north_one.pk,
        parent_id=party.committee.pk,
    )
    monkeypatch.setattr(totals, "CHILD_LIMIT", 1)
    monkeypatch.setattr(totals.org_figures, "__kwdefaults__", {"limit": 1})
    page = client_for(party.world.street_north).get(f"/dues/orgs/{party.committee.pk}/?year=2026")
    assert "另有 1 个未列出" in page.content.decode()


def test_hardship_list_queries_do_not_grow_with_rows(
    party, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shegong.dues import testing
    from shegong.dues.services import hardship

    def propose(n):
        m = testing.member(party.branch, name=f"困难{n}", number=700 + n)
        a = assessments.set_assessment(
            actor=party.world.secretary, member_id=m.pk, year=2026, category="salaried", base="4000"
        )
        hardship.propose_hardship(
            actor=party.world.secretary, assessment_id=a.pk, amount="0", reason="失业"
        )

    c = client_for(party.committee_secretary)
    propose(1)
    with CaptureQueriesContext(connection) as one:
        c.get("/dues/hardships/")
    for n in range(2, 6):
        propose(n)
    with CaptureQueriesContext(connection) as five:
        c.get("/dues/hardships/")
    assert len(five) == len(one)
