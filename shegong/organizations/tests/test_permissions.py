"""Permission matrix of the organizations app: roles × pages, and out-of-scope reads and
writes by URL, API and export (404, nothing changed, nothing audited)."""

from __future__ import annotations

import pytest

from shegong.core.models import AuditEvent
from shegong.organizations.choices import CoverageMode
from shegong.organizations.models import Entity, Finding, OrgAdministrator, PartyOrganization
from shegong.organizations.services import entities, orgs
from shegong.organizations.services.rules import run_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_streets(world, make_entity, make_org):
    north_org = make_org(kind="committee", region=world.north, code="N-DW")
    south_org = make_org(kind="committee", region=world.south, code="S-DW")
    south_branch = make_org(
        kind="branch", region=world.south_one, parent=south_org, code="S-B1", formal_members=8
    )
    north = make_entity(name="北方公司", employees=80)
    south = make_entity(region=world.south_one, name="南方公司", employees=80)
    covered_south = make_entity(region=world.south_one, name="南方有支部公司")
    entities.set_coverage(
        actor=world.root,
        entity_id=covered_south.pk,
        mode=CoverageMode.SINGLE,
        organization_id=south_branch.pk,
        formal_members=8,
    )
    instructor = entities.assign_instructor(actor=world.root, entity_id=south.pk, name="钱指导")
    entities.end_instructor(actor=world.root, instructor_id=instructor.pk)
    instructor = entities.assign_instructor(actor=world.root, entity_id=south.pk, name="孙指导")
    entities.update_entity(actor=world.root, entity_id=south.pk, employees=81)
    entities.end_instructor(actor=world.root, instructor_id=instructor.pk)
    instructor = entities.assign_instructor(actor=world.root, entity_id=south.pk, name="周指导")
    run_rules()
    return {
        "north_org": north_org,
        "south_org": south_org,
        "south_branch": south_branch,
        "north": north,
        "south": south,
        "covered_south": covered_south,
        "instructor": instructor,
        "south_finding": Finding.objects.filter(region_path__contains="339901002").first(),
    }


@pytest.mark.parametrize(
    ("persona", "url", "expected"),
    [
        ("dept_admin", "/organizations/", 200),
        ("dept_admin", "/organizations/policy/", 200),
        ("street_north", "/organizations/", 200),
        ("street_north", "/organizations/entities/import/", 200),
        ("street_north", "/organizations/policy/", 403),
        ("secretary", "/organizations/", 200),
        ("secretary", "/organizations/orgs/", 200),
        ("secretary", "/organizations/entities/import/", 403),
        ("secretary", "/organizations/entities/export/?format=csv", 403),
        ("leader", "/organizations/", 200),
        ("leader", "/organizations/coverage/export/", 200),
        ("leader", "/organizations/entities/import/", 403),
        ("auditor", "/organizations/", 403),
        ("auditor", "/organizations/entities/", 403),
        ("dispatcher", "/organizations/", 403),
        ("handler_unit_a", "/organizations/findings/", 403),
    ],
)
def test_page_access(world, client_for, persona, url, expected) -> None:
    assert client_for(world.users[persona]).get(url).status_code == expected


@pytest.mark.parametrize(
    "url", ["/organizations/findings/run/", "/organizations/coverage/snapshot/"]
)
def test_read_only_roles_cannot_trigger_jobs(world, client_for, url) -> None:
    events = AuditEvent.objects.count()
    assert client_for(world.leader).post(url).status_code == 403
    assert AuditEvent.objects.count() == events


def test_anonymous(client) -> None:
    assert client.get("/organizations/").status_code == 302
    assert client.get("/api/organizations/entities").status_code == 401


def test_out_of_scope_reads_are_404_by_url_and_api(world, two_streets, client_for) -> None:
    client = client_for(world.street_north)
    south = two_streets["south"]
    finding = two_streets["south_finding"]
    assert finding is not None
    for url in (
        f"/organizations/entities/{south.pk}/",
        f"/organizations/orgs/{two_streets['south_org'].pk}/",
        f"/organizations/findings/{finding.pk}/",
        f"/api/organizations/entities/{south.pk}",
        f"/api/organizations/orgs/{two_streets['south_org'].pk}",
        f"/api/organizations/findings/{finding.pk}",
        f"/api/organizations/entities/{south.pk}/instructors",
        f"/api/organizations/coverage?region={world.south.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/organizations/entities/{two_streets['north'].pk}/").status_code == 200
    # Passing a foreign region to the coverage page falls back to the user's own.
    page = client.get(f"/organizations/?region={world.south.pk}")
    assert page.context["root"] == world.north
    assert page.context["overall"].total == 1


def test_out_of_scope_writes_are_refused_and_change_nothing(world, two_streets, client_for) -> None:
    client = client_for(world.street_north)
    south = two_streets["south"]
    finding = two_streets["south_finding"]
    org = two_streets["south_org"]
    events = AuditEvent.objects.count()
    attempts = [
        client.post(
            f"/organizations/entities/{south.pk}/coverage/",
            {"mode": "none", "formal_members": 9, "probationary_members": 0},
        ),
        client.post(
            f"/organizations/entities/{south.pk}/edit/",
            {"name": "篡改", "kind": "enterprise", "employees": 1},
        ),
        client.post(
            f"/organizations/entities/{south.pk}/instructors/",
            {"name": "外人", "role": "instructor"},
        ),
        client.post(f"/organizations/instructors/{two_streets['instructor'].pk}/end/"),
        client.post(
            f"/organizations/orgs/{org.pk}/edit/",
            {"name": "篡改", "kind": "committee", "formal_members": 1, "probationary_members": 0},
        ),
        client.post(f"/organizations/orgs/{org.pk}/move/", {"new_parent_code": "N-DW"}),
        client.post(f"/organizations/orgs/{org.pk}/dissolve/", {"note": "x"}),
        client.post(f"/organizations/findings/{finding.pk}/close/", {"note": "篡改"}),
        client.post(
            f"/organizations/findings/{finding.pk}/assign/", {"assignee": world.street_north.pk}
        ),
        client.patch(
            f"/api/organizations/entities/{south.pk}",
            {"name": "篡改"},
            content_type="application/json",
        ),
        client.put(
            f"/api/organizations/entities/{south.pk}/coverage",
            {"mode": "none"},
            content_type="application/json",
        ),
        client.post(
            f"/api/organizations/findings/{finding.pk}/close",
            {"note": "x"},
            content_type="application/json",
        ),
        client.post(
            f"/api/organizations/orgs/{org.pk}/move",
            {"new_parent_id": two_streets["north_org"].pk},
            content_type="application/json",
        ),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    # Pointing an own entity at a foreign organization is refused as well.
    own = two_streets["north"]
    response = client.put(
        f"/api/organizations/entities/{own.pk}/coverage",
        {"mode": "attached", "organization_id": org.pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    south.refresh_from_db()
    finding.refresh_from_db()
    org.refresh_from_db()
    assert south.name == "南方公司"
    assert south.has_instructor
    assert finding.is_open
    assert org.name != "篡改"
    assert org.parent_id is None
    assert org.status == "active"
    assert Entity.objects.get(pk=own.pk).coverage_mode == "none"
    assert AuditEvent.objects.count() == events


def test_exports_and_api_lists_contain_only_the_scope(world, two_streets, client_for) -> None:
    client = client_for(world.street_north)
    for url in (
        "/organizations/entities/export/?format=csv",
        "/organizations/findings/export/?format=csv",
        "/organizations/orgs/export/?format=csv",
        "/organizations/coverage/export/?format=csv",
    ):
        body = client.get(url).content.decode("utf-8-sig")
        assert "南方" not in body, url
        assert "S-DW" not in body, url
    assert "北方公司" in client.get("/organizations/entities/export/?format=csv").content.decode()
    items = client.get("/api/organizations/entities").json()["items"]
    assert [i["name"] for i in items] == ["北方公司"]
    findings = client.get("/api/organizations/findings").json()["items"]
    assert findings
    assert all("南方" not in f["subject_name"] for f in findings)


def test_secretary_sees_their_organization_subtree(world, two_streets, client_for) -> None:
    secretary = world.secretary  # region: 北一社区
    client = client_for(secretary)
    branch = two_streets["south_branch"]
    assert client.get(f"/organizations/orgs/{branch.pk}/").status_code == 404
    OrgAdministrator.objects.create(user=secretary, organization=branch)
    client = client_for(secretary)
    assert client.get(f"/organizations/orgs/{branch.pk}/").status_code == 200
    assert (
        client.get(f"/organizations/entities/{two_streets['covered_south'].pk}/").status_code == 200
    )
    # …but not the parent, nor the uncovered southern entity.
    assert client.get(f"/organizations/orgs/{two_streets['south_org'].pk}/").status_code == 404
    assert client.get(f"/organizations/entities/{two_streets['south'].pk}/").status_code == 404
    visible = set(PartyOrganization.objects.visible_to(secretary).values_list("code", flat=True))
    assert visible == {"S-B1"}
    # The secretary can record their own branch's 换届 and it clears the committee finding.
    assert Finding.objects.filter(organization=branch, rule="no_committee", status="open").exists()
    response = client.post(
        f"/organizations/orgs/{branch.pk}/re-election/",
        {"on": "2026-06-01", "committee": "书记 甲\n组织委员 乙\n纪检委员 丙"},
    )
    assert response.status_code == 302
    run_rules(actor=secretary)
    assert not Finding.objects.filter(
        organization=branch, rule="no_committee", status="open"
    ).exists()


def test_move_rewrites_the_subtree_and_keeps_history(world, two_streets, make_org) -> None:
    general = make_org(kind="general_branch", region=world.north, parent=two_streets["north_org"])
    child = make_org(region=world.north_one, parent=general)
    orgs.move_organization(
        actor=world.root, org_id=general.pk, new_parent_id=two_streets["south_org"].pk, note="调整"
    )
    child.refresh_from_db()
    assert child.path.startswith(two_streets["south_org"].path)
    assert child.depth == 2
    history = general.history.get(kind="moved")
    assert "调整" in history.detail
    assert history.related == two_streets["south_org"]


def test_instructor_phone_reveal_is_scoped_and_audited(world, make_entity, client_for) -> None:
    north = make_entity()
    south = make_entity(region=world.south_one)
    mine = entities.assign_instructor(
        actor=world.root, entity_id=north.pk, name="甲", phone="13912345678"
    )
    theirs = entities.assign_instructor(
        actor=world.root, entity_id=south.pk, name="乙", phone="13800001111"
    )
    client = client_for(world.street_north)
    page = client.get(f"/organizations/entities/{north.pk}/").content.decode()
    assert "139****5678" in page
    assert "13912345678" not in page
    ok = client.post(f"/pii/organizations.Instructor/{mine.pk}/phone/", {"reason": "联系指导员"})
    assert ok.status_code == 200
    assert "13912345678" in ok.content.decode()
    assert AuditEvent.objects.filter(action="pii_revealed", target_id=str(mine.pk)).exists()
    denied = client.post(f"/pii/organizations.Instructor/{theirs.pk}/phone/", {"reason": "越权"})
    assert denied.status_code == 404
