"""The secretary's page, the department's table, findings and policy: content and scope
(pages, API)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from shegong.compliance import testing as t
from shegong.compliance.models import ComplianceFinding, CompliancePolicy
from shegong.compliance.services.engine import run_compliance
from shegong.orglife.choices import MeetingKind

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 20, 10, tzinfo=timezone.get_fixed_timezone(480))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_secretary_lands_on_their_branch(world, branch, client_for) -> None:
    r = client_for(world.users["secretary"]).get(reverse("compliance:home"))
    assert r.url == reverse("compliance:branch", args=[branch.pk])


def test_branch_page_shows_the_missing_theme_day(world, branch, client_for) -> None:
    t.meeting(branch.pk, "theme_day", date(2026, 10, 10))
    t.meeting(branch.pk, "theme_day", date(2026, 11, 10))
    r = client_for(world.users["secretary"]).get(reverse("compliance:branch", args=[branch.pk]))
    assert "2026-12：缺 1 次，还剩 11 天" in r.content.decode()


def test_branch_page_lists_who_owes_dues(world, branch, client_for) -> None:
    m = t.member(branch.pk, joined=date(2020, 1, 1))
    t.assess(m, 2026, "10.00")
    for mo in range(1, 11):
        t.pay(m, date(2026, mo, 1))
    r = client_for(world.users["secretary"]).get(reverse("compliance:branch", args=[branch.pk]))
    assert "欠缴 1 个月，共 10.00 元" in r.content.decode()  # through November


def test_branch_page_counts_dues_collected_by_another_organization(
    world, branch, make_other_branch, client_for
) -> None:
    m = t.member(branch.pk, joined=date(2020, 1, 1))
    t.assess(m, 2026, "10.00")
    other = make_other_branch()
    for mo in range(1, 12):
        # May was paid at the old branch, before the transfer.
        t.pay(m, date(2026, mo, 1), org_id=other.pk if mo == 5 else None)
    r = client_for(world.users["secretary"]).get(reverse("compliance:branch", args=[branch.pk]))
    body = r.content.decode()
    assert "无欠缴" in body, body[body.find("需关注") : body.find("需关注") + 300]


def test_branch_page_masks_member_names(world, branch, client_for) -> None:
    m = t.member(branch.pk, joined=date(2020, 1, 1))
    run_compliance()
    r = client_for(world.users["secretary"]).get(reverse("compliance:branch", args=[branch.pk]))
    m.refresh_from_db()
    assert m.name.reveal() not in r.content.decode()


def test_branch_page_of_another_street_is_404(world, branch, client_for) -> None:
    r = client_for(world.users["street_south"]).get(reverse("compliance:branch", args=[branch.pk]))
    assert r.status_code == 404


def test_secretary_cannot_open_another_branch(world, make_other_branch, client_for) -> None:
    other = make_other_branch()
    r = client_for(world.users["secretary"]).get(reverse("compliance:branch", args=[other.pk]))
    assert r.status_code == 404


def test_handle_by_url_outside_scope_is_404(world, make_other_branch, client_for) -> None:
    other = make_other_branch()
    t.member(other.pk, joined=date(2025, 1, 1))
    run_compliance()
    f = ComplianceFinding.objects.filter(organization=other).first()
    r = client_for(world.users["secretary"]).post(
        reverse("compliance:finding-handle", args=[f.pk]), {"note": "越权"}
    )
    assert r.status_code == 404


def test_handle_marks_finding_handled(world, branch, client_for) -> None:
    t.member(branch.pk, joined=date(2025, 1, 1))
    run_compliance()
    f = ComplianceFinding.objects.filter(organization=branch, rule="lapse_risk").first()
    client_for(world.users["secretary"]).post(
        reverse("compliance:finding-handle", args=[f.pk]), {"note": "已谈话"}
    )
    f.refresh_from_db()
    assert f.status == "handled"


def test_table_groups_by_district_for_the_department(world, branch, client_for) -> None:
    run_compliance()
    r = client_for(world.dept_admin).get(reverse("compliance:table"))
    rows = r.context["rows"]
    assert [row["branches"] for row in rows] == [1]


def test_table_drills_down_to_the_branch(world, branch, client_for) -> None:
    run_compliance()
    street = world.north.pk
    r = client_for(world.dept_admin).get(
        reverse("compliance:table") + f"?by=branch&street={street}"
    )
    assert [row["label"] for row in r.context["rows"]] == ["北一社区党支部"]


def test_table_excludes_branches_outside_the_street(
    world, branch, make_other_branch, client_for
) -> None:
    make_other_branch()
    run_compliance()
    r = client_for(world.users["street_north"]).get(reverse("compliance:table") + "?by=branch")
    assert [row["label"] for row in r.context["rows"]] == ["北一社区党支部"]


def test_api_findings_are_scoped(world, branch, make_other_branch, client_for) -> None:
    other = make_other_branch()
    t.member(other.pk, joined=date(2025, 1, 1))
    t.member(branch.pk, joined=date(2025, 1, 1))
    run_compliance()
    r = client_for(world.users["secretary"]).get("/api/compliance/findings?limit=500")
    orgs = {item["organization_id"] for item in r.json()["items"]}
    assert orgs == {branch.pk}


def test_api_handle_outside_scope_is_404(world, make_other_branch, client_for) -> None:
    other = make_other_branch()
    t.member(other.pk, joined=date(2025, 1, 1))
    run_compliance()
    f = ComplianceFinding.objects.filter(organization=other).first()
    r = client_for(world.users["secretary"]).post(
        f"/api/compliance/branches/{other.pk}/findings/handle",
        {"finding_id": f.pk, "note": "越权"},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_api_handle_of_a_finding_of_another_branch_is_404(
    world, branch, make_other_branch, client_for
) -> None:
    other = make_other_branch()
    t.member(other.pk, joined=date(2025, 1, 1))
    run_compliance()
    f = ComplianceFinding.objects.filter(organization=other).first()
    r = client_for(world.users["secretary"]).post(
        f"/api/compliance/branches/{branch.pk}/findings/handle",
        {"finding_id": f.pk, "note": "越权"},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_api_table_by_sector_puts_two_new_first(world, branch, client_for) -> None:
    run_compliance()
    r = client_for(world.dept_admin).get("/api/compliance/table?by=sector")
    assert [row["label"] for row in r.json()] == ["其他党支部"]


def _policy_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "committee_min_formal": 7,
        "group_min_members": 10,
        "lapse_months": 6,
        "minutes_late_days": 10,
        "attendance_min_percent": 80,
        "escalate_after_days": 30,
        "expected_kinds": [k for k, _ in MeetingKind.choices],
    }
    for kind, row in CompliancePolicy.current().schedules.items():
        for i, v in enumerate(row):
            data[f"{kind}_{i}"] = v
    return {**data, **changes}


def test_policy_change_is_audited(world, client_for) -> None:
    from shegong.core.models import AuditEvent

    c = client_for(world.dept_admin)
    data = _policy_form()
    c.post(reverse("compliance:policy"), data)
    assert AuditEvent.objects.filter(action="compliance_policy_changed").count() == 1


def test_policy_rejects_a_bad_period(world, client_for) -> None:
    c = client_for(world.dept_admin)
    data = _policy_form()
    data["theme_day_0"] = 5
    r = c.post(reverse("compliance:policy"), data, follow=True)
    assert "周期月数须能整除12" in r.content.decode()


def test_secretary_cannot_change_policy(world, client_for) -> None:
    r = client_for(world.users["secretary"]).get(reverse("compliance:policy"))
    assert r.status_code == 403


def test_handle_ignores_an_offsite_next(world, branch, client_for) -> None:
    t.member(branch.pk, joined=date(2025, 1, 1))
    run_compliance()
    f = ComplianceFinding.objects.filter(organization=branch, rule="lapse_risk").first()
    r = client_for(world.users["secretary"]).post(
        reverse("compliance:finding-handle", args=[f.pk]),
        {"note": "已谈话", "next": "https://evil.example/"},
    )
    assert r.url == reverse("compliance:branch", args=[branch.pk])


def test_api_findings_limit_is_capped(world, branch, client_for) -> None:
    r = client_for(world.users["secretary"]).get("/api/compliance/findings?limit=100000")
    assert r.status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        "/api/compliance/table?year=9999999999999999&quarter=1",
        "/api/compliance/table?district=99999999999999999999",
        "/api/compliance/findings?organization_id=99999999999999999999",
        "/api/compliance/branches/99999999999999999999",
    ],
)
def test_api_out_of_range_numbers_are_422(world, client_for, url) -> None:
    r = client_for(world.users["street_north"]).get(url)
    assert r.status_code == 422


def test_policy_page_sets_the_committee_threshold(world, client_for) -> None:
    client_for(world.dept_admin).post(
        reverse("compliance:policy"), _policy_form(committee_min_formal=9)
    )
    assert CompliancePolicy.current().committee_min_formal == 9


def test_policy_page_narrows_the_expected_kinds(world, client_for) -> None:
    client_for(world.dept_admin).post(
        reverse("compliance:policy"), _policy_form(expected_kinds=["assembly", "lecture"])
    )
    assert CompliancePolicy.current().expected_kinds == ["assembly", "lecture"]


def test_policy_change_of_kinds_is_audited_with_the_field(world, client_for) -> None:
    from shegong.core.models import AuditEvent

    client_for(world.dept_admin).post(
        reverse("compliance:policy"), _policy_form(expected_kinds=["assembly"])
    )
    event = AuditEvent.objects.get(action="compliance_policy_changed")
    assert "expected_kinds" in event.changes


def test_policy_page_refuses_no_kind_at_all(world, client_for) -> None:
    r = client_for(world.dept_admin).post(
        reverse("compliance:policy"), _policy_form(expected_kinds=[]), follow=True
    )
    assert "请至少选择一种纳入合规检查的会议类型" in r.content.decode()


def test_policy_page_shows_the_kind_checkboxes_in_chinese(world, client_for) -> None:
    r = client_for(world.dept_admin).get(reverse("compliance:policy"))
    assert "检查支委会的正式党员数" in r.content.decode()


def test_findings_list_is_newest_first_and_counted(world, branch, client_for) -> None:
    """The department's findings list (hundreds of thousands at metro size) pages newest
    first with the capped count, filters kept in the pager's links."""
    run_compliance()
    newest = ComplianceFinding.objects.order_by("-opened_at", "-pk").first()
    total = ComplianceFinding.objects.filter(status__in=["open", "escalated"]).count()
    r = client_for(world.users["dept_admin"]).get(reverse("compliance:findings"))
    assert r.context["page"].object_list[0] == newest
    assert f"共 {total:,} 件" in r.content.decode()
