"""The demo registry and organizations: through the services, realistic, rule findings."""

from __future__ import annotations

import pytest

from shegong.core.audit import verify_chain
from shegong.core.models import AuditEvent
from shegong.demo.appeals import APPEAL_COUNTS
from shegong.demo.generator import generate
from shegong.demo.organizations import ENTITY_COUNTS
from shegong.organizations.models import (
    CoverageSnapshot,
    Entity,
    Finding,
    OrgAdministrator,
    PartyOrganization,
    PlatformWorkforce,
)


@pytest.fixture
def small_demo(db, monkeypatch):
    monkeypatch.setitem(APPEAL_COUNTS, "small", 20)
    return generate("small", log=lambda _m: None)


def test_small_demo_builds_registry_and_organizations(small_demo) -> None:
    total = ENTITY_COUNTS["small"] + 4  # plus the four platform companies
    assert Entity.objects.count() == total
    assert AuditEvent.objects.filter(action="entities_imported").count() == 3
    assert set(Entity.objects.values_list("kind", flat=True)) >= {"enterprise", "social_org"}
    modes = set(Entity.objects.values_list("coverage_mode", flat=True))
    assert {"single", "none"} <= modes
    assert Entity.objects.filter(has_instructor=True).exists()
    # The 两新 side: 3 district 综合委员会 and 9 street 两新综合委员会 (the community
    # side's 街道党工委 and 社区党委 come from demo/party_branches.py, codes W… and C…).
    two_new = PartyOrganization.objects.filter(kind="committee").exclude(code__regex=r"^[WC]")
    assert two_new.count() == 3 + 9
    assert PartyOrganization.objects.filter(kind="branch").exists()
    assert PlatformWorkforce.objects.count() == 4 * 3
    # Three snapshots, coverage improving over them.
    snaps = list(CoverageSnapshot.objects.order_by("taken_on"))
    assert len(snaps) == 3
    rates = [
        sum(r.org_covered for r in s.rows.all()) / sum(r.total for r in s.rows.all()) for s in snaps
    ]
    assert rates[0] <= rates[1] <= rates[2]
    assert rates[0] < rates[2]
    assert Finding.objects.filter(rule="uncovered_large").exists()
    assert Finding.objects.filter(status="assigned").exists()
    assert OrgAdministrator.objects.filter(user__username="secretary").exists()
    assert verify_chain().ok
