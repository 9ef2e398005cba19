"""Administrator links widen a user's scope, so who may set them is restricted (issue:
a street clerk made themselves administrator of their committee whose child branch sits in
the southern street and so gained the southern company, its instructor phone and edits)."""

from __future__ import annotations

import pytest

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.organizations.choices import CoverageMode
from shegong.organizations.models import Entity, OrgAdministrator
from shegong.organizations.services import entities, orgs

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(world, make_org, make_entity):
    committee = make_org(kind="committee", region=world.north, code="N-WK", name="北街两新党委")
    branch = make_org(
        kind="branch", region=world.south_one, parent=committee, code="N-WK-S1", formal_members=5
    )
    company = make_entity(region=world.south_one, name="南方科技公司", employees=60)
    entities.set_coverage(
        actor=world.root,
        entity_id=company.pk,
        mode=CoverageMode.SINGLE,
        organization_id=branch.pk,
        formal_members=5,
    )
    instructor = entities.assign_instructor(
        actor=world.root, entity_id=company.pk, name="南指导", phone="13800002222"
    )
    return {"committee": committee, "branch": branch, "company": company, "ins": instructor}


def _assert_southern_hidden(world, client_for, scenario) -> None:
    client = client_for(world.users["street_north"])
    company, ins = scenario["company"], scenario["ins"]
    assert client.get(f"/organizations/entities/{company.pk}/").status_code == 404
    assert client.get(f"/api/organizations/entities/{company.pk}").status_code == 404
    assert client.get(f"/api/organizations/entities/{company.pk}/instructors").status_code == 404
    reveal = client.post(f"/pii/organizations.Instructor/{ins.pk}/phone/", {"reason": "看看"})
    assert reveal.status_code == 404
    edit = client.patch(
        f"/api/organizations/entities/{company.pk}",
        data={"name": "被改名"},
        content_type="application/json",
    )
    assert edit.status_code == 404
    assert Entity.objects.get(pk=company.pk).name == "南方科技公司"


def test_street_clerk_cannot_link_themselves_by_url(world, client_for, scenario) -> None:
    clerk = world.users["street_north"]
    client = client_for(clerk)
    committee = scenario["committee"]
    page = client.get(f"/organizations/orgs/{committee.pk}/").content.decode()
    assert "设为管理员" not in page
    response = client.post(
        f"/organizations/orgs/{committee.pk}/administrators/", {"username": clerk.username}
    )
    assert response.status_code == 302
    assert not OrgAdministrator.objects.filter(user=clerk).exists()
    assert not AuditEvent.objects.filter(action="org_administrator_set").exists()
    _assert_southern_hidden(world, client_for, scenario)


def test_street_clerk_cannot_link_a_colleague_either(world, scenario) -> None:
    with pytest.raises(DomainError, match="市级管理员"):
        orgs.set_org_administrator(
            actor=world.users["street_north"],
            org_id=scenario["committee"].pk,
            user_id=world.users["community_north"].pk,
        )
    assert not OrgAdministrator.objects.exists()


def test_nobody_links_themselves(world, scenario) -> None:
    admin = world.users["dept_admin"]
    with pytest.raises(DomainError, match="不能把自己"):
        orgs.set_org_administrator(actor=admin, org_id=scenario["committee"].pk, user_id=admin.pk)


def test_capability_holder_is_limited_to_their_region(world, scenario, monkeypatch) -> None:
    """A non-city actor with ORGS_ADMINS may link only trees lying wholly in their region."""
    from shegong.accounts.models import User
    from shegong.core.roles import ROLE_CAPABILITIES, Cap, Role

    granted = ROLE_CAPABILITIES[Role.STREET_STAFF] | {Cap.ORGS_ADMINS}
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.STREET_STAFF, granted)
    clerk = User.objects.get(username="street_north")
    colleague = world.users["community_north"]
    with pytest.raises(DomainError, match="不在您管辖区划内"):
        orgs.set_org_administrator(
            actor=clerk, org_id=scenario["committee"].pk, user_id=colleague.pk
        )
    # Only the covered entity outside: move the branch's region home, keep the company south.
    scenario["branch"].region = world.north_one
    scenario["branch"].save()
    with pytest.raises(DomainError, match="不在您管辖区划内"):
        orgs.set_org_administrator(
            actor=clerk, org_id=scenario["committee"].pk, user_id=colleague.pk
        )
    entities.set_coverage(
        actor=world.root, entity_id=scenario["company"].pk, mode=CoverageMode.NONE
    )
    link = orgs.set_org_administrator(
        actor=clerk, org_id=scenario["committee"].pk, user_id=colleague.pk
    )
    assert link.user == colleague


def test_city_admin_may_link_a_secretary(world, client_for, scenario) -> None:
    secretary = world.users["secretary"]
    client = client_for(world.users["dept_admin"])
    response = client.post(
        f"/organizations/orgs/{scenario['branch'].pk}/administrators/",
        {"username": secretary.username},
    )
    assert response.status_code == 302
    assert OrgAdministrator.objects.filter(user=secretary, organization=scenario["branch"]).exists()
    assert AuditEvent.objects.filter(action="org_administrator_set").count() == 1
