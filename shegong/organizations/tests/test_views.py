"""Pages, exports and the API: render, act, and stay inside the user's scope."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from shegong.core.models import AuditEvent
from shegong.organizations.choices import CoverageMode
from shegong.organizations.models import CoverageSnapshot, Entity, Finding, PartyOrganization
from shegong.organizations.services import entities, orgs
from shegong.organizations.services.rules import run_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(world, make_entity, make_org):
    """Two streets with entities, a street 党工委 tree, and findings in both."""
    north_committee = make_org(
        kind="committee", region=world.north, code="N-DW", name="北街道党工委"
    )
    north_branch = make_org(
        parent=north_committee, code="N-B1", name="北一联合党支部", kind="joint_branch"
    )
    south_committee = make_org(
        kind="committee", region=world.south, code="S-DW", name="南街道党工委"
    )
    n1 = make_entity(name="北星科技", employees=120)
    n2 = make_entity(name="北辰物流", employees=20)
    s1 = make_entity(region=world.south_one, name="南山餐饮", employees=300)
    entities.set_coverage(
        actor=world.root, entity_id=n2.pk, mode=CoverageMode.JOINT, organization_id=north_branch.pk
    )
    run_rules()
    return {
        "north_committee": north_committee,
        "north_branch": north_branch,
        "south_committee": south_committee,
        "n1": n1,
        "n2": n2,
        "s1": s1,
    }


PAGES = [
    "/organizations/",
    "/organizations/entities/",
    "/organizations/entities/import/",
    "/organizations/orgs/",
    "/organizations/findings/",
    "/organizations/policy/",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_for_the_department(world, city, client_for, url) -> None:
    response = client_for(world.dept_admin).get(url)
    assert response.status_code == 200


def test_detail_pages_render(world, city, client_for) -> None:
    client = client_for(world.dept_admin)
    finding = Finding.objects.first()
    for url in (
        f"/organizations/entities/{city['n1'].pk}/",
        f"/organizations/orgs/{city['north_committee'].pk}/",
        f"/organizations/orgs/{city['north_branch'].pk}/",
        f"/organizations/findings/{finding.pk}/",
    ):
        assert client.get(url).status_code == 200, url


def test_coverage_page_figures_and_drill_down(world, city, client_for) -> None:
    body = client_for(world.dept_admin).get(f"/organizations/?region={world.district.pk}")
    text = body.content.decode()
    assert body.context["overall"].total == 3
    assert body.context["overall"].org_covered == 1
    assert body.context["overall"].org_rate == 33.3
    rows = {r.code: f for r, f in body.context["data"].by_region}
    assert rows["339901001"].total == 2
    assert rows["339901002"].total == 1
    assert "北街道" in text
    assert "coverage-chart-data" in text
    street = client_for(world.street_north).get("/organizations/")
    assert street.context["overall"].total == 2
    assert "南山餐饮" not in street.content.decode()


def test_snapshot_button_and_trend(world, city, client_for) -> None:
    client = client_for(world.dept_admin)
    response = client.post("/organizations/coverage/snapshot/", {"next": "/organizations/"})
    assert response.status_code == 302
    snap = CoverageSnapshot.objects.get()
    assert snap.source == "manual"
    page = client.get("/organizations/")
    assert page.context["trend"][0]["org_rate"] == 33.3
    # A street user's trend only sums their own street's rows.
    north = client_for(world.street_north).get("/organizations/")
    assert north.context["trend"][0]["total"] == 2
    # Taking it again the same day replaces it.
    client.post("/organizations/coverage/snapshot/")
    assert CoverageSnapshot.objects.count() == 1
    # The trend follows region and type only: with an industry or size filter it says so.
    assert "trend-filter-note" not in page.content.decode()
    assert "trend-filter-note" not in client.get("/organizations/?kind=enterprise").content.decode()
    for query in ("industry=I", "size_band=small"):
        filtered = client.get(f"/organizations/?{query}").content.decode()
        assert "趋势按区划和类型统计，未按行业/规模筛选" in filtered


def test_coverage_export_xlsx(world, city, client_for) -> None:
    response = client_for(world.street_north).get("/organizations/coverage/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "维度"
    assert rows[1][2] == 2  # the street's two entities only
    assert AuditEvent.objects.filter(
        action="data_exported", target_type="organizations.coverage"
    ).exists()


def test_set_coverage_through_the_page(world, city, client_for) -> None:
    client = client_for(world.street_north)
    response = client.post(
        f"/organizations/entities/{city['n1'].pk}/coverage/",
        {
            "mode": "attached",
            "organization_code": "N-DW",
            "formal_members": 2,
            "probationary_members": 1,
        },
    )
    assert response.status_code == 302
    e = Entity.objects.get(pk=city["n1"].pk)
    assert e.coverage_mode == "attached"
    assert e.organization == city["north_committee"]


def test_findings_assign_and_close_through_the_pages(world, city, client_for) -> None:
    client = client_for(world.street_north)
    finding = Finding.objects.get(entity=city["n1"])
    response = client.post(
        f"/organizations/findings/{finding.pk}/assign/",
        {"assignee": world.street_north.pk, "due_on": "2099-01-01", "note": "请联系企业"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == "assigned"
    assert finding.assignee == world.street_north
    # Assigning to someone who cannot see it is refused.
    client.post(
        f"/organizations/findings/{finding.pk}/assign/", {"assignee": world.street_south.pk}
    )
    finding.refresh_from_db()
    assert finding.assignee == world.street_north
    client.post(f"/organizations/findings/{finding.pk}/close/", {"note": ""})
    finding.refresh_from_db()
    assert finding.is_open
    client.post(f"/organizations/findings/{finding.pk}/close/", {"note": "已选派指导员"})
    finding.refresh_from_db()
    assert finding.status == "closed"
    assert finding.close_note == "已选派指导员"


def test_org_pages_move_merge_re_election(world, city, client_for) -> None:
    client = client_for(world.dept_admin)
    branch = city["north_branch"]
    client.post(
        f"/organizations/orgs/{branch.pk}/re-election/",
        {"on": "2026-01-05", "committee": "书记 张三\n组织委员 李四\n宣传委员 王五"},
    )
    branch.refresh_from_db()
    assert branch.term_started_on == date(2026, 1, 5)
    assert branch.committee.filter(ended_on__isnull=True).count() == 3
    client.post(
        f"/organizations/orgs/{branch.pk}/move/", {"new_parent_code": "S-DW", "note": "属地调整"}
    )
    branch.refresh_from_db()
    assert branch.parent == city["south_committee"]
    assert branch.path.startswith(city["south_committee"].path)
    assert branch.history.filter(kind="moved").exists()
    other = orgs.create_organization(
        actor=world.root,
        code="S-B2",
        name="南二党支部",
        kind="branch",
        region_id=world.south.pk,
        parent_id=city["south_committee"].pk,
        formal_members=4,
    )
    client.post(f"/organizations/orgs/{other.pk}/merge/", {"target_code": branch.code})
    other.refresh_from_db()
    branch.refresh_from_db()
    assert other.status == "merged"
    assert other.merged_into == branch
    assert branch.formal_members == 4
    assert "并入" in client.get(f"/organizations/orgs/{other.pk}/").content.decode()


def test_re_election_form_errors_are_shown(world, city, client_for) -> None:
    client = client_for(world.dept_admin)
    response = client.post(
        f"/organizations/orgs/{city['north_branch'].pk}/re-election/",
        {"on": "2026-01-05", "committee": "组长 张三"},
        follow=True,
    )
    assert "职务 姓名" in response.content.decode()


def test_import_page_dry_run_then_commit(world, client_for) -> None:
    from shegong.organizations.testing import credit_code

    client = client_for(world.street_north)
    header = "统一社会信用代码,名称,类型,所在区划代码,从业人员数\n"
    bad = (
        header + f"{credit_code(1)},甲,企业,339901001001,10\n123,乙,企业,339901001001,5\n"
    ).encode("gbk")
    upload = io.BytesIO(bad)
    upload.name = "名录.csv"
    response = client.post("/organizations/entities/import/", {"file": upload})
    assert response.status_code == 200
    assert [e.row for e in response.context["report"].errors] == [3]
    good = (header + f"{credit_code(1)},甲,企业,339901001001,10\n").encode("gbk")
    upload = io.BytesIO(good)
    upload.name = "名录.csv"
    response = client.post("/organizations/entities/import/", {"file": upload})
    token = response.context["token"]
    assert Entity.objects.count() == 0
    response = client.post("/organizations/entities/import/", {"token": token, "confirm": "1"})
    assert response.status_code == 302
    assert Entity.objects.get().name == "甲"


def test_template_download(world, client_for) -> None:
    response = client_for(world.dept_admin).get("/organizations/entities/import/template/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert next(sheet.iter_rows(values_only=True))[0] == "统一社会信用代码"


def test_policy_page_saves(world, client_for) -> None:
    from shegong.organizations.services.policy import FIELDS

    data = dict.fromkeys(FIELDS, "3")
    data.update(committee_threshold="8", term_grace_days="30", large_entity_employees="100")
    data.update(general_branch_threshold="50", party_committee_threshold="100")
    data.update(term_reminder_first_months="6", term_reminder_second_months="0")
    client_for(world.dept_admin).post("/organizations/policy/", data)
    from shegong.organizations.models import CoveragePolicy

    assert CoveragePolicy.current().committee_threshold == 8
    assert AuditEvent.objects.filter(action="coverage_policy_changed").exists()


def test_api_lists_and_actions(world, city, client_for) -> None:
    client = client_for(world.street_north)
    listing = client.get("/api/organizations/entities").json()
    assert {i["name"] for i in listing["items"]} == {"北星科技", "北辰物列".replace("列", "流")}
    cov = client.get(f"/api/organizations/coverage?region={world.north.pk}").json()
    assert cov["overall"]["total"] == 2
    assert cov["overall"]["org_covered"] == 1
    finding = Finding.objects.get(entity=city["n1"])
    closed = client.post(
        f"/api/organizations/findings/{finding.pk}/close",
        {"note": "已联系"},
        content_type="application/json",
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    run = client.post("/api/organizations/findings/run").json()
    assert run["opened"] == 1  # the condition still holds: a new finding
    put = client.put(
        f"/api/organizations/entities/{city['n1'].pk}/coverage",
        {"mode": "single", "organization_id": city["north_committee"].pk, "formal_members": 5},
        content_type="application/json",
    )
    assert put.status_code == 200
    assert put.json()["coverage_mode"] == "single"
    bad = client.put(
        f"/api/organizations/entities/{city['n1'].pk}/coverage",
        {"mode": "single"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    schema = client.get("/api/openapi.json").json()
    assert "/api/organizations/coverage" in schema["paths"]
    assert PartyOrganization.objects.count() == 3
    assert run_rules  # imported for parity with the services tests


def test_org_administrator_and_workforce_pages(world, city, client_for) -> None:
    from shegong.organizations.models import OrgAdministrator, PlatformWorkforce

    client = client_for(world.dept_admin)
    branch = city["north_branch"]
    client.post(f"/organizations/orgs/{branch.pk}/administrators/", {"username": "secretary"})
    link = OrgAdministrator.objects.get(organization=branch)
    assert link.user == world.secretary
    assert "secretary" in client.get(f"/organizations/orgs/{branch.pk}/").content.decode()
    client.post(f"/organizations/orgs/{branch.pk}/administrators/{link.pk}/remove/")
    assert not OrgAdministrator.objects.exists()
    from shegong.organizations.testing import credit_code

    platform = entities.create_entity(
        actor=world.root,
        credit_code=credit_code(4242),
        name="外卖平台",
        kind="platform",
        region_id=world.north.pk,
    )
    client.post(
        f"/organizations/entities/{platform.pk}/workforce/",
        {
            "region_code": "339901",
            "group": "delivery_rider",
            "workers": "1200",
            "formal_members": "30",
        },
    )
    row = PlatformWorkforce.objects.get()
    assert (row.workers, row.formal_members, row.region) == (1200, 30, world.district)
    page = client.get(f"/organizations/entities/{platform.pk}/").content.decode()
    assert "外卖骑手" in page


def test_htmx_requests_get_the_table_partials(world, city, client_for) -> None:
    client = client_for(world.dept_admin)
    for url, marker in (
        ("/organizations/entities/?q=北", 'data-testid="entity-table"'),
        ("/organizations/orgs/?kind=committee", 'data-testid="org-table"'),
        ("/organizations/findings/?status=active", 'data-testid="finding-table"'),
    ):
        body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert marker in body
        assert "<html" not in body


def test_list_queries_do_not_grow_with_rows(
    world, city, client_for, make_entity, django_assert_max_num_queries
) -> None:
    client = client_for(world.dept_admin)
    client.get("/organizations/entities/")
    for i in range(30):
        make_entity(name=f"批量{i}")
    with django_assert_max_num_queries(12):
        client.get("/organizations/entities/")
    with django_assert_max_num_queries(12):
        client.get("/organizations/findings/")


def test_periodic_jobs_are_registered_and_run(world, city) -> None:
    from shegong.core.periodic import REGISTRY, _load_jobs
    from shegong.organizations.models import CoverageCell
    from shegong.organizations.tasks import run_coverage_rules, take_coverage_snapshot

    _load_jobs()
    assert {"organizations.rules", "organizations.snapshot"} <= set(REGISTRY)
    CoverageCell.objects.all().delete()  # e.g. an out-of-band change: the nightly job heals
    take_coverage_snapshot.call()
    assert CoverageCell.objects.exists()
    assert CoverageSnapshot.objects.get().source == "periodic"
    assert run_coverage_rules.call()["opened"] == 0  # the fixture already ran the rules
