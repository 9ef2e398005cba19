"""Bad numbers and explicit nulls are refused with a Chinese 422 (never a 500 from a CHECK
constraint), by the API schemas and again by the services; nothing is changed."""

from __future__ import annotations

import json
import re

import pytest

from shegong.core.exceptions import DomainError
from shegong.organizations.models import Entity, PartyOrganization, PlatformWorkforce
from shegong.organizations.services import entities, orgs

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _send(client, method: str, url: str, body: dict) -> object:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def _refused(response) -> None:
    assert 400 <= response.status_code < 500, response.content
    assert CHINESE.search(json.dumps(response.json(), ensure_ascii=False)), response.json()


@pytest.fixture
def rows(world, make_entity, make_org):
    entity = make_entity(name="甲公司", employees=12)
    platform = make_entity(name="乙平台", kind="platform")
    org = make_org(code="V-1", formal_members=4)
    return entity, platform, org


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("patch", "/api/organizations/entities/{entity}", {"employees": -5}),
        (
            "post",
            "/api/organizations/entities",
            {
                "credit_code": "x",
                "name": "丙",
                "kind": "enterprise",
                "region_id": 0,
                "employees": -1,
            },
        ),
        (
            "put",
            "/api/organizations/entities/{entity}/coverage",
            {"mode": "none", "formal_members": -2},
        ),
        (
            "put",
            "/api/organizations/entities/{entity}/coverage",
            {"mode": "none", "probationary_members": -1},
        ),
        (
            "put",
            "/api/organizations/entities/{platform}/workforce",
            {"region_id": 0, "group": "delivery_rider", "workers": -10},
        ),
        (
            "put",
            "/api/organizations/entities/{platform}/workforce",
            {"region_id": 0, "group": "delivery_rider", "workers": 10, "formal_members": -1},
        ),
        (
            "post",
            "/api/organizations/orgs",
            {"code": "V-2", "name": "丁", "kind": "branch", "region_id": 0, "formal_members": -3},
        ),
        (
            "post",
            "/api/organizations/orgs",
            {"code": "V-2", "name": "丁", "kind": "branch", "region_id": 0, "term_years": 0},
        ),
        ("patch", "/api/organizations/orgs/{org}", {"formal_members": -1}),
        ("patch", "/api/organizations/orgs/{org}", {"probationary_members": -1}),
        ("patch", "/api/organizations/orgs/{org}", {"term_years": -3}),
        ("patch", "/api/organizations/orgs/{org}", {"term_years": 99}),
        ("patch", "/api/organizations/orgs/{org}", {"formal_members": None}),
        ("patch", "/api/organizations/orgs/{org}", {"name": None}),
        ("patch", "/api/organizations/orgs/{org}", {"kind": None}),
        ("patch", "/api/organizations/orgs/{org}", {"is_community": None}),
        ("patch", "/api/organizations/orgs/{org}", {"note": None}),
    ],
)
def test_api_refuses_with_a_chinese_message_and_changes_nothing(
    world, client_for, rows, method, url, body
) -> None:
    entity, platform, org = rows
    if "region_id" in body:
        body["region_id"] = world.north_one.pk
    if body.get("credit_code") == "x":
        from shegong.organizations.testing import credit_code

        body["credit_code"] = credit_code(4242)
    before = (
        list(Entity.objects.order_by("pk").values()),
        list(PartyOrganization.objects.order_by("pk").values()),
        PlatformWorkforce.objects.count(),
    )
    client = client_for(world.dept_admin)
    _refused(
        _send(client, method, url.format(entity=entity.pk, platform=platform.pk, org=org.pk), body)
    )
    after = (
        list(Entity.objects.order_by("pk").values()),
        list(PartyOrganization.objects.order_by("pk").values()),
        PlatformWorkforce.objects.count(),
    )
    assert after == before


def test_org_patch_may_still_clear_nullable_fields(world, client_for, rows) -> None:
    _, _, org = rows
    orgs.update_organization(actor=world.root, org_id=org.pk, term_years=5)
    response = _send(
        client_for(world.dept_admin),
        "patch",
        f"/api/organizations/orgs/{org.pk}",
        {"term_years": None},
    )
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert org.term_years is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda w, e, p, o: entities.update_entity(actor=w.root, entity_id=e.pk, employees=-5),
            "从业人员数不能为负数",
        ),
        (
            lambda w, e, p, o: entities.set_coverage(
                actor=w.root, entity_id=e.pk, mode="none", formal_members=-1
            ),
            "正式党员数不能为负数",
        ),
        (
            lambda w, e, p, o: entities.set_workforce(
                actor=w.root,
                platform_id=p.pk,
                region_id=w.north_one.pk,
                group="delivery_rider",
                workers=-1,
            ),
            "从业人数不能为负数",
        ),
        (
            lambda w, e, p, o: orgs.update_organization(
                actor=w.root, org_id=o.pk, probationary_members=-1
            ),
            "预备党员数不能为负数",
        ),
        (
            lambda w, e, p, o: orgs.update_organization(actor=w.root, org_id=o.pk, term_years=0),
            "任期年限",
        ),
        (
            lambda w, e, p, o: orgs.update_organization(actor=w.root, org_id=o.pk, name=None),
            "名称不能为空",
        ),
        (
            lambda w, e, p, o: orgs.update_organization(
                actor=w.root, org_id=o.pk, formal_members=None
            ),
            "正式党员数不能为空",
        ),
    ],
)
def test_services_refuse_the_same(world, rows, call, message) -> None:
    entity, platform, org = rows
    with pytest.raises(DomainError, match=message):
        call(world, entity, platform, org)
