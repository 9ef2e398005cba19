"""An entity that moves to another street takes its open findings along (edit, API, import
and the rules refresh), so the old street no longer sees them nor auto-resolves them."""

from __future__ import annotations

import io

import pytest

from shegong.core.tabular import read_table
from shegong.organizations.choices import FindingStatus
from shegong.organizations.models import Entity, Finding
from shegong.organizations.services import entities
from shegong.organizations.services.imports import IMPORT_COLUMNS, REQUIRED_COLUMNS, import_entities
from shegong.organizations.services.rules import run_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def northern_gap(world, make_entity):
    entity = make_entity(name="北迁南公司", employees=80)  # 北一社区, uncovered → a finding
    run_rules()
    finding = Finding.objects.get(entity=entity, status=FindingStatus.OPEN)
    assert finding.street_id == world.north.pk
    return entity, finding


def _assert_moved_south(world, client_for, finding) -> None:
    finding.refresh_from_db()
    assert finding.region_id == world.south_one.pk
    assert finding.region_path == world.south_one.path
    assert finding.street_id == world.south.pk
    north, south = client_for(world.street_north), client_for(world.street_south)
    assert north.get(f"/organizations/findings/{finding.pk}/").status_code == 404
    assert north.get(f"/api/organizations/findings/{finding.pk}").status_code == 404
    assert south.get(f"/organizations/findings/{finding.pk}/").status_code == 200
    assert south.get(f"/api/organizations/findings/{finding.pk}").status_code == 200
    # 重新检查 by the old street does not touch it; by the new street it stays open.
    assert north.post("/organizations/findings/run/").status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    run_rules(actor=world.street_south)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_edit_moves_the_open_findings(world, client_for, northern_gap) -> None:
    entity, finding = northern_gap
    entities.update_entity(actor=world.root, entity_id=entity.pk, region_id=world.south_one.pk)
    _assert_moved_south(world, client_for, finding)


def test_api_patch_moves_the_open_findings(world, client_for, northern_gap) -> None:
    entity, finding = northern_gap
    response = client_for(world.dept_admin).patch(
        f"/api/organizations/entities/{entity.pk}",
        data={"region_id": world.south_one.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    _assert_moved_south(world, client_for, finding)


def test_import_moves_the_open_findings(world, client_for, northern_gap) -> None:
    entity, finding = northern_gap
    values = dict.fromkeys(IMPORT_COLUMNS, "")
    values.update(
        {
            "统一社会信用代码": entity.credit_code,
            "名称": entity.name,
            "类型": "企业",
            "所在区划代码": world.south_one.code,
            "从业人员数": "80",
        }
    )
    data = (",".join(IMPORT_COLUMNS) + "\n" + ",".join(values.values()) + "\n").encode()
    rows = read_table(io.BytesIO(data), "x.csv", required=REQUIRED_COLUMNS).rows
    report = import_entities(actor=world.dept_admin, rows=rows, commit=True)
    assert report.committed, report.errors
    _assert_moved_south(world, client_for, finding)


def test_rules_refresh_repairs_a_stale_finding(world, client_for, northern_gap) -> None:
    """Rows moved before this fix (or by a raw data correction) are put right by the next run."""
    entity, finding = northern_gap
    Entity.objects.filter(pk=entity.pk).update(
        region=world.south_one, region_path=world.south_one.path, street=world.south
    )
    run_rules()
    _assert_moved_south(world, client_for, finding)


def test_a_scoped_run_never_resolves_a_subject_it_did_not_check(world, northern_gap) -> None:
    entity, finding = northern_gap
    # A stale row (as before the fix): the entity lives in the south, the finding says north.
    Entity.objects.filter(pk=entity.pk).update(
        region=world.south_one, region_path=world.south_one.path, street=world.south
    )
    run_rules(actor=world.street_north)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
